"""Retry-After, read one way by the probe, the on-fail webhook and watch's channels."""

from __future__ import annotations

from email.utils import formatdate

import pytest

from launchgate.retry_after import parse_retry_after

NOW = 1_800_000_000.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [("7", 7.0), (" 2.5 ", 2.5), ("0", 0.0), ("-3", 0.0), ("120", 60.0), ("1e9", 60.0)],
)
def test_delay_seconds_are_clamped_to_the_cap(value: str, expected: float) -> None:
    assert parse_retry_after(value, cap_s=60.0) == expected


def test_an_http_date_is_the_time_left_until_it() -> None:
    in_twelve = formatdate(NOW + 12, usegmt=True)
    assert parse_retry_after(in_twelve, cap_s=60.0, now=NOW) == pytest.approx(12.0)


def test_a_date_in_the_past_means_now_and_a_far_one_the_cap() -> None:
    assert parse_retry_after(formatdate(NOW - 30, usegmt=True), cap_s=60.0, now=NOW) == 0.0
    assert parse_retry_after(formatdate(NOW + 86_400, usegmt=True), cap_s=60.0, now=NOW) == 60.0


@pytest.mark.parametrize("value", [None, "", "  ", "soon", "nan", "Fri, 99 Foo 2026 25:61:00"])
def test_absent_or_unreadable_is_none_so_the_callers_backoff_applies(value: str | None) -> None:
    assert parse_retry_after(value, cap_s=60.0) is None

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from launchgate.config.units import (
    format_duration,
    parse_duration_s,
    parse_percent,
    parse_size_bytes,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("500ms", 0.5),
        ("20s", 20.0),
        ("2m", 120.0),
        ("1h", 3600.0),
        ("7d", 604800.0),
        ("1.5s", 1.5),
        (" 30 s ", 30.0),
        (3, 3.0),
        (0.25, 0.25),
        ("7", 7.0),
    ],
)
def test_durations_people_write(text, seconds):
    assert parse_duration_s(text) == pytest.approx(seconds)


@pytest.mark.parametrize("bad", ["", "fast", "5 minutes", "-1s", -3, True, None, "1w", math.nan])
def test_bad_durations_say_what_is_expected(bad):
    with pytest.raises(ValueError, match="500ms, 20s, 2m"):
        parse_duration_s(bad)


@pytest.mark.parametrize(("text", "pct"), [("20%", 20.0), ("2.5 %", 2.5), (20, 20.0), ("0%", 0.0)])
def test_percentages(text, pct):
    assert parse_percent(text) == pct


@pytest.mark.parametrize("bad", ["20", "twenty%", "%", -5, False])
def test_bad_percentages(bad):
    if bad == "20":  # a bare number in a string is accepted like a bare number
        assert parse_percent(bad) == 20.0
        return
    with pytest.raises(ValueError, match="20%"):
        parse_percent(bad)


@pytest.mark.parametrize(
    ("text", "size"), [("1MiB", 1048576), ("64KiB", 65536), ("1MB", 10**6), (512, 512), ("10", 10)]
)
def test_sizes(text, size):
    assert parse_size_bytes(text) == size


@given(st.integers(min_value=0, max_value=10**6))
def test_format_then_parse_round_trips_whole_milliseconds(ms):
    seconds = ms / 1000
    assert parse_duration_s(format_duration(seconds)) == pytest.approx(seconds, abs=0.051)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.5, "500ms"),
        (0.0005, "0.5ms"),  # probe.compare.floor's default; once written "0ms"
        (120, "2m"),
        (90, "90s"),
        (1.5, "1.5s"),
        (7200, "2h"),
        (7 * 86400, "7d"),
        (math.nan, "?"),
        (math.inf, "?"),
    ],
)
def test_a_limit_reads_as_the_config_spells_it(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.0, "0.00 s"), (2.345, "2.35 s"), (9.99, "9.99 s"), (12.34, "12.3 s"), (math.nan, "?")],
)
def test_a_measured_time_keeps_fixed_decimals(seconds: float, text: str) -> None:
    assert format_duration(seconds, measured=True) == text

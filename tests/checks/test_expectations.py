"""Expectations and captures are pure functions of an Exchange: table-driven tests."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from launchgate.checks.expectations import (
    CaptureError,
    capture_value,
    check_expectations,
    status_text,
)
from launchgate.checks.http import Exchange
from launchgate.config.model import Capture, Expect
from launchgate.redact import Redactor


def exchange(
    status: int = 200,
    body: str | bytes = "",
    headers: dict[str, str] | None = None,
    elapsed_s: float = 0.01,
    cookies: dict[str, str] | None = None,
) -> Exchange:
    raw = body.encode() if isinstance(body, str) else body
    return Exchange(
        method="GET",
        url="http://t/x",
        status_code=status,
        reason="OK",
        headers=httpx.Headers(headers or {}),
        body=raw,
        elapsed_s=elapsed_s,
        set_cookies=cookies or {},
    )


def expect(**kwargs: object) -> Expect:
    return Expect.model_validate(kwargs)


def sentences(e: Expect, x: Exchange, variables: dict[str, str] | None = None,
              follow: bool = False) -> list[str]:  # fmt: skip
    return [
        m.sentence() for m in check_expectations(e, x, variables or {}, follow_redirects=follow)
    ]


def test_default_status_is_any_success_or_a_redirect_when_not_following():
    assert sentences(expect(), exchange(204)) == []
    assert sentences(expect(), exchange(302)) == []
    assert sentences(expect(), exchange(302), follow=True) == ["answered 302, expected 2xx"]
    assert sentences(expect(), exchange(500)) == ["answered 500, expected 2xx or 3xx"]


@pytest.mark.parametrize(
    ("codes", "text"),
    [([200], "200"), ([200, 303], "200 or 303"), ([*list(range(200, 300)), 404], "2xx or 404")],
)
def test_status_text(codes, text):
    assert status_text(codes) == text


def test_header_contains_and_absent():
    e = expect(headers={"location": "/dashboard", "x-missing": "a"})
    found = sentences(e, exchange(303, headers={"Location": "/login?next=/"}))
    assert found == [
        "header location is '/login?next=/', expected contains '/dashboard'",
        "header x-missing is missing (expected contains 'a')",
    ]


def test_body_contains_and_not_contains_with_variables():
    e = expect(body_contains=["Hello {{ run.email }}"], body_not_contains="Error")
    ok = exchange(body="<p>Hello a@b.c</p>")
    assert sentences(e, ok, {"run.email": "a@b.c"}) == []
    bad = exchange(body="<p>Error</p>")
    assert sentences(e, bad, {"run.email": "a@b.c"}) == [
        "the body does not contain 'Hello a@b.c'",
        "the body contains 'Error'",
    ]


def test_json_paths_compare_values_and_templated_numbers():
    body = json.dumps({"plan": "pro", "count": 3, "user": {"email": "a@b.c"}})
    e = expect(json={"$.plan": "pro", "$.count": "{{ n }}", "$.user.email": "{{ run.email }}"})
    assert sentences(e, exchange(body=body), {"n": "3", "run.email": "a@b.c"}) == []
    e = expect(json={"$.plan": "team", "$.nope": 1})
    assert sentences(e, exchange(body=body)) == [
        'json $.plan is "pro", expected = "team"',
        "json $.nope is missing (expected = 1)",
    ]


def test_json_expectation_on_a_non_json_body():
    assert sentences(expect(json={"$.a": 1}), exchange(body="<html>")) == [
        "the body is not JSON, so the json expectations cannot hold"
    ]


def test_latency_ceiling():
    assert sentences(expect(max_latency="100ms"), exchange(elapsed_s=0.25)) == [
        "latency is 250 ms, expected at most 100 ms"
    ]
    assert sentences(expect(max_latency="1s"), exchange(elapsed_s=0.25)) == []


@pytest.mark.parametrize(
    ("capture", "x", "value"),
    [
        ({"json": "$.token"}, exchange(body='{"token": "t-1"}'), "t-1"),
        ({"json": "$.id"}, exchange(body='{"id": 42}'), "42"),
        ({"header": "X-Request-Id"}, exchange(headers={"x-request-id": "r9"}), "r9"),
        ({"cookie": "sid"}, exchange(cookies={"sid": "c00kie"}), "c00kie"),
        ({"regex": 'value="([^"]+)"'}, exchange(body='<input value="abc">'), "abc"),
        ({"regex": "[0-9]+"}, exchange(body="order 1234 placed"), "1234"),
    ],
)
def test_captures(capture, x, value):
    assert capture_value(Capture.model_validate(capture), x) == value


@pytest.mark.parametrize(
    ("capture", "x", "reason"),
    [
        ({"json": "$.token"}, exchange(body="{}"), "no value at $.token"),
        ({"json": "$.token"}, exchange(body="nope"), "the body is not JSON"),
        ({"header": "X-A"}, exchange(), "no X-A header"),
        ({"cookie": "sid"}, exchange(), "set no cookie named sid"),
        ({"regex": "csrf=(\\w+)"}, exchange(body="x"), "does not match"),
    ],
)
def test_capture_failures_say_why(capture, x, reason):
    with pytest.raises(CaptureError, match=re.escape(reason)):
        capture_value(Capture.model_validate(capture), x)


@pytest.mark.parametrize("offset", range(50, 90))
def test_a_quoted_json_value_is_redacted_before_it_is_cut(offset: int) -> None:
    """A mismatch quotes at most 80 characters of the value it found: a secret the run
    knows, straddling that cut at any offset, shows as [redacted], never by its start."""
    secret = "RawCanarySecret0123456789abcdef"
    redactor = Redactor()
    redactor.add(secret)
    found = "x" * offset + secret + "y" * 20
    x = exchange(body=json.dumps({"token": found}))
    (mismatch,) = check_expectations(
        expect(json={"$.token": "other"}), x, {}, follow_redirects=False, redact=redactor.redact
    )
    assert len(mismatch.got) <= 80
    assert not any(secret[:n] in mismatch.got for n in range(8, len(secret) + 1))

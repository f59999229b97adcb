"""The redirect policy, table-driven: what the next request carries, or why there is none."""

from __future__ import annotations

import httpx
import pytest

from launchgate.checks.redirect_policy import Follow, Refuse, Sent, next_hop, same_origin

HEADERS = (
    ("host", "app.test"),
    ("user-agent", "launchgate/1"),
    ("accept", "*/*"),
    ("accept-encoding", "gzip"),
    ("accept-language", "fr"),
    ("x-api-key", "k-1"),
    ("authorization", "Bearer t-1"),
    ("cookie", "sid=s-1"),
    ("content-type", "application/x-www-form-urlencoded"),
    ("content-length", "11"),
)
SAFE = {"user-agent", "accept", "accept-encoding", "accept-language"}
FORM = b"password=pw"


def sent(method: str = "POST", url: str = "https://app.test/login", **kw: object) -> Sent:
    body = FORM if method == "POST" else b""
    return Sent(method, httpx.URL(url), HEADERS, body, **kw)  # type: ignore[arg-type]


def follow(previous: Sent, code: int, location: str) -> Follow:
    decision = next_hop(previous, code, location)
    assert isinstance(decision, Follow), decision
    return decision


SAME_ORIGIN = [
    # (method, code, the method that follows, whether the body goes on)
    ("POST", 301, "GET", False),
    ("POST", 302, "GET", False),
    ("POST", 303, "GET", False),
    ("POST", 307, "POST", True),
    ("POST", 308, "POST", True),
    ("PUT", 301, "PUT", True),
    ("HEAD", 302, "HEAD", False),
    ("HEAD", 303, "HEAD", False),
    ("GET", 307, "GET", False),
]


@pytest.mark.parametrize(("method", "code", "then", "with_body"), SAME_ORIGIN)
def test_same_origin_keeps_httpx_rules_and_every_header(
    method: str, code: int, then: str, with_body: bool
) -> None:
    body = FORM if method in ("POST", "PUT") else b""
    previous = Sent(method, httpx.URL("https://app.test/login"), HEADERS, body)
    decision = follow(previous, code, "/next?x=1")
    nxt = decision.request
    assert (nxt.method, str(nxt.url)) == (then, "https://app.test/next?x=1")
    assert nxt.body == (FORM if with_body else b"")
    assert nxt.trusted and not decision.downgrade
    names = {name for name, _ in nxt.headers}
    # The jar and httpx recompute these for every hop.
    assert not names & {"cookie", "content-length"}
    assert {"x-api-key", "authorization", "host", *SAFE} <= names
    # A body dropped takes the headers that described it along.
    assert ("content-type" in names) is (then == method)


CROSS_ORIGIN = [
    pytest.param("https://other.test/x", id="host"),
    pytest.param("https://app.test:8443/x", id="port"),
    pytest.param("http://app.test/x", id="scheme"),
    pytest.param("//other.test/x", id="scheme-relative"),
]


@pytest.mark.parametrize("location", CROSS_ORIGIN)
@pytest.mark.parametrize("code", [301, 302, 303])
def test_another_origin_gets_only_the_safelist_and_no_body(location: str, code: int) -> None:
    nxt = follow(sent(), code, location).request
    assert nxt.method == "GET"
    assert nxt.body == b""
    assert not nxt.trusted  # so the caller adds no cookie either
    assert {name for name, _ in nxt.headers} == SAFE


@pytest.mark.parametrize("location", CROSS_ORIGIN)
@pytest.mark.parametrize("code", [307, 308])
def test_a_body_is_never_resent_to_another_origin(location: str, code: int) -> None:
    decision = next_hop(sent(), code, location)
    target = httpx.URL("https://app.test/login").join(location)
    assert decision == Refuse(
        f"refused to resend the POST body to {target}: a {code} to another origin"
    )


@pytest.mark.parametrize("code", [307, 308])
def test_a_bodiless_307_to_another_origin_is_followed_stripped(code: int) -> None:
    nxt = follow(sent("GET"), code, "https://other.test/x").request
    assert (nxt.method, nxt.body, nxt.trusted) == ("GET", b"", False)
    assert {name for name, _ in nxt.headers} == SAFE


def test_a_chain_that_left_the_origin_stays_stripped() -> None:
    away = follow(sent("GET"), 302, "https://other.test/x").request
    back = follow(away, 302, "https://app.test/home").request
    assert not back.trusted
    assert {name for name, _ in back.headers} == SAFE


@pytest.mark.parametrize(
    ("start", "location", "downgrade"),
    [
        ("https://app.test/a", "http://app.test/b", True),
        ("https://app.test/a", "http://other.test/b", True),
        ("http://app.test/a", "https://app.test/b", False),
        ("https://app.test/a", "/b", False),
    ],
)
def test_https_to_http_is_flagged(start: str, location: str, downgrade: bool) -> None:
    decision = follow(sent("GET", start), 302, location)
    assert decision.downgrade is downgrade


def test_a_downgrade_is_never_trusted() -> None:
    nxt = follow(sent("GET"), 302, "http://app.test/b").request
    assert not nxt.trusted and {name for name, _ in nxt.headers} == SAFE


def test_the_refusal_does_not_show_the_query() -> None:
    decision = next_hop(sent(), 307, "https://other.test/x?token=t-1#frag")
    assert isinstance(decision, Refuse)
    assert "t-1" not in decision.reason and "frag" not in decision.reason


@pytest.mark.parametrize(
    ("location", "phrase"),
    [
        ("ftp://app.test/file", "a ftp: URL, which is not followed"),
        ("javascript:alert(1)", "a javascript: URL, which is not followed"),
        ("http://[::1", "not a usable URL"),
    ],
)
def test_an_unusable_location_is_refused(location: str, phrase: str) -> None:
    decision = next_hop(sent("GET"), 302, location)
    assert isinstance(decision, Refuse) and phrase in decision.reason


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("https://app.test/", "https://app.test:443/x", True),
        ("http://app.test/", "http://app.test:80/x", True),
        ("http://app.test/", "https://app.test/", False),
        ("https://app.test/", "https://app.test:8443/", False),
        ("https://app.test/", "https://APP.test/", True),
        ("https://app.test/", "https://www.app.test/", False),
    ],
)
def test_origin_is_scheme_host_and_port(a: str, b: str, same: bool) -> None:
    assert same_origin(httpx.URL(a), httpx.URL(b)) is same

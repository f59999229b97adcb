"""The pure rules of the edge checks, table by table: headers, HSTS, caching, what a
page loads, redirect chains, DNS answers and certificate expiry."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from launchgate.checks.dns import DnsAnswer, DnsFailure
from launchgate.checks.edge.dns_check import dns_issues
from launchgate.checks.edge.headers import csp_directives, grade_headers, grade_hsts
from launchgate.checks.edge.pages import (
    find_assets,
    private_cache_problem,
    same_site_assets,
    static_cache_problem,
)
from launchgate.checks.edge.redirects import Chain, Hop, judge
from launchgate.checks.edge.tls import expiry_issues
from launchgate.checks.http import TransportFailure
from launchgate.config.hosts import parse_edge_url
from launchgate.config.model import SubdomainSpec
from launchgate.results import Severity

GOOD = {
    "content-security-policy": "default-src 'self'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
}


def graded(**changes: str | None) -> list[tuple[str, str]]:
    headers = dict(GOOD)
    for name, value in changes.items():
        headers.pop(name.replace("_", "-"), None)
        if value is not None:
            headers[name.replace("_", "-")] = value
    return [(i.severity.value, i.title) for i in grade_headers(httpx.Headers(headers))]


def test_good_headers_grade_clean():
    assert graded() == []


@pytest.mark.parametrize(
    ("changes", "severity", "phrase"),
    [
        ({"content_security_policy": None}, "high", "no Content-Security-Policy"),
        (
            {"content_security_policy": "default-src 'self'", "x_frame_options": None},
            "high",
            "no clickjacking protection",
        ),
        (
            {"content_security_policy": "default-src 'self'", "x_frame_options": "ALLOW-FROM x"},
            "high",
            "no clickjacking protection",
        ),
        (
            {"content_security_policy": "script-src 'self' 'unsafe-inline'; frame-ancestors *"},
            "medium",
            "allows 'unsafe-inline'",
        ),
        (
            {"content_security_policy": "img-src *; frame-ancestors 'self'"},
            "medium",
            "does not restrict scripts",
        ),
        ({"x_content_type_options": None}, "medium", "nosniff"),
        ({"x_content_type_options": "sniff-away"}, "medium", "nosniff"),
        ({"referrer_policy": None}, "medium", "no Referrer-Policy"),
        ({"referrer_policy": "unsafe-url"}, "medium", "sends full URLs"),
        ({"server": "Apache/2.4.41 (Ubuntu)"}, "medium", "Server: Apache/2.4.41"),
        ({"x_powered_by": "Express 4.17.1"}, "medium", "X-Powered-By"),
    ],
)
def test_each_header_problem(changes, severity, phrase):
    (issue,) = graded(**changes)
    assert issue[0] == severity
    assert phrase in issue[1]


@pytest.mark.parametrize(
    "changes",
    [
        {"content_security_policy": "default-src 'self'", "x_frame_options": "SAMEORIGIN"},
        {"content_security_policy": "script-src 'nonce-a' 'unsafe-inline'; frame-ancestors *"},
        {"server": "nginx"},
        {"x_powered_by": "Express"},
        {"referrer_policy": "unsafe-url, strict-origin-when-cross-origin"},
    ],
)
def test_what_graders_accept(changes):
    assert graded(**changes) == []


def test_no_security_header_at_all_lists_every_one():
    issues = grade_headers(httpx.Headers({}))
    assert [i.severity for i in issues] == [
        Severity.HIGH,
        Severity.HIGH,
        Severity.MEDIUM,
        Severity.MEDIUM,
    ]
    assert all("`" in i.remedy for i in issues), "each says which header to add"


def test_csp_directives_first_one_wins():
    assert csp_directives("script-src a; SCRIPT-SRC b;; img-src c") == {
        "script-src": ["a"],
        "img-src": ["c"],
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("max-age=31536000; includeSubDomains; preload", []),
        ("max-age=15552000; includesubdomains", []),
        ('max-age="31536000"; includeSubDomains', []),
        (None, [("high", "no Strict-Transport-Security")]),
        ("includeSubDomains", [("high", "no valid max-age")]),
        ("max-age=abc", [("high", "no valid max-age")]),
        ("max-age=0; includeSubDomains", [("high", "at least 180 days")]),
        ("max-age=15551999; includeSubDomains", [("high", "at least 180 days")]),
        ("max-age=31536000", [("medium", "includeSubDomains")]),
    ],
)
def test_hsts(value, expected):
    got = [(i.severity.value, i.title) for i in grade_hsts(value)]
    assert len(got) == len(expected)
    for (severity, title), (want_severity, phrase) in zip(got, expected, strict=True):
        assert severity == want_severity
        assert phrase in title


@pytest.mark.parametrize(
    ("headers", "problem"),
    [
        ({"cache-control": "public, max-age=31536000, immutable"}, None),
        ({"cache-control": "max-age=600"}, None),
        ({"cache-control": "s-maxage=600"}, None),
        ({}, "no Cache-Control"),
        ({"expires": "Thu, 01 Dec 2030 16:00:00 GMT"}, "only Expires"),
        ({"cache-control": "no-cache"}, "no-cache"),
        ({"cache-control": "max-age=600, no-store"}, "no-store"),
        ({"cache-control": "public"}, "no max-age"),
        ({"cache-control": "max-age=0"}, "no max-age"),
    ],
)
def test_static_cache(headers, problem):
    got = static_cache_problem(httpx.Headers(headers))
    assert (got is None) if problem is None else (got is not None and problem in got)


@pytest.mark.parametrize(
    ("headers", "status", "problem"),
    [
        ({"cache-control": "private, no-store"}, 200, None),
        ({"cache-control": "no-store"}, 200, None),
        ({"cache-control": "private, max-age=60"}, 200, None),
        ({"cache-control": "no-cache"}, 200, None),
        ({"cache-control": "public, max-age=300"}, 200, "lets any cache store it"),
        ({"cache-control": "public, no-store"}, 200, "lets any cache store it"),
        ({"cache-control": "max-age=300"}, 200, "without private or no-store"),
        ({"cache-control": "s-maxage=60"}, 200, "without private or no-store"),
        ({}, 200, "no Cache-Control at all"),
        ({}, 404, "no Cache-Control at all"),  # heuristically cacheable too
        ({}, 303, None),  # a redirect to the login page: not stored without being told
        ({}, 401, None),
    ],
)
def test_private_cache(headers, status, problem):
    got = private_cache_problem(httpx.Headers(headers), status)
    assert (got is None) if problem is None else (got is not None and problem in got)


PAGE = """<!doctype html><html><head>
<base href="/app/">
<link rel="stylesheet" href="site.css">
<link rel="icon" href="//cdn.example.com/favicon.ico">
<link rel="canonical" href="http://example.com/">
<link rel="preload" as="script" href="http://cdn.example.com/pre.js">
<link rel="modulepreload" href="/m.js">
<script src="http://cdn.example.com/a.js"></script>
<script>inline()</script>
</head><body>
<img src="data:image/png;base64,AAAA" alt="">
<img src="logo.png" srcset="logo@2x.png 2x, http://cdn.example.com/big.png 3x">
<iframe src="http://widgets.example.com/w"></iframe>
<video src="/v.mp4" poster="http://img.example.com/p.jpg"></video>
<a href="http://example.com/not-loaded">a link loads nothing</a>
<script src="site.css"></script>
</body></html>"""


def test_find_assets_reads_what_a_browser_would_load():
    refs = find_assets(PAGE, "https://example.com/")
    assert [(r.kind, r.url) for r in refs] == [
        ("stylesheet", "https://example.com/app/site.css"),
        ("image", "https://cdn.example.com/favicon.ico"),
        ("script", "http://cdn.example.com/pre.js"),
        ("script", "https://example.com/m.js"),
        ("script", "http://cdn.example.com/a.js"),
        ("image", "https://example.com/app/logo.png"),
        ("image", "https://example.com/app/logo@2x.png"),
        ("image", "http://cdn.example.com/big.png"),
        ("frame", "http://widgets.example.com/w"),
        ("media", "https://example.com/v.mp4"),
        ("image", "http://img.example.com/p.jpg"),
    ]  # the link rel=canonical, the <a>, data: and the repeated site.css are not loads


def test_same_site_assets_keep_the_host_and_the_limit():
    refs = find_assets(PAGE, "https://example.com/")
    page = parse_edge_url("https://example.com/")
    assert [str(u) for u in same_site_assets(refs, page, 3)] == [
        "https://example.com/app/site.css",
        "https://example.com/m.js",
        "https://example.com/app/logo.png",
    ]


@given(st.text(max_size=300))
def test_find_assets_never_raises_on_any_text(text):
    for ref in find_assets(text, "https://example.com/"):
        assert ref.url.startswith(("http://", "https://"))


CANONICAL = parse_edge_url("https://example.com")
START = parse_edge_url("https://www.example.com/")


def chain(*hops: tuple[str, int, str | None], end: str = "reached") -> Chain:
    return Chain(
        START,
        tuple(
            Hop(parse_edge_url(u), code, parse_edge_url(loc) if loc else None, 0.01)
            for u, code, loc in hops
        ),
        end,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("the_chain", "expected"),
    [
        (chain(("https://www.example.com/", 301, "https://example.com/")), []),
        (chain(("https://www.example.com/", 308, "https://example.com")), []),
        (chain(("https://www.example.com/", 302, "https://example.com/")), ["medium"]),
        (
            chain(
                ("https://www.example.com/", 301, "http://example.com/"),
                ("http://example.com/", 301, "https://example.com/"),
            ),
            ["high"],
        ),
        (
            chain(
                ("https://www.example.com/", 307, "https://www.example.com/x"),
                ("https://www.example.com/x", 301, "https://example.com/x"),
            ),
            ["high", "medium", "high"],  # two hops, temporary, and the path changed
        ),
        (chain(("https://www.example.com/", 200, None), end="answered"), ["high"]),
        (chain(("https://www.example.com/", 404, None), end="answered"), ["high"]),
        (
            chain(
                ("https://www.example.com/", 301, "https://www.example.com/a"),
                ("https://www.example.com/a", 301, "https://www.example.com/"),
                end="loop",
            ),
            ["blocker"],
        ),
        (chain(("https://www.example.com/", 301, "https://other.com/"), end="left"), ["high"]),
    ],
)
def test_judge(the_chain, expected):
    assert [i.severity.value for i in judge(the_chain, CANONICAL)] == expected


def test_judge_plain_http_serving_is_a_blocker_and_silence_is_high():
    served = Chain(
        parse_edge_url("http://example.com/"),
        (Hop(parse_edge_url("http://example.com/"), 200, None, 0.01),),
        "answered",
    )
    refused = Chain(
        parse_edge_url("http://example.com/"),
        (),
        "failed",
        failure=TransportFailure(kind="refused", cause="connection refused", elapsed_s=0.01),
    )
    assert [i.severity for i in judge(served, CANONICAL, plain_http_of_canonical=True)] == [
        Severity.BLOCKER
    ]
    # The customer who types the bare name, as most do, gets an error: high (issue 15).
    assert [i.severity for i in judge(refused, CANONICAL, plain_http_of_canonical=True)] == [
        Severity.HIGH
    ]
    assert [i.severity for i in judge(refused, CANONICAL)] == [Severity.HIGH]


SPEC = SubdomainSpec(name="api.example.com")
A = DnsAnswer("api.example.com", "A", ("192.0.2.1",), ())
NO_AAAA = DnsFailure("api.example.com", "AAAA", "no_answer", "api.example.com has no AAAA record")


@pytest.mark.parametrize(
    ("spec", "a", "aaaa", "phrase"),
    [
        (SPEC, A, NO_AAAA, None),
        (
            SPEC,
            DnsFailure("api.example.com", "A", "nxdomain", "api.example.com does not exist"),
            DnsFailure("api.example.com", "AAAA", "nxdomain", "api.example.com does not exist"),
            "does not exist",
        ),
        (
            SPEC,
            DnsFailure("api.example.com", "A", "no_answer", "x (asked 1.1.1.1)"),
            NO_AAAA,
            "has no A or AAAA record (asked 1.1.1.1)",
        ),
        (
            SPEC,
            DnsFailure("api.example.com", "A", "no_answer", "x"),
            DnsFailure("api.example.com", "AAAA", "servfail", "SERVFAIL for AAAA"),
            "SERVFAIL for AAAA",
        ),
        (SubdomainSpec(name="api.example.com", addresses=["192.0.2.1"]), A, NO_AAAA, None),
        (
            SubdomainSpec(name="api.example.com", addresses=["192.0.2.1", "2001:db8::1"]),
            A,
            NO_AAAA,
            "missing 2001:db8::1",
        ),
        (
            SubdomainSpec(name="api.example.com", addresses=["192.0.2.9"]),
            A,
            NO_AAAA,
            "missing 192.0.2.9; unexpected 192.0.2.1",
        ),
    ],
)
def test_dns_issues(spec, a, aaaa, phrase):
    issues = dns_issues(spec, a, aaaa)
    if phrase is None:
        assert issues == []
    else:
        (issue,) = issues
        assert issue.severity is Severity.BLOCKER
        assert phrase in issue.title
        assert issue.remedy


DAY = 86400.0


@pytest.mark.parametrize(
    ("days_left", "expected"),
    [(90, None), (21, None), (20.9, "high"), (7, "high"), (6.9, "blocker"), (-1, "blocker")],
)
def test_expiry_thresholds(days_left, expected):
    now = 1_800_000_000.0
    issues = expiry_issues(now + days_left * DAY, now)
    assert [i.severity.value for i in issues] == ([expected] if expected else [])


@pytest.mark.parametrize(
    ("days_left", "expected"),
    [(40, None), (29.9, "high"), (14, "high"), (13.9, "blocker")],
)
def test_expiry_thresholds_a_team_sets(days_left, expected):
    """edge.cert_expiry: {blocker: 14d, high: 30d}, for a renewal that takes a while."""
    now = 1_800_000_000.0
    issues = expiry_issues(now + days_left * DAY, now, blocker_days=14, high_days=30)
    assert [i.severity.value for i in issues] == ([expected] if expected else [])

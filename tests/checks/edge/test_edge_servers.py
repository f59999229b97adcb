"""The edge checks against real servers on loopback: a nameserver, an HTTPS site with
trustme certificates and a plain-HTTP front (``world.py``).

Each misconfiguration is reported by the check that owns it, with the severity the
issue states, and nothing else fails; the clean setup has no finding at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.checks.edge.world import (
    CANONICAL,
    CANONICAL_LINK,
    WWW,
    World,
    errors,
    failures,
    run_edge,
    world,
)
from tests.servers import closed_port

pytestmark = [pytest.mark.timeout(60), pytest.mark.asyncio]

DEADLINE_S = 20.0  # the configs' target.deadline
MARGIN_S = 5.0


@pytest.fixture
def site(tmp_path: Path) -> Iterator[World]:
    with world(tmp_path) as w:
        yield w


EDGE_CHECKS = {
    f"edge::dns::{CANONICAL}",
    "edge::https",
    "edge::tls",
    "edge::certificate",
    "edge::page",
    "edge::hsts",
    "edge::headers",
    "edge::static-cache",
    "edge::mixed-content",
    "edge::render-blocking",
    "edge::canonical-link",
}


async def test_the_clean_setup_passes_with_no_finding(site: World) -> None:
    run, _ = await run_edge(site.config(subdomains=[WWW, f"api.{CANONICAL}"]))

    www_https = f"edge::alias::https://{WWW}:{site.https_port}"
    www_http = f"edge::alias::http://{WWW}:{site.http_port}"
    assert set(run.results) == EDGE_CHECKS | {
        www_https,
        www_http,
        f"edge::dns::{WWW}",
        f"edge::dns::api.{CANONICAL}",
    }
    assert {r.status for r in run.results.values()} == {"passed"}, failures(run) | errors(run)
    assert run.report().verdict.outcome == "pass"
    # The alias was asked twice: its root, then a path and query that must be kept.
    asked = [r.path for r in site.site.requests if r.headers["host"].startswith(WWW)]
    assert asked[0] == "/"
    assert asked[1].startswith("/launchgate/redirect-probe?run=")
    # The real name reached the server in Host, though the nameserver was asked for it.
    assert all(r.headers["host"].endswith(f":{site.https_port}") for r in site.site.requests)


# rule changes -> the only failing checks and their severities. "{https}"/"{http}"
# stand for the www aliases' check ids.
MISCONFIGURATIONS: dict[str, tuple[dict[str, object], dict[str, set[str]]]] = {
    "alias redirects temporarily": ({"www": "temporary"}, {"{https}": {"medium"}}),
    "alias takes two hops": ({"www": "two-hops"}, {"{https}": {"high"}}),
    "alias loops": ({"www": "loop"}, {"{https}": {"blocker"}}),
    "alias chain longer than 10": ({"www": "long-chain"}, {"{https}": {"blocker"}}),
    "alias serves a duplicate site": ({"www": "duplicate"}, {"{https}": {"high"}}),
    "alias drops the path": ({"www": "drops-path"}, {"{https}": {"high"}}),
    "alias redirects only its root": ({"www": "only-root"}, {"{https}": {"high"}}),
    "alias leaves for an unnamed host": ({"www": "elsewhere"}, {"{https}": {"high"}}),
    "plain HTTP serves the site": ({"http": "serve"}, {"edge::https": {"blocker"}}),
    "plain HTTP redirects temporarily": ({"http": "temporary"}, {"edge::https": {"medium"}}),
    "plain HTTP redirects to plain HTTP first": ({"http": "via-http"}, {"edge::https": {"high"}}),
    "no HSTS": (
        {"headers": {"Strict-Transport-Security": None}},
        {"edge::hsts": {"high"}},
    ),
    "HSTS under 180 days": (
        {"headers": {"Strict-Transport-Security": "max-age=86400; includeSubDomains"}},
        {"edge::hsts": {"high"}},
    ),
    "HSTS without includeSubDomains": (
        {"headers": {"Strict-Transport-Security": "max-age=31536000"}},
        {"edge::hsts": {"medium"}},
    ),
    "no CSP": ({"headers": {"Content-Security-Policy": None}}, {"edge::headers": {"high"}}),
    "CSP allows inline scripts": (
        {"headers": {"Content-Security-Policy": "default-src 'self' 'unsafe-inline'"}},
        {"edge::headers": {"medium"}},
    ),
    "no clickjacking protection": (
        {
            "headers": {
                "Content-Security-Policy": "default-src 'self'",
                "X-Frame-Options": None,
            }
        },
        {"edge::headers": {"high"}},
    ),
    "no nosniff": ({"headers": {"X-Content-Type-Options": None}}, {"edge::headers": {"medium"}}),
    "no Referrer-Policy": ({"headers": {"Referrer-Policy": None}}, {"edge::headers": {"medium"}}),
    "Server leaks its version": (
        {"headers": {"Server": "nginx/1.18.0"}},
        {"edge::headers": {"medium"}},
    ),
    "X-Powered-By leaks its version": (
        {"headers": {"X-Powered-By": "PHP/8.1.2"}},
        {"edge::headers": {"medium"}},
    ),
    "static assets without a lifetime": ({"asset_cache": None}, {"edge::static-cache": {"medium"}}),
    "static assets no-cache": ({"asset_cache": "no-cache"}, {"edge::static-cache": {"medium"}}),
    "a script over http://": (
        {"page": CANONICAL_LINK + '<script src="http://cdn.example.test/app.js"></script>'},
        {"edge::mixed-content": {"blocker"}},
    ),
    "an image and a stylesheet over http://": (
        {
            "page": CANONICAL_LINK + '<link rel="stylesheet" href="http://cdn.example.test/a.css">'
            '<img src="http://cdn.example.test/a.png"><iframe src="http://x.test/"></iframe>'
        },
        {"edge::mixed-content": {"high"}},
    ),
    "a third party's script blocks rendering": (
        {
            "page": f"<html><head>{CANONICAL_LINK}"
            '<script src="https://cdn.vendor.test/widget.js"></script></head><body></body>'
        },
        {"edge::render-blocking": {"medium"}},
    ),
    "third-party scripts that wait, or run after the head": (
        {
            "page": f"<html><head>{CANONICAL_LINK}"
            '<script defer src="https://cdn.vendor.test/a.js"></script>'
            '<script async src="https://cdn.vendor.test/b.js"></script>'
            '<script type="module" src="https://cdn.vendor.test/c.js"></script></head>'
            '<body><script src="https://cdn.vendor.test/d.js"></script></body>'
        },
        {},
    ),
    "no canonical link": (
        {"page": "<html><head><title>Example</title></head><body><h1>Hi</h1></body>"},
        {"edge::canonical-link": {"medium"}},
    ),
    "a canonical link to another host": (
        {"page": '<head><link rel="canonical" href="https://elsewhere.test/"></head>'},
        {"edge::canonical-link": {"medium"}},
    ),
}


@pytest.mark.parametrize("case", list(MISCONFIGURATIONS))
async def test_each_misconfiguration_is_reported_with_its_severity(site: World, case: str) -> None:
    changes, expected = MISCONFIGURATIONS[case]
    for name, value in changes.items():
        setattr(site.rules, name, value)
    ids = {
        "{https}": f"edge::alias::https://{WWW}:{site.https_port}",
        "{http}": f"edge::alias::http://{WWW}:{site.http_port}",
    }
    wanted = {ids.get(k, k): v for k, v in expected.items()}

    run, elapsed = await run_edge(site.config())

    assert failures(run) == wanted
    assert errors(run) == {}
    assert {r.status for r in run.results.values()} <= {"passed", "failed"}
    for result in run.results.values():
        for finding in result.findings:
            assert finding.remedy, f"{finding.title}: says what is wrong but not what to do"
    blocking = any("blocker" in s for s in wanted.values())
    assert run.report().verdict.outcome == ("fail" if blocking else "pass")
    assert elapsed < DEADLINE_S + MARGIN_S


async def test_an_unnamed_host_is_never_visited(site: World) -> None:
    site.rules.www = "elsewhere"

    run, _ = await run_edge(site.config())

    (finding,) = run.results[f"edge::alias::https://{WWW}:{site.https_port}"].findings
    assert "a host the config does not name" in finding.title
    assert not [r for r in site.site.requests if r.headers["host"].startswith("elsewhere")]


async def test_a_front_page_that_fails_skips_what_reads_it(site: World) -> None:
    site.rules.page_status = 503

    run, _ = await run_edge(site.config())

    assert failures(run) == {"edge::page": {"blocker"}}
    assert "answered 503" in run.results["edge::page"].message
    for check_id in ("edge::hsts", "edge::headers", "edge::static-cache", "edge::mixed-content"):
        assert run.results[check_id].status == "skipped"
        assert run.results[check_id].blocked_by == ("edge::page",)
    assert run.report().verdict.outcome == "fail"


async def test_plain_http_that_does_not_answer_is_high(site: World) -> None:
    refused = f"http://{CANONICAL}:{closed_port()}"

    run, _ = await run_edge(
        site.config(
            aliases=[refused], resolve=[f"{CANONICAL}:{refused.rsplit(':', 1)[1]}:127.0.0.1"]
        )
    )

    assert failures(run) == {"edge::https": {"high"}}
    assert "does not answer" in run.results["edge::https"].message


async def test_the_canonical_url_over_plain_http_is_a_blocker(site: World) -> None:
    text = site.config(aliases=[]).replace(site.canonical, site.http(CANONICAL))

    run, _ = await run_edge(text)

    assert failures(run)["edge::https"] == {"blocker"}
    assert "plain HTTP" in run.results["edge::https"].message
    assert "edge::tls" not in run.results  # nothing to verify

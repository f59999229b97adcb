"""Certificates, TLS and DNS at the edge, against real servers on loopback, and the
three ways a run could hang (a name that never resolves, a server that never
answers the TLS handshake, a redirect loop), each ended by its limits with a finding.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.checks.edge.world import (
    CANONICAL,
    SERVFAIL,
    SILENT,
    WWW,
    errors,
    failures,
    run_edge,
    world,
)

pytestmark = [pytest.mark.timeout(60), pytest.mark.asyncio]

DEADLINE_S = 20.0
MARGIN_S = 5.0

# certificate -> (the finding's severity, check, a phrase of its title)
CERTIFICATES = {
    "expired": ("blocker", "edge::tls", r"the certificate has expired"),
    "not-yet-valid": ("blocker", "edge::tls", r"the certificate is not valid yet"),
    "wrong-host": ("blocker", "edge::tls", r"the certificate is not valid for example\.test"),
    "self-signed": ("blocker", "edge::tls", r"the certificate is self-signed"),
    "old-tls": ("blocker", "edge::tls", r"offers no TLS 1\.2 or newer"),
    "expiring-3-days": ("blocker", "edge::certificate", r"expires in 3 days"),
    "expiring-15-days": ("high", "edge::certificate", r"expires in 15 days"),
}
READERS_OF_THE_PAGE = (
    "edge::page",
    "edge::hsts",
    "edge::headers",
    "edge::static-cache",
    "edge::render-blocking",
    "edge::canonical-link",
)


@pytest.mark.parametrize("cert", list(CERTIFICATES))
async def test_each_certificate_problem_is_named(tmp_path: Path, cert: str) -> None:
    severity, check_id, phrase = CERTIFICATES[cert]
    with world(tmp_path, cert=cert) as site:
        # Only the canonical name over HTTPS: the www alias would share the certificate.
        run, elapsed = await run_edge(site.config(aliases=[site.http(CANONICAL)]))

    assert failures(run) == {check_id: {severity}}
    assert errors(run) == {}
    (finding,) = run.results[check_id].findings
    assert re.search(phrase, finding.title), finding.title
    others = [p for c, (_, _, p) in CERTIFICATES.items() if c != cert]
    assert not [p for p in others if re.search(p, finding.title)], "causes must be distinct"
    assert finding.remedy
    if check_id == "edge::tls":
        # No page is fetched from a server whose identity was not proven.
        for dependent in ("edge::certificate", *READERS_OF_THE_PAGE):
            assert run.results[dependent].status == "skipped"
        assert not [r for r in site.site.requests if r.route == "/"]
    assert run.report().verdict.outcome == ("fail" if severity == "blocker" else "pass")
    assert elapsed < DEADLINE_S + MARGIN_S


async def test_an_unknown_issuer_is_named_when_no_ca_bundle_is_given(tmp_path: Path) -> None:
    with world(tmp_path) as site:
        text = site.config(aliases=[site.http(CANONICAL)]).replace(
            f"  ca_bundle: {site.ca_file}\n", ""
        )
        run, _ = await run_edge(text)

    assert failures(run) == {"edge::tls": {"blocker"}}
    assert "issuer is not trusted" in run.results["edge::tls"].message


async def test_plain_http_on_the_https_port_is_named(tmp_path: Path) -> None:
    with world(tmp_path, tls="plain") as site:
        run, _ = await run_edge(site.config(aliases=[site.http(CANONICAL)]))

    assert failures(run) == {"edge::tls": {"blocker"}}
    assert "does not speak TLS" in run.results["edge::tls"].message


async def test_a_server_that_never_answers_the_handshake_ends_by_its_timeout(
    tmp_path: Path,
) -> None:
    with world(tmp_path, tls="tarpit") as site:
        run, elapsed = await run_edge(site.config(aliases=[site.http(CANONICAL)]))

    assert failures(run) == {"edge::tls": {"blocker"}}
    message = run.results["edge::tls"].message
    assert "accepted the connection but never completed a TLS handshake" in message
    assert elapsed < DEADLINE_S + MARGIN_S


async def test_a_redirect_loop_ends_at_once_with_a_blocker(tmp_path: Path) -> None:
    with world(tmp_path) as site:
        site.rules.www = "loop"
        run, elapsed = await run_edge(site.config(aliases=[site.https(WWW)]))
        asked = [r for r in site.site.requests if r.headers["host"].startswith(WWW)]

    check = run.results[f"edge::alias::https://{WWW}:{site.https_port}"]
    assert check.findings[0].title.endswith("redirects in a loop")
    assert len(asked) == 3  # /, /a, /b: the loop is seen when /a comes round again
    assert elapsed < DEADLINE_S + MARGIN_S


# subdomain entry -> a phrase of the finding; the nameserver serves the zone in world.py
NAMES: dict[str, tuple[dict[str, object], str | None]] = {
    "nxdomain": ({"name": f"nope.{CANONICAL}"}, "does not exist (NXDOMAIN)"),
    "servfail": ({"name": SERVFAIL}, "SERVFAIL"),
    "timeout": ({"name": SILENT}, "timed out"),
    "no address record": ({"name": f"api.{CANONICAL}", "addresses": ["127.0.0.2"]}, None),
    "unexpected address": (
        {"name": f"old.{CANONICAL}", "addresses": ["127.0.0.1"]},
        "resolves to 192.0.2.1, expected 127.0.0.1",
    ),
    "wrong CNAME": (
        {"name": f"app.{CANONICAL}", "cname": "lb.other.test"},
        "does not point at lb.other.test: its CNAME chain is lb.hosting.test",
    ),
    "no CNAME at all": (
        {"name": f"api.{CANONICAL}", "cname": "lb.hosting.test"},
        "it has no CNAME",
    ),
}


@pytest.mark.parametrize("case", list(NAMES))
async def test_each_dns_problem_is_a_named_blocker(tmp_path: Path, case: str) -> None:
    entry, phrase = NAMES[case]
    with world(tmp_path) as site:
        run, elapsed = await run_edge(site.config(subdomains=[entry]))

    check_id = f"edge::dns::{entry['name']}"
    assert failures(run) == {check_id: {"blocker"}}
    message = run.results[check_id].message
    assert phrase is None or phrase in message, message
    assert site.dns.address in message or "resolves to" in message or "CNAME" in message
    assert elapsed < DEADLINE_S + MARGIN_S


async def test_expected_addresses_and_cname_that_match_pass(tmp_path: Path) -> None:
    with world(tmp_path) as site:
        run, _ = await run_edge(
            site.config(
                subdomains=[
                    {"name": f"api.{CANONICAL}", "addresses": ["127.0.0.1"]},
                    {"name": f"app.{CANONICAL}", "cname": "lb.hosting.test"},
                    {"name": CANONICAL, "addresses": ["127.0.0.1"]},  # merged into its check
                ]
            )
        )

    assert failures(run) == {}
    assert sum(cid.startswith("edge::dns::") for cid in run.results) == 3


async def test_a_canonical_name_that_never_resolves_ends_by_its_timeout(tmp_path: Path) -> None:
    with world(tmp_path) as site:
        text = site.config(aliases=[site.https(WWW)]).replace(CANONICAL, SILENT)
        text = text.replace(f"www.{SILENT}", WWW)  # the alias keeps its own name
        run, elapsed = await run_edge(text)

    assert run.results[f"edge::dns::{SILENT}"].status == "failed"
    assert "timed out" in run.results[f"edge::dns::{SILENT}"].message
    # What needs the name is skipped because of it, not failed a second time.
    for check_id in ("edge::https", "edge::tls", "edge::page"):
        assert run.results[check_id].blocked_by == (f"edge::dns::{SILENT}",)
    # The alias is tried, and its redirect target cannot be reached: one finding.
    alias = run.results[f"edge::alias::https://{WWW}:{site.https_port}"]
    assert alias.status == "failed"
    assert run.report().verdict.outcome == "fail"
    assert elapsed < DEADLINE_S + MARGIN_S


async def test_a_long_chain_is_cut_after_ten_redirects(tmp_path: Path) -> None:
    with world(tmp_path) as site:
        site.rules.www = "long-chain"  # / -> /hop/1 -> /hop/2 -> ... without end
        run, elapsed = await run_edge(site.config(aliases=[site.https(WWW)]))
        asked = [r.route for r in site.site.requests if r.headers["host"].startswith(WWW)]

    (finding,) = run.results[f"edge::alias::https://{WWW}:{site.https_port}"].findings
    assert finding.severity.value == "blocker"
    assert "more than 10 times" in finding.title
    assert asked == ["/", *(f"/hop/{n}" for n in range(1, 10))]  # ten requests, no more
    assert elapsed < DEADLINE_S + MARGIN_S

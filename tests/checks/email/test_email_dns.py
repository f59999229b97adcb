"""The email checks against a real DNS server on loopback, one zone per case."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from launchgate.checks.email import plan_email
from launchgate.cli import main
from launchgate.config.model import Config
from launchgate.results import CheckResult, Severity
from tests.checks.email.zones import build_zone
from tests.dns_server import DnsServer


@pytest.fixture(scope="module")
def dns() -> Iterator[DnsServer]:
    with DnsServer(build_zone(), servfail=["_dmarc.broken.test"]) as server:
        yield server


def run_email(dns: DnsServer, domain: str, *selectors: str) -> dict[str, CheckResult]:
    config = Config.model_validate(
        {
            "readiness": None,
            "email": {
                "domain": domain,
                "dkim_selectors": list(selectors),
                "nameservers": [dns.address],
                "timeout": 2,
            },
        }
    )

    async def run_all() -> dict[str, CheckResult]:
        results: dict[str, CheckResult] = {}
        for planned in plan_email(config, ()):
            result = await planned.run(None)  # type: ignore[arg-type]
            assert isinstance(result, CheckResult)  # email checks measure nothing more
            results[planned.check_id] = result
        return results

    return asyncio.run(run_all())


def severities(result: CheckResult) -> list[Severity]:
    return [f.severity for f in result.findings]


def test_the_correct_setup_passes(dns: DnsServer) -> None:
    results = run_email(dns, "good.test", "s1")
    assert {k: r.status for k, r in results.items()} == {
        "email::spf": "passed",
        "email::dkim::s1": "passed",
        "email::dmarc": "passed",
    }


def test_two_spf_records_are_a_blocker_with_the_merged_record(dns: DnsServer) -> None:
    spf = run_email(dns, "two.test")["email::spf"]
    assert severities(spf) == [Severity.BLOCKER]
    finding = spf.findings[0]
    assert "2 SPF records" in finding.title
    assert '"v=spf1 include:_spf.good.test ip4:203.0.113.5 mx -all"' in finding.remedy


def test_eleven_lookups_through_nested_includes_are_a_blocker(dns: DnsServer) -> None:
    spf = run_email(dns, "eleven.test")["email::spf"]
    assert severities(spf) == [Severity.BLOCKER]
    assert "needs 11 DNS lookups" in spf.findings[0].title
    assert "include:a.eleven.test 8" in spf.findings[0].detail


def test_plus_all_is_high_with_a_corrected_record(dns: DnsServer) -> None:
    spf = run_email(dns, "plusall.test")["email::spf"]
    assert severities(spf) == [Severity.HIGH]
    assert "'+all'" in spf.findings[0].title
    assert '"v=spf1 ip4:192.0.2.1 ~all"' in spf.findings[0].remedy


def test_an_include_loop_is_a_blocker_naming_the_chain(dns: DnsServer) -> None:
    spf = run_email(dns, "loop.test")["email::spf"]
    assert Severity.BLOCKER in severities(spf)
    assert any("x.loop.test -> y.loop.test -> x.loop.test" in f.title for f in spf.findings)


def test_bad_syntax_is_a_blocker_naming_the_terms(dns: DnsServer) -> None:
    spf = run_email(dns, "syntax.test")["email::spf"]
    assert severities(spf)[0] is Severity.BLOCKER
    title = spf.findings[0].title
    assert "192.0.2.300" in title
    assert "unknown mechanism 'incude'" in title


@pytest.mark.parametrize(
    ("selector", "severity", "words"),
    [
        ("k512", Severity.HIGH, "512-bit"),
        ("k1024", Severity.MEDIUM, "1024-bit"),
        ("revoked", Severity.BLOCKER, "revoked"),
        ("junk", Severity.HIGH, "does not hold an RSA public key"),
        ("missing", Severity.HIGH, "no DKIM key"),
    ],
)
def test_dkim_keys(dns: DnsServer, selector: str, severity: Severity, words: str) -> None:
    dkim = run_email(dns, "keys.test", selector)[f"email::dkim::{selector}"]
    assert severities(dkim) == [severity]
    assert words in dkim.findings[0].title


def test_dmarc_p_none_is_high_and_pct_is_reported(dns: DnsServer) -> None:
    dmarc = run_email(dns, "none.test")["email::dmarc"]
    titles = {f.severity: f.title for f in dmarc.findings}
    assert severities(dmarc) == [Severity.HIGH, Severity.MEDIUM, Severity.MEDIUM]
    assert "monitoring only: spoofed mail is still delivered" in titles[Severity.HIGH]
    assert any("pct=50" in f.title for f in dmarc.findings)
    assert any("no rua=" in f.title for f in dmarc.findings)
    fixed = '"v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@none.test"'
    assert all(fixed in f.remedy for f in dmarc.findings)


def test_no_dmarc_record_is_high(dns: DnsServer) -> None:
    dmarc = run_email(dns, "nodmarc.test")["email::dmarc"]
    assert severities(dmarc) == [Severity.HIGH]
    assert "no DMARC record" in dmarc.findings[0].title


def test_no_selector_named_is_medium_and_says_how_to_find_one(dns: DnsServer) -> None:
    dkim = run_email(dns, "good.test")["email::dkim"]
    assert severities(dkim) == [Severity.MEDIUM]
    assert "s= tag" in dkim.findings[0].remedy


def test_servfail_is_could_not_decide_never_a_pass(dns: DnsServer) -> None:
    dmarc = run_email(dns, "broken.test")["email::dmarc"]
    assert dmarc.status == "error"
    assert "SERVFAIL" in dmarc.message


def cli(tmp_path: Path, dns: DnsServer, *args: str) -> tuple[int, dict[str, Any]]:
    out = tmp_path / "out"
    code = main(["email", *args, "--nameserver", dns.address, "--out", str(out)], environ={})
    return code, json.loads((out / "report.json").read_text())


def test_cli_passes_the_correct_zone(tmp_path: Path, dns: DnsServer) -> None:
    code, report = cli(tmp_path, dns, "good.test", "--dkim-selector", "s1")
    assert code == 0
    assert report["verdict"] == "pass"
    assert {c["id"] for c in report["checks"]} >= {"email::spf", "email::dmarc"}


def test_cli_fails_on_a_blocker_and_can_fail_on_high(tmp_path: Path, dns: DnsServer) -> None:
    assert cli(tmp_path, dns, "two.test")[0] == 1
    assert cli(tmp_path, dns, "nodmarc.test")[0] == 0  # high findings only: reported
    assert cli(tmp_path, dns, "nodmarc.test", "--fail-on", "high")[0] == 1


def test_cli_rejects_a_bad_domain_as_usage(tmp_path: Path, dns: DnsServer) -> None:
    code = main(["email", "not a domain", "--out", str(tmp_path)], environ={})
    assert code == 2

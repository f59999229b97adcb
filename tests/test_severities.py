"""Severities a team sets: ``gate.severities`` re-grades a check's findings everywhere,
and the mail records' findings do not roll back a deploy unless the config says so."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from launchgate.config import parse_config
from launchgate.demo import DemoServer
from launchgate.engine import Run
from launchgate.errors import ConfigError
from launchgate.reports import render_json
from launchgate.results import CheckResult, Finding, Severity
from launchgate.severities import SeverityRules
from launchgate.verdict import decide
from tests.checks.email.zones import build_zone
from tests.dns_server import DnsServer


def failed(check_id: str, severity: Severity) -> CheckResult:
    finding = Finding(check_id=check_id, severity=severity, title="something is wrong")
    return CheckResult(
        check_id=check_id,
        kind="email",
        title=check_id,
        severity=severity,
        status="failed",
        duration_s=0.1,
        findings=(finding,),
        message="something is wrong",
    )


def test_an_exact_id_wins_over_a_glob_and_a_longer_glob_over_a_shorter() -> None:
    rules = SeverityRules.build(
        {"edge::*": "medium", "edge::mixed-content": "high", "*": "blocker", "edge::h*": "high"},
        independent="report",
        gates_a_deploy=True,
    )
    assert rules.severity_for("edge::mixed-content") is Severity.HIGH
    assert rules.severity_for("edge::hsts") is Severity.HIGH
    assert rules.severity_for("edge::headers") is Severity.HIGH
    assert rules.severity_for("edge::cookies") is Severity.MEDIUM
    assert rules.severity_for("journey::login") is Severity.BLOCKER
    regraded = rules.apply(failed("edge::cookies", Severity.BLOCKER))
    assert regraded.severity is Severity.MEDIUM
    assert [f.severity for f in regraded.findings] == [Severity.MEDIUM]


def test_a_result_no_rule_names_is_left_as_it_is() -> None:
    rules = SeverityRules.build({"edge::*": "medium"}, independent="report", gates_a_deploy=True)
    result = failed("journey::login", Severity.BLOCKER)
    assert rules.apply(result) is result
    assert rules.unmatched(["journey::login"]) == ["edge::*"]


def test_mail_findings_are_advisory_only_in_a_run_that_gates_a_deploy() -> None:
    spf = failed("email::spf", Severity.BLOCKER)
    in_deploy = SeverityRules.build({}, independent="report", gates_a_deploy=True).apply(spf)
    assert all(f.advisory for f in in_deploy.findings)
    verdict = decide([in_deploy])
    assert verdict.outcome == "pass"
    assert "reported, not blocking: email::spf; gate.independent" in verdict.reason
    blocked = SeverityRules.build({}, independent="block", gates_a_deploy=True).apply(spf)
    assert decide([blocked]).outcome == "fail"
    alone = SeverityRules.build({}, independent="report", gates_a_deploy=False).apply(spf)
    assert decide([alone]).outcome == "fail"  # `launchgate email`: nothing to roll back


CONFIG = """\
target: {{environment: test}}
readiness: {{timeout: 20s}}
journeys:
  home:
    steps:
      - path: /
email:
  domain: two.test
  nameservers: ["{dns}"]
  timeout: 2s
{gate}
"""


@pytest.fixture(scope="module")
def dns() -> Iterator[DnsServer]:
    with DnsServer(build_zone()) as server:
        yield server


def gate(demo: DemoServer, dns: DnsServer, tmp_path: Path, gate_yaml: str = "") -> dict[str, Any]:
    text = CONFIG.format(dns=dns.address, gate=gate_yaml)
    loaded = parse_config(text, tmp_path / "launchgate.yml", {})
    run = Run(loaded, target_url=demo.url, workdir=tmp_path, environ={})
    asyncio.run(run.execute_all())
    report: dict[str, Any] = json.loads(render_json(run.report()))
    return report


def spf_of(report: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in report["checks"] if c["id"] == "email::spf")


def test_two_spf_records_do_not_roll_back_an_unrelated_deploy(
    clean_demo: DemoServer, dns: DnsServer, tmp_path: Path
) -> None:
    report = gate(clean_demo, dns, tmp_path)
    spf = spf_of(report)
    assert spf["status"] == "failed"
    assert spf["blocking"] is False
    finding = spf["findings"][0]
    assert finding["severity"] == "blocker" and finding["advisory"] is True
    assert "2 SPF records" in finding["title"]
    assert report["verdict"] == "pass" and report["exit_code"] == 0
    assert "gate.independent" in report["reason"]


def test_the_config_can_make_mail_records_block(
    clean_demo: DemoServer, dns: DnsServer, tmp_path: Path
) -> None:
    report = gate(clean_demo, dns, tmp_path, "gate: {independent: block}")
    assert report["verdict"] == "fail" and report["exit_code"] == 1
    assert spf_of(report)["blocking"] is True


def test_a_team_severity_reaches_the_report(
    clean_demo: DemoServer, dns: DnsServer, tmp_path: Path
) -> None:
    report = gate(
        clean_demo,
        dns,
        tmp_path,
        "gate:\n  independent: block\n  severities: {'email::*': medium}",
    )
    spf = spf_of(report)
    assert spf["severity"] == "medium"
    assert [f["severity"] for f in spf["findings"]] == ["medium"]
    assert report["verdict"] == "pass"  # medium is under gate.fail_on's blocker


def test_a_pattern_that_matches_no_check_names_its_line(
    clean_demo: DemoServer, dns: DnsServer, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError) as caught:
        gate(clean_demo, dns, tmp_path, "gate:\n  severities:\n    'emial::*': medium")
    text = str(caught.value)
    assert "launchgate.yml:13: gate.severities.emial::*: matches no check of this run" in text
    assert "email::spf" in text


@pytest.mark.parametrize(
    ("gate_yaml", "where", "message"),
    [
        ("gate: {severities: {'email::*': critical}}", "gate.severities.email::*", "'blocker'"),
        ("gate: {severities: {'email spf': high}}", "gate.severities", "pattern"),
        ("gate: {independent: maybe}", "gate.independent", "'report' or 'block'"),
    ],
)
def test_a_wrong_gate_key_names_its_line(gate_yaml: str, where: str, message: str) -> None:
    text = "journeys: {home: {steps: [{path: /}]}}\n" + gate_yaml + "\n"
    with pytest.raises(ConfigError) as caught:
        parse_config(text, Path("launchgate.yml"), {})
    problem = str(caught.value)
    assert problem.startswith(f"launchgate.yml:2: {where}"), problem
    assert message in problem, problem

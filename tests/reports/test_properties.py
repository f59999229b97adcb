"""Fail closed, as a property: whatever the checks did, CI sees it in every format."""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from launchgate.reports.json_report import render_json
from launchgate.reports.junit import render_junit
from launchgate.reports.markdown import render_summary
from launchgate.results import CheckResult, CheckStatus, Finding, Severity
from launchgate.runreport import RunReport
from launchgate.verdict import EXIT_CODES

from .factories import check, make_report, parse_xml, step

# Any text at all, control characters, markup and lone surrogates included.
texts = st.text(st.characters(exclude_categories=()), max_size=30)
durations = st.one_of(
    st.floats(min_value=0, max_value=1e4),
    st.sampled_from([math.nan, math.inf, -math.inf, -1.0]),
)
severities = st.sampled_from(list(Severity))


@st.composite
def check_results(draw: st.DrawFn, check_id: str, earlier: list[str]) -> CheckResult:
    status: CheckStatus = draw(st.sampled_from(["passed", "failed", "error", "skipped"]))
    n_findings = {"passed": 0, "failed": draw(st.integers(1, 3))}.get(
        status, draw(st.integers(0, 1))
    )
    findings = [
        Finding(
            check_id=check_id,
            severity=draw(severities),
            title=draw(texts),
            detail=draw(texts),
            remedy=draw(texts),
        )
        for _ in range(n_findings)
    ]
    blocked_by = draw(st.lists(st.sampled_from(earlier), max_size=2)) if earlier else []
    steps = [
        step(
            draw(texts),
            "GET",
            draw(texts),
            draw(st.none() | st.integers(100, 599)),
            draw(durations),
        )
        for _ in range(draw(st.integers(0, 2)))
    ]
    return check(
        check_id,
        status,
        severity=draw(severities),
        findings=findings,
        message="" if status == "passed" else draw(texts) or "m",
        duration_s=draw(durations),
        steps=steps,
        blocked_by=blocked_by if status == "skipped" else [],
    )


@st.composite
def reports(draw: st.DrawFn) -> RunReport:
    ids: list[str] = []
    results = []
    for index in range(draw(st.integers(0, 6))):
        check_id = f"{draw(texts)}::c{index}"  # unique, yet any text
        results.append(draw(check_results(check_id, list(ids))))
        ids.append(check_id)
    return make_report(results, fail_on=draw(severities), duration_s=draw(durations))


def _no_constants(name: str) -> Any:
    raise ValueError(name)


@settings(max_examples=300, deadline=None)
@given(reports())
def test_every_outcome_renders_valid_files_and_ci_sees_non_pass(report: RunReport) -> None:
    root = parse_xml(render_junit(report))
    testcases = root.findall("testsuite/testcase")
    outcomes = {child.tag for case in testcases for child in case}
    if report.verdict.outcome != "pass":
        assert outcomes & {"failure", "error"}
    else:
        assert not outcomes & {"failure", "error"}
    if report.verdict.outcome == "error":
        assert "error" in outcomes
    assert len(testcases) in (len(report.results), len(report.results) + 1)

    data = json.loads(render_json(report), parse_constant=_no_constants)
    assert data["verdict"] == report.verdict.outcome
    assert data["rollback"] is (report.verdict.outcome != "pass")
    assert data["exit_code"] == EXIT_CODES[report.verdict.outcome]
    assert (data["exit_code"] == 0) == (report.verdict.outcome == "pass")
    assert len(data["checks"]) == len(report.results)

    summary = render_summary(report)
    assert summary.startswith("## launchgate: ")
    # Each table row has exactly as many unescaped pipes as a 4-column row needs.
    for line in summary.splitlines():
        if line.startswith("| "):
            assert line.replace("\\|", "").count("|") == 5, line

"""The pure parts of the pytest face: the report of a (partial) gate, and the outcomes
xdist workers hand to the controller (encoded, decoded, merged)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from launchgate.config.load import load_config
from launchgate.engine import Run
from launchgate.plugin.session import NOT_RUN, NOT_SELECTED, gate_report
from launchgate.plugin.xdist import (
    GATE_SCOPE,
    GateOutcome,
    XdistGate,
    decode_outcome,
    encode_outcome,
    merge_outcomes,
    scope_rule,
)
from launchgate.results import (
    BaselinePoint,
    BaselineRef,
    CheckResult,
    Finding,
    RouteFigures,
    Severity,
    StepRecord,
)
from tests.plugin_target import CHECKS, gate_yml

START = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def passed(check_id: str) -> CheckResult:
    return CheckResult(
        check_id=check_id,
        kind="journey",
        title=check_id,
        severity=Severity.BLOCKER,
        status="passed",
        duration_s=0.5,
    )


def failed(check_id: str, severity: Severity = Severity.BLOCKER) -> CheckResult:
    finding = Finding(
        check_id=check_id,
        severity=severity,
        title=f"{check_id} broke",
        detail="detail",
        remedy="fix it",
    )
    step = StepRecord(
        name="home", method="GET", path="/", status_code=500, elapsed_ms=3.5, ok=False, error=None
    )
    return CheckResult(
        check_id=check_id,
        kind="journey",
        title=check_id,
        severity=severity,
        status="failed",
        duration_s=0.5,
        findings=(finding,),
        message="broke",
        steps=(step,),
    )


def error(check_id: str) -> CheckResult:
    return CheckResult(
        check_id=check_id,
        kind="journey",
        title=check_id,
        severity=Severity.BLOCKER,
        status="error",
        duration_s=0.5,
        message="x",
    )


def run(tmp_path: Path) -> Run:
    path = tmp_path / "launchgate.yml"
    path.write_text(gate_yml("http://127.0.0.1:9"))
    return Run(load_config(path, {}), target_url="http://127.0.0.1:9")


def test_checks_left_out_are_in_the_report_as_not_selected(tmp_path: Path) -> None:
    gate = run(tmp_path)
    outcome = GateOutcome(
        results=(passed("readiness"), passed("journey::login")),
        selected=frozenset({"journey::login"}),  # readiness ran as its prerequisite
        started_at=START,
        duration_s=2.0,
        run_id="abcd1234",
    )
    report = gate_report(gate.report(), gate.plan, outcome, fail_on=Severity.BLOCKER)
    assert [r.check_id for r in report.results] == CHECKS
    messages = {r.check_id: (r.status, r.message) for r in report.results}
    assert messages["journey::homepage"] == ("skipped", NOT_SELECTED)
    assert messages["journey::dashboard"] == ("skipped", NOT_SELECTED)
    assert report.verdict.not_selected == ("journey::homepage", "journey::dashboard")
    assert report.verdict.outcome == "error"
    assert (report.run_id, report.started_at, report.duration_s) == ("abcd1234", START, 2.0)


def test_a_selected_check_that_never_ran_is_not_run_not_unselected(tmp_path: Path) -> None:
    gate = run(tmp_path)
    outcome = GateOutcome(results=(passed("readiness"),), selected=frozenset(CHECKS))
    report = gate_report(gate.report(), gate.plan, outcome, fail_on=Severity.BLOCKER)
    assert {r.message for r in report.results[1:]} == {NOT_RUN}
    assert report.verdict.not_selected == ()
    assert report.verdict.outcome == "error"
    assert report.verdict.reason.startswith("could not decide: 3 check(s) did not complete")


def test_an_outcome_survives_the_trip_to_the_controller() -> None:
    route = RouteFigures(
        route="home",
        method="GET",
        path="/",
        samples=10,
        requests=11,
        rate_per_s=5.0,
        achieved_rate_per_s=4.9,
        p50_ms=1.0,
        p95_ms=2.0,
        p99_ms=3.0,
        max_ms=4.0,
        service_p95_ms=1.5,
        error_rate_pct=9.1,
        errors=(("timeout", 1),),
        throttled=0,
        target_p95_ms=500.0,
        baseline_p95_ms=None,
        change_pct=None,
        decision="no_baseline",
        decision_reason="no baseline yet",
        histogram="HISTFAAA",
    )
    baseline = BaselineRef(
        path="baselines/demo.bl.json",
        environment="demo",
        created_at="2026-01-01",
        commit="abc",
        entries=3,
        update="updated",
        history=(BaselinePoint(created_at="2026-01-01", commit=None, p95_ms=(("home", 2.5),)),),
    )
    outcome = GateOutcome(
        results=(passed("readiness"), failed("journey::homepage"), error("journey::login")),
        selected=frozenset({"journey::homepage", "journey::login"}),
        routes=(route,),
        baseline=baseline,
        started_at=START,
        duration_s=1.25,
        run_id="r1",
    )
    text = encode_outcome(outcome)
    assert isinstance(text, str)  # execnet carries it as is
    assert decode_outcome(text) == outcome


def test_merged_outcomes_keep_the_worst_result_of_a_check_run_twice() -> None:
    gate_worker = GateOutcome(
        results=(passed("readiness"), passed("journey::login"), failed("journey::homepage")),
        selected=frozenset(CHECKS),
        started_at=START,
        duration_s=3.0,
        run_id="gate",
    )
    # The other worker logged in again for a hand-written test, and that login failed.
    other_worker = GateOutcome(
        results=(passed("readiness"), failed("journey::login")),
        selected=frozenset(CHECKS),
        started_at=START + timedelta(seconds=1),
        duration_s=4.0,
        run_id="other",
    )
    merged = merge_outcomes([gate_worker, other_worker], Severity.BLOCKER)
    assert merged is not None
    statuses = {r.check_id: r.status for r in merged.results}
    assert statuses == {
        "readiness": "passed",
        "journey::login": "failed",
        "journey::homepage": "failed",
    }
    assert merged.selected == frozenset(CHECKS)
    assert (merged.started_at, merged.duration_s, merged.run_id) == (START, 5.0, "gate")


def test_a_blocking_failure_outranks_an_error_and_an_error_a_minor_failure() -> None:
    def merged(*results: CheckResult) -> str:
        outcomes = [GateOutcome(results=(r,), selected=None) for r in results]
        merged = merge_outcomes(outcomes, Severity.BLOCKER)
        assert merged is not None
        (result,) = merged.results
        return result.status if result.worst is not Severity.HIGH else "failed (high)"

    assert merged(error("a"), failed("a")) == "failed"
    assert merged(failed("a", Severity.HIGH), error("a")) == "error"
    assert merged(passed("a"), failed("a", Severity.HIGH)) == "failed (high)"


def test_no_worker_outcome_merges_to_nothing() -> None:
    assert merge_outcomes([], Severity.BLOCKER) is None


GATE_IDS = ["launchgate.yml::readiness", "launchgate.yml::webhook::billing::forged"]
OTHERS = ["tests/test_a.py::test_one", "tests/test_a.py::TestX::test_two", "tests/test_b.py::t@g"]


@pytest.mark.parametrize(
    ("dist", "expected"),
    [
        ("load", OTHERS),
        ("worksteal", OTHERS),
        ("loadscope", ["tests/test_a.py", "tests/test_a.py::TestX", "tests/test_b.py"]),
        ("loadfile", ["tests/test_a.py", "tests/test_a.py", "tests/test_b.py"]),
        ("loadgroup", [OTHERS[0], OTHERS[1], "g"]),
    ],
)
def test_the_gate_is_one_scope_and_other_tests_keep_their_dist_mode(
    dist: str, expected: list[str]
) -> None:
    rule = scope_rule(dist)
    assert rule is not None
    xdist_gate = XdistGate(gate=None, gate_nodeid="launchgate.yml")  # type: ignore[arg-type]
    assert {xdist_gate.scope(nodeid, rule) for nodeid in GATE_IDS} == {GATE_SCOPE}
    assert [xdist_gate.scope(nodeid, rule) for nodeid in OTHERS] == expected


def test_dist_each_has_no_scope_rule() -> None:
    assert scope_rule("each") is None

"""A route's gate checks: id and title built once from its resolved settings, and each
judged, purely, as passed, failed (with a finding) or could-not-decide (an error,
never a pass)."""

from __future__ import annotations

import dataclasses
import math

import pytest

from launchgate.probe.gate_checks import GateCheck, RouteEvidence, gate_checks, judge
from launchgate.probe.gates import RegressionDecision, RegressionOutcome, drift_gate
from launchgate.probe.histogram import LatencyHistogram
from launchgate.probe.measurement import RouteMeasurement
from launchgate.probe.settings import RouteSettings
from launchgate.results import Severity

ROUTE = RouteSettings(
    name="home",
    method="GET",
    path="/",
    session=None,
    rate_per_s=20.0,
    expect_status=frozenset(range(200, 300)),
    p95_target_ms=400.0,
    error_budget_pct=2.0,
    regression_pct=15.0,
    min_samples=50,
    drift_pct=20.0,
    drift_severity=Severity.HIGH,
)
P95, ERRORS, REGRESSION = gate_checks(ROUTE)


def measured(latency_ms: float, *, samples: int = 100, errors: int = 0) -> RouteMeasurement:
    latency = LatencyHistogram()
    for _ in range(samples):
        latency.record_ms(latency_ms)
    return RouteMeasurement(
        route="home",
        method="GET",
        path="/",
        rate_per_s=20.0,
        latency=latency,
        service=latency,
        requests=samples + errors,
        errors={"HTTP 500": errors} if errors else {},
        throttled=0,
        measured_s=5.0,
        client_lag=LatencyHistogram(),
    )


def evidence(
    route: RouteMeasurement | None,
    *,
    decision: RegressionDecision | None = None,
    baseline_error: str | None = None,
) -> RouteEvidence:
    return RouteEvidence(
        measured=route,
        missing="not measured: no session",
        decision=decision,
        baseline_error=baseline_error,
    )


def regression(outcome: RegressionOutcome) -> RegressionDecision:
    nan2 = (math.nan, math.nan)
    return RegressionDecision(outcome, 1.5, 150.0, 100.0, nan2, nan2, f"{outcome} figures")


def test_ids_and_titles_are_built_from_the_resolved_settings():
    assert [(g.check_id, g.gate) for g in gate_checks(ROUTE)] == [
        ("probe::home::p95", "p95"),
        ("probe::home::errors", "errors"),
        ("probe::home::regression", "regression"),
    ]
    assert P95.title == "home answers within 400 ms at p95"
    assert ERRORS.title == "home stays within the 2% error budget"
    assert REGRESSION.title == "home is not more than 15% slower than the baseline"
    assert all(g.route is ROUTE for g in gate_checks(ROUTE))


@pytest.mark.parametrize(
    ("check", "proof", "status"),
    [
        (P95, evidence(measured(100)), "passed"),
        (P95, evidence(measured(900)), "failed"),
        (P95, evidence(measured(100, samples=10)), "error"),
        (ERRORS, evidence(measured(100, errors=1)), "passed"),
        (ERRORS, evidence(measured(100, errors=10)), "failed"),
        (ERRORS, evidence(measured(100, samples=0)), "error"),
        (REGRESSION, evidence(measured(150), decision=regression("unchanged")), "passed"),
        (REGRESSION, evidence(measured(150), decision=regression("regression")), "failed"),
        (REGRESSION, evidence(measured(150), decision=regression("inconclusive")), "error"),
    ],
)
def test_pass_fail_and_undecided(check: GateCheck, proof: RouteEvidence, status: str):
    result = judge(check, proof)
    assert (result.check_id, result.title, result.status) == (check.check_id, check.title, status)
    # Only a failure carries a finding; could-not-decide says so and is never a pass.
    assert bool(result.findings) == (status == "failed")
    if status == "error":
        assert result.message.startswith("could not decide: ")


def test_a_route_with_no_figures_is_an_error_naming_why():
    for check in gate_checks(ROUTE):
        result = judge(check, evidence(None))
        assert result.status == "error"
        assert result.message == "not measured: no session"


def test_an_unreadable_baseline_leaves_only_the_regression_undecided():
    proof = evidence(measured(100), baseline_error="baselines/test.json: not JSON")
    assert judge(P95, proof).status == "passed"
    result = judge(REGRESSION, proof)
    assert result.status == "error"
    assert result.message == "could not decide: baselines/test.json: not JSON"


def test_a_failed_gate_names_the_route_and_the_figures():
    result = judge(P95, evidence(measured(900)))
    (finding,) = result.findings
    assert finding.title.startswith("home: p95 900 ms is over the 400 ms target")
    assert finding.detail.startswith("GET /: 100 measured; p50 900.")


def _drifted(severity: Severity) -> tuple[GateCheck, RouteEvidence]:
    history = [("c5", 15.0), ("c4", 13.0), ("c3", 12.0), ("c2", 11.0), ("c1", 10.0)]
    current = measured(16.0).latency
    drift = drift_gate(
        current,
        history,
        window=5,
        limit_pct=20.0,
        floor_ms=1.0,
        confidence_pct=95.0,
        min_samples=50,
    )
    assert drift.drifts
    route = dataclasses.replace(ROUTE, drift_severity=severity)
    check = gate_checks(route)[2]
    proof = dataclasses.replace(
        evidence(measured(16.0), decision=regression("unchanged")), drift=drift
    )
    return check, proof


def test_drift_is_a_finding_of_its_own_severity_on_the_regression_check():
    check, proof = _drifted(Severity.HIGH)
    result = judge(check, proof)
    assert result.status == "failed"
    (finding,) = result.findings
    assert finding.severity is Severity.HIGH  # reported; fails the gate only at fail_on: high
    assert "home drifted" in finding.title
    assert "c1, c2, c3, c4, c5 and now" in finding.title  # the deploys it accumulated across
    blocker, proof = _drifted(Severity.BLOCKER)
    assert judge(blocker, proof).findings[0].severity is Severity.BLOCKER


def test_a_regression_outranks_drift_and_no_drift_passes():
    check, proof = _drifted(Severity.HIGH)
    failed = judge(check, dataclasses.replace(proof, decision=regression("regression")))
    assert failed.findings[0].severity is Severity.BLOCKER
    assert "drifted" not in failed.message
    steady = judge(check, dataclasses.replace(proof, drift=None))
    assert steady.status == "passed"

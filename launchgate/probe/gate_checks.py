"""The probe's gate checks, per route: the p95 target, the error budget and the
regression: against the control measured in the same window when ``probe.compare``
names one (the stored baseline's decision is then shown beside it, and does not
gate), else against the stored baseline. Each check's id and title are built once,
as a :class:`GateCheck`; judging it is a pure function of what the probe left for
its route (:class:`RouteEvidence`), so the probe check reads its gates exactly as
the gate checks themselves report them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from launchgate.checks.ids import probe_gate_id
from launchgate.probe.compare import ComparisonDecision
from launchgate.probe.driver import PAUSED, SESSION_LOST
from launchgate.probe.figures import route_counts_text
from launchgate.probe.gates import DriftDecision, RegressionDecision, error_gate, p95_gate
from launchgate.probe.measurement import RouteMeasurement
from launchgate.probe.refusal import REFUSED_REMEDY, refusal
from launchgate.probe.settings import RouteSettings
from launchgate.results import CheckResult, CheckStatus, Finding, Severity

__all__ = ["GateCheck", "GateName", "RouteEvidence", "gate_checks", "judge"]

GateName = Literal["p95", "errors", "regression"]


@dataclass(frozen=True)
class GateCheck:
    check_id: str
    title: str
    gate: GateName
    route: RouteSettings


@dataclass(frozen=True)
class RouteEvidence:
    """What the probe left for one route's gates."""

    measured: RouteMeasurement | None  # None: the route was not measured
    missing: str  # why not, when it was not
    decision: RegressionDecision | None = None
    drift: DriftDecision | None = None  # against the baseline several deploys ago
    baseline_error: str | None = None  # the baseline could not be read
    stopped_early: str | None = None  # why the probe gave up before the end, if it did
    comparison: ComparisonDecision | None = None  # against the control, when there is one
    control: RouteMeasurement | None = None  # the control's figures for this route
    uncompared: str = ""  # why there is no comparison, when there is a control but none


def gate_checks(route: RouteSettings) -> tuple[GateCheck, GateCheck, GateCheck]:
    """The route's three gates, in the order they run and are reported."""
    name = route.name
    return (
        GateCheck(
            probe_gate_id(name, "p95"),
            f"{name} answers within {route.p95_target_ms:.0f} ms at p95",
            "p95",
            route,
        ),
        GateCheck(
            probe_gate_id(name, "errors"),
            f"{name} stays within the {route.error_budget_pct:g}% error budget",
            "errors",
            route,
        ),
        GateCheck(
            probe_gate_id(name, "regression"),
            f"{name} is not more than {route.regression_pct:g}% slower than the baseline"
            if route.compare_pct is None
            else f"{name} is not more than {route.compare_pct:g}% slower than the control, "
            "measured side by side",
            "regression",
            route,
        ),
    )


def judge(check: GateCheck, evidence: RouteEvidence) -> CheckResult:
    """The gate's result: failed with a finding, passed, or an error when the figures
    cannot decide (never a pass)."""
    if check.gate == "p95":
        return _judge_p95(check, evidence)
    if check.gate == "errors":
        return _judge_errors(check, evidence)
    return _judge_regression(check, evidence)


def _result(
    check: GateCheck,
    status: CheckStatus,
    message: str,
    *,
    detail: str = "",
    remedy: str = "",
    severity: Severity = Severity.BLOCKER,
) -> CheckResult:
    findings: tuple[Finding, ...] = ()
    if status == "failed":
        findings = (
            Finding(
                check_id=check.check_id,
                severity=severity,
                title=message,
                detail=detail,
                remedy=remedy,
            ),
        )
    return CheckResult(
        check_id=check.check_id,
        kind="probe",
        title=check.title,
        severity=severity,
        status=status,
        duration_s=0.0,
        findings=findings,
        message=message,
    )


def _figures_text(route: RouteMeasurement) -> str:
    return (
        f"{route.method} {route.path}: {route.successes} measured; p50 {route.p(50):.1f} ms, "
        f"p95 {route.p(95):.1f} ms, p99 {route.p(99):.1f} ms, max {route.latency.max_ms:.1f} "
        f"ms (server time p95 {route.service.percentile_ms(95):.1f} ms)"
    )


def _judge_p95(check: GateCheck, evidence: RouteEvidence) -> CheckResult:
    measured = evidence.measured
    if measured is None:
        return _result(check, "error", evidence.missing)
    route = check.route
    decision = p95_gate(measured.latency, route.p95_target_ms, min_samples=route.min_samples)
    if decision.status == "undecided":
        return _result(check, "error", f"could not decide: {decision.reason}")
    if decision.status == "fail":
        return _result(
            check, "failed", f"{route.name}: {decision.reason}",
            detail=_figures_text(measured),
            remedy="profile this route under load: slow queries, missing indexes, "
            "N+1 queries and blocking calls are the usual causes",
        )  # fmt: skip
    return _result(check, "passed", decision.reason)


def _judge_errors(check: GateCheck, evidence: RouteEvidence) -> CheckResult:
    measured = evidence.measured
    if measured is None:
        return _result(check, "error", evidence.missing)
    route = check.route
    done = measured.successes + measured.error_count
    decision = error_gate(done, measured.error_count, route.error_budget_pct)
    if decision.status == "undecided":
        return _result(check, "error", f"could not decide: {decision.reason}")
    # Not a matter of budget: once the session is gone the route is no longer
    # measured as the customer it stands for.
    lost = [(cause, n) for cause, n in measured.errors.items() if cause.startswith(SESSION_LOST)]
    if decision.status == "fail" or lost:
        causes = ", ".join(f"{cause}: {n}" for cause, n in sorted(measured.errors.items()))
        detail = f"{measured.method} {measured.path}: {causes}\n{route_counts_text(measured)}"
        if evidence.stopped_early:
            detail += f"\n{evidence.stopped_early}"
        if lost:
            reason = f"{lost[0][0]} ({sum(n for _, n in lost)} of {done} requests)"
            remedy = (
                "the journey's session expired or was dropped under load: look at the "
                "session lifetime and store, or measure this page without session:"
            )
        elif refused := refusal(route.name, measured.errors):
            reason = f"{decision.reason}; {refused}"
            remedy = REFUSED_REMEDY
        else:
            reason = decision.reason
            remedy = (
                "look at the app's error log for these requests; a few percent of "
                "errors under modest load means customers see them too"
            )
        return _result(check, "failed", f"{route.name}: {reason}", detail=detail, remedy=remedy)
    message = decision.reason
    if measured.throttled:
        paused = measured.not_sent.get(PAUSED, 0)
        message += (
            f"; {measured.throttled} answered 429, Retry-After honoured "
            f"({paused} not sent during the pause)"
        )
    return _result(check, "passed", message)


def _judge_regression(check: GateCheck, evidence: RouteEvidence) -> CheckResult:
    if check.route.compare_pct is not None:
        return _judge_comparison(check, evidence)
    if evidence.baseline_error:
        return _result(check, "error", f"could not decide: {evidence.baseline_error}")
    decision = evidence.decision
    if decision is None:
        return _result(check, "error", evidence.missing)
    if decision.fails:
        measured = evidence.measured
        return _result(
            check, "failed", f"{check.route.name}: {decision.reason}",
            detail=_figures_text(measured) if measured else "",
            remedy="compare with the baseline's commit: a dropped index, a new query or a "
            "slower dependency are the usual causes",
        )  # fmt: skip
    if decision.could_not_decide:
        return _result(check, "error", f"could not decide: {decision.reason}")
    drift = _drifted(
        check,
        evidence,
        f"regression against the recent baselines: {decision.outcome}: {decision.reason}",
    )
    if drift is not None:
        return drift
    return _result(check, "passed", f"{decision.outcome}: {decision.reason}")


def _judge_comparison(check: GateCheck, evidence: RouteEvidence) -> CheckResult:
    """The live A/B decides; the stored baseline's decision rides along in the text,
    since a stored figure from another run on another machine is the weaker witness."""
    name = check.route.name
    beside = _stored_beside(evidence)
    comparison = evidence.comparison
    if comparison is None:
        missing = evidence.uncompared or (
            evidence.missing
            if evidence.measured is None
            else "the probe measured no control for this route"
        )
        return _result(check, "error", f"could not decide against the control: {missing}")
    if comparison.fails:
        lines = [f"target: {_figures_text(evidence.measured)}"] if evidence.measured else []
        if evidence.control is not None:
            lines.append(f"control: {_figures_text(evidence.control)}")
        lines.append(beside)
        return _result(
            check, "failed", f"{name}: {comparison.reason}",
            detail="\n".join(lines),
            remedy="the control runs the code before this change, on the same load at "
            "the same moment: look at what the change does on this route (a dropped "
            "index, a new query, a slower dependency)",
        )  # fmt: skip
    if comparison.could_not_decide:
        return _result(check, "error", f"could not decide: {comparison.reason}")
    drift = _drifted(
        check, evidence, f"against the control: {comparison.outcome}: {comparison.reason}"
    )
    if drift is not None:
        return drift
    return _result(check, "passed", f"{comparison.outcome}: {comparison.reason}; {beside}")


def _stored_beside(evidence: RouteEvidence) -> str:
    if evidence.baseline_error:
        return f"the stored baseline (not gating): unreadable: {evidence.baseline_error}"
    decision = evidence.decision
    if decision is None:
        return "the stored baseline (not gating): no decision"
    return f"the stored baseline (not gating): {decision.outcome}: {decision.reason}"


def _drifted(check: GateCheck, evidence: RouteEvidence, beside: str) -> CheckResult | None:
    """The drift finding, when the route drifted; ``beside``: the regression decision."""
    drift = evidence.drift
    if drift is None or not drift.drifts:
        return None
    return _result(
        check, "failed", f"{check.route.name} drifted: {drift.reason}",
        detail=beside,
        remedy="each deploy stayed within the regression limit, together they did "
        "not: look at what the deploys named here changed on this route",
        severity=check.route.drift_severity,
    )  # fmt: skip

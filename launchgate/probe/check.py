"""The load probe as checks: one check drives the load (and fails closed when its own
figures cannot be trusted); per route, three gate checks read the figures: the p95
target, the error budget and the regression against the stored baseline."""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import httpx

from launchgate.baseline import (
    BaselineFile,
    baseline_path,
    fingerprint,
    read_baseline,
)
from launchgate.checks.bounded_body import ACCEPT_ENCODING, undecodable_codings
from launchgate.checks.context import CheckContext
from launchgate.checks.plan import Measured, PlannedCheck
from launchgate.config.model import Config, ProbeSpec
from launchgate.config.template import render
from launchgate.errors import BaselineError
from launchgate.probe.driver import (
    PAUSED,
    SESSION_LOST,
    Prober,
    ProbeSettings,
    ProbeTarget,
    Progress,
)
from launchgate.probe.figures import (
    baseline_history,
    counts_text,
    decide_routes,
    route_counts_text,
    route_figures,
)
from launchgate.probe.gates import RegressionDecision, error_gate, p95_gate
from launchgate.probe.measurement import ProbeMeasurement, RouteMeasurement
from launchgate.probe.outcome import ProbeOutcome
from launchgate.results import BaselineRef, CheckResult, CheckStatus, Finding, Severity

__all__ = ["PROBE_ID", "plan_probe", "probe_fingerprint"]

PROBE_ID = "probe"
_TITLE = "The app held up under the load probe, on figures that can be trusted"
_EXTEND_STEP_S = 5.0


@dataclass
class ProbeState:
    """Shared by one run's probe check and its gate checks."""

    measurement: ProbeMeasurement | None = None
    baseline: BaselineFile | None = None
    baseline_error: str | None = None
    decisions: dict[str, RegressionDecision] = field(default_factory=dict)
    unmeasured: dict[str, str] = field(default_factory=dict)  # route -> why not
    status: CheckStatus | None = None  # the probe check's own, once it has one


def probe_fingerprint(spec: ProbeSpec) -> str:
    """What a comparison depends on: routes, rates, sessions, concurrency, timeout —
    not the duration (that only changes how many samples there are)."""
    return fingerprint(
        {
            "routes": {
                name: {
                    "path": r.path,
                    "method": r.method,
                    "rate": r.rate or spec.rate,
                    "session": r.session,
                }
                for name, r in sorted(spec.routes.items())
            },
            "concurrency": spec.concurrency,
            "timeout": spec.timeout,
        }
    )


def plan_probe(config: Config, base: Sequence[str]) -> list[PlannedCheck]:
    spec = config.probe
    if spec is None:
        return []
    state = ProbeState()
    sessions = sorted({r.session for r in spec.routes.values() if r.session})
    planned = [
        PlannedCheck(
            PROBE_ID,
            "probe",
            _TITLE,
            Severity.BLOCKER,
            tuple(base),
            partial(_run_probe, config=config, state=state),
            # A route whose journey failed is not measured (a logged-out dashboard
            # would be measured as a redirect); the other routes still are.
            after=tuple(f"journey::{s}" for s in sessions),
        )
    ]
    for name, route in spec.routes.items():
        target_ms = (route.p95 if route.p95 is not None else spec.gates.p95) * 1000
        planned += [
            PlannedCheck(
                f"probe::{name}::p95",
                "probe",
                f"{name} answers within {target_ms:.0f} ms at p95",
                Severity.BLOCKER,
                tuple(base),
                partial(_gate, _check_p95, route=name, target_ms=target_ms, spec=spec, state=state),
                after=(PROBE_ID,),
            ),
            PlannedCheck(
                f"probe::{name}::errors",
                "probe",
                f"{name} stays within the {spec.gates.error_budget:g}% error budget",
                Severity.BLOCKER,
                tuple(base),
                partial(_gate, _check_errors, route=name, spec=spec, state=state),
                after=(PROBE_ID,),
            ),
            PlannedCheck(
                f"probe::{name}::regression",
                "probe",
                f"{name} is not more than {spec.gates.regression:g}% slower than the baseline",
                Severity.BLOCKER,
                tuple(base),
                partial(_gate, _check_regression, route=name, spec=spec, state=state),
                after=(PROBE_ID,),
            ),
        ]
    return planned


# -- the probe itself -----------------------------------------------------------------


async def _run_probe(
    ctx: CheckContext, *, config: Config, state: ProbeState
) -> CheckResult | Measured:
    spec = config.probe
    if spec is None:  # pragma: no cover - planned only with a probe section
        raise RuntimeError("no probe configured")
    started = time.perf_counter()
    environment = config.target.environment
    folder = ctx.workdir / config.baseline.dir
    try:
        path = baseline_path(folder, environment)
        state.baseline = read_baseline(path)
    except BaselineError as exc:
        state.baseline_error = str(exc)
        path = folder / f"{environment}.json"
    unmeasured = {
        name: f"not measured: journey {route.session} did not pass, so there is no "
        "logged-in session to measure it with"
        for name, route in spec.routes.items()
        if route.session and route.session not in ctx.sessions
    }
    state.unmeasured = unmeasured
    unhonoured = _unhonoured_encodings(spec)
    if unhonoured:
        return CheckResult(
            PROBE_ID, "probe", _TITLE,
            Severity.BLOCKER, "error", time.perf_counter() - started, message=unhonoured,
        )  # fmt: skip
    targets = [_target(ctx, spec, name) for name in spec.routes if name not in unmeasured]
    if not targets:
        return CheckResult(
            PROBE_ID, "probe", _TITLE,
            Severity.BLOCKER, "error", time.perf_counter() - started,
            message="no route could be measured: " + "; ".join(unmeasured.values()),
        )  # fmt: skip
    settings = ProbeSettings(
        concurrency=spec.concurrency,
        timeout_s=spec.timeout,
        max_requests=spec.max_requests,
        max_body=ctx.target.max_body,
    )
    host = _host(ctx.base_url)
    extended = 0.0
    async with Prober(
        targets,
        settings,
        allowed_host=host,
        ssl_context=ctx.ssl_verify,
        user_agent=f"{ctx.user_agent} probe",
        progress=_progress(ctx),
    ) as prober:
        await prober.run(duration_s=spec.duration, warmup_s=spec.warmup, ramp_s=spec.ramp)
        fp = probe_fingerprint(spec)
        while extended < spec.max_extend and not prober.stopped_early:
            decisions = decide_routes(
                prober.measurement(), spec, state.baseline, fp, source=str(path)
            )
            if not _undecided(prober.measurement(), spec, decisions):
                break
            step = min(_EXTEND_STEP_S, spec.max_extend - extended)
            if ctx.progress is not None:
                ctx.progress(f"probe: figures inconclusive, measuring {step:.0f}s more")
            await prober.run(duration_s=step)
            extended += step
        measurement = prober.measurement(invalid=_invalid(prober.measurement(), spec),
                                         extended_s=extended)  # fmt: skip
    state.measurement = measurement
    state.decisions = decide_routes(measurement, spec, state.baseline, fp, source=str(path))
    latest = state.baseline.latest if state.baseline else None
    outcome = ProbeOutcome(
        measurement=measurement,
        fingerprint=fp,
        routes=tuple(route_figures(measurement, spec, state.decisions)),
        baseline=BaselineRef(
            path=str(path),
            environment=environment,
            created_at=latest.created_at if latest else None,
            commit=latest.git.commit if latest and latest.git else None,
            entries=len(state.baseline.entries) if state.baseline else 0,
            history=baseline_history(state.baseline, fp),
        ),
    )
    return Measured(await _judge(ctx, spec, state, measurement, extended, started), outcome)


async def _judge(
    ctx: CheckContext,
    spec: ProbeSpec,
    state: ProbeState,
    measurement: ProbeMeasurement,
    extended: float,
    started: float,
) -> CheckResult:
    """The probe check's own result, once its figures are in."""
    duration = time.perf_counter() - started
    title = _TITLE
    total = sum(r.requests for r in measurement.routes)
    if measurement.invalid:
        return CheckResult(
            PROBE_ID, "probe", title, Severity.BLOCKER, "error", duration,
            message=f"the probe's figures cannot be trusted: {measurement.invalid}",
        )  # fmt: skip
    if total == 0:
        return CheckResult(
            PROBE_ID, "probe", title, Severity.BLOCKER, "error", duration,
            message="the probe measured no request at all: nothing to decide on",
        )  # fmt: skip
    summary = f"over {measurement.duration_s:.0f}s: {counts_text(measurement.routes)}"
    if extended:
        summary += f" (extended by {extended:.0f}s: figures were inconclusive)"
    if measurement.stopped_early:
        summary += f"; {measurement.stopped_early}"
    findings = await _probe_findings(ctx, spec, state)
    state.status = "failed" if findings else "passed"
    return CheckResult(
        PROBE_ID, "probe", title, Severity.BLOCKER, state.status, duration, findings,
        message=f"{findings[0].title}; {summary}" if findings else summary,
    )  # fmt: skip


def _target(ctx: CheckContext, spec: ProbeSpec, name: str) -> ProbeTarget:
    route = spec.routes[name]
    session = ctx.sessions.get(route.session or "")
    variables = {**ctx.variables, **(session.captures if session else {})}
    headers = [(k, render(v, variables)) for k, v in route.headers.items()]
    # The probe's own client has no redaction hooks: a literal ?token= or credential
    # header of a route is registered here, before any message can quote it.
    ctx.redactor.learn_url(route.path)
    ctx.redactor.learn_headers(headers)
    if session is not None:
        cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies.jar)
        if cookie:
            headers.append(("Cookie", cookie))
    # As a journey step reads it: a redirect or an error page is not the page.
    expect = route.expect_status or list(range(200, 300))
    return ProbeTarget(
        route=name,
        method=route.method,
        url=ctx.base_url.rstrip("/") + route.path,
        headers=tuple(headers),
        rate_per_s=route.rate or spec.rate,
        expect_status=frozenset(expect),
        session=route.session is not None,
    )


def _unhonoured_encodings(spec: ProbeSpec) -> str | None:
    """A route's own Accept-Encoding may only ask for what the probe decodes: asking
    for br and then failing every br answer would measure nothing but our limits."""
    for name, route in spec.routes.items():
        for header, value in route.headers.items():
            if header.lower() != "accept-encoding":
                continue
            cannot = undecodable_codings(value)
            if cannot:
                return (
                    f"probe.routes.{name}.headers: {header} asks for {', '.join(cannot)}, "
                    f"which the probe cannot decode (it decodes {ACCEPT_ENCODING}): "
                    "leave the header out, or ask only for those"
                )
    return None


def _host(url: str) -> str:
    return httpx.URL(url).host


def _progress(ctx: CheckContext) -> Progress | None:
    if ctx.progress is None:
        return None
    report = ctx.progress

    def progress(elapsed: float, sent: int, p95_ms: float, errors: int) -> None:
        p95 = "-" if math.isnan(p95_ms) else f"{p95_ms:.0f} ms"
        rate = sent / elapsed if elapsed > 0 else 0.0
        report(f"probe: {elapsed:.0f}s, {rate:.0f} req/s, p95 {p95}, {errors} errors")

    return progress


def _undecided(
    measurement: ProbeMeasurement, spec: ProbeSpec, decisions: dict[str, RegressionDecision]
) -> bool:
    few = any(r.successes < spec.gates.min_samples for r in measurement.routes)
    return few or any(d.undecided for d in decisions.values())


def _invalid(measurement: ProbeMeasurement, spec: ProbeSpec) -> str | None:
    limit_ms = spec.max_client_lag * 1000
    for route in measurement.routes:
        lag = route.client_lag.percentile_ms(99)
        if lag > limit_ms:
            return (
                f"the load generator fell behind its own schedule on {route.route} "
                f"(client lag p99 {lag:.1f} ms > {limit_ms:.0f} ms, probe.max_client_lag): "
                "its figures would flatter the target; lower probe.rate or run the gate on "
                "a less busy machine"
            )
    if measurement.loop_lag_p99_ms > limit_ms:
        return (
            f"the gate's event loop was saturated (timer lag p99 "
            f"{measurement.loop_lag_p99_ms:.1f} ms > {limit_ms:.0f} ms): lower probe.rate"
        )
    return None


async def _probe_findings(
    ctx: CheckContext, spec: ProbeSpec, state: ProbeState
) -> tuple[Finding, ...]:
    """Why the probe as a whole fails: the target collapsed, or one of its gates
    failed (the gates are pure functions of the figures, so they are read here as they
    will be in their own checks)."""
    findings: list[Finding] = []
    measurement = state.measurement
    if measurement is not None and measurement.collapsed:
        findings.append(
            Finding(
                PROBE_ID, Severity.BLOCKER,
                f"the target collapsed under the probe's load: {measurement.stopped_early}",
                counts_text(measurement.routes),
                "look at the app's error log and its capacity (workers, connections, "
                "pool sizes) at this rate",
            )
        )  # fmt: skip
    failed = [r for r in await _gate_results(ctx, spec, state) if r.status == "failed"]
    if failed:
        findings.append(
            Finding(
                PROBE_ID, Severity.BLOCKER,
                f"{len(failed)} probe gate(s) failed: {', '.join(r.check_id for r in failed)}",
                "\n".join(f"{r.check_id}: {r.message}" for r in failed),
                "see each gate's finding",
            )
        )  # fmt: skip
    return tuple(findings)


async def _gate_results(ctx: CheckContext, spec: ProbeSpec, state: ProbeState) -> list[CheckResult]:
    results: list[CheckResult] = []
    for name, route in spec.routes.items():
        target_ms = (route.p95 if route.p95 is not None else spec.gates.p95) * 1000
        results += [
            await _check_p95(ctx, route=name, target_ms=target_ms, spec=spec, state=state),
            await _check_errors(ctx, route=name, spec=spec, state=state),
            await _check_regression(ctx, route=name, spec=spec, state=state),
        ]
    return results


# -- the gates --------------------------------------------------------------------------


async def _gate(
    gate: Callable[..., Awaitable[CheckResult]],
    ctx: CheckContext,
    *,
    state: ProbeState,
    **arguments: Any,
) -> CheckResult:
    """A gate runs after the probe, passed or failed (a failed probe is what its
    gates found), and not at all when the probe left no figures to read."""
    result: CheckResult = await gate(ctx, state=state, **arguments)
    if state.status in ("passed", "failed"):
        return result
    return CheckResult(
        result.check_id, result.kind, result.title, result.severity, "skipped", 0.0,
        message=f"not run: prerequisite {PROBE_ID} could not be decided",
        blocked_by=(PROBE_ID,),
    )  # fmt: skip


def _route(state: ProbeState, name: str) -> RouteMeasurement | None:
    if state.measurement is None:
        return None
    return next((r for r in state.measurement.routes if r.route == name), None)


def _result(
    check_id: str,
    title: str,
    status: str,
    message: str,
    *,
    detail: str = "",
    remedy: str = "",
) -> CheckResult:
    findings: tuple[Finding, ...] = ()
    if status == "failed":
        findings = (Finding(check_id, Severity.BLOCKER, message, detail, remedy),)
    return CheckResult(
        check_id, "probe", title, Severity.BLOCKER, status,  # type: ignore[arg-type]
        0.0, findings, message,
    )  # fmt: skip


def _missing(state: ProbeState, route: str) -> str:
    return state.unmeasured.get(route, "the probe left no figures for this route")


def _figures_text(route: RouteMeasurement) -> str:
    return (
        f"{route.method} {route.path}: {route.successes} measured; p50 {route.p(50):.1f} ms, "
        f"p95 {route.p(95):.1f} ms, p99 {route.p(99):.1f} ms, max {route.latency.max_ms:.1f} "
        f"ms (server time p95 {route.service.percentile_ms(95):.1f} ms)"
    )


async def _check_p95(
    ctx: CheckContext, *, route: str, target_ms: float, spec: ProbeSpec, state: ProbeState
) -> CheckResult:
    check_id, title = f"probe::{route}::p95", f"{route} answers within {target_ms:.0f} ms at p95"
    measured = _route(state, route)
    if measured is None:
        return _result(check_id, title, "error", _missing(state, route))
    decision = p95_gate(measured.latency, target_ms, min_samples=spec.gates.min_samples)
    if decision.passed is None:
        return _result(check_id, title, "error", f"could not decide: {decision.reason}")
    if decision.passed is False:
        return _result(
            check_id, title, "failed", f"{route}: {decision.reason}",
            detail=_figures_text(measured),
            remedy="profile this route under load: slow queries, missing indexes, "
            "N+1 queries and blocking calls are the usual causes",
        )  # fmt: skip
    return _result(check_id, title, "passed", decision.reason)


async def _check_errors(
    ctx: CheckContext, *, route: str, spec: ProbeSpec, state: ProbeState
) -> CheckResult:
    check_id = f"probe::{route}::errors"
    title = f"{route} stays within the {spec.gates.error_budget:g}% error budget"
    measured = _route(state, route)
    if measured is None:
        return _result(check_id, title, "error", _missing(state, route))
    done = measured.successes + measured.error_count
    decision = error_gate(done, measured.error_count, spec.gates.error_budget)
    early = state.measurement.stopped_early if state.measurement else None
    if decision.passed is None:
        return _result(check_id, title, "error", f"could not decide: {decision.reason}")
    # Not a matter of budget: once the session is gone the route is no longer
    # measured as the customer it stands for.
    lost = [(cause, n) for cause, n in measured.errors.items() if cause.startswith(SESSION_LOST)]
    if decision.passed is False or lost:
        causes = ", ".join(f"{cause}: {n}" for cause, n in sorted(measured.errors.items()))
        detail = f"{measured.method} {measured.path}: {causes}\n{route_counts_text(measured)}"
        if early:
            detail += f"\n{early}"
        if lost:
            reason = f"{lost[0][0]} ({sum(n for _, n in lost)} of {done} requests)"
            remedy = (
                "the journey's session expired or was dropped under load: look at the "
                "session lifetime and store, or measure this page without session:"
            )
        else:
            reason = decision.reason
            remedy = (
                "look at the app's error log for these requests; a few percent of "
                "errors under modest load means customers see them too"
            )
        return _result(
            check_id, title, "failed", f"{route}: {reason}", detail=detail, remedy=remedy
        )
    message = decision.reason
    if measured.throttled:
        paused = measured.not_sent.get(PAUSED, 0)
        message += (
            f"; {measured.throttled} answered 429, Retry-After honoured "
            f"({paused} not sent during the pause)"
        )
    return _result(check_id, title, "passed", message)


async def _check_regression(
    ctx: CheckContext, *, route: str, spec: ProbeSpec, state: ProbeState
) -> CheckResult:
    check_id = f"probe::{route}::regression"
    title = f"{route} is not more than {spec.gates.regression:g}% slower than the baseline"
    if state.baseline_error:
        return _result(check_id, title, "error", f"could not decide: {state.baseline_error}")
    decision = state.decisions.get(route)
    if decision is None:
        return _result(check_id, title, "error", _missing(state, route))
    if decision.fails:
        return _result(
            check_id, title, "failed", f"{route}: {decision.reason}",
            detail=_figures_text(_route(state, route))  # type: ignore[arg-type]
            if _route(state, route) else "",
            remedy="compare with the baseline's commit: a dropped index, a new query or a "
            "slower dependency are the usual causes",
        )  # fmt: skip
    if decision.could_not_decide:
        return _result(check_id, title, "error", f"could not decide: {decision.reason}")
    return _result(check_id, title, "passed", f"{decision.outcome}: {decision.reason}")

"""The load probe as checks: one check drives the load (and fails closed when its own
figures cannot be trusted); per route, three gate checks read the figures: the p95
target, the error budget and the regression against the stored baseline."""

from __future__ import annotations

import base64
import dataclasses
import math
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

import httpx

from launchgate.baseline.store import BaselineFile, baseline_path, read_baseline
from launchgate.checks.bounded_body import ACCEPT_ENCODING, undecodable_codings
from launchgate.checks.context import CheckContext, SessionState
from launchgate.checks.ids import PROBE_ID, journey_id
from launchgate.checks.plan import Measured, PlannedCheck
from launchgate.config.model import Config, ProbeSpec
from launchgate.config.template import render
from launchgate.errors import BaselineError
from launchgate.probe.compare import ComparisonDecision
from launchgate.probe.control import CONTROL, ControlSessions, control_context, control_sessions
from launchgate.probe.driver import Prober, ProbeSettings, ProbeTarget, Progress
from launchgate.probe.figures import (
    baseline_history,
    compare_routes,
    counts_text,
    decide_drift,
    decide_routes,
    route_figures,
)
from launchgate.probe.gate_checks import GateCheck, RouteEvidence, gate_checks, judge
from launchgate.probe.gates import DriftDecision, RegressionDecision
from launchgate.probe.measurement import ProbeMeasurement, RouteMeasurement
from launchgate.probe.outcome import ProbeOutcome
from launchgate.probe.refusal import REFUSED_REMEDY, refusal
from launchgate.probe.schedule import Jitter
from launchgate.probe.settings import RouteSettings, probe_fingerprint, resolve
from launchgate.results import BaselineRef, CheckResult, CheckStatus, Finding, Severity

__all__ = ["plan_probe"]

_TITLE = "The app held up under the load probe, on figures that can be trusted"
_EXTEND_STEP_S = 5.0


@dataclass
class ProbeState:
    """Shared by one run's probe check and its gate checks."""

    measurement: ProbeMeasurement | None = None
    baseline: BaselineFile | None = None
    baseline_error: str | None = None
    decisions: dict[str, RegressionDecision] = field(default_factory=dict)
    drift: dict[str, DriftDecision] = field(default_factory=dict)
    unmeasured: dict[str, str] = field(default_factory=dict)  # route -> why not
    # The live comparison, when probe.compare names a control:
    control: dict[str, RouteMeasurement] = field(default_factory=dict)  # its figures
    comparisons: dict[str, ComparisonDecision] = field(default_factory=dict)
    uncompared: dict[str, str] = field(default_factory=dict)  # route -> why not compared
    status: CheckStatus | None = None  # the probe check's own, once it has one


def plan_probe(config: Config, base: Sequence[str]) -> list[PlannedCheck]:
    spec = config.probe
    if spec is None:
        return []
    state = ProbeState()
    routes = resolve(spec)
    gates = tuple(gate for route in routes for gate in gate_checks(route))
    sessions = sorted({r.session for r in routes if r.session})
    planned = [
        PlannedCheck(
            check_id=PROBE_ID,
            kind="probe",
            title=_TITLE,
            severity=Severity.BLOCKER,
            needs=tuple(base),
            run=partial(_run_probe, config=config, routes=routes, gates=gates, state=state),
            # A route whose journey failed is not measured (a logged-out dashboard
            # would be measured as a redirect); the other routes still are.
            after=tuple(journey_id(s) for s in sessions),
        )
    ]
    planned += [
        PlannedCheck(
            check_id=gate.check_id,
            kind="probe",
            title=gate.title,
            severity=Severity.BLOCKER,
            needs=tuple(base),
            run=partial(_gate, gate=gate, state=state),
            after=(PROBE_ID,),
        )
        for gate in gates
    ]
    return planned


# -- the probe itself -----------------------------------------------------------------


async def _run_probe(
    ctx: CheckContext,
    *,
    config: Config,
    routes: tuple[RouteSettings, ...],
    gates: tuple[GateCheck, ...],
    state: ProbeState,
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
        route.name: f"not measured: journey {route.session} did not pass, so there is no "
        "logged-in session to measure it with"
        for route in routes
        if route.session and route.session not in ctx.sessions
    }
    state.unmeasured = unmeasured
    unhonoured = _unhonoured_encodings(spec, ctx.target.headers)
    if unhonoured:
        return _probe_result("error", time.perf_counter() - started, message=unhonoured)
    measured = [route for route in routes if route.name not in unmeasured]
    # One seed per route: its candidate and control draw the same jitter, and two
    # routes do not send at the same instants.
    seeds = {route.name: secrets.randbits(32) for route in measured}
    targets = [_target(ctx, spec, route, ctx.sessions, seeds) for route in measured]
    if not targets:
        return _probe_result(
            "error",
            time.perf_counter() - started,
            message="no route could be measured: " + "; ".join(unmeasured.values()),
        )
    control_url = spec.control_url
    also_allowed: tuple[str, ...] = ()
    if control_url is not None:
        shown = ctx.redactor.redact_url(control_url)
        if _origin(control_url) == _origin(ctx.base_url):
            return _probe_result(
                "error",
                time.perf_counter() - started,
                message=f"probe.compare.url ({shown}) is the target itself: a control "
                "compared with itself decides nothing; point it at the previous "
                "deployment, or leave it out",
            )
        control_ctx = control_context(ctx, control_url)
        needed = sorted({route.session for route in measured if route.session})
        if needed and ctx.progress is not None:
            ctx.progress(f"probe: running journeys {', '.join(needed)} on the control")
        control = await control_sessions(control_ctx, config, needed)
        state.uncompared = _uncompared(measured, control, shown)
        targets += [
            dataclasses.replace(
                _target(control_ctx, spec, route, control.sessions, seeds),
                route=route.name + CONTROL,
                phase=0.5,
            )
            for route in measured
            if route.name not in state.uncompared
        ]
        also_allowed = (_host(control_url),)
    settings = ProbeSettings(
        concurrency=spec.concurrency,
        timeout_s=spec.timeout,
        max_requests=spec.max_requests,
        max_body=ctx.target.max_body,
    )
    host = _host(ctx.base_url)
    extended = 0.0
    fp = probe_fingerprint(spec)
    solo = probe_fingerprint(spec.model_copy(update={"compare": None})) if control_url else None
    async with Prober(
        targets,
        settings,
        allowed_host=host,
        also_allowed=also_allowed,
        ssl_context=ctx.ssl_verify,
        pinning=ctx.pinning,
        user_agent=f"{ctx.user_agent} probe",
        progress=_progress(ctx),
    ) as prober:
        await prober.run(duration_s=spec.duration, warmup_s=spec.warmup, ramp_s=spec.ramp)
        while extended < spec.max_extend and not prober.stopped_early:
            ours, theirs = _split(prober.measurement())
            decisions = decide_routes(
                ours, spec.gates, state.baseline, fp, source=str(path), solo_fingerprint=solo
            )
            comparisons = compare_routes(ours, theirs, routes, spec.gates, spec.compare)
            if not _undecided(ours, theirs, spec, decisions, comparisons):
                break
            step = min(_EXTEND_STEP_S, spec.max_extend - extended)
            if ctx.progress is not None:
                ctx.progress(f"probe: figures not yet decisive, measuring {step:.0f}s more")
            await prober.run(duration_s=step)
            extended += step
        whole = prober.measurement(invalid=_invalid(prober.measurement(), spec),
                                   extended_s=extended)  # fmt: skip
    measurement, state.control = _split(whole)
    state.measurement = measurement
    state.decisions = decide_routes(
        measurement, spec.gates, state.baseline, fp, source=str(path), solo_fingerprint=solo
    )
    state.drift = decide_drift(measurement, spec.gates, state.baseline, fp)
    state.comparisons = compare_routes(measurement, state.control, routes, spec.gates, spec.compare)
    latest = state.baseline.latest if state.baseline else None
    outcome = ProbeOutcome(
        measurement=measurement,
        fingerprint=fp,
        routes=tuple(
            route_figures(
                measurement,
                routes,
                state.decisions,
                state.drift,
                control=state.control,
                comparisons=state.comparisons,
                control_url=ctx.redactor.redact_url(control_url) if control_url else "",
            )
        ),
        baseline=BaselineRef(
            path=str(path),
            environment=environment,
            created_at=latest.created_at if latest else None,
            commit=latest.git.commit if latest and latest.git else None,
            entries=len(state.baseline.entries) if state.baseline else 0,
            history=baseline_history(state.baseline, fp),
        ),
    )
    if whole.collapsed_route is not None and whole.collapsed_route.endswith(CONTROL):
        # The control failing is not the target failing, and leaves nothing to
        # compare with: could not decide, never a pass and never the target's blame.
        state.status = "error"
        result = _probe_result(
            "error",
            time.perf_counter() - started,
            message=f"the control ({ctx.redactor.redact_url(control_url or '')}) failed "
            f"under the probe's load, so the comparison could not decide: "
            f"{whole.stopped_early}; {counts_text(state.control.values())}",
        )
        return Measured(result, outcome)
    return Measured(_judge(gates, state, measurement, extended, started), outcome)


def _split(
    measurement: ProbeMeasurement,
) -> tuple[ProbeMeasurement, dict[str, RouteMeasurement]]:
    """The target's routes, and the control's twins by the route they stand beside."""
    ours = tuple(r for r in measurement.routes if not r.route.endswith(CONTROL))
    theirs = {
        r.route.removesuffix(CONTROL): dataclasses.replace(r, route=r.route.removesuffix(CONTROL))
        for r in measurement.routes
        if r.route.endswith(CONTROL)
    }
    return dataclasses.replace(measurement, routes=ours), theirs


def _uncompared(
    routes: Sequence[RouteSettings], control: ControlSessions, shown: str
) -> dict[str, str]:
    return {
        route.name: f"the control ({shown}) did not pass journey {route.session}, so "
        f"it has no logged-in session to compare {route.name} with: "
        f"{control.failed[route.session]}"
        for route in routes
        if route.session and route.session in control.failed
    }


def _judge(
    gates: tuple[GateCheck, ...],
    state: ProbeState,
    measurement: ProbeMeasurement,
    extended: float,
    started: float,
) -> CheckResult:
    """The probe check's own result, once its figures are in."""
    duration = time.perf_counter() - started
    total = sum(r.requests for r in measurement.routes)
    if measurement.invalid:
        return _probe_result(
            "error",
            duration,
            message=f"the probe's figures cannot be trusted: {measurement.invalid}",
        )
    if total == 0:
        return _probe_result(
            "error", duration, message="the probe measured no request at all: nothing to decide on"
        )
    summary = f"over {measurement.duration_s:.0f}s: {counts_text(measurement.routes)}"
    if extended:
        summary += f" (extended by {extended:.0f}s: the figures were not yet decisive)"
    if measurement.stopped_early:
        summary += f"; {measurement.stopped_early}"
    findings = _probe_findings(gates, state)
    state.status = "failed" if findings else "passed"
    return _probe_result(
        state.status,
        duration,
        findings=findings,
        message=f"{findings[0].title}; {summary}" if findings else summary,
    )


def _probe_result(
    status: CheckStatus, duration_s: float, *, message: str, findings: tuple[Finding, ...] = ()
) -> CheckResult:
    return CheckResult(
        check_id=PROBE_ID,
        kind="probe",
        title=_TITLE,
        severity=Severity.BLOCKER,
        status=status,
        duration_s=duration_s,
        findings=findings,
        message=message,
    )


def _target(
    ctx: CheckContext,
    spec: ProbeSpec,
    route: RouteSettings,
    sessions: Mapping[str, SessionState],
    seeds: Mapping[str, int],
) -> ProbeTarget:
    session = sessions.get(route.session or "")
    variables = {**ctx.variables, **(session.captures if session else {})}
    own = [(k, render(v, variables)) for k, v in spec.routes[route.name].headers.items()]
    headers = _as_the_journeys_send(ctx, own)
    # The probe's own client has no redaction hooks: a literal ?token= or credential
    # header of a route is registered here, before any message can quote it.
    ctx.redactor.learn_url(route.path)
    ctx.redactor.learn_headers(headers)
    if session is not None:
        cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies.jar)
        if cookie:
            headers.append(("Cookie", cookie))
    return ProbeTarget(
        route=route.name,
        method=route.method,
        url=ctx.base_url.rstrip("/") + route.path,
        headers=tuple(headers),
        rate_per_s=route.rate_per_s,
        expect_status=route.expect_status,
        session=route.session is not None,
        jitter=Jitter(seeds[route.name]),
    )


def _as_the_journeys_send(
    ctx: CheckContext, own: Sequence[tuple[str, str]]
) -> list[tuple[str, str]]:
    """A route's headers, then ``target.headers`` it does not set itself, then the
    base URL's user info as Basic auth, replacing any Authorization (as httpx does for
    the journeys' requests). Without them a staging site behind basic auth or a
    deployment-protection header answers every probe request 401 while every journey
    passes, and the gate reads the target as collapsing under load."""
    headers = list(own)
    named = {name.lower() for name, _ in headers}
    headers += [(k, v) for k, v in ctx.target.headers.items() if k.lower() not in named]
    url = httpx.URL(ctx.base_url)
    if url.username or url.password:
        basic = base64.b64encode(f"{url.username}:{url.password}".encode()).decode("ascii")
        headers = [(k, v) for k, v in headers if k.lower() != "authorization"]
        headers.append(("Authorization", f"Basic {basic}"))
    return headers


def _unhonoured_encodings(spec: ProbeSpec, target_headers: Mapping[str, str]) -> str | None:
    """The Accept-Encoding a route sends (its own, or else target.headers') may only
    ask for what the probe decodes: asking for br and then failing every br answer
    would measure nothing but our limits."""
    for name, route in spec.routes.items():
        own = [(h, v, f"probe.routes.{name}.headers") for h, v in route.headers.items()]
        if not any(h.lower() == "accept-encoding" for h, _, _ in own):
            own = [(h, v, "target.headers") for h, v in target_headers.items()]
        for header, value, where in own:
            cannot = undecodable_codings(value) if header.lower() == "accept-encoding" else ()
            if cannot:
                return (
                    f"{where}: {header} asks for {', '.join(cannot)}, "
                    f"which the probe cannot decode (it decodes {ACCEPT_ENCODING}): "
                    "leave the header out, or ask only for those"
                )
    return None


def _host(url: str) -> str:
    return httpx.URL(url).host


def _origin(url: str) -> tuple[str, str, int | None]:
    parsed = httpx.URL(url)
    return parsed.scheme, parsed.host, parsed.port


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
    measurement: ProbeMeasurement,
    control: Mapping[str, RouteMeasurement],
    spec: ProbeSpec,
    decisions: dict[str, RegressionDecision],
    comparisons: dict[str, ComparisonDecision],
) -> bool:
    """Whether more measuring could still decide what is not decided. With a control,
    the comparison decides the regression; the stored baseline is only shown."""
    routes = (*measurement.routes, *control.values())
    few = any(r.successes < spec.gates.min_samples for r in routes)
    if spec.control_url is not None:
        return few or any(c.could_not_decide or c.unsettled for c in comparisons.values())
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


def _probe_findings(gates: tuple[GateCheck, ...], state: ProbeState) -> tuple[Finding, ...]:
    """Why the probe as a whole fails: the target collapsed, or one of its gates
    failed (the gates are pure functions of the figures, so they are read here as they
    will be in their own checks)."""
    findings: list[Finding] = []
    measurement = state.measurement
    if measurement is not None and measurement.collapsed:
        title = f"the target collapsed under the probe's load: {measurement.stopped_early}"
        remedy = (
            "look at the app's error log and its capacity (workers, connections, "
            "pool sizes) at this rate"
        )
        errors = {r.route: r.errors for r in measurement.routes}
        refused = refusal(
            measurement.collapsed_route or "", errors.get(measurement.collapsed_route or "", {})
        )
        if refused:
            title, remedy = f"{refused}; stopped early", REFUSED_REMEDY
        findings.append(
            Finding(
                check_id=PROBE_ID,
                severity=Severity.BLOCKER,
                title=title,
                detail=counts_text(measurement.routes),
                remedy=remedy,
            )
        )
    judged = [judge(gate, _evidence(state, gate.route.name)) for gate in gates]
    # A gate fails the probe only with a blocking finding: drift, high by default, is
    # reported by its regression check and does not make the whole probe fail.
    failed = [
        r
        for r in judged
        if r.status == "failed" and any(f.severity is Severity.BLOCKER for f in r.findings)
    ]
    if failed:
        findings.append(
            Finding(
                check_id=PROBE_ID,
                severity=Severity.BLOCKER,
                title=f"{len(failed)} probe gate(s) failed: "
                + ", ".join(r.check_id for r in failed),
                detail="\n".join(f"{r.check_id}: {r.message}" for r in failed),
                remedy="see each gate's finding",
            )
        )
    return tuple(findings)


# -- the gates --------------------------------------------------------------------------


async def _gate(ctx: CheckContext, *, gate: GateCheck, state: ProbeState) -> CheckResult:
    """A gate runs after the probe, passed or failed (a failed probe is what its
    gates found), and not at all when the probe left no figures to read."""
    if state.status in ("passed", "failed"):
        return judge(gate, _evidence(state, gate.route.name))
    return CheckResult(
        check_id=gate.check_id,
        kind="probe",
        title=gate.title,
        severity=Severity.BLOCKER,
        status="skipped",
        duration_s=0.0,
        message=f"not run: prerequisite {PROBE_ID} could not be decided",
        blocked_by=(PROBE_ID,),
    )


def _evidence(state: ProbeState, route: str) -> RouteEvidence:
    measurement = state.measurement
    measured = None
    if measurement is not None:
        measured = next((r for r in measurement.routes if r.route == route), None)
    return RouteEvidence(
        measured=measured,
        missing=state.unmeasured.get(route, "the probe left no figures for this route"),
        decision=state.decisions.get(route),
        drift=state.drift.get(route),
        comparison=state.comparisons.get(route),
        control=state.control.get(route),
        uncompared=state.uncompared.get(route, ""),
        baseline_error=state.baseline_error,
        stopped_early=measurement.stopped_early if measurement else None,
    )

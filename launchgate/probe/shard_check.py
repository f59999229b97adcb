"""A shard's probe: its share of the load, on the shared schedule, from a common
start, measured and kept for ``launchgate merge``. It judges nothing: a shard's
figures are a part of the run's, and the gates apply once, to the merged whole.

Unlike the unsharded probe it never extends its measurement (the shards would then
disagree on how long the load lasted) and never probes a live control.
"""

from __future__ import annotations

import asyncio
import dataclasses
import email.utils
import secrets
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

import httpx

from launchgate import __version__
from launchgate.checks.context import CheckContext
from launchgate.checks.ids import PROBE_ID
from launchgate.checks.plan import Measured, PlannedCheck
from launchgate.config.model import Config

# The unsharded probe's own rules, shared rather than copied: a route built, a header
# refused and a run judged invalid the same way in both.
from launchgate.probe.check import _invalid, _target, _unhonoured_encodings
from launchgate.probe.driver import Prober, ProbeSettings
from launchgate.probe.measurement import ProbeMeasurement
from launchgate.probe.schedule import Jitter
from launchgate.probe.settings import probe_fingerprint, resolve
from launchgate.probe.shard import Shard, ShardIdentity, ShardResult
from launchgate.results import BaselineRef, CheckResult, CheckStatus, RouteFigures, Severity

__all__ = ["ShardOutcome", "plan_shard_probe"]

_TITLE = "This shard sent its share of the probe's load"


@dataclass(frozen=True)
class ShardOutcome:
    """What the engine keeps of a shard's probe: the shard result, and nothing for the
    report (the merge reports the figures)."""

    shard: ShardResult
    routes: tuple[RouteFigures, ...] = ()
    baseline: BaselineRef | None = None


def plan_shard_probe(
    config: Config,
    base: Sequence[str],
    *,
    shard: Shard,
    start_at: datetime | None,
    after: Sequence[str],
    host: str | None = None,
) -> PlannedCheck:
    """The shard's probe check, in place of the probe and its gates; ``after``: the
    journeys whose sessions its routes are measured with. ``host`` names where it ran
    (default: the host name)."""
    return PlannedCheck(
        check_id=PROBE_ID,
        kind="probe",
        title=_TITLE,
        severity=Severity.BLOCKER,
        needs=tuple(base),
        after=tuple(after),
        run=partial(
            _run_shard,
            config=config,
            shard=shard,
            start_at=start_at,
            host=host or socket.gethostname(),
        ),
    )


async def _run_shard(
    ctx: CheckContext,
    *,
    config: Config,
    shard: Shard,
    start_at: datetime | None,
    host: str,
) -> CheckResult | Measured:
    spec = config.probe
    if spec is None:  # pragma: no cover - planned only with a probe section
        raise RuntimeError("no probe configured")
    started = time.perf_counter()
    routes = resolve(spec)
    unmeasured = {
        route.name: f"journey {route.session} did not pass, so there is no logged-in "
        "session to measure it with"
        for route in routes
        if route.session and route.session not in ctx.sessions
    }
    measured = [route for route in routes if route.name not in unmeasured]
    unhonoured = _unhonoured_encodings(spec, ctx.target.headers)
    offset = await _clock_offset(ctx)

    def result(
        error: str | None, measurement: ProbeMeasurement, began: datetime
    ) -> CheckResult | Measured:
        kept = ShardResult(
            identity=ShardIdentity(shard, host, began, offset),
            fingerprint=probe_fingerprint(spec),
            target=ctx.redactor.redact_url(ctx.base_url),
            environment=config.target.environment,
            measurement=measurement,
            unmeasured=unmeasured,
            launchgate_version=__version__,
            error=error,
        )
        status: CheckStatus = "error" if error or measurement.invalid else "passed"
        message = _message(shard, kept)
        return Measured(_result(status, time.perf_counter() - started, message), ShardOutcome(kept))

    empty = ProbeMeasurement(routes=(), duration_s=0.0, loop_lag_p99_ms=float("nan"))
    if unhonoured or not measured:
        why = unhonoured or "no route could be measured: " + "; ".join(unmeasured.values())
        return result(why, empty, datetime.now(UTC))
    # Each shard's sends stay in their own 1/N of every interval (jittered within it,
    # see probe.schedule), so the shards together still send one request per sub-slot.
    seeds = {route.name: secrets.randbits(32) for route in measured}
    targets = [
        dataclasses.replace(
            _target(ctx, spec, route, ctx.sessions, seeds),
            rate_per_s=shard.rate(route.rate_per_s),
            phase=shard.phase,
            jitter=Jitter(seeds[route.name], width=min(0.5, 1.0 / shard.count)),
        )
        for route in measured
    ]
    settings = ProbeSettings(
        concurrency=spec.concurrency,
        timeout_s=spec.timeout,
        # probe.max_requests bounds the whole run: each shard may send its share.
        max_requests=-(-spec.max_requests // shard.count),
        max_body=ctx.target.max_body,
    )
    if start_at is not None:
        await _wait_until(ctx, start_at)
    began = datetime.now(UTC)
    async with Prober(
        targets,
        settings,
        allowed_host=_host(ctx.base_url),
        ssl_context=ctx.ssl_verify,
        pinning=ctx.pinning,
        user_agent=f"{ctx.user_agent} probe shard {shard}",
    ) as prober:
        await prober.run(duration_s=spec.duration, warmup_s=spec.warmup, ramp_s=spec.ramp)
        whole = prober.measurement(invalid=_invalid(prober.measurement(), spec))
    return result(None, whole, began + timedelta(seconds=spec.warmup))


async def _wait_until(ctx: CheckContext, moment: datetime) -> None:
    delay = (moment - datetime.now(UTC)).total_seconds()
    if delay > 0:
        if ctx.progress is not None:
            ctx.progress(f"probe: waiting {delay:.0f}s for the shards' common start")
        await asyncio.sleep(delay)


async def _clock_offset(ctx: CheckContext) -> float | None:
    """This machine's clock minus the target's, by its Date header (1 s resolution),
    so the merge can tell whether shards with a common --start-at really overlapped."""
    try:
        async with ctx.client() as client:
            before = time.time()
            response = await client.get("/")
            after = time.time()
        date = response.headers.get("date")
        if not date:
            return None
        theirs = email.utils.parsedate_to_datetime(date).timestamp()
    except Exception:  # a clock we cannot read leaves the offset unknown, not the shard
        return None
    # The Date is truncated to the second: its middle is the best guess.
    return round((before + after) / 2 - (theirs + 0.5), 3)


def _message(shard: Shard, kept: ShardResult) -> str:
    if kept.error:
        return f"shard {shard} measured nothing: {kept.error}"
    m = kept.measurement
    parts = ", ".join(
        f"{r.route} {r.requests} requests at {r.achieved_rate_per_s:.1f}/s" for r in m.routes
    )
    text = f"shard {shard}: {parts}"
    if kept.unmeasured:
        text += "; not measured: " + "; ".join(f"{k}: {v}" for k, v in kept.unmeasured.items())
    if m.invalid:
        text += f"; figures cannot be trusted: {m.invalid}"
    if m.stopped_early:
        text += f"; {m.stopped_early}"
    return text


def _result(status: CheckStatus, duration_s: float, message: str) -> CheckResult:
    return CheckResult(
        check_id=PROBE_ID,
        kind="probe",
        title=_TITLE,
        severity=Severity.BLOCKER,
        status=status,
        duration_s=duration_s,
        message=message,
    )


def _host(url: str) -> str:
    return httpx.URL(url).host

"""Readiness: after a deploy, wait until the app answers, then let the gate start.

Exponential backoff with jitter under one deadline. Each attempt is bounded by the
request timeout and by the time left, so the whole wait ends by the deadline whatever
the target does, and no attempt is started with less than :data:`MIN_ATTEMPT_S` left
(the last pause is shortened so that one still fits): a burst of attempts in the last
milliseconds would tell nothing and hammer an app that is struggling to start.

Which answers are worth waiting out: no answer, 5xx (502/503/504 from a proxy whose
app is starting), 429, 408 and any other status may change once the new deploy serves.
404, 405 and 410 from the readiness path mean the path is wrong, and 401/403 that it
needs credentials: no wait fixes those, so they fail at once and say so. (The version
path is exempt: an old deploy may not have that route yet.) Not ready is a blocker
that says for how long we waited and why the last attempt failed.

Written as a short loop rather than with tenacity (which the first version used):
tenacity's stop and wait strategies cannot shorten the last pause so that one whole
attempt still fits before the deadline, which is the rule that ends the burst.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, replace
from functools import partial

from launchgate.checks.context import CheckContext
from launchgate.checks.http import Exchange, TransportFailure, body_excerpt, remedy_for, send
from launchgate.checks.ids import READINESS_ID
from launchgate.checks.plan import PlannedCheck
from launchgate.config.model import Config, ReadinessSpec
from launchgate.config.units import format_duration
from launchgate.results import CheckResult, Finding, Severity, StepRecord

__all__ = ["MIN_ATTEMPT_S", "READINESS_ID", "UNRESOLVED", "check_readiness", "plan_readiness"]

MIN_ATTEMPT_S = 0.25  # (or request_timeout, if shorter) the least time an attempt gets
MIN_PAUSE_S = 0.01  # whatever the config says, at most 100 attempts a second

# Answers of the readiness path that waiting cannot change, with what they mean.
_WRONG_PATH = "the readiness path is wrong (readiness.path)"
_NEEDS_AUTH = (
    "the readiness path needs credentials (readiness.path should name a health route "
    "that answers without them, or give them in target.headers)"
)
_PERMANENT = {404: _WRONG_PATH, 405: _WRONG_PATH, 410: _WRONG_PATH, 401: _NEEDS_AUTH,
              403: _NEEDS_AUTH}  # fmt: skip


def plan_readiness(config: Config) -> list[PlannedCheck]:
    spec = config.readiness
    if spec is None:
        return []
    return [
        PlannedCheck(
            check_id=READINESS_ID,
            kind="readiness",
            title="The app is up and serving",
            severity=Severity.BLOCKER,
            needs=(),
            run=partial(check_readiness, spec=spec),
        )
    ]


UNRESOLVED = "the target's name does not resolve"


@dataclass(frozen=True)
class _Attempt:
    ready: bool
    cause: str  # why not ready; empty when ready
    record: StepRecord
    kind: str = ""  # the transport failure kind, when there was no answer
    full: bool = True  # had its whole request_timeout, not a remnant before the deadline
    permanent: bool = False  # waiting cannot change this answer: do not retry


async def check_readiness(ctx: CheckContext, *, spec: ReadinessSpec) -> CheckResult:
    started = time.perf_counter()
    deadline = ctx.clock.monotonic() + spec.timeout
    window = min(MIN_ATTEMPT_S, spec.request_timeout)
    attempts: list[_Attempt] = []
    while True:
        left = deadline - ctx.clock.monotonic()
        if attempts and left <= 0:  # the loop overslept its last pause: no remnant attempt
            break
        result = await _probe(ctx, spec, min(spec.request_timeout, left))
        if left < spec.request_timeout:
            result = replace(result, full=False)
        attempts.append(result)
        if result.ready or result.permanent:
            break
        pause = _backoff(spec, len(attempts))
        latest_start = deadline - window
        now = ctx.clock.monotonic()
        if now >= latest_start:
            break  # another attempt could not finish before the deadline
        await asyncio.sleep(min(pause, latest_start - now))
    elapsed = time.perf_counter() - started
    last = attempts[-1] if attempts else None
    if last is not None and last.ready:
        return CheckResult(
            check_id=READINESS_ID,
            kind="readiness",
            title="The app is up and serving",
            severity=Severity.BLOCKER,
            status="passed",
            duration_s=elapsed,
            steps=(last.record,),
        )
    # The last attempt may have had only the few milliseconds left before the deadline;
    # its "timed out" would hide what the app actually answered. Tell the last full one.
    telling = next((a for a in reversed(attempts) if a.full), last)
    cause = telling.cause if telling else "no attempt could be made"
    if telling is not None and telling.kind == "dns":
        # Named first: the checks this one blocks quote it (engine), so no app check
        # reads as if the app had been tried.
        cause = f"{UNRESOLVED}: {cause}"
    title = (
        f"not ready after {format_duration(elapsed)} "
        f"({len(attempts)} attempt{'s' if len(attempts) != 1 else ''}): {cause}"
    )
    detail = (
        f"GET {ctx.base_url}{spec.path}; waited up to "
        f"{format_duration(spec.timeout)} (readiness.timeout)"
    )
    remedy = (telling and remedy_for(telling.kind)) or (
        "check the deploy finished and the app starts; raise readiness.timeout "
        "if it needs longer to boot"
    )
    if last is not None and last.permanent:
        title = f"not ready: {last.cause}; not retried, waiting cannot change this answer"
        detail = f"GET {ctx.base_url}{spec.path}"
        remedy = (
            "set readiness.path to the app's health route (one that answers 2xx without a "
            "session), or readiness: null to start without waiting"
        )
    finding = Finding(
        check_id=READINESS_ID,
        severity=Severity.BLOCKER,
        title=ctx.redactor.redact(title),
        detail=ctx.redactor.redact(detail),
        remedy=remedy,
    )
    return CheckResult(
        check_id=READINESS_ID,
        kind="readiness",
        title="The app is up and serving",
        severity=Severity.BLOCKER,
        status="failed",
        duration_s=elapsed,
        findings=(finding,),
        message=finding.title,
        steps=tuple(a.record for a in attempts[-3:]),
    )


def _backoff(spec: ReadinessSpec, attempts: int) -> float:
    """The pause after the ``attempts``-th attempt: interval, doubling, capped, with
    up to half an interval of jitter so that many gates do not retry in step."""
    doubled = spec.interval * 2.0 ** min(attempts - 1, 30)
    pause = min(doubled + random.uniform(0, spec.interval / 2), spec.max_interval)
    return max(pause, MIN_PAUSE_S)


async def _probe(ctx: CheckContext, spec: ReadinessSpec, timeout_s: float) -> _Attempt:
    paths = [spec.path]
    if spec.version is not None:
        paths.append(spec.version.path)
    async with ctx.client() as client:
        for path in paths:
            outcome = await send(
                client,
                client.build_request("GET", path),
                timeout_s=timeout_s,
                max_body=ctx.target.max_body,
                resolve_host=ctx.resolve_hosts,
                pinning=ctx.pinning,
            )
            record = _record(path, outcome)
            if isinstance(outcome, TransportFailure):
                return _Attempt(False, outcome.cause, record, outcome.kind)
            if not 200 <= outcome.status_code < 300:
                meaning = _PERMANENT.get(outcome.status_code) if path == spec.path else None
                if meaning is not None:
                    cause = f"GET {path} answered {outcome.status_code}: {meaning}"
                    return _Attempt(False, cause, record, permanent=True)
                excerpt = body_excerpt(outcome, 120, redact=ctx.redactor.redact)
                cause = f"{path} answered {outcome.status_code} {outcome.reason}"
                return _Attempt(False, f"{cause}: {excerpt}" if excerpt else cause, record)
            if spec.version is not None and path == spec.version.path:
                wanted = spec.version.contains
                if wanted not in outcome.text:
                    shown = body_excerpt(outcome, 120, redact=ctx.redactor.redact)
                    return _Attempt(
                        False,
                        f"{path} does not show version {wanted!r} yet "
                        f"(the old deploy is still serving): {shown}",
                        record,
                    )
    return _Attempt(True, "", record)


def _record(path: str, outcome: Exchange | TransportFailure) -> StepRecord:
    if isinstance(outcome, TransportFailure):
        return StepRecord(
            name=path,
            method="GET",
            path=path,
            status_code=None,
            elapsed_ms=outcome.elapsed_s * 1000,
            ok=False,
            error=outcome.cause,
        )
    ok = 200 <= outcome.status_code < 300
    return StepRecord(
        name=path,
        method="GET",
        path=path,
        status_code=outcome.status_code,
        elapsed_ms=outcome.elapsed_s * 1000,
        ok=ok,
    )

"""Readiness: after a deploy, wait until the app answers, then let the gate start.

tenacity drives the polling (exponential backoff with jitter, one deadline). Each
attempt is bounded by the request timeout and by the time left, so the whole wait
ends by the deadline whatever the target does. Not ready is a blocker that says for
how long we waited and why the last attempt failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from functools import partial

from tenacity import (
    AsyncRetrying,
    RetryError,
    retry_if_result,
    stop_after_delay,
    wait_exponential_jitter,
)

from launchgate.checks.context import CheckContext
from launchgate.checks.http import Exchange, TransportFailure, body_excerpt, remedy_for, send
from launchgate.checks.plan import PlannedCheck
from launchgate.config.model import Config, ReadinessSpec
from launchgate.config.units import format_duration
from launchgate.results import CheckResult, Finding, Severity, StepRecord

__all__ = ["READINESS_ID", "check_readiness", "plan_readiness"]

READINESS_ID = "readiness"


def plan_readiness(config: Config) -> list[PlannedCheck]:
    spec = config.readiness
    if spec is None:
        return []
    return [
        PlannedCheck(
            READINESS_ID,
            "readiness",
            "The app is up and serving",
            Severity.BLOCKER,
            (),
            partial(check_readiness, spec=spec),
        )
    ]


@dataclass(frozen=True)
class _Attempt:
    ready: bool
    cause: str  # why not ready; empty when ready
    record: StepRecord
    kind: str = ""  # the transport failure kind, when there was no answer
    full: bool = True  # had its whole request_timeout, not a remnant before the deadline


async def check_readiness(ctx: CheckContext, *, spec: ReadinessSpec) -> CheckResult:
    started = time.perf_counter()
    deadline = ctx.clock.monotonic() + spec.timeout
    attempts: list[_Attempt] = []

    async def attempt() -> _Attempt:
        remaining = max(0.05, deadline - ctx.clock.monotonic())
        result = await _probe(ctx, spec, min(spec.request_timeout, remaining))
        if remaining < spec.request_timeout:
            result = replace(result, full=False)
        attempts.append(result)
        return result

    retrying = AsyncRetrying(
        stop=stop_after_delay(spec.timeout),
        wait=wait_exponential_jitter(
            multiplier=spec.interval, max=spec.max_interval, jitter=spec.interval / 2
        ),
        retry=retry_if_result(lambda a: not a.ready),
        sleep=_bounded_sleep(ctx, deadline),
    )
    with contextlib.suppress(RetryError):  # the attempts list says what happened
        await retrying(attempt)
    elapsed = time.perf_counter() - started
    last = attempts[-1] if attempts else None
    if last is not None and last.ready:
        return CheckResult(
            READINESS_ID,
            "readiness",
            "The app is up and serving",
            Severity.BLOCKER,
            "passed",
            elapsed,
            steps=(last.record,),
        )
    # The last attempt may have had only the few milliseconds left before the deadline;
    # its "timed out" would hide what the app actually answered. Tell the last full one.
    telling = next((a for a in reversed(attempts) if a.full), last)
    cause = telling.cause if telling else "no attempt could be made"
    title = (
        f"not ready after {format_duration(elapsed)} "
        f"({len(attempts)} attempt{'s' if len(attempts) != 1 else ''}): {cause}"
    )
    finding = Finding(
        READINESS_ID,
        Severity.BLOCKER,
        ctx.redactor.redact(title),
        ctx.redactor.redact(
            f"GET {ctx.base_url}{spec.path}; waited up to "
            f"{format_duration(spec.timeout)} (readiness.timeout)"
        ),
        (telling and remedy_for(telling.kind))
        or "check the deploy finished and the app starts; raise readiness.timeout "
        "if it needs longer to boot",
    )
    return CheckResult(
        READINESS_ID,
        "readiness",
        "The app is up and serving",
        Severity.BLOCKER,
        "failed",
        elapsed,
        (finding,),
        finding.title,
        tuple(a.record for a in attempts[-3:]),
    )


def _bounded_sleep(ctx: CheckContext, deadline: float) -> Callable[[float], Awaitable[None]]:
    async def sleep(seconds: float) -> None:
        # Never sleep past the deadline: the last attempt should happen before it.
        await asyncio.sleep(max(0.0, min(seconds, deadline - ctx.clock.monotonic() - 0.05)))

    return sleep


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
            )
            record = _record(path, outcome)
            if isinstance(outcome, TransportFailure):
                return _Attempt(False, outcome.cause, record, outcome.kind)
            if not 200 <= outcome.status_code < 300:
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
        return StepRecord(path, "GET", path, None, outcome.elapsed_s * 1000, False, outcome.cause)
    ok = 200 <= outcome.status_code < 300
    return StepRecord(path, "GET", path, outcome.status_code, outcome.elapsed_s * 1000, ok)

"""One round of watch checks, run by the gate's own engine.

A watch check is a journey from ``journeys:`` (its steps, expectations, captures and
sessions, exactly as the gate runs them) or a plain GET of a path, which becomes a
one-step journey here. Each round builds a fresh :class:`~launchgate.engine.Run` over a
config cut down to those journeys and what they start from, without readiness (a
watcher measures the app as customers meet it, it does not wait for it) and with the
round's own deadline, so a round is bounded however the app behaves.

Turning results into observations is pure (:func:`observation_of`); the I/O is in
:func:`run_round`.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import httpx

from launchgate.checks.ids import journey_id
from launchgate.config.load import LoadedConfig
from launchgate.config.model import Config, Expect, JourneySpec, StepSpec
from launchgate.config.units import format_duration
from launchgate.config.watch_model import AlertSeverity, WatchCheck, WatchSpec
from launchgate.engine import Run
from launchgate.errors import UsageError
from launchgate.redact import Redactor
from launchgate.results import CheckResult
from launchgate.watch.incidents import Observation, Policy

__all__ = [
    "DEFAULT_CHECKS",
    "WatchedCheck",
    "observation_of",
    "round_config",
    "run_round",
    "watched_checks",
]

DEFAULT_CHECKS = ("homepage", "login", "dashboard")
_CRITICAL = re.compile(r"login|billing|sign-?in", re.IGNORECASE)
_DETAIL_LINES = 4


@dataclass(frozen=True)
class WatchedCheck:
    name: str  # the key under watch.checks
    title: str
    journey: str  # the journey the engine runs (for a path check: the check's name)
    severity: AlertSeverity
    timeout_s: float
    policy: Policy

    @property
    def check_id(self) -> str:
        return journey_id(self.journey)


def watched_checks(config: Config) -> list[WatchedCheck]:
    """The checks to watch, as configured or by default; ``UsageError`` if none."""
    spec = config.watch or WatchSpec()
    checks = spec.checks
    if checks is None:
        checks = {
            name: WatchCheck(journey=name) for name in DEFAULT_CHECKS if name in config.journeys
        }
        if not checks:
            raise UsageError(
                "nothing to watch: list checks under watch.checks, or name journeys "
                f"{', '.join(DEFAULT_CHECKS)} (watched by default)"
            )
    flap = spec.flapping
    out = []
    for name, check in checks.items():
        journey = check.journey or name
        title = f"GET {check.path}"
        if check.journey is not None:
            title = config.journeys[check.journey].title or f"{check.journey} journey"
        severity = check.severity or (
            "critical" if _CRITICAL.search(name) or _CRITICAL.search(journey) else "warning"
        )
        policy = Policy(
            failures=check.failures or spec.failures,
            successes=check.successes or spec.successes,
            flap_window=flap.window if flap else None,
            flap_start=flap.start if flap else 0,
            flap_stop=flap.stop if flap else 0,
        )
        timeout = check.timeout if check.timeout is not None else spec.timeout
        out.append(WatchedCheck(name, title, journey, severity, timeout, policy))
    return out


def round_config(loaded: LoadedConfig, checks: Sequence[WatchedCheck]) -> LoadedConfig:
    """The config one round runs: the watched journeys, what they need, the path checks."""
    config = loaded.config
    spec = config.watch or WatchSpec()
    journeys: dict[str, JourneySpec] = {}

    def include(name: str) -> None:
        if name in journeys or name not in config.journeys:
            return
        journey = config.journeys[name]
        for dep in [journey.session or "", *journey.needs]:
            if dep:
                include(dep)
        journeys[name] = journey

    for check in checks:
        path_check = (spec.checks or {}).get(check.name)
        if path_check is not None and path_check.path is not None:
            journeys[check.journey] = _path_journey(path_check, check)
        else:
            include(check.journey)
    target = config.target.model_copy(update={"deadline": spec.deadline})
    cut = config.model_copy(
        update={"journeys": journeys, "webhooks": {}, "readiness": None, "target": target}
    )
    return replace(loaded, config=cut)


def _path_journey(check: WatchCheck, watched: WatchedCheck) -> JourneySpec:
    expect = check.expect
    step = StepSpec(
        name=f"GET {check.path}",
        path=check.path or "/",
        expect=Expect(
            status=expect.status if expect else None,
            body_contains=expect.body_contains if expect else [],
            max_latency=expect.max_latency if expect else None,
        ),
    )
    return JourneySpec(title=watched.title, steps=[step])


def observation_of(
    result: CheckResult, at: float, watched_ids: frozenset[str], messages: Mapping[str, str]
) -> Observation:
    """What one engine result says about a watched check this round. A check skipped
    because a *watched* prerequisite failed decides nothing (that one alerts); skipped
    for an unwatched one, it failed: nobody else would say so."""
    last = result.steps[-1] if result.steps else None
    status_code = last.status_code if last else None
    latency_ms = result.duration_s * 1000 if result.status != "skipped" else None
    if result.status == "passed":
        return Observation(at=at, ok=True, status_code=status_code, latency_ms=latency_ms)
    if result.status == "skipped":
        if result.blocked_by and all(b in watched_ids for b in result.blocked_by):
            return Observation(at=at, ok=None)
        causes = "; ".join(f"{b}: {messages.get(b, 'did not pass')}" for b in result.blocked_by)
        return Observation(
            at=at,
            ok=False,
            status_code=None,
            latency_ms=None,
            problem=f"not run: a prerequisite failed ({causes})",
        )
    detail = ""
    if result.findings:
        detail = "\n".join(result.findings[0].detail.splitlines()[:_DETAIL_LINES])
    return Observation(
        at=at,
        ok=False,
        status_code=status_code,
        latency_ms=latency_ms,
        problem=result.message,
        detail=detail,
    )


async def run_round(
    loaded: LoadedConfig,
    checks: Sequence[WatchedCheck],
    *,
    target_url: str,
    redactor: Redactor,
    at: float,
    transport: httpx.AsyncBaseTransport | None = None,
) -> dict[str, Observation]:
    """Run every watched check once; each bounded by its timeout, all by the round's
    deadline. ``redactor`` is this round's: it learns the round's cookies and tokens."""
    run = Run(loaded, target_url=target_url, redactor=redactor, transport=transport)
    watched_ids = frozenset(c.check_id for c in checks)
    timed_out: dict[str, str] = {}
    for check in checks:
        try:
            async with asyncio.timeout(check.timeout_s):
                await run.execute(check.check_id)
        except TimeoutError:
            timed_out[check.check_id] = (
                f"no result within {format_duration(check.timeout_s)} (the watch check timeout)"
            )
    messages = {cid: r.message for cid, r in run.results.items()}
    observations: dict[str, Observation] = {}
    for check in checks:
        if check.check_id in timed_out:
            problem = redactor.redact(timed_out[check.check_id])
            observations[check.name] = Observation(
                at=at,
                ok=False,
                status_code=None,
                latency_ms=check.timeout_s * 1000,
                problem=problem,
            )
            continue
        result = run.results.get(check.check_id)
        if result is None:  # unreachable: execute() records a result for every check
            observations[check.name] = Observation(at=at, ok=False, problem="no result")
            continue
        observations[check.name] = observation_of(result, at, watched_ids, messages)
    return observations

"""The watcher: rounds of checks, incidents, alerts, log bursts, metrics and history.

The decisions are made by pure parts (``incidents``, ``bursts``, ``alerts``); this
module feeds them and carries out what they decide: it runs a round through the
engine, folds each observation into the check's state, queues the alerts the state
machine emits, saves the state, delivers, records metrics and history. The state is
saved *before* delivery too, so a watcher killed while a channel hangs still knows,
next time, both that the incident is open and that its alert is pending.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from launchgate.clock import Clock, SystemClock
from launchgate.config.load import LoadedConfig
from launchgate.config.units import format_duration
from launchgate.config.watch_model import WatchSpec
from launchgate.redact import Redactor
from launchgate.watch.alerts import Alert, alert_text, redact_alert
from launchgate.watch.channels import Channel
from launchgate.watch.history import HistoryWriter, iso
from launchgate.watch.incidents import CheckState, Event, Observation, observe
from launchgate.watch.latency import RollingPercentile
from launchgate.watch.logwatch import LogWatch
from launchgate.watch.metrics import WatchMetrics
from launchgate.watch.outbox import Outbox
from launchgate.watch.rounds import WatchedCheck, round_config, run_round, watched_checks
from launchgate.watch.statefile import WatchState, load_state, save_state

__all__ = ["RoundReport", "Watcher"]

log = logging.getLogger(__name__)

_ROUND_GRACE_S = 5.0  # past watch.deadline, for the engine to wind down and report
_TICK_S = 0.5


@dataclass
class RoundReport:
    at: float
    observations: dict[str, Observation]
    alerts: list[Alert] = field(default_factory=list)
    pending: int = 0


class Watcher:
    def __init__(
        self,
        loaded: LoadedConfig,
        *,
        target_url: str,
        secrets: Sequence[str],
        channels: Sequence[Channel],
        state_path: Path | None,
        history: HistoryWriter | None,
        metrics: WatchMetrics,
        say: Callable[[str], None],
        clock: Clock | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.spec = loaded.config.watch or WatchSpec()
        self.target_url = target_url
        self.checks: list[WatchedCheck] = watched_checks(loaded.config)
        self._round_loaded = round_config(loaded, self.checks)
        self._secrets = tuple(secrets)
        self.redactor = Redactor(self._secrets)
        self._state_path = state_path
        self.state = load_state(state_path) if state_path else WatchState()
        names = {c.name for c in self.checks}
        self.state.checks = {n: s for n, s in self.state.checks.items() if n in names}
        self.state.latencies = {n: v for n, v in self.state.latencies.items() if n in names}
        self.history = history
        self.metrics = metrics
        self.say = say
        self.clock: Clock = clock or SystemClock()
        self._transport = transport
        self.outbox = Outbox(
            channels, self.state, max_pending=self.spec.max_pending, metrics=metrics, say=say
        )
        self.latency = {
            c.name: RollingPercentile(self.spec.p95_window, self.state.latencies.get(c.name))
            for c in self.checks
        }
        self.rounds = 0
        self._kick = asyncio.Event()

    # -- one round ------------------------------------------------------------------

    async def run_round(self) -> RoundReport:
        at = self.clock.time()
        # A redactor per round: it learns this round's cookies and generated password,
        # and is dropped with them, so a watcher running for months does not grow.
        redactor = Redactor(self._secrets)
        try:
            async with asyncio.timeout(self.spec.deadline + _ROUND_GRACE_S):
                observations = await run_round(
                    self._round_loaded,
                    self.checks,
                    target_url=self.target_url,
                    redactor=redactor,
                    at=at,
                    transport=self._transport,
                )
        except TimeoutError:
            problem = f"the round did not finish within {format_duration(self.spec.deadline)}"
            observations = {
                c.name: Observation(at=at, ok=False, problem=problem) for c in self.checks
            }
        self.rounds += 1
        self.metrics.rounds.inc()
        report = RoundReport(at, observations)
        for check in self.checks:
            obs = observations[check.name]
            state, event = observe(
                self.state.checks.get(check.name, CheckState()), obs, check.policy
            )
            self.state.checks[check.name] = state
            self._record(check, obs, state)
            if event is not None:
                report.alerts.append(self._alert(check, event, redactor))
        self.say(self._round_line(report))
        for alert in report.alerts:
            self._raise(alert)
        self.save()  # before delivering: a kill mid-delivery must not lose the alert
        report.pending = await self.outbox.flush()
        self.save()
        return report

    def _alert(self, check: WatchedCheck, event: Event, redactor: Redactor) -> Alert:
        quoted = event.observation if not event.observation.ok else event.failure
        quoted = quoted or event.observation
        alert = Alert(
            alert_id=f"{check.name}-{int(event.since * 1000)}/{event.kind}",
            kind=event.kind,
            subject=check.name,
            title=check.title,
            severity=check.severity,
            since=event.since,
            at=event.at,
            target=self.target_url,
            status_code=quoted.status_code,
            latency_ms=quoted.latency_ms,
            problem=quoted.problem,
            detail=quoted.detail,
            outage_s=event.outage_s,
        )
        return redact_alert(alert, redactor)

    def _raise(self, alert: Alert) -> None:
        alert = redact_alert(alert, self.redactor)
        self.say("\n" + alert_text(alert) + "\n")
        self.outbox.add(alert)

    def _record(self, check: WatchedCheck, obs: Observation, state: CheckState) -> None:
        name = check.name
        self.metrics.up.labels(name).set(1 if state.status == "up" else 0)
        p95: float | None = None
        if obs.ok is not None:
            self.metrics.last_ok.labels(name).set(1 if obs.ok else 0)
        # Latency of passing checks only: a fast 500 must never make the p95 look better.
        if obs.ok and obs.latency_ms is not None:
            self.metrics.latency.labels(name).observe(obs.latency_ms / 1000)
            self.latency[name].add(obs.latency_ms)
            self.state.latencies[name] = self.latency[name].values()
            p95 = self.latency[name].p95()
            if p95 is not None:
                self.metrics.p95.labels(name).set(p95 / 1000)
        if self.history is not None:
            self.history.write(
                {
                    "at": iso(obs.at),
                    "check": name,
                    "ok": obs.ok,
                    "state": state.status,
                    "incident": state.incident_open,
                    "flapping": state.flapping,
                    "status_code": obs.status_code,
                    "latency_ms": None if obs.latency_ms is None else round(obs.latency_ms, 3),
                    "p95_ms": None if p95 is None else round(p95, 3),
                    "problem": obs.problem,
                }
            )

    def _round_line(self, report: RoundReport) -> str:
        parts = []
        for check in self.checks:
            obs = report.observations[check.name]
            state = self.state.checks[check.name]
            if obs.ok is None:
                parts.append(f"{check.name} not run")
                continue
            word = "ok" if obs.ok else "FAILED"
            if state.status == "down":
                word += " (down)"
            elif state.flapping:
                word += " (flapping)"
            code = f" {obs.status_code}" if obs.status_code is not None and not obs.ok else ""
            ms = f" {obs.latency_ms:.0f}ms" if obs.latency_ms is not None else ""
            parts.append(f"{check.name} {word}{code}{ms}")
        return f"[{iso(report.at)}] round {self.rounds}: " + ", ".join(parts)

    def save(self) -> None:
        if self._state_path is not None:
            save_state(self._state_path, self.state)

    def incidents_open(self) -> list[str]:
        return [n for n, s in self.state.checks.items() if s.incident_open]

    # -- long-running mode ----------------------------------------------------------

    async def forever(
        self,
        stop: asyncio.Event,
        *,
        logs: AsyncIterator[str] | None = None,
        log_watch: LogWatch | None = None,
    ) -> None:
        """Rounds every ``watch.interval`` (start to start; they never overlap) until
        ``stop`` is set; an unfinished round is cancelled, its state left as it was."""
        helpers = [asyncio.create_task(self._deliver_on_kick())]
        if logs is not None and log_watch is not None:
            helpers.append(asyncio.create_task(self._follow(logs, log_watch)))
            helpers.append(asyncio.create_task(self._tick(log_watch)))
        try:
            while not stop.is_set():
                started = self.clock.monotonic()
                if not await self._until_stopped(self.run_round(), stop):
                    break
                remaining = self.spec.interval - (self.clock.monotonic() - started)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=max(remaining, 0.0))
        finally:
            for task in helpers:
                task.cancel()
            await asyncio.gather(*helpers, return_exceptions=True)
            self.save()

    async def _until_stopped(
        self, work: Coroutine[Any, Any, RoundReport], stop: asyncio.Event
    ) -> bool:
        """Run a round; False if ``stop`` came first (the round is cancelled)."""
        round_task = asyncio.create_task(work)
        stop_task = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({round_task, stop_task}, return_when=asyncio.FIRST_COMPLETED)
        if round_task not in done:
            round_task.cancel()
            await asyncio.gather(round_task, return_exceptions=True)
            return False
        stop_task.cancel()
        try:
            round_task.result()
        except Exception:  # never let one bad round end the watch
            log.exception("a watch round failed; the next one runs as planned")
            self.say("error: a watch round failed (run with --debug for the traceback)")
        return True

    async def _follow(self, lines: AsyncIterator[str], log_watch: LogWatch) -> None:
        async for line in lines:
            self.metrics.log_lines.inc()
            self._log_alerts(log_watch.line(line, self.clock.time()), log_watch)
        self.say("the log input ended; the routes are still watched")

    async def _tick(self, log_watch: LogWatch) -> None:
        # Often enough that a burst is seen to subside within a fifth of its window.
        period = min(_TICK_S, log_watch.shortest_window_s / 5)
        while True:
            await asyncio.sleep(period)
            self._log_alerts(log_watch.tick(self.clock.time()), log_watch)

    def _log_alerts(self, alerts: list[Alert], log_watch: LogWatch) -> None:
        for rule, on in log_watch.in_burst().items():
            self.metrics.log_burst.labels(rule).set(1 if on else 0)
        for alert in alerts:
            self._raise(alert)
        if alerts:
            self.save()
            self._kick.set()

    async def _deliver_on_kick(self) -> None:
        while True:
            await self._kick.wait()
            self._kick.clear()
            await self.outbox.flush()
            self.save()

"""Pending alerts and their delivery: retries with backoff, nothing lost in silence.

Every alert is queued per channel (in ``WatchState.pending``, which the watcher saves
before and after delivering) and leaves the queue only once its channel accepted it.
A flush tries each queued alert up to ``retry.attempts`` times with doubling waits
(honouring ``Retry-After`` up to ``max_backoff``). A channel that is still down keeps
its alerts for the next flush, in order (a recovery never arrives before its alert),
and says so on the terminal and in the log; it never raises into the watcher. Only a
queue over ``watch.max_pending`` loses alerts, the oldest incident first and whole (its
opening alert with its recovery: a RECOVERED alone would tell of an outage nobody
heard of), each alert logged as an error and counted in
``launchgate_watch_alerts_dropped_total``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from launchgate.watch.alerts import SEVERITY_RANK, Alert
from launchgate.watch.channels import Channel, DeliveryError
from launchgate.watch.metrics import WatchMetrics
from launchgate.watch.statefile import WatchState

__all__ = ["Outbox"]

log = logging.getLogger(__name__)

Say = Callable[[str], None]
Sleep = Callable[[float], Awaitable[None]]


class Outbox:
    def __init__(
        self,
        channels: Sequence[Channel],
        state: WatchState,
        *,
        max_pending: int,
        metrics: WatchMetrics,
        say: Say,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.channels = list(channels)
        self.state = state
        self.max_pending = max_pending
        self.metrics = metrics
        self.say = say
        self._sleep = sleep
        self._lock = asyncio.Lock()
        # Pending alerts of a channel no longer in the config have nowhere to go.
        known = {c.name for c in self.channels}
        for name in [n for n in state.pending if n not in known]:
            lost = state.pending.pop(name)
            if lost:
                log.error(
                    "dropped %d pending alert(s) for channel %s: it is no longer configured",
                    len(lost),
                    name,
                )
        for channel in self.channels:
            # A sample from the start: "no drops" is 0, not an absent series.
            self.metrics.dropped.labels(channel.name)
        self._update_gauges()

    def add(self, alert: Alert) -> None:
        """Queue an alert for every channel whose ``min_severity`` it meets."""
        for channel in self.channels:
            if SEVERITY_RANK[alert.severity] > SEVERITY_RANK[channel.spec.min_severity]:
                continue
            queue = self.state.pending.setdefault(channel.name, [])
            queue.append(alert)
            while len(queue) > self.max_pending:
                for dropped in _drop_oldest_incident(queue):
                    self.metrics.dropped.labels(channel.name).inc()
                    log.error(
                        "channel %s: dropped undelivered alert %s (%s) with the rest of "
                        "its incident: more than %d pending",
                        channel.name,
                        dropped.alert_id,
                        dropped.kind,
                        self.max_pending,
                    )
        self._update_gauges()

    def pending_count(self) -> int:
        return sum(len(q) for q in self.state.pending.values())

    async def flush(self) -> int:
        """Deliver what is pending, channels in parallel; return how many remain."""
        async with self._lock:
            await asyncio.gather(*(self._flush_channel(c) for c in self.channels))
            self._update_gauges()
            return self.pending_count()

    async def _flush_channel(self, channel: Channel) -> None:
        queue = self.state.pending.get(channel.name, [])
        while queue:
            alert = queue[0]
            if not await self._deliver(channel, alert):
                left = len(queue)
                self.say(
                    f"channel {channel.name}: alert {alert.alert_id} not delivered; "
                    f"{left} alert{'s' if left != 1 else ''} pending, retried next round"
                )
                return
            queue.pop(0)
            self.say(f"channel {channel.name}: delivered {alert.kind} alert {alert.alert_id}")

    async def _deliver(self, channel: Channel, alert: Alert) -> bool:
        retry = channel.spec.retry
        for attempt in range(1, retry.attempts + 1):
            retry_after: float | None = None
            try:
                async with asyncio.timeout(channel.spec.timeout):
                    await channel.send(alert)
            except DeliveryError as exc:
                reason, retry_after = str(exc), exc.retry_after_s
            except TimeoutError:
                reason = f"no answer within {channel.spec.timeout:g}s"
            except Exception as exc:  # a bug in a sender must not stop the watcher
                log.exception("channel %s crashed while sending", channel.name)
                reason = f"launchgate failed while sending: {type(exc).__name__}"
            else:
                self.metrics.alerts.labels(channel.name, alert.kind).inc()
                return True
            self.metrics.delivery_failures.labels(channel.name).inc()
            log.warning(
                "channel %s: try %d/%d for alert %s failed: %s",
                channel.name,
                attempt,
                retry.attempts,
                alert.alert_id,
                reason,
            )
            if attempt < retry.attempts:
                wait = retry.backoff * 2 ** (attempt - 1)
                if retry_after is not None:
                    wait = max(wait, retry_after)
                await self._sleep(min(wait, retry.max_backoff))
        return False

    def _update_gauges(self) -> None:
        for channel in self.channels:
            self.metrics.pending.labels(channel.name).set(
                len(self.state.pending.get(channel.name, []))
            )


def _incident_key(alert: Alert) -> str:
    # alert_id is "<subject>-<since ms>/<kind>": the part before "/" names the incident.
    return alert.alert_id.rsplit("/", 1)[0]


def _drop_oldest_incident(queue: list[Alert]) -> list[Alert]:
    """Remove and return the oldest alert with every other alert of its incident."""
    key = _incident_key(queue[0])
    dropped = [a for a in queue if _incident_key(a) == key]
    queue[:] = [a for a in queue if _incident_key(a) != key]
    return dropped

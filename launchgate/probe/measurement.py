"""What the probe measured, per route: histograms of every request, errors by cause,
and the client's own lag, so a figure is never better than the truth."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from launchgate.probe.histogram import LatencyHistogram

__all__ = ["BLOCK_S", "ProbeMeasurement", "RouteMeasurement", "RouteRecorder"]

# One second: at the probe's usual 10-50 req/s per route, 10-50 answers per block and
# 20 or more blocks per run, enough for a block bootstrap (probe/compare.py), and short
# enough that a block sees one state of the machine.
BLOCK_S = 1.0


@dataclass(frozen=True)
class RouteMeasurement:
    route: str
    method: str
    path: str
    rate_per_s: float  # configured
    latency: LatencyHistogram  # from the intended send time: what a customer waits
    service: LatencyHistogram  # from the actual send: what the server took
    requests: int  # measured (after warm-up) attempts: successes + errors + throttled
    errors: Mapping[str, int]  # cause -> count; never in the latency histograms
    throttled: int  # 429 answers received, honoured and not counted as latency
    measured_s: float  # how long the measured window lasted
    client_lag: LatencyHistogram  # how late our own scheduler woke for each send
    # What happened to each send the schedule called for, in the measured window:
    sent: int = 0  # written to a connection: what the server can have received
    answered: Mapping[str, int] = field(default_factory=dict)  # status class -> count
    not_sent: Mapping[str, int] = field(default_factory=dict)  # reason -> count
    warmup_sent: int = 0  # sent in the warm-up, never measured
    # The successful latencies (ms) by time block of their intended send, block i
    # covering [i, i + 1) x BLOCK_S of the measured window: what the live comparison
    # pairs with the control's same blocks.
    blocks: tuple[tuple[float, ...], ...] = ()
    # When each measured send was meant to go out, in seconds into the measured window.
    send_offsets: tuple[float, ...] = ()

    @property
    def successes(self) -> int:
        return self.latency.count

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def error_rate_pct(self) -> float:
        done = self.successes + self.error_count
        return math.nan if done == 0 else 100.0 * self.error_count / done

    @property
    def achieved_rate_per_s(self) -> float:
        return self.requests / self.measured_s if self.measured_s > 0 else 0.0

    def p(self, percentile: float) -> float:
        return self.latency.percentile_ms(percentile)


@dataclass(frozen=True)
class ProbeMeasurement:
    routes: tuple[RouteMeasurement, ...]
    duration_s: float  # wall time of the whole probe, warm-up included
    loop_lag_p99_ms: float  # event-loop saturation: how late timers fired
    stopped_early: str | None = None  # why, when the probe gave up before the end
    collapsed: bool = False  # it gave up because the target was failing: a finding
    collapsed_route: str | None = None  # the route that was failing, when it collapsed
    invalid: str | None = None  # why the figures cannot be trusted, if so
    extended_s: float = 0.0  # measuring time added because figures were inconclusive


@dataclass
class RouteRecorder:
    """Mutable while the probe runs; frozen into a RouteMeasurement at the end."""

    route: str
    method: str
    path: str
    rate_per_s: float
    latency: LatencyHistogram = field(default_factory=LatencyHistogram)
    service: LatencyHistogram = field(default_factory=LatencyHistogram)
    client_lag: LatencyHistogram = field(default_factory=LatencyHistogram)
    errors: Counter[str] = field(default_factory=Counter)
    throttled: int = 0
    requests: int = 0
    sent: int = 0
    warmup_sent: int = 0
    answered: Counter[str] = field(default_factory=Counter)
    not_sent: Counter[str] = field(default_factory=Counter)
    recent: list[bool] = field(default_factory=list)  # last outcomes, True = error
    throttle_until: float = 0.0  # loop time before which Retry-After asks us to wait
    blocks: dict[int, list[float]] = field(default_factory=dict)
    send_offsets: list[float] = field(default_factory=list)

    def measured_success(self, offset_s: float, latency_ms: float) -> None:
        """A measured answer to the send meant for ``offset_s`` into the window."""
        self.blocks.setdefault(max(0, int(offset_s // BLOCK_S)), []).append(latency_ms)

    def outcome(self, *, error: bool, window: int = 50) -> None:
        self.recent.append(error)
        if len(self.recent) > window:
            del self.recent[0]

    def recent_error_rate(self) -> float:
        return sum(self.recent) / len(self.recent) if self.recent else 0.0

    def _blocks(self, measured_s: float) -> tuple[tuple[float, ...], ...]:
        """As many blocks as the window has, for every route alike, so a candidate's
        and a control's pair up; an answer to a send a late timer pushed past the
        window's end counts in its last block."""
        count = max(1, math.ceil(measured_s / BLOCK_S - 1e-9))
        kept: list[list[float]] = [[] for _ in range(count)]
        for index, values in self.blocks.items():
            kept[min(index, count - 1)].extend(values)
        return tuple(tuple(values) for values in kept)

    def freeze(self, measured_s: float) -> RouteMeasurement:
        return RouteMeasurement(
            route=self.route,
            method=self.method,
            path=self.path,
            rate_per_s=self.rate_per_s,
            latency=self.latency,
            service=self.service,
            requests=self.requests,
            errors=dict(self.errors),
            throttled=self.throttled,
            measured_s=measured_s,
            client_lag=self.client_lag,
            sent=self.sent,
            answered=dict(sorted(self.answered.items())),
            not_sent=dict(self.not_sent),
            warmup_sent=self.warmup_sent,
            blocks=self._blocks(measured_s),
            send_offsets=tuple(self.send_offsets),
        )

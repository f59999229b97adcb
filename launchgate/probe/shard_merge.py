"""Shard results into one measurement, or the reason they cannot be one. Pure.

Shards are comparable only when they are the N parts of one run: the same probe
settings (fingerprint), the same N, every shard exactly once, and each of them
measured. Anything else could not decide, and says which shard is at fault: a
merged figure from 3 of 4 shards would be a quarter of the load, measured as if it
were all of it. HdrHistograms add exactly, so the merged percentiles are those of
every request of every shard, as one machine sending them all would have recorded.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from launchgate.probe.histogram import LatencyHistogram
from launchgate.probe.measurement import ProbeMeasurement, RouteMeasurement
from launchgate.probe.shard import ShardResult

__all__ = [
    "LabelledShard",
    "MergedShards",
    "clock_spread_s",
    "incomparable",
    "merge_shards",
    "overlap_s",
]


@dataclass(frozen=True)
class LabelledShard:
    source: str  # the file it was read from, for the reasons
    result: ShardResult


@dataclass(frozen=True)
class MergedShards:
    measurement: ProbeMeasurement
    unmeasured: Mapping[str, str]  # route -> why not, naming the shard


def incomparable(shards: Sequence[LabelledShard], fingerprint: str) -> str | None:
    """Why these shards cannot be merged into one run measured with ``fingerprint``
    (the merge's own config), naming the shards; None when they can."""
    if not shards:
        return "no shard result to merge"
    counts = Counter(s.result.identity.shard.count for s in shards)
    if len(counts) > 1:
        said = "; ".join(f"{s.source} says {s.result.identity.shard}" for s in shards)
        return f"the shards disagree on how many there are (N): {said}"
    for s in shards:
        if s.result.fingerprint != fingerprint:
            return (
                f"shard {s.result.identity.shard} ({s.source}) was measured with other probe "
                f"settings than this config's (fingerprint {s.result.fingerprint[:12]}, "
                f"expected {fingerprint[:12]}): routes, rates, sessions, concurrency or "
                "timeout differ; merge only the shards of one run of this config"
            )
    targets = sorted({s.result.target for s in shards})
    if len(targets) > 1:
        return f"the shards measured different targets ({', '.join(targets)})"
    by_index: dict[int, list[str]] = {}
    for s in shards:
        by_index.setdefault(s.result.identity.shard.index, []).append(s.source)
    count = next(iter(counts))
    for index, sources in sorted(by_index.items()):
        if len(sources) > 1:
            return (
                f"shard {index}/{count} appears {len(sources)} times ({', '.join(sources)}): "
                "its load would be counted twice; merge one result per shard"
            )
    missing = [i for i in range(1, count + 1) if i not in by_index]
    if missing:
        names = ", ".join(f"{i}/{count}" for i in missing)
        return (
            f"shard {names} {'is' if len(missing) == 1 else 'are'} missing (found "
            f"{', '.join(str(i) for i in sorted(by_index))} of {count}): the others carry "
            f"only part of the configured load"
        )
    for s in sorted(shards, key=lambda s: s.result.identity.shard.index):
        if s.result.error:
            return (
                f"shard {s.result.identity.shard} ({s.source}, on {s.result.identity.host}) "
                f"measured nothing: {s.result.error}"
            )
    return None


def merge_shards(shards: Sequence[LabelledShard]) -> MergedShards:
    """The shards as one measurement; call only once :func:`incomparable` is None."""
    ordered = sorted(shards, key=lambda s: s.result.identity.shard.index)
    results = [s.result for s in ordered]
    names: list[str] = []
    for result in results:
        names += [r.route for r in result.measurement.routes if r.route not in names]
    unmeasured: dict[str, str] = {}
    for result in results:
        for route, why in result.unmeasured.items():
            unmeasured.setdefault(route, f"shard {result.identity.shard}: {why}")
    routes = []
    for name in names:
        parts = [r for res in results for r in res.measurement.routes if r.route == name]
        if len(parts) < len(results):
            unmeasured.setdefault(name, "not measured by every shard")
        if name not in unmeasured:
            routes.append(_merge_route(parts))
    return MergedShards(
        ProbeMeasurement(
            routes=tuple(routes),
            duration_s=max(r.measurement.duration_s for r in results),
            loop_lag_p99_ms=max(
                (
                    r.measurement.loop_lag_p99_ms
                    for r in results
                    if not math.isnan(r.measurement.loop_lag_p99_ms)
                ),
                default=math.nan,
            ),
            stopped_early=_first_reason(results, "stopped_early"),
            collapsed=any(r.measurement.collapsed for r in results),
            collapsed_route=next(
                (r.measurement.collapsed_route for r in results if r.measurement.collapsed),
                None,
            ),
            invalid=_first_reason(results, "invalid"),
        ),
        unmeasured,
    )


def _first_reason(results: Sequence[ShardResult], name: str) -> str | None:
    """The first shard's reason for a field (stopped early, invalid), naming it."""
    for result in results:
        value = getattr(result.measurement, name)
        if value:
            return f"shard {result.identity.shard} ({result.identity.host}): {value}"
    return None


def _merge_route(parts: Sequence[RouteMeasurement]) -> RouteMeasurement:
    latency, service, lag = LatencyHistogram(), LatencyHistogram(), LatencyHistogram()
    errors: Counter[str] = Counter()
    answered: Counter[str] = Counter()
    not_sent: Counter[str] = Counter()
    for part in parts:
        latency.merge(part.latency)
        service.merge(part.service)
        lag.merge(part.client_lag)
        errors.update(part.errors)
        answered.update(part.answered)
        not_sent.update(part.not_sent)
    first = parts[0]
    return RouteMeasurement(
        route=first.route,
        method=first.method,
        path=first.path,
        # Each shard sent a 1/N share: the merged route is measured at the whole rate.
        rate_per_s=sum(p.rate_per_s for p in parts),
        latency=latency,
        service=service,
        requests=sum(p.requests for p in parts),
        errors=dict(errors),
        throttled=sum(p.throttled for p in parts),
        # The windows overlap (a common --start-at): their mean is the merged window,
        # so the achieved rate is the sum of the shards' own.
        measured_s=sum(p.measured_s for p in parts) / len(parts),
        client_lag=lag,
        sent=sum(p.sent for p in parts),
        answered=dict(sorted(answered.items())),
        not_sent=dict(not_sent),
        warmup_sent=sum(p.warmup_sent for p in parts),
    )


def overlap_s(shards: Sequence[ShardResult]) -> float:
    """How long every shard's measured window was open at once, by the shards' own
    clocks (the target's Date header has a 1 s resolution: correcting by it would add
    more error than CI runners' synchronised clocks have). Less than the window means
    the merged rate was never sent at once, and the figures flatter the target."""
    starts = [s.identity.started_at.timestamp() for s in shards]
    ends = [
        start + max((r.measured_s for r in s.measurement.routes), default=0.0)
        for start, s in zip(starts, shards, strict=True)
    ]
    return max(0.0, min(ends) - max(starts))


def clock_spread_s(shards: Sequence[ShardResult]) -> float:
    """How far apart the shards' clocks are, against the target's: 0 when unknown."""
    offsets = [s.identity.clock_offset_s for s in shards if s.identity.clock_offset_s is not None]
    return max(offsets) - min(offsets) if len(offsets) > 1 else 0.0

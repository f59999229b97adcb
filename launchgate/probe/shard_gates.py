"""The gates, applied once to merged shards, exactly as the unsharded probe applies
them: the same probe check judgement, the same gate checks, the same regression and
drift decisions against the stored baseline. Pure: the baseline is read at the edge.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from launchgate.baseline.store import BaselineFile
from launchgate.checks.ids import PROBE_ID
from launchgate.config.model import ProbeSpec

# The unsharded probe's own judgement, shared rather than copied, so a merged run is
# judged exactly as one machine's would be.
from launchgate.probe.check import ProbeState, _evidence, _judge, _probe_result
from launchgate.probe.figures import baseline_history, decide_drift, decide_routes, route_figures
from launchgate.probe.gate_checks import GateCheck, gate_checks, judge
from launchgate.probe.outcome import ProbeOutcome
from launchgate.probe.settings import probe_fingerprint, resolve
from launchgate.probe.shard import ShardResult
from launchgate.probe.shard_merge import (
    LabelledShard,
    clock_spread_s,
    incomparable,
    merge_shards,
    overlap_s,
)
from launchgate.results import BaselineRef, CheckResult, Severity, ShardFigures

__all__ = ["MergedGate", "gate_merged", "shard_figures"]

# The Date header's resolution is a second, so two readings of one clock can differ
# by up to 2 s (a second each, plus the round trip): only more is a real disagreement.
_CLOCK_SLACK_S = 2.5


@dataclass(frozen=True)
class MergedGate:
    results: tuple[CheckResult, ...]  # the probe check, then each route's gates
    outcome: ProbeOutcome | None  # None when the shards could not be merged


def gate_merged(
    shards: Sequence[LabelledShard],
    spec: ProbeSpec,
    *,
    environment: str,
    baseline: BaselineFile | None,
    baseline_error: str | None,
    baseline_file: Path,
    unreadable: str | None = None,
) -> MergedGate:
    """``unreadable``: why a shard file given to the merge could not be read; the merge
    then could not decide, as it cannot for a missing shard."""
    started = time.perf_counter()
    routes = resolve(spec)
    gates = tuple(gate for route in routes for gate in gate_checks(route))
    fp = probe_fingerprint(spec)
    refused = unreadable or incomparable(shards, fp)
    if refused is None and spec.control_url is not None:
        refused = "a sharded probe has no live control (probe.compare): merge without one"
    if refused is not None:
        probe = _probe_result(
            "error", time.perf_counter() - started, message=f"could not decide: {refused}"
        )
        return MergedGate((probe, *(_skipped(g) for g in gates)), None)
    merged = merge_shards(shards)
    state = ProbeState(baseline=baseline, baseline_error=baseline_error)
    state.unmeasured = dict(merged.unmeasured)
    measurement = merged.measurement
    state.measurement = measurement
    source = str(baseline_file)
    state.decisions = decide_routes(measurement, spec.gates, baseline, fp, source=source)
    state.drift = decide_drift(measurement, spec.gates, baseline, fp)
    probe = _judge(gates, state, measurement, 0.0, started)
    probe = _with_overlap(probe, [s.result for s in shards], spec)
    judged = tuple(
        judge(g, _evidence(state, g.route.name)) if state.status in ("passed", "failed")
        else _skipped(g)
        for g in gates
    )  # fmt: skip
    latest = baseline.latest if baseline else None
    outcome = ProbeOutcome(
        measurement=measurement,
        fingerprint=fp,
        routes=tuple(route_figures(measurement, routes, state.decisions, state.drift)),
        baseline=BaselineRef(
            path=source,
            environment=environment,
            created_at=latest.created_at if latest else None,
            commit=latest.git.commit if latest and latest.git else None,
            entries=len(baseline.entries) if baseline else 0,
            history=baseline_history(baseline, fp),
        ),
    )
    return MergedGate((probe, *judged), outcome)


def _with_overlap(
    probe: CheckResult, shards: Sequence[ShardResult], spec: ProbeSpec
) -> CheckResult:
    """A note when the shards' windows did not cover each other: the merged rate was
    then never sent at once (start them with a common --start-at)."""
    if len(shards) < 2 or probe.status not in ("passed", "failed"):
        return probe
    together, window = overlap_s(shards), spec.duration
    note = ""
    if together < 0.9 * window:
        note += (
            f"; the shards' windows overlapped for {together:.1f}s of {window:g}s, so the "
            "whole rate was not sent at once: start them together with --start-at"
        )
    spread = clock_spread_s(shards)
    if spread > _CLOCK_SLACK_S:
        note += (
            f"; the shards' clocks disagree by {spread:.1f}s (by the target's Date header), "
            "so a common --start-at did not start them together: check the runners' NTP"
        )
    return replace(probe, message=probe.message + note) if note else probe


def _skipped(gate: GateCheck) -> CheckResult:
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


def shard_figures(shards: Sequence[LabelledShard]) -> tuple[ShardFigures, ...]:
    """One row per shard, in shard order: where it ran and whether it kept up."""
    rows = []
    for labelled in sorted(shards, key=lambda s: (s.result.identity.shard.index, s.source)):
        result, ident = labelled.result, labelled.result.identity
        routes = result.measurement.routes
        lag = [r.client_lag.percentile_ms(99) for r in routes if r.client_lag.count]
        rows.append(
            ShardFigures(
                shard=str(ident.shard),
                host=ident.host,
                started_at=ident.started_at.isoformat(timespec="seconds"),
                clock_offset_s=ident.clock_offset_s,
                requests=sum(r.requests for r in routes),
                rate_per_s=sum(r.rate_per_s for r in routes),
                achieved_rate_per_s=sum(r.achieved_rate_per_s for r in routes),
                client_lag_p99_ms=max(lag) if lag and not math.isnan(max(lag)) else None,
                source=labelled.source,
            )
        )
    return tuple(rows)

"""From measurements to decisions and report figures, and back into a baseline entry.
Pure: values in, values out."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

from launchgate.baseline.store import BaselineEntry, BaselineFile, GitInfo, RouteBaseline
from launchgate.config.model import CompareSpec, GatesSpec
from launchgate.probe.compare import ComparisonDecision, compare_p95
from launchgate.probe.gates import (
    DriftDecision,
    RegressionDecision,
    drift_gate,
    regression_gate,
    unreadable_baseline,
)
from launchgate.probe.histogram import LatencyHistogram
from launchgate.probe.measurement import ProbeMeasurement, RouteMeasurement
from launchgate.probe.settings import RouteSettings
from launchgate.results import BaselinePoint, RouteFigures

__all__ = [
    "baseline_entry",
    "baseline_history",
    "compare_routes",
    "counts_text",
    "decide_drift",
    "decide_routes",
    "regression_decision",
    "route_counts_text",
    "route_figures",
]

_NOISE_ENTRIES = 5  # recent baseline entries whose spread counts as run-to-run noise


def decide_routes(
    measurement: ProbeMeasurement,
    gates: GatesSpec,
    baseline: BaselineFile | None,
    config_fingerprint: str,
    *,
    source: str = "the baseline",
    solo_fingerprint: str | None = None,
) -> dict[str, RegressionDecision]:
    """``source`` names the baseline file in the reasons (a corrupt route is fixed
    there). ``solo_fingerprint``: with a control probed beside the target, what these
    settings fingerprint to without one, so that a baseline taken alone is named as
    such rather than as changed settings."""
    latest = baseline.latest if baseline else None
    decisions: dict[str, RegressionDecision] = {}
    for route in measurement.routes:
        stored = latest.routes.get(route.route) if latest else None
        incomparable: str | None = None
        if latest is not None and latest.config_fingerprint == solo_fingerprint:
            incomparable = (
                "the baseline was measured with the target alone, and this run probed a "
                "control beside it (probe.compare), which doubles the load: record "
                "baselines from runs with the control"
            )
        elif latest is not None and latest.config_fingerprint != config_fingerprint:
            incomparable = (
                "the probe settings changed since the baseline (routes, rates, sessions, "
                "concurrency or timeout): update the baseline from a passing run"
            )
        elif latest is not None and stored is None:
            incomparable = f"the baseline has no figures for {route.route} yet"
        recent = baseline.entries[:_NOISE_ENTRIES] if baseline else []
        earlier = tuple(p95 for _, p95 in _route_p95s(recent, config_fingerprint, route.route))
        decisions[route.route] = regression_decision(
            route.latency,
            stored,
            route.route,
            gates,
            source=source,
            history_p95_ms=earlier if not incomparable else (),
            incomparable=incomparable,
        )
    return decisions


def decide_drift(
    measurement: ProbeMeasurement,
    gates: GatesSpec,
    baseline: BaselineFile | None,
    config_fingerprint: str,
) -> dict[str, DriftDecision]:
    """Each route against the baseline ``gates.drift_window`` deploys ago, among the
    entries measured with the same probe settings."""
    decisions: dict[str, DriftDecision] = {}
    for route in measurement.routes:
        entries = baseline.entries if baseline else []
        history = _route_p95s(entries, config_fingerprint, route.route)[: gates.drift_window]
        decisions[route.route] = drift_gate(
            route.latency,
            history,
            window=gates.drift_window,
            limit_pct=gates.drift,
            floor_ms=gates.regression_floor * 1000,
            confidence_pct=gates.confidence,
            min_samples=gates.min_samples,
        )
    return decisions


def _route_p95s(
    entries: Sequence[BaselineEntry], config_fingerprint: str, route: str
) -> list[tuple[str, float]]:
    """(deploy label, p95) of ``route`` in the entries measured with these probe
    settings, in the entries' order (newest first)."""
    return [
        (_entry_label(entry), entry.routes[route].p95_ms)
        for entry in entries
        if entry.config_fingerprint == config_fingerprint and route in entry.routes
    ]


def _entry_label(entry: BaselineEntry) -> str:
    """A deploy as a reader finds it again: its commit, else when it was recorded."""
    if entry.git is not None and entry.git.commit:
        return entry.git.commit[:12]
    return entry.created_at


def regression_decision(
    current: LatencyHistogram,
    stored: RouteBaseline | None,
    route: str,
    gates: GatesSpec,
    *,
    source: str,
    history_p95_ms: tuple[float, ...] = (),
    incomparable: str | None = None,
) -> RegressionDecision:
    """The regression gate against a stored route; a histogram that does not decode
    makes this route's decision unreadable, naming the file, the route and the fix."""
    recorded: LatencyHistogram | None = None
    if stored is not None and not incomparable:
        try:
            recorded = LatencyHistogram.decode(stored.histogram)
        except ValueError:
            return unreadable_baseline(
                current,
                f"{source}: the newest entry's latency histogram for route {route} is "
                f"corrupt (entries[0].routes.{route}.histogram is not an encoded "
                "HdrHistogram); restore the file from git, or delete that route from the "
                "entry and record it again with `launchgate baseline update`",
            )
    return regression_gate(
        current,
        recorded,
        history_p95_ms=history_p95_ms,
        limit_pct=gates.regression,
        floor_ms=gates.regression_floor * 1000,
        confidence_pct=gates.confidence,
        min_samples=gates.min_samples,
        incomparable=incomparable,
    )


def compare_routes(
    measurement: ProbeMeasurement,
    control: Mapping[str, RouteMeasurement],
    settings: Sequence[RouteSettings],
    gates: GatesSpec,
    compare: CompareSpec | None,
) -> dict[str, ComparisonDecision]:
    """Each route measured on both sides, against its control in the same window."""
    limits = {s.name: s.compare_pct for s in settings}
    spec = compare or CompareSpec()
    floor_ms = spec.floor * 1000
    decisions: dict[str, ComparisonDecision] = {}
    for route in measurement.routes:
        theirs = control.get(route.route)
        limit = limits.get(route.route)
        if theirs is None or limit is None:
            continue
        decisions[route.route] = compare_p95(
            route.blocks,
            theirs.blocks,
            limit_pct=limit,
            confidence_pct=gates.confidence,
            min_samples=gates.min_samples,
            floor_ms=floor_ms,
            margin_pct=spec.margin,
        )
    return decisions


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def route_figures(
    measurement: ProbeMeasurement,
    settings: Sequence[RouteSettings],
    decisions: Mapping[str, RegressionDecision],
    drift: Mapping[str, DriftDecision] | None = None,
    *,
    control: Mapping[str, RouteMeasurement] | None = None,
    comparisons: Mapping[str, ComparisonDecision] | None = None,
    control_url: str = "",
) -> list[RouteFigures]:
    """``control_url``: the control's base URL as it may be shown (redacted)."""
    by_name = {s.name: s for s in settings}
    figures: list[RouteFigures] = []
    for route in measurement.routes:
        decision = decisions[route.route]
        drifted = (drift or {}).get(route.route)
        theirs = (control or {}).get(route.route)
        compared = (comparisons or {}).get(route.route)
        base = decision.baseline_p95_ms
        figures.append(
            RouteFigures(
                route=route.route,
                method=route.method,
                path=route.path,
                samples=route.successes,
                requests=route.requests,
                rate_per_s=route.rate_per_s,
                achieved_rate_per_s=route.achieved_rate_per_s,
                p50_ms=route.p(50),
                p95_ms=route.p(95),
                p99_ms=route.p(99),
                max_ms=route.latency.max_ms,
                service_p95_ms=route.service.percentile_ms(95),
                error_rate_pct=route.error_rate_pct,
                errors=tuple(sorted(route.errors.items())),
                throttled=route.throttled,
                target_p95_ms=by_name[route.route].p95_target_ms,
                baseline_p95_ms=base if math.isfinite(base) else None,
                change_pct=decision.change_pct if math.isfinite(decision.change_pct) else None,
                decision=decision.outcome,
                decision_reason=decision.reason,
                histogram=route.latency.encode(),
                sent=route.sent,
                answered=tuple(route.answered.items()),
                not_sent=tuple(route.not_sent.items()),
                warmup_sent=route.warmup_sent,
                drift=drifted.outcome if drifted else "",
                drift_reason=drifted.reason if drifted else "",
                control=control_url + route.path if control_url else "",
                control_samples=theirs.successes if theirs else 0,
                control_p95_ms=_finite(theirs.p(95)) if theirs else None,
                compare_ratio=_finite(compared.ratio) if compared else None,
                compare_low=_finite(compared.interval[0]) if compared else None,
                compare_high=_finite(compared.interval[1]) if compared else None,
                compare_decision=compared.outcome if compared else "",
                compare_reason=compared.reason if compared else "",
            )
        )
    return figures


def route_counts_text(route: RouteMeasurement) -> str:
    return counts_text((route,))


def counts_text(routes: Iterable[RouteMeasurement]) -> str:
    """What became of the requests, in the order they happened: sent (what the server
    can have received), answered by status class, errors by cause, and what was never
    sent and why. A figure that counted what never reached the server would flatter
    a target that stopped answering."""
    sent = warmup = 0
    answered: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    not_sent: Counter[str] = Counter()
    for route in routes:
        sent += route.sent
        warmup += route.warmup_sent
        answered.update(route.answered)
        errors.update(route.errors)
        not_sent.update(route.not_sent)
    parts = [f"{sent} sent", f"{sum(answered.values())} answered{_breakdown(answered)}"]
    text = ", ".join(parts)
    if errors:
        text += f"; {sum(errors.values())} errors{_breakdown(errors)}"
    if not_sent:
        text += f"; {sum(not_sent.values())} not sent{_breakdown(not_sent)}"
    if warmup:
        text += f"; and {warmup} sent in the warm-up, not measured"
    return text


def _breakdown(counts: Mapping[str, int]) -> str:
    return " (" + ", ".join(f"{key}: {n}" for key, n in sorted(counts.items())) + ")"


def baseline_entry(
    measurement: ProbeMeasurement,
    *,
    config_fingerprint: str,
    git: GitInfo | None,
    launchgate_version: str,
    now: datetime | None = None,
) -> BaselineEntry:
    routes = {
        route.route: RouteBaseline(
            method=route.method,
            path=route.path,
            rate_per_s=route.rate_per_s,
            samples=route.successes,
            p50_ms=route.p(50),
            p95_ms=route.p(95),
            p99_ms=route.p(99),
            max_ms=route.latency.max_ms,
            error_rate_pct=route.error_rate_pct if math.isfinite(route.error_rate_pct) else 0,
            histogram=route.latency.encode(),
        )
        for route in measurement.routes
        if route.successes > 0  # zero samples never becomes a "0 ms" baseline
    }
    created = (now or datetime.now(UTC)).isoformat(timespec="seconds").replace("+00:00", "Z")
    return BaselineEntry(
        created_at=created,
        launchgate_version=launchgate_version,
        config_fingerprint=config_fingerprint,
        git=git,
        routes=routes,
    )


def baseline_history(
    baseline: BaselineFile | None, config_fingerprint: str
) -> tuple[BaselinePoint, ...]:
    """The stored entries measured with the same probe settings, newest first: figures
    taken at another rate or with other routes would draw a trend that is not one."""
    if baseline is None:
        return ()
    return tuple(
        BaselinePoint(
            created_at=entry.created_at,
            commit=entry.git.commit if entry.git else None,
            p95_ms=tuple(
                (name, route.p95_ms)
                for name, route in entry.routes.items()
                if math.isfinite(route.p95_ms)
            ),
        )
        for entry in baseline.entries
        if entry.config_fingerprint == config_fingerprint
    )

"""The latency table, shared by the markdown summary and the terminal: one row per
probed route, against its target and its baseline, and against the control measured
beside it when there was one (that decision is then the one that gated)."""

from __future__ import annotations

import math

from launchgate.results import RouteFigures

__all__ = ["LATENCY_HEADER", "compared_label", "latency_header", "latency_rows", "route_dict"]

LATENCY_HEADER = (
    "route",
    "samples",
    "p50",
    "p95",
    "p99",
    "target p95",
    "baseline p95",
    "change",
    "errors",
    "decision",
)

_DECISIONS = {
    "no_baseline": "no baseline yet",
    "incomparable": "incomparable",
    "regression": "REGRESSION",
    "inconclusive": "inconclusive",
    "within_noise": "within noise",
    "unchanged": "unchanged",
    "improvement": "improvement",
    "unreadable": "baseline unreadable",
}


_COMPARED = {
    "regression": "REGRESSION vs control",
    "inconclusive": "inconclusive vs control",
    "unchanged": "unchanged vs control",
    "improvement": "improvement vs control",
    "": "not compared",
}
_CONTROL_COLUMNS = ("control p95", "vs control")


def latency_header(routes: tuple[RouteFigures, ...]) -> tuple[str, ...]:
    """The columns: two more, before the decision, when a control was measured."""
    if not any(r.control for r in routes):
        return LATENCY_HEADER
    return (*LATENCY_HEADER[:-1], *_CONTROL_COLUMNS, LATENCY_HEADER[-1])


def _ratio(r: RouteFigures) -> str:
    if r.compare_ratio is None:
        return "-"
    text = f"×{r.compare_ratio:.2f}"
    if r.compare_low is not None and r.compare_high is not None:
        text += f" (×{r.compare_low:.2f}–×{r.compare_high:.2f})"
    return text


def compared_label(r: RouteFigures) -> str:
    """The decision against the control, short, as the terminal shows it."""
    text = _DECISIONS.get(r.compare_decision, r.compare_decision or "not compared")
    return text + (", DRIFT" if r.drift == "drift" else "")


def _decision(r: RouteFigures) -> str:
    stored = _DECISIONS.get(r.decision, r.decision)
    text = stored if not r.control else f"{_COMPARED.get(r.compare_decision)}; baseline: {stored}"
    return text + (", DRIFT" if r.drift == "drift" else "")


def _ms(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "-"
    return f"{value:.0f} ms" if value >= 100 else f"{value:.1f} ms"


def latency_rows(routes: tuple[RouteFigures, ...]) -> list[tuple[str, ...]]:
    """In the order of :func:`latency_header` for the same routes."""
    compared = any(r.control for r in routes)
    rows: list[tuple[str, ...]] = []
    for r in routes:
        over = r.p95_ms > r.target_p95_ms if math.isfinite(r.p95_ms) else False
        change = f"{r.change_pct:+.0f}%" if r.change_pct is not None else "-"
        errors = "-" if not math.isfinite(r.error_rate_pct) else f"{r.error_rate_pct:.1f}%"
        control = (_ms(r.control_p95_ms), _ratio(r)) if compared else ()
        rows.append(
            (
                f"{r.method} {r.path}" if r.route == r.path else f"{r.route} ({r.path})",
                str(r.samples),
                _ms(r.p50_ms),
                _ms(r.p95_ms) + (" (over)" if over else ""),
                _ms(r.p99_ms),
                _ms(r.target_p95_ms),
                _ms(r.baseline_p95_ms),
                change,
                errors,
                *control,
                _decision(r),
            )
        )
    return rows


def _round(value: float | None, digits: int = 2) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(value, digits)


def route_dict(r: RouteFigures) -> dict[str, object]:
    """A route as report.json carries it (NaN never reaches the JSON)."""
    return {
        "route": r.route,
        "method": r.method,
        "path": r.path,
        "samples": r.samples,
        "requests": r.requests,
        "rate_per_s": _round(r.rate_per_s),
        "achieved_rate_per_s": _round(r.achieved_rate_per_s),
        "p50_ms": _round(r.p50_ms),
        "p95_ms": _round(r.p95_ms),
        "p99_ms": _round(r.p99_ms),
        "max_ms": _round(r.max_ms),
        "service_p95_ms": _round(r.service_p95_ms),
        "error_rate_pct": _round(r.error_rate_pct, 3),
        "errors": [{"cause": cause, "count": n} for cause, n in r.errors],
        "sent": r.sent,
        "answered": [{"status": cls, "count": n} for cls, n in r.answered],
        "not_sent": [{"reason": reason, "count": n} for reason, n in r.not_sent],
        "warmup_sent": r.warmup_sent,
        "throttled": r.throttled,
        "target_p95_ms": _round(r.target_p95_ms),
        "baseline_p95_ms": _round(r.baseline_p95_ms),
        "change_pct": _round(r.change_pct, 1),
        "decision": r.decision,
        "decision_reason": r.decision_reason,
        "drift": r.drift or None,
        "drift_reason": r.drift_reason or None,
        "control": r.control or None,
        "control_samples": r.control_samples if r.control else None,
        "control_p95_ms": _round(r.control_p95_ms),
        "compare_ratio": _round(r.compare_ratio, 4),
        "compare_interval": (
            [_round(r.compare_low, 4), _round(r.compare_high, 4)]
            if r.compare_low is not None and r.compare_high is not None
            else None
        ),
        "compare_decision": r.compare_decision or None,
        "compare_reason": r.compare_reason or None,
        "histogram": r.histogram,
    }

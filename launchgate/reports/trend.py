"""The p95 trend for summary.md: one Mermaid ``xychart-beta`` per probed route, across
the stored baseline history (oldest first) and this run.

GitHub renders a ``mermaid`` code block as a chart; in a terminal or a plain-text pull
request comment the block still reads as the numbers it plots. One chart per route,
because xychart lines carry no legend: two unlabelled lines could not be told apart.
The y axis starts at 0, so a 2 ms wobble does not look like a cliff.
"""

from __future__ import annotations

import math
import re

from launchgate.results import BaselinePoint, RouteFigures
from launchgate.runreport import RunReport

__all__ = ["MAX_POINTS", "p95_charts"]

MAX_POINTS = 20
"""Points per chart, this run included: beyond that the x-axis labels overlap."""

_LABEL_UNSAFE = re.compile(r"[^0-9A-Za-z :._-]")


def p95_charts(report: RunReport) -> list[str]:
    """The charts as fenced code blocks; none without a stored history to compare with."""
    ref = report.baseline
    if ref is None or not ref.history:
        return []
    oldest_first = list(reversed(ref.history[: MAX_POINTS - 1]))
    charts = []
    for route in report.routes:
        chart = _chart(route, oldest_first)
        if chart:
            charts.append(chart)
    return charts


def _chart(route: RouteFigures, history: list[BaselinePoint]) -> str:
    if not math.isfinite(route.p95_ms):
        return ""  # nothing measured this run: no point to draw, and never a fake 0
    points = [(p, dict(p.p95_ms).get(route.route)) for p in history]
    labels = [_label(p) for p, value in points if value is not None]
    values = [value for _, value in points if value is not None]
    if not values:
        return ""
    labels.append("this run")
    values.append(route.p95_ms)
    top = _ceiling(max(values) * 1.2)
    return "\n".join(
        [
            "```mermaid",
            "xychart-beta",
            f'    title "p95 of {_safe(route.route)} (ms)"',
            "    x-axis [" + ", ".join(f'"{label}"' for label in labels) + "]",
            f'    y-axis "p95 (ms)" 0 --> {top:.10g}',
            "    line [" + ", ".join(_number(v) for v in values) + "]",
            "```",
        ]
    )


def _label(point: BaselinePoint) -> str:
    """``2024-05-01T12:30:05Z`` -> ``05-01 12:30``: short enough for 20 labels."""
    match = re.match(r"\d{4}-(\d\d-\d\d)T(\d\d:\d\d)", point.created_at)
    text = f"{match.group(1)} {match.group(2)}" if match else point.created_at[:16]
    return _safe(text)


def _safe(text: str) -> str:
    # A quote would end the Mermaid string; the file is ours, but not trusted blindly.
    return _LABEL_UNSAFE.sub("", text) or "?"


def _number(value: float) -> str:
    return f"{value:.1f}" if value >= 1 else f"{value:.3f}"


def _ceiling(value: float) -> float:
    """A round upper bound for the axis: 1, 2 or 5 times a power of ten."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return float(step * power)
    return float(10 * power)  # pragma: no cover - the loop always returns

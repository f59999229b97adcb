from __future__ import annotations

import math

import pytest

from launchgate.reports.markdown import render_summary
from launchgate.reports.trend import MAX_POINTS, p95_charts

from .factories import all_passed, history, route, with_probe
from .mermaid import mermaid_blocks, parse_xychart


def test_one_chart_per_route_oldest_first_then_this_run() -> None:
    points = history({"home": 4.0, "dashboard": 12.5}, {"home": 3.5, "dashboard": 11.0})
    report = with_probe(all_passed(), [route("home", p95_ms=4.2), route("dashboard")], points)
    home, dashboard = (parse_xychart(mermaid_blocks(c)[0]) for c in p95_charts(report))
    assert home.title == "p95 of home (ms)"
    assert home.labels == ["04-29 09:15", "04-30 09:15", "this run"]
    assert home.lines == [[3.5, 4.0, 4.2]]
    assert dashboard.lines == [[11.0, 12.5, 12.0]]
    assert dashboard.y_range == (0.0, 20.0)  # from zero: a wobble is not a cliff


def test_no_history_no_chart() -> None:
    assert p95_charts(with_probe(all_passed(), [route()])) == []
    assert p95_charts(all_passed()) == []


def test_a_route_new_since_the_baseline_is_charted_from_where_it_appears() -> None:
    points = history({"dashboard": 10.0, "api": 3.0}, {"dashboard": 9.0})
    report = with_probe(all_passed(), [route("api", p95_ms=3.3), route("dashboard")], points)
    api = parse_xychart(mermaid_blocks(p95_charts(report)[0])[0])
    assert api.labels == ["04-30 09:15", "this run"]
    assert api.lines == [[3.0, 3.3]]


def test_an_unmeasured_route_gets_no_chart_never_a_zero() -> None:
    points = history({"dashboard": 10.0})
    report = with_probe(all_passed(), [route("dashboard", p95_ms=math.nan)], points)
    assert p95_charts(report) == []


def test_the_chart_keeps_the_most_recent_points() -> None:
    points = history(*({"dashboard": float(i + 1)} for i in range(30)))
    report = with_probe(all_passed(), [route("dashboard", p95_ms=0.5)], points)
    chart = parse_xychart(mermaid_blocks(p95_charts(report)[0])[0])
    assert len(chart.labels) == MAX_POINTS
    assert chart.lines[0][-2:] == [1.0, 0.5]  # newest stored entry, then this run


@pytest.mark.parametrize(("top", "axis"), [(0.004, 0.005), (7.0, 10.0), (130.0, 200.0), (3e6, 5e6)])
def test_the_axis_ends_at_a_round_number_above_every_point(top: float, axis: float) -> None:
    points = history({"dashboard": top / 1.2})
    report = with_probe(all_passed(), [route("dashboard", p95_ms=top / 1.2)], points)
    chart = parse_xychart(mermaid_blocks(p95_charts(report)[0])[0])
    assert chart.y_range == (0.0, axis)


def test_labels_from_the_baseline_file_cannot_break_the_chart() -> None:
    (point,) = history({"dashboard": 10.0})
    odd = point.__class__(created_at='"]\nline [1', commit=None, p95_ms=point.p95_ms)
    report = with_probe(all_passed(), [route("dashboard")], (odd,))
    parse_xychart(mermaid_blocks(p95_charts(report)[0])[0])


def test_the_summary_carries_the_charts_after_the_latency_table() -> None:
    points = history({"dashboard": 11.0})
    text = render_summary(with_probe(all_passed(), [route("dashboard")], points))
    assert text.index("### Latency under load") < text.index("### p95 trend")
    assert text.index("### p95 trend") < text.index("### Checks")
    assert len(mermaid_blocks(text)) == 1

"""A strict reader of the Mermaid ``xychart-beta`` subset summary.md writes.

Mermaid's own parser needs a browser; this follows its grammar for the statements we
use (``title``, ``x-axis [labels]``, ``y-axis "title" min --> max``, ``line [numbers]``)
and fails on anything else, so a chart that would not render fails a test instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_STRING = r'"[^"\n]*"'
_NUMBER = r"-?\d+(?:\.\d+)?"
_TITLE = re.compile(rf"^title {_STRING}$")
_X_AXIS = re.compile(rf"^x-axis \[\s*({_STRING}(?:\s*,\s*{_STRING})*)\s*\]$")
_Y_AXIS = re.compile(rf"^y-axis {_STRING} ({_NUMBER}) --> ({_NUMBER})$")
_SERIES = re.compile(rf"^(line|bar) \[\s*({_NUMBER}(?:\s*,\s*{_NUMBER})*)\s*\]$")


@dataclass(frozen=True)
class XYChart:
    title: str
    labels: list[str]
    y_range: tuple[float, float]
    lines: list[list[float]]


def mermaid_blocks(markdown: str) -> list[str]:
    return re.findall(r"^```mermaid\n(.*?)^```$", markdown, flags=re.MULTILINE | re.DOTALL)


def parse_xychart(block: str) -> XYChart:
    lines = [line.strip() for line in block.strip().splitlines()]
    assert lines[0] == "xychart-beta", lines[0]
    title, labels, y_range, series = "", None, None, []
    for line in lines[1:]:
        if _TITLE.match(line):
            title = line[len("title ") :].strip('"')
        elif m := _X_AXIS.match(line):
            labels = [s.strip().strip('"') for s in re.findall(_STRING, m.group(1))]
        elif m := _Y_AXIS.match(line):
            y_range = (float(m.group(1)), float(m.group(2)))
        elif m := _SERIES.match(line):
            series.append([float(v) for v in m.group(2).split(",")])
        else:
            raise AssertionError(f"not xychart-beta syntax: {line!r}")
    assert labels, "no x-axis labels"
    assert y_range is not None and y_range[0] < y_range[1], y_range
    assert series, "no line"
    for values in series:
        assert len(values) == len(labels), (values, labels)
        assert all(y_range[0] <= v <= y_range[1] for v in values), (values, y_range)
    return XYChart(title, labels, y_range, series)

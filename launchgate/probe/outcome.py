"""What the probe check measured, as one frozen value the engine keeps for the run:
the report reads its figures and the baseline it compared with; a baseline update
records its measurement under its settings fingerprint."""

from __future__ import annotations

from dataclasses import dataclass

from launchgate.probe.measurement import ProbeMeasurement
from launchgate.results import BaselineRef, RouteFigures

__all__ = ["ProbeOutcome"]


@dataclass(frozen=True)
class ProbeOutcome:
    measurement: ProbeMeasurement
    fingerprint: str  # the probe settings the measurement was taken with
    routes: tuple[RouteFigures, ...]  # the report's figures, one per measured route
    baseline: BaselineRef  # the baseline the routes were compared with

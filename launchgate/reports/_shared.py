"""Small facts every reporter agrees on, so the four formats never tell different stories.

Private: the public surface is the ``render_*`` / ``print_*`` functions re-exported
from ``launchgate.reports``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from launchgate.results import CheckStatus, Severity
from launchgate.runreport import RunReport
from launchgate.verdict import Outcome, ranked_findings

__all__ = [
    "HEADLINES",
    "NO_RISKS",
    "STATUS_MARKS",
    "RiskRow",
    "finite",
    "no_risks_text",
    "risk_rows",
]

HEADLINES: dict[Outcome, str] = {
    "pass": "PASS",
    "fail": "FAIL — rollback recommended",
    "error": "COULD NOT DECIDE — failing closed, rollback recommended",
}
"""The verdict as one phrase; the terminal's last line and summary.md's first."""

STATUS_MARKS: dict[CheckStatus, str] = {
    "passed": "✓",
    "failed": "✗",
    "error": "!",
    "skipped": "\u2013",  # an en dash: "not run", distinct from a minus sign
}


NO_RISKS = "No launch risks found."
_IDS_SHOWN = 5


def no_risks_text(report: RunReport) -> str:
    """What the risk list says when no check reported a finding.

    "No launch risks found" only when every check completed: a check that errored,
    was interrupted or never started found nothing because it did not look.
    """
    undecided = report.verdict.undecided
    left_out = report.verdict.not_selected
    if left_out and len(left_out) == len(undecided):
        ids = ", ".join(left_out[:_IDS_SHOWN]) + (", …" if len(left_out) > _IDS_SHOWN else "")
        return f"Nothing can be ruled out: {len(left_out)} check(s) were not selected ({ids})."
    if undecided:
        ids = ", ".join(undecided[:_IDS_SHOWN]) + (", …" if len(undecided) > _IDS_SHOWN else "")
        return f"Nothing can be ruled out: {len(undecided)} check(s) did not complete ({ids})."
    if not any(r.status in ("passed", "failed") for r in report.results):
        return "Nothing can be ruled out: no check ran."
    return NO_RISKS


@dataclass(frozen=True, kw_only=True)
class RiskRow:
    """One row of the launch-risk list, the table the terminal and summary.md lead with;
    each face only renders it (``blocking`` as a note, ``detail`` where there is room)."""

    severity: Severity
    blocking: bool  # False: at or below the failing severity, reported only
    check_id: str
    title: str
    detail: str
    remedy: str


def risk_rows(report: RunReport) -> tuple[RiskRow, ...]:
    """Every finding, worst first, marked blocking as the verdict decided it (read from
    ``verdict.blocking``, never recomputed); empty: say :func:`no_risks_text`."""
    return tuple(
        RiskRow(
            severity=f.severity,
            blocking=f in report.verdict.blocking,
            check_id=f.check_id,
            title=f.title,
            detail=f.detail,
            remedy=f.remedy,
        )
        for f in ranked_findings(report.results)
    )


def finite(value: float | None) -> float | None:
    """``None`` for NaN and infinities: a broken timer must not become a number in a
    report (Flagger once read a NaN metric as 0 and passed a gate)."""
    if value is None or not math.isfinite(value):
        return None
    return value

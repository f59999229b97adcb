"""Small facts every reporter agrees on, so the four formats never tell different stories.

Private: the public surface is the ``render_*`` / ``print_*`` functions re-exported
from ``launchgate.reports``.
"""

from __future__ import annotations

import math

from launchgate.results import CheckStatus
from launchgate.runreport import RunReport
from launchgate.verdict import Outcome

__all__ = [
    "HEADLINES",
    "NO_RISKS",
    "STATUS_MARKS",
    "finite",
    "no_risks_text",
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


def finite(value: float | None) -> float | None:
    """``None`` for NaN and infinities: a broken timer must not become a number in a
    report (Flagger once read a NaN metric as 0 and passed a gate)."""
    if value is None or not math.isfinite(value):
        return None
    return value

"""Small facts every reporter agrees on, so the four formats never tell different stories.

Private: the public surface is the ``render_*`` / ``print_*`` functions re-exported
from ``launchgate.reports``.
"""

from __future__ import annotations

import math

from launchgate.results import CheckResult, CheckStatus
from launchgate.verdict import Outcome, Verdict

__all__ = [
    "HEADLINES",
    "STATUS_MARKS",
    "finite",
    "format_duration",
    "is_blocking",
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


def is_blocking(result: CheckResult, verdict: Verdict) -> bool:
    """Whether this check is one of the reasons the gate failed.

    Read from the verdict rather than recomputed from severities, so a reporter can
    never disagree with ``decide`` about the failing severity (``fail_on``).
    """
    return any(f in verdict.blocking for f in result.findings)


def finite(value: float | None) -> float | None:
    """``None`` for NaN and infinities: a broken timer must not become a number in a
    report (Flagger once read a NaN metric as 0 and passed a gate)."""
    if value is None or not math.isfinite(value):
        return None
    return value


def format_duration(seconds: float) -> str:
    value = finite(seconds)
    if value is None:
        return "?"
    if value < 10:
        return f"{value:.2f} s"
    return f"{value:.1f} s"

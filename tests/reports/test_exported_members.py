"""The public surface of launchgate.reports changes only on purpose (as in httpx)."""

from __future__ import annotations

import launchgate.reports as reports

EXPECTED = {
    "Redacts",
    "ensure_writable",
    "format_check_line",
    "print_check",
    "print_summary",
    "redact_report",
    "render_json",
    "render_junit",
    "render_risk_list",
    "render_summary",
    "report_dict",
    "write_reports",
}


def test_all_is_the_expected_surface() -> None:
    assert set(reports.__all__) == EXPECTED
    for name in EXPECTED:
        assert getattr(reports, name).__module__.startswith("launchgate.reports.")

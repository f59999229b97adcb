"""Reporters: pure renderers of a :class:`~launchgate.runreport.RunReport`, one writer.

``render_*`` return text (or a rich renderable) and touch nothing; ``print_*`` write
to a rich console; :func:`write_reports` is the only file I/O.
"""

from launchgate.reports.json_report import render_json, report_dict
from launchgate.reports.junit import render_junit
from launchgate.reports.markdown import render_summary
from launchgate.reports.terminal import (
    format_check_line,
    print_check,
    print_summary,
    render_risk_list,
)
from launchgate.reports.writer import Redacts, ensure_writable, redact_report, write_reports

__all__ = [
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
]

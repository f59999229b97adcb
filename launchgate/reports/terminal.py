"""The terminal: one line per check as it finishes, then the risk list and the verdict.

``format_*`` / ``render_*`` build rich renderables; ``print_*`` write them to a
console. Text that comes from a check (messages, titles, ids, paths) is only ever
placed in :class:`rich.text.Text`, never parsed as markup, so ``[redacted]`` stays
literal; terminal control sequences in it (a response body can carry ``ESC[2J``) are
shown as ``\\x1b`` instead of being obeyed. Marks and words carry the meaning, colour
only repeats it, so the output reads the same with ``NO_COLOR`` or in a CI log.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from launchgate.config.units import format_duration
from launchgate.reports._shared import HEADLINES, STATUS_MARKS, no_risks_text, risk_rows
from launchgate.reports.latency import compared_label, latency_header, latency_rows
from launchgate.results import CheckResult, CheckStatus, Severity
from launchgate.runreport import RunReport
from launchgate.verdict import Outcome

__all__ = ["format_check_line", "print_check", "print_summary", "render_hooks", "render_risk_list"]

_SEVERITY_STYLES: dict[Severity, str] = {
    Severity.BLOCKER: "bold red",
    Severity.HIGH: "yellow",
    Severity.MEDIUM: "cyan",
}
_STATUS_STYLES: dict[CheckStatus, str] = {
    "passed": "green",
    "failed": "red",
    "error": "bold red",
    "skipped": "dim",
}
_VERDICT_STYLES: dict[Outcome, str] = {
    "pass": "bold green",
    "fail": "bold red",
    "error": "bold red",
}
# C0 and C1 controls except tab and newline; rich itself strips only a few of them.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def format_check_line(result: CheckResult, *, blocking: bool) -> Text:
    status = result.status
    style = _STATUS_STYLES[status]
    if status == "failed" and not blocking:
        style = "yellow"  # reported, but not a reason to roll back
    line = Text()
    line.append(STATUS_MARKS[status], style=style)
    line.append(" ")
    line.append(_safe(result.check_id), style="bold")
    line.append(f"  {format_duration(result.duration_s, measured=True)}", style="dim")
    if status != "passed":
        note = ""
        if status == "failed" and not blocking:
            advisory = any(f.advisory for f in result.findings)
            note = " (not blocking: a deploy cannot change it)" if advisory else " (not blocking)"
        line.append(f"  {_safe(_one_line(result.message))}{note}", style=style)
    return line


def print_check(console: Console, result: CheckResult, *, blocking: bool) -> None:
    line = format_check_line(result, blocking=blocking)
    # A grid gives a long message a hanging indent under the id instead of a
    # continuation line that starts where the marks are.
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column()
    grid.add_row(line[:1], line[2:])
    console.print(grid)


def render_risk_list(report: RunReport) -> RenderableType:
    rows = risk_rows(report)
    if not rows:
        style = "green" if report.verdict.outcome == "pass" else "bold red"
        return Text(_safe(no_risks_text(report)), style=style)
    # Two columns, not four: at 80 columns a four-column table squeezes long ids and
    # prose into slivers. The check id leads its cell on a line of its own.
    table = Table(
        title="Launch risks, worst first",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        leading=1,
    )
    table.add_column("severity", no_wrap=True)
    table.add_column("check, what is wrong, what to do", overflow="fold")
    for row in rows:
        severity = Text(row.severity.value, style=_SEVERITY_STYLES[row.severity])
        if not row.blocking:
            severity.append("\nnot blocking", style="dim")  # below the failing severity
        risk = Text(_safe(row.check_id), style="bold")
        risk.append(f"\n{_safe(_one_line(row.title))}")
        if row.remedy:
            risk.append(f"\nwhat to do: {_safe(_one_line(row.remedy))}", style="italic")
        table.add_row(severity, risk)
    return table


def render_latency(report: RunReport) -> RenderableType:
    """The compact latency table: p50 and p99 are in summary.md and report.json."""
    table = Table(title="Latency under load", title_justify="left", box=None, padding=(0, 1))
    header = latency_header(report.routes)
    # Shown here: the full table's columns under shorter names.
    shown = {"p95": "p95", "target p95": "target", "baseline p95": "baseline", "change": "change",
             "errors": "errors", "control p95": "control", "vs control": "vs control",
             "decision": "decision"}  # fmt: skip
    if "control p95" in header:  # the change against a stored baseline does not gate then
        del shown["change"]
    table.add_column("route", no_wrap=True)
    for name in header:
        if name in shown:
            table.add_column(shown[name], no_wrap=True)
    for route, row in zip(report.routes, latency_rows(report.routes), strict=True):
        cells = dict(zip(header, row, strict=True))
        if route.control:  # the ratio alone, and the decision that gated
            cells["vs control"] = cells["vs control"].split(" ", 1)[0]
            cells["decision"] = compared_label(route)
        gating = route.compare_decision if route.control else route.decision
        table.add_row(
            Text(_safe(route.route)),
            *(Text(_safe(cells[n])) for n in header if n in shown and n != "decision"),
            Text(_safe(cells["decision"]), style="bold red" if gating == "regression" else ""),
        )
    if report.baseline is not None and report.baseline.update:
        return Group(table, Text(_safe(f"baseline: {report.baseline.update}")))
    return table


_HOOK_OUTPUT_LINES = 20


def render_hooks(report: RunReport) -> RenderableType:
    """What the rollback hooks did; the end of a command's output, as it printed it."""
    lines: list[Text] = [Text("Rollback hooks (on_fail):")]
    for hook in report.hooks:
        ok = hook.status == "ok"
        line = Text(
            f"  {'✓' if ok else '✗'} {hook.kind} {hook.status}", style="green" if ok else "red"
        )
        line.append(f"  {_safe(_one_line(hook.message))}")
        lines.append(line)
        tail = hook.output.rstrip().splitlines()[-_HOOK_OUTPUT_LINES:]
        lines += [Text(f"    | {_safe(out)}", style="dim") for out in tail]
    return Group(*lines)


def print_summary(
    console: Console,
    report: RunReport,
    written: Sequence[Path] = (),
    *,
    problems: Sequence[str] = (),
) -> None:
    """The risks, the reports written, then ``problems`` (outputs that could not be
    written) and last the verdict: the final line is the one the exit code states."""
    verdict = report.verdict
    console.print()
    if report.routes:
        console.print(render_latency(report))
    console.print(render_risk_list(report))
    if report.hooks:
        console.print(render_hooks(report))
    if written:
        paths = [Text("Reports written:")]
        paths += [Text(f"  {_safe(str(p))}") for p in written]
        console.print(Group(*paths))
    for problem in problems:
        console.print(Text(f"error: {_safe(_one_line(problem))}", style="bold red"))
    console.print(Text(_safe(_one_line(verdict.reason))))
    final = Text(HEADLINES[verdict.outcome], style=_VERDICT_STYLES[verdict.outcome])
    final.append(f" (exit {verdict.exit_code})")
    console.print(final)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _safe(text: str) -> str:
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)

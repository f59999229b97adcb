"""``summary.md``: the human report, readable in ten seconds, on GitHub or as plain text.

Order is the order of a reader's questions: did it pass, why not, what do I fix first,
what was done about it (the rollback hooks), how fast, what ran, where and when. The
page is a list of sections joined by blank lines (see :func:`_sections`); a long checks
table folds away in a ``<details>`` block, which a terminal shows as two tag lines.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from datetime import UTC

from launchgate.config.units import format_duration
from launchgate.reports._shared import (
    HEADLINES,
    STATUS_MARKS,
    RiskRow,
    no_risks_text,
    risk_rows,
)
from launchgate.reports.latency import latency_header, latency_rows
from launchgate.reports.trend import p95_charts
from launchgate.results import CheckResult, HookResult
from launchgate.runreport import RunReport

__all__ = ["render_summary"]

FOLD_CHECKS_OVER = 10  # rows; a longer checks table is folded away on GitHub
HOOK_OUTPUT_LINES = 40  # of a rollback command's output, in the summary
_HOOK_MARKS = {"ok": "✓", "failed": "✗", "timeout": "✗", "skipped": "\u2013"}


def render_summary(report: RunReport) -> str:
    return "\n\n".join(s for s in _sections(report) if s) + "\n"


def _sections(report: RunReport) -> list[str]:
    return [
        f"## launchgate: {HEADLINES[report.verdict.outcome]}",
        _inline(report.verdict.reason),
        _risks(report),
        _hooks(report),
        _latency(report),
        _shards(report),
        _trend(report),
        _checks(report),
        _footer(report),
    ]


def _risks(report: RunReport) -> str:
    rows = risk_rows(report)
    if not rows:
        return f"### Launch risks\n\n{_inline(no_risks_text(report))}"
    return "### Launch risks\n\n" + _table(
        ("severity", "check", "what is wrong", "what to do"), [_risk_cells(r) for r in rows]
    )


def _risk_cells(row: RiskRow) -> tuple[str, ...]:
    severity = row.severity.value + ("" if row.blocking else " (not blocking)")
    wrong = row.title + (f"\n{row.detail}" if row.detail else "")
    return (severity, row.check_id, wrong, row.remedy)


def _latency(report: RunReport) -> str:
    if not report.routes:
        return ""
    table = _table(latency_header(report.routes), latency_rows(report.routes))
    text = "### Latency under load\n\n" + table
    ref = report.baseline
    if ref is not None:
        when = f"{ref.created_at}" if ref.created_at else "none yet"
        commit = f", commit {ref.commit[:12]}" if ref.commit else ""
        text += f"\n\nBaseline: {_inline(ref.path)} ({when}{commit})."
        if ref.update:
            text += f" {_inline(ref.update[0].upper() + ref.update[1:])}."
    return text


def _shards(report: RunReport) -> str:
    if not report.shards:
        return ""
    rows = [
        (
            s.shard,
            s.host,
            s.started_at,
            "unknown" if s.clock_offset_s is None else f"{s.clock_offset_s:+.1f} s",
            str(s.requests),
            f"{s.achieved_rate_per_s:.1f}/s of {s.rate_per_s:g}/s",
            "-" if s.client_lag_p99_ms is None else f"{s.client_lag_p99_ms:.1f} ms",
        )
        for s in report.shards
    ]
    header = ("shard", "ran on", "started", "clock offset", "requests", "achieved rate",
              "client lag p99")  # fmt: skip
    return (
        "### Shards\n\nThe latency above merges every shard's histograms; the gates "
        "judged the merged figures once.\n\n" + _table(header, rows)
    )


def _trend(report: RunReport) -> str:
    charts = p95_charts(report)
    if not charts:
        return ""
    intro = (
        "p95 of each route in the stored baselines taken with these probe settings "
        "(oldest first), then this run."
    )
    return "### p95 trend\n\n" + intro + "\n\n" + "\n\n".join(charts)


def _hooks(report: RunReport) -> str:
    if not report.hooks:
        return ""
    rows = [
        (
            f"{_HOOK_MARKS[h.status]} {h.status}",
            h.kind,
            h.message,
            format_duration(h.duration_s, measured=True),
        )
        for h in report.hooks
    ]
    text = "### Rollback hooks\n\n" + _table(("status", "hook", "what happened", "took"), rows)
    for hook in report.hooks:
        if hook.output.strip():
            text += "\n\n" + _output_block(hook)
    return text


def _output_block(hook: HookResult) -> str:
    lines = hook.output.rstrip().splitlines()[-HOOK_OUTPUT_LINES:]
    body = "\n".join(lines)
    # A fence longer than any run of backticks in the output, so none can close it.
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return (
        f"<details><summary>{hook.kind} output (last {len(lines)} lines)</summary>\n\n"
        f"{fence}text\n{body}\n{fence}\n\n</details>"
    )


def _checks(report: RunReport) -> str:
    if not report.results:
        return "### Checks\n\nNo check ran."
    rows = [
        (
            _status(r, blocking=report.verdict.blames(r)),
            r.check_id,
            format_duration(r.duration_s, measured=True),
            r.message,
        )
        for r in report.results
    ]
    table = _table(("status", "check", "duration", "message"), rows)
    if len(rows) <= FOLD_CHECKS_OVER:
        return "### Checks\n\n" + table
    counts = Counter(r.status for r in report.results)
    tally = ", ".join(f"{n} {status}" for status, n in counts.items())
    return (
        f"### Checks\n\n<details><summary>{len(rows)} checks: {tally}</summary>\n\n"
        f"{table}\n\n</details>"
    )


def _status(result: CheckResult, *, blocking: bool) -> str:
    status = f"{STATUS_MARKS[result.status]} {result.status}"
    return status + " (not blocking)" if result.status == "failed" and not blocking else status


def _footer(report: RunReport) -> str:
    started = report.started_at
    started = started if started.tzinfo is not None else started.replace(tzinfo=UTC)
    facts = [
        f"target {report.target_url}",
        f"environment {report.environment}",
        *([f"commit {report.commit[:12]}"] if report.commit else []),
        f"run {report.run_id}",
        f"launchgate {report.launchgate_version}",
        f"started {started.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC",
        f"took {format_duration(report.duration_s, measured=True)}",
    ]
    # The blank line before the rule matters: "text\n---" is a heading in Markdown.
    return "---\n\n" + _inline(" · ".join(facts))


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    lines = [_row(header), "|" + "---|" * len(header)]
    lines += [_row(tuple(_cell(c) for c in row)) for row in rows]
    return "\n".join(lines)


def _row(cells: tuple[str, ...]) -> str:
    return "| " + " | ".join(cells) + " |"


def _cell(text: str) -> str:
    """One table cell: a pipe or a newline inside would end the cell or the row."""
    lines = _inline_escape(text).strip().splitlines()
    return "<br>".join(line.strip() for line in lines).replace("|", "\\|")


def _inline(text: str) -> str:
    """A paragraph of user data: one line, so it cannot start a heading or a table."""
    return " ".join(_inline_escape(text).split())


def _inline_escape(text: str) -> str:
    # Response bodies are often HTML; a raw tag would render (or swallow the rest of
    # the page) on GitHub. Escaping "<" alone disarms every tag and keeps "->" and
    # "a & b" readable as plain text.
    return text.replace("<", "&lt;")

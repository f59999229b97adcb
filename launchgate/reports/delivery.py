"""A finished run's outputs, delivered so that they tell one story.

The report files, ``$GITHUB_OUTPUT``, the step summary and the terminal's last line
all carry the verdict the process exits with. The verdict is decided before anything
is written; a failure to write any output can only turn a pass into could-not-decide
(a fail stays a fail), and then every output written before it is written again, or
removed, so that none still says pass (see :func:`~launchgate.reports.writer.write_reports`
and :meth:`~launchgate.reports.github_actions.GitHubActions.publish`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from launchgate.reports.github import annotation_lines
from launchgate.reports.github_actions import AppendFile, GitHubActions
from launchgate.reports.terminal import print_summary
from launchgate.reports.writer import (
    JSON_FILE,
    SUMMARY_FILE,
    NotDelivered,
    Redacts,
    WriteFile,
    write_reports,
)
from launchgate.runreport import RunReport

__all__ = ["deliver", "workflow_command"]


def deliver(
    report: RunReport,
    out_dir: Path,
    console: Console,
    redactor: Redacts,
    *,
    github: GitHubActions | None,
    rollback: Callable[[RunReport], RunReport] | None = None,
    write: WriteFile | None = None,
    append: AppendFile | None = None,
) -> int:
    """Reports, then ``rollback`` (the hooks, whose outcome the reports then carry),
    then GitHub's outputs and summary, then the terminal summary and the annotations.
    Returns the exit code every one of them states."""
    # By stage, the latest word only: a rewrite's message says what is on disk now.
    problems: dict[str, str] = {}

    def files(report: RunReport) -> tuple[RunReport, tuple[Path, ...]]:
        try:
            return report, write_reports(report, out_dir, redactor, write=write)
        except NotDelivered as exc:
            problems["reports"] = f"could not write the reports: {exc}"
            return exc.report, exc.written

    report, written = files(report)
    if rollback is not None and report.verdict.rollback:
        report, written = files(rollback(report))
    if github is not None:
        try:
            github.publish(
                report,
                report_file=out_dir / JSON_FILE if out_dir / JSON_FILE in written else None,
                summary_file=out_dir / SUMMARY_FILE if out_dir / SUMMARY_FILE in written else None,
                redactor=redactor,
                append=append,
            )
        except NotDelivered as exc:
            # Known only after the hooks ran (the outputs carry their outcome): a pass
            # becomes could-not-decide here without a rollback hook, and says so.
            problems["github"] = f"could not write GitHub's step outputs or summary: {exc}"
            if exc.report is not report:
                # The files said pass a moment ago; they must not go on saying it.
                report, written = files(exc.report)
    print_summary(console, report, written, problems=tuple(problems.values()))
    if github is not None:
        for line in annotation_lines(report):
            workflow_command(console, line)
    return report.verdict.exit_code


def workflow_command(console: Console, line: str) -> None:
    """A workflow command, written whole: rich would wrap a long one into two lines.
    It still goes through the (redacting) stream like every other line."""
    console.file.write(line + "\n")
    console.file.flush()

"""GitHub Actions: workflow commands, step outputs and the step summary, as pure text.

Inside a job, launchgate talks to the runner three ways: workflow commands on stdout
(``::add-mask::``, ``::error``/``::warning`` annotations, ``::group::``), the file named
by ``$GITHUB_OUTPUT`` (step outputs) and the one named by ``$GITHUB_STEP_SUMMARY``
(Markdown on the run page). This module builds that text; :mod:`launchgate.reports.github_actions`
writes it.

Escaping follows the runner's own toolkit (``@actions/core`` ``command.ts``): in a
command's message ``%``, ``\\r`` and ``\\n`` are percent-encoded; in a property value
also ``:`` and ``,``, which would otherwise end the property. Unescaped, a finding title
holding a newline could start a workflow command of its own on the next line.
"""

from __future__ import annotations

from collections.abc import Iterable

from launchgate.errors import ConfigProblem
from launchgate.redact import MIN_SECRET_LEN, derived_forms
from launchgate.results import Finding, Severity
from launchgate.runreport import RunReport
from launchgate.verdict import ranked_findings

__all__ = [
    "GROUP_END",
    "SUMMARY_LIMIT_BYTES",
    "annotation_lines",
    "command",
    "config_annotations",
    "escape_data",
    "escape_property",
    "format_outputs",
    "group_start",
    "mask_commands",
    "step_summary",
]

SUMMARY_LIMIT_BYTES = 1024 * 1024
"""GitHub refuses a step summary larger than 1 MiB (and then shows none of it)."""

GROUP_END = "::endgroup::"


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str = "", **properties: str) -> str:
    """One workflow command line, without its newline; empty properties are left out."""
    given = ",".join(
        f"{key}={escape_property(value)}" for key, value in properties.items() if value
    )
    return f"::{name}{' ' + given if given else ''}::{escape_data(message)}"


def group_start(title: str) -> str:
    return command("group", " ".join(title.split()))


def mask_commands(secret: str) -> list[str]:
    """``::add-mask::`` lines for a secret and every form in which it may be printed.

    GitHub masks only the exact text registered, and a multi-line value only line by
    line; so each derived form (URL-encoded, JSON-escaped, base64 at each alignment) is
    registered, one line at a time. Lines too short to mask are left out, as the
    redactor leaves them out: masking "abc" would shred the whole log.
    """
    values: set[str] = set()
    for form in derived_forms(secret):
        values.update(
            line.strip() for line in form.splitlines() if len(line.strip()) >= MIN_SECRET_LEN
        )
    return [command("add-mask", value) for value in sorted(values)]


def annotation_lines(report: RunReport) -> list[str]:
    """``::error`` for every blocking finding, every check that could not be decided and
    every rollback hook that failed; ``::warning`` for every other high finding.

    Worst first: GitHub shows only the first ten of each kind on a step.
    """
    verdict = report.verdict
    lines = [
        command(
            "error",
            _finding_text(f),
            title=f"launchgate {f.severity.value}: {f.check_id}",
        )
        for f in verdict.blocking
    ]
    errored = [r for r in report.results if r.status == "error"]
    lines += [
        command("error", r.message, title=f"launchgate could not decide: {r.check_id}")
        for r in errored
    ]
    if verdict.outcome == "error" and not errored:
        lines.append(command("error", verdict.reason, title="launchgate could not decide"))
    lines += [
        command(
            "error",
            f"{hook.message} (the verdict stays {verdict.outcome}: roll back by hand)",
            title=f"launchgate rollback {hook.kind} {hook.status}",
        )
        for hook in report.hooks
        if hook.status != "ok"
    ]
    lines += [
        command("warning", _finding_text(f), title=f"launchgate high: {f.check_id}")
        for f in ranked_findings(report.results)
        if f.severity is Severity.HIGH and f not in verdict.blocking
    ]
    return lines


def config_annotations(problems: Iterable[ConfigProblem]) -> list[str]:
    """``::error file=…,line=…`` per config problem: shown on that line of the file."""
    return [
        command(
            "error",
            f"{p.key}: {p.message}" if p.key else p.message,
            title="invalid launchgate config",
            file=str(p.file) if p.file is not None else "",
            line=str(p.line) if p.line is not None else "",
        )
        for p in problems
    ]


def _finding_text(finding: Finding) -> str:
    return finding.title + (f"\nWhat to do: {finding.remedy}" if finding.remedy else "")


def format_outputs(outputs: Iterable[tuple[str, str]], *, delimiter: str) -> str:
    """Lines for ``$GITHUB_OUTPUT``. A value with a line break uses the heredoc form
    (``name<<DELIMITER``); ``delimiter`` should be random, so no value can end it early."""
    lines: list[str] = []
    for name, value in outputs:
        if "\n" in value or "\r" in value:
            if delimiter in value:
                raise ValueError("the output delimiter occurs in the value")
            lines += [f"{name}<<{delimiter}", value, delimiter]
        else:
            lines.append(f"{name}={value}")
    return "".join(line + "\n" for line in lines)


def step_summary(markdown: str, *, limit_bytes: int = SUMMARY_LIMIT_BYTES) -> str:
    """The summary as appended to ``$GITHUB_STEP_SUMMARY``: whole, or cut at a line
    boundary under ``limit_bytes`` with a note that says where the rest is."""
    text = markdown if markdown.endswith("\n") else markdown + "\n"
    if len(text.encode("utf-8")) <= limit_bytes:
        return text
    note = "\n\n*(cut to fit GitHub's step summary limit: summary.md has all of it)*\n"
    budget = max(limit_bytes - len(note.encode("utf-8")), 0)
    kept = text.encode("utf-8")[:budget].decode("utf-8", errors="ignore")
    # Cutting inside a code fence or table row would break what follows it.
    kept = kept[: kept.rfind("\n\n") + 1] if "\n\n" in kept else ""
    return kept + note if limit_bytes >= len(note.encode("utf-8")) else ""

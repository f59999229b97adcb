"""The GitHub Actions edge: active when ``GITHUB_ACTIONS=true``, it writes the step
outputs and appends the step summary. The text comes from
:mod:`launchgate.reports.github`; the one file I/O is here.

Both files are appended to, never replaced: the runner gives every step its own, and
several launchgate runs in one step each add theirs.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from launchgate.errors import LaunchgateError
from launchgate.reports.github import SUMMARY_LIMIT_BYTES, format_outputs, step_summary
from launchgate.reports.writer import Redacts
from launchgate.runreport import RunReport

__all__ = ["OUTPUT_NAMES", "GitHubActions"]

OUTPUT_NAMES = ("verdict", "rollback", "report", "summary", "reason")
"""The step outputs ``launchgate run`` sets; ``action.yml`` declares each of them."""


@dataclass(frozen=True)
class GitHubActions:
    output_file: Path | None  # $GITHUB_OUTPUT
    summary_file: Path | None  # $GITHUB_STEP_SUMMARY

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> GitHubActions | None:
        """``None`` outside GitHub Actions (the runner sets ``GITHUB_ACTIONS=true``)."""
        if environ.get("GITHUB_ACTIONS") != "true":
            return None
        output, summary = environ.get("GITHUB_OUTPUT"), environ.get("GITHUB_STEP_SUMMARY")
        return cls(Path(output) if output else None, Path(summary) if summary else None)

    def publish(
        self,
        report: RunReport,
        *,
        report_file: Path | None,
        summary_file: Path | None,
        summary_text: str,
        redactor: Redacts,
    ) -> None:
        """Write the outputs and append the summary. Raises :class:`LaunchgateError`
        when a file cannot be written: a pipeline would read an empty verdict."""
        outputs = {
            "verdict": report.verdict.outcome,
            "rollback": "true" if report.verdict.rollback else "false",
            "report": str(report_file.resolve()) if report_file else "",
            "summary": str(summary_file.resolve()) if summary_file else "",
            "reason": " ".join(report.verdict.reason.split()),
        }
        if self.output_file is not None:
            pairs = [(name, redactor.redact(outputs[name])) for name in OUTPUT_NAMES]
            _append(self.output_file, format_outputs(pairs, delimiter=_delimiter()))
        if self.summary_file is not None:
            try:
                used = self.summary_file.stat().st_size
            except OSError:
                used = 0
            # A blank line first keeps the Markdown of an earlier run in this step apart.
            lead = "\n" if used else ""
            limit = max(SUMMARY_LIMIT_BYTES - used - len(lead), 0)
            text = step_summary(redactor.redact(summary_text), limit_bytes=limit)
            _append(self.summary_file, lead + text if text else "")


def _delimiter() -> str:
    return f"launchgate_{secrets.token_hex(16)}"


def _append(path: Path, text: str) -> None:
    try:
        with path.open("a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise LaunchgateError(f"could not write {path}: {exc.strerror or exc}") from exc

"""The GitHub Actions edge: active when ``GITHUB_ACTIONS=true``, it writes the step
outputs and appends the step summary. The text comes from
:mod:`launchgate.reports.github`; the one file I/O is here.

Both files are appended to, never replaced: the runner gives every step its own, and
several launchgate runs in one step each add theirs. So an append that fails is cut
back to where this run started: a half-written output or summary must not tell a
pipeline something the exit code contradicts.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from launchgate.reports.github import SUMMARY_LIMIT_BYTES, format_outputs, step_summary
from launchgate.reports.markdown import render_summary
from launchgate.reports.writer import NotDelivered, Redacts, undelivered
from launchgate.runreport import RunReport

__all__ = ["OUTPUT_NAMES", "AppendFile", "GitHubActions"]

AppendFile = Callable[[Path, str], None]
"""Appends ``text`` to ``path`` or raises ``OSError``; a parameter so tests can make
either file fail as a full disk would."""

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
        redactor: Redacts,
        append: AppendFile | None = None,
    ) -> None:
        """Write the outputs and append the step summary, both telling ``report``.

        Raises :class:`NotDelivered` when a file cannot be written: a pass then becomes
        could-not-decide in both files, written again from where this run started; a
        file that still fails is left as it was before this run (the action reads an
        empty verdict as ``error``).
        """
        put = append or _append
        start = {path: _size(path) for path in self._files()}
        failed = self._attempt(report, put, start, report_file, summary_file, redactor)
        if not failed:
            return
        problems = [f"could not write {self._name(p)} ({p}): {why}" for p, why in failed.items()]
        delivered = undelivered(
            report, f"{problems[0]}, so the verdict could not be delivered in full"
        )
        if delivered is not report:
            for path, size in start.items():  # what says pass goes, then the error is written
                _cut(path, size)
            first = failed
            failed = self._attempt(delivered, put, start, report_file, summary_file, redactor)
            problems += [
                f"could not write {self._name(p)} ({p}): {why}"
                for p, why in failed.items()
                if p not in first
            ]
        raise NotDelivered("; ".join(problems), delivered)

    def append_summary(
        self, markdown: str, *, redactor: Redacts, append: AppendFile | None = None
    ) -> str:
        """Append a page of its own (``launchgate audit``'s) to the step summary, cut to
        what GitHub still accepts; what went wrong, "" when it was written. A failed
        append is cut back: a half page says nothing a reader can trust."""
        if self.summary_file is None:
            return ""
        put = append or _append
        used = _size(self.summary_file)
        lead = "\n" if used else ""
        limit = max(SUMMARY_LIMIT_BYTES - used - len(lead), 0)
        text = step_summary(_encodable(redactor.redact(markdown)), limit_bytes=limit)
        try:
            put(self.summary_file, lead + text if text else "")
        except OSError as exc:
            _cut(self.summary_file, used)
            return (
                f"could not write $GITHUB_STEP_SUMMARY ({self.summary_file}): {exc.strerror or exc}"
            )
        return ""

    def _files(self) -> list[Path]:
        return [p for p in (self.output_file, self.summary_file) if p is not None]

    def _name(self, path: Path) -> str:
        return "$GITHUB_OUTPUT" if path == self.output_file else "$GITHUB_STEP_SUMMARY"

    def _attempt(
        self,
        report: RunReport,
        put: AppendFile,
        start: Mapping[Path, int],
        report_file: Path | None,
        summary_file: Path | None,
        redactor: Redacts,
    ) -> dict[Path, str]:
        """Append to both files; each that failed, cut back to ``start``, with why."""
        texts: list[tuple[Path, str]] = []
        if self.output_file is not None:
            outputs = {
                "verdict": report.verdict.outcome,
                "rollback": "true" if report.verdict.rollback else "false",
                "report": str(report_file.resolve()) if report_file else "",
                "summary": str(summary_file.resolve()) if summary_file else "",
                "reason": " ".join(report.verdict.reason.split()),
            }
            pairs = [(name, _encodable(redactor.redact(outputs[name]))) for name in OUTPUT_NAMES]
            texts.append((self.output_file, format_outputs(pairs, delimiter=_delimiter())))
        if self.summary_file is not None:
            used = start[self.summary_file]
            # A blank line first keeps the Markdown of an earlier run in this step apart.
            lead = "\n" if used else ""
            limit = max(SUMMARY_LIMIT_BYTES - used - len(lead), 0)
            markdown = _encodable(redactor.redact(render_summary(report)))
            text = step_summary(markdown, limit_bytes=limit)
            texts.append((self.summary_file, lead + text if text else ""))
        failed: dict[Path, str] = {}
        for path, text in texts:
            try:
                put(path, text)
            except OSError as exc:
                failed[path] = str(exc.strerror or exc)
                _cut(path, start[path])
        return failed


def _delimiter() -> str:
    return f"launchgate_{secrets.token_hex(16)}"


def _encodable(text: str) -> str:
    """A lone surrogate (from a response decoded with errors kept) shown as ``\\udXXX``,
    as the report files show it, instead of aborting the write with an encoding error."""
    return text.encode("utf-8", errors="backslashreplace").decode("utf-8")


def _size(path: Path) -> int:
    try:
        return path.stat().st_size if path.is_file() else 0
    except OSError:
        return 0


def _cut(path: Path, size: int) -> None:
    """Back to ``size`` bytes: what this run appended goes, what others wrote stays."""
    with contextlib.suppress(OSError):  # not a file, or not ours to change: nothing added
        if path.is_file() and path.stat().st_size > size:
            os.truncate(path, size)


def _append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)

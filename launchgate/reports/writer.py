"""The only reporter that touches the file system: writes the three report files.

Redaction happens twice, on purpose. :func:`redact_report` masks every text field
*before* rendering, because rendering transforms text: JUnit escapes ``&`` and ``<``,
JSON escapes ``"`` and ``\\``, the summary escapes ``|`` — a secret holding one of
those characters would no longer match its raw form afterwards. The rendered text is
then masked again immediately before writing, for anything rendering composed.

Each file is replaced atomically (temporary file in the same folder, fsync,
``os.replace``), so a CI step reading ``report.json`` never sees half a file and a
killed run leaves the previous report intact.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from launchgate.atomic import write_atomic
from launchgate.errors import LaunchgateError, UsageError
from launchgate.reports.json_report import render_json
from launchgate.reports.junit import render_junit
from launchgate.reports.markdown import render_summary
from launchgate.results import CheckResult, Finding, HookResult, StepRecord
from launchgate.runreport import RunReport

__all__ = [
    "JSON_FILE",
    "JUNIT_FILE",
    "SUMMARY_FILE",
    "Redacts",
    "ensure_writable",
    "redact_report",
    "write_reports",
]

JUNIT_FILE = "junit.xml"
JSON_FILE = "report.json"
SUMMARY_FILE = "summary.md"

_RENDERERS: tuple[tuple[str, Callable[[RunReport], str]], ...] = (
    (JUNIT_FILE, render_junit),
    (JSON_FILE, render_json),
    (SUMMARY_FILE, render_summary),
)

# mkstemp creates 0600 files; reports are already redacted and a CI artifact step
# may run as another user, so they get the usual permissions of a generated file.
_REPORT_MODE = 0o644


class Redacts(Protocol):
    def redact(self, text: str) -> str: ...


def ensure_writable(out_dir: Path) -> None:
    """Create ``out_dir`` and prove a file can be written there, before a run starts.

    Trying beats ``os.access``: that answers for the real uid, ignores read-only
    mounts in some cases and cannot see a full disk.
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise UsageError(
            f"output folder {out_dir} exists but is not a folder; choose another with --out"
        ) from None
    except OSError as exc:
        raise UsageError(
            f"cannot create output folder {out_dir}: {exc.strerror or exc}; "
            "choose another with --out"
        ) from None
    try:
        with tempfile.TemporaryFile(dir=out_dir, prefix=".launchgate-probe-"):
            pass
    except OSError as exc:
        raise UsageError(
            f"cannot write to output folder {out_dir}: {exc.strerror or exc}; "
            "choose another with --out"
        ) from None


def write_reports(report: RunReport, out_dir: Path, redactor: Redacts) -> tuple[Path, ...]:
    """Write junit.xml, report.json and summary.md; return their paths in that order.

    Raises :class:`LaunchgateError` (could not decide, exit 3) if a file cannot be
    written: by now the checks ran, so this is not a usage error.
    """
    safe = redact_report(report, redactor)
    written = []
    for name, render in _RENDERERS:
        path = out_dir / name
        _write_atomic(path, redactor.redact(render(safe)))
        written.append(path)
    return tuple(written)


def redact_report(report: RunReport, redactor: Redacts) -> RunReport:
    """The same report with every free-text field passed through ``redactor``.

    Findings in the verdict are masked by the same function as those in the checks,
    so the equality the reporters rely on (``finding in verdict.blocking``) holds.
    """
    r = redactor.redact

    def finding(f: Finding) -> Finding:
        return dataclasses.replace(
            f, check_id=r(f.check_id), title=r(f.title), detail=r(f.detail), remedy=r(f.remedy)
        )

    def step(s: StepRecord) -> StepRecord:
        error = r(s.error) if s.error is not None else None
        return dataclasses.replace(
            s, name=r(s.name), method=r(s.method), path=r(s.path), error=error
        )

    def check(c: CheckResult) -> CheckResult:
        return dataclasses.replace(
            c,
            check_id=r(c.check_id),
            title=r(c.title),
            message=r(c.message),
            findings=tuple(finding(f) for f in c.findings),
            steps=tuple(step(s) for s in c.steps),
            blocked_by=tuple(r(b) for b in c.blocked_by),
        )

    def hook(h: HookResult) -> HookResult:
        return dataclasses.replace(h, message=r(h.message), output=r(h.output))

    verdict = dataclasses.replace(
        report.verdict,
        reason=r(report.verdict.reason),
        blocking=tuple(finding(f) for f in report.verdict.blocking),
        undecided=tuple(r(u) for u in report.verdict.undecided),
    )
    config = report.config_path
    return dataclasses.replace(
        report,
        run_id=r(report.run_id),
        target_url=r(report.target_url),
        config_path=Path(r(str(config))) if config is not None else None,
        environment=r(report.environment),
        results=tuple(check(c) for c in report.results),
        verdict=verdict,
        hooks=tuple(hook(h) for h in report.hooks),
    )


def _write_atomic(path: Path, text: str) -> None:
    # backslashreplace: a lone surrogate from a decoded response must not abort the
    # report; in JSON it becomes a valid \udXXX escape, elsewhere visible text.
    data = text.encode("utf-8", errors="backslashreplace")
    try:
        write_atomic(path, data, mode=_REPORT_MODE)
    except OSError as exc:
        raise LaunchgateError(f"could not write {path}: {exc.strerror or exc}") from exc

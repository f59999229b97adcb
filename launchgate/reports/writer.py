"""The only reporter that touches the file system: writes the three report files.

Redaction happens twice, on purpose. :func:`redact_report` masks every text field
*before* rendering, because rendering transforms text: JUnit escapes ``&`` and ``<``,
JSON escapes ``"`` and ``\\``, the summary escapes ``|`` — a secret holding one of
those characters would no longer match its raw form afterwards. The rendered text is
then masked again immediately before writing, for anything rendering composed.

Each file is replaced atomically (temporary file in the same folder, fsync,
``os.replace``), so a CI step reading ``report.json`` never sees half a file and a
killed run leaves the previous report intact.

The files never contradict the exit code. A pass that cannot be written in full is
not delivered, so it is not a pass: when one file fails, the others are rewritten as
could-not-decide (:func:`undelivered`), and a file that cannot be rewritten, or an
earlier run's file where this run's could not go, is removed rather than left to
claim a verdict this run did not reach.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import tempfile
import types
import typing
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path, PurePath
from typing import Protocol, cast

from launchgate.atomic import write_atomic
from launchgate.errors import LaunchgateError, UsageError
from launchgate.reports.json_report import render_json
from launchgate.reports.junit import render_junit
from launchgate.reports.markdown import render_summary
from launchgate.runreport import RunReport
from launchgate.verdict import Outcome, Verdict

__all__ = [
    "JSON_FILE",
    "JUNIT_FILE",
    "SUMMARY_FILE",
    "NotDelivered",
    "Redacts",
    "WriteFile",
    "ensure_writable",
    "redact_report",
    "undelivered",
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

_SAYS: dict[Outcome, str] = {"pass": "pass", "fail": "fail", "error": "could not decide"}

# mkstemp creates 0600 files; reports are already redacted and a CI artifact step
# may run as another user, so they get the usual permissions of a generated file.
_REPORT_MODE = 0o644


class Redacts(Protocol):
    def redact(self, text: str) -> str: ...


WriteFile = Callable[[Path, bytes], None]
"""Puts ``data`` at ``path`` or raises ``OSError``; a parameter so tests can make any
one output fail as a full disk or a refused file would."""


class NotDelivered(LaunchgateError):
    """Some output could not be written. ``report`` is what the outputs that exist now
    say (a pass became could-not-decide); ``written`` lists the files that hold it.
    Exit with ``report.verdict.exit_code``, never the original one."""

    def __init__(self, message: str, report: RunReport, written: Sequence[Path] = ()) -> None:
        super().__init__(message)
        self.report = report
        self.written = tuple(written)


def undelivered(report: RunReport, reason: str) -> RunReport:
    """A pass that cannot be delivered is not a pass; a fail or an error stays what it
    is (a definite failure outranks, and an error already fails closed)."""
    if report.verdict.outcome != "pass":
        return report
    return dataclasses.replace(
        report, verdict=Verdict(outcome="error", reason=reason, blocking=(), undecided=())
    )


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


def write_reports(
    report: RunReport, out_dir: Path, redactor: Redacts, *, write: WriteFile | None = None
) -> tuple[Path, ...]:
    """Write junit.xml, report.json and summary.md; return their paths in that order.

    Raises :class:`NotDelivered` (could not decide, exit 3, unless the verdict was
    already a fail) if a file cannot be written: by now the checks ran, so this is not
    a usage error. Whatever it raises, no file left in ``out_dir`` says pass then.
    """
    put = write or _write_atomic
    failures = _write_all(report, out_dir, redactor, put)
    if not failures:
        return tuple(out_dir / name for name, _ in _RENDERERS)
    problems = [f"could not write {path}: {why}" for path, why in failures.items()]
    delivered = undelivered(report, f"{problems[0]}, so the verdict could not be delivered in full")
    if delivered is not report:
        # Every file now says pass or nothing; each must say could-not-decide instead.
        first, failures = failures, _write_all(delivered, out_dir, redactor, put)
        problems += [f"could not write {p}: {w}" for p, w in failures.items() if p not in first]
    problems += _remove_stale(failures)
    written = tuple(out_dir / n for n, _ in _RENDERERS if out_dir / n not in failures)
    # Last, the state the folder is left in: a caller that reports only the latest
    # attempt still says what a reader of the folder will find.
    says = _SAYS[delivered.verdict.outcome]
    problems.append(
        f"{', '.join(p.name for p in written)} say {says}"
        if written
        else "no report file was written"
    )
    raise NotDelivered("; ".join(problems), delivered, written)


def _write_all(
    report: RunReport, out_dir: Path, redactor: Redacts, put: WriteFile
) -> dict[Path, str]:
    """Write every file, even after one failed; the failed ones, each with why."""
    safe = redact_report(report, redactor)
    failures: dict[Path, str] = {}
    for name, render in _RENDERERS:
        path = out_dir / name
        # backslashreplace: a lone surrogate from a decoded response must not abort the
        # report; in JSON it becomes a valid \udXXX escape, elsewhere visible text.
        data = redactor.redact(render(safe)).encode("utf-8", errors="backslashreplace")
        try:
            put(path, data)
        except OSError as exc:
            failures[path] = str(exc.strerror or exc)
    return failures


def _remove_stale(failed: Iterable[Path]) -> list[str]:
    """Remove what sits where a file could not be written: an earlier run's report, or
    half of this one's. A directory in the way claims nothing and is left alone."""
    notes = []
    for path in failed:
        if not path.is_file() and not path.is_symlink():
            continue
        try:
            path.unlink()
        except OSError as exc:
            notes.append(f"could not remove the stale {path}: {exc.strerror or exc}")
        else:
            notes.append(f"removed the stale {path}")
    return notes


def redact_report(report: RunReport, redactor: Redacts) -> RunReport:
    """The same report with every text in it passed through ``redactor``.

    It walks the report's dataclass fields, into tuples, dicts and nested values, so a
    field added later is redacted without being listed here. Left as they are: fields
    typed as a ``Literal`` (a status, a kind: words of the code, never of the target,
    and the reporters look them up), enums, numbers and times. The verdict's findings
    are masked by the same function as the checks', so the equality the reporters rely
    on (``finding in verdict.blocking``) holds.
    """
    return cast(RunReport, _redacted(report, redactor.redact))


def _redacted(value: object, redact: Callable[[str], str]) -> object:
    if isinstance(value, enum.Enum):
        return value
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, PurePath):
        return type(value)(redact(str(value)))
    if isinstance(value, tuple):
        return tuple(_redacted(v, redact) for v in value)
    if isinstance(value, list):
        return [_redacted(v, redact) for v in value]
    if isinstance(value, dict):
        return {_redacted(k, redact): _redacted(v, redact) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        words = _code_words(type(value))
        changes = {
            f.name: _redacted(getattr(value, f.name), redact)
            for f in dataclasses.fields(value)
            if f.init and f.name not in words
        }
        return dataclasses.replace(value, **changes)
    return value


@functools.cache
def _code_words(cls: type) -> frozenset[str]:
    """The fields of ``cls`` typed as a ``Literal`` (or an optional one)."""
    hints = typing.get_type_hints(cls)
    return frozenset(
        f.name for f in dataclasses.fields(cls) if _is_literal(hints.get(f.name, object))
    )


def _is_literal(hint: object) -> bool:
    if typing.get_origin(hint) is typing.Literal:
        return True
    args = typing.get_args(hint)
    return typing.get_origin(hint) in (types.UnionType, typing.Union) and all(
        a is type(None) or _is_literal(a) for a in args
    )


def _write_atomic(path: Path, data: bytes) -> None:
    write_atomic(path, data, mode=_REPORT_MODE)

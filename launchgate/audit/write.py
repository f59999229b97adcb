"""The audit's I/O on the way out: ``audit.md`` and ``audit.json`` in the output folder,
and, in GitHub Actions, the page appended to the step summary.

Redacted twice, as the run's reports are (:mod:`launchgate.reports.writer`): every text
of the model before rendering (rendering escapes characters a secret may hold), then
the rendered text just before it is written."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar, cast

from launchgate.atomic import write_atomic
from launchgate.audit.jsonout import render_json
from launchgate.audit.markdown import render_markdown
from launchgate.audit.model import Audit
from launchgate.errors import LaunchgateError
from launchgate.reports.github_actions import GitHubActions
from launchgate.reports.writer import Redacts

__all__ = ["AUDIT_JSON", "AUDIT_MD", "redact_audit", "write_audit"]

AUDIT_MD = "audit.md"
AUDIT_JSON = "audit.json"

T = TypeVar("T")


def redact_audit(audit: Audit, redactor: Redacts) -> Audit:
    return _redacted(audit, redactor.redact)


def _redacted(value: T, redact: Callable[[str], str]) -> T:
    if isinstance(value, str):
        return cast(T, redact(value))
    if isinstance(value, tuple):
        return cast(T, tuple(_redacted(v, redact) for v in value))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: _redacted(getattr(value, f.name), redact) for f in dataclasses.fields(value)
        }
        return cast(T, dataclasses.replace(value, **changes))
    return value


def write_audit(
    audit: Audit, out_dir: Path, redactor: Redacts, *, github: GitHubActions | None = None
) -> tuple[Path, ...]:
    """Write both files (and the step summary); their paths. A file that cannot be
    written is a :class:`LaunchgateError` naming it: the audit was not delivered."""
    safe = redact_audit(audit, redactor)
    markdown = redactor.redact(render_markdown(safe))
    written = []
    for name, text in ((AUDIT_MD, markdown), (AUDIT_JSON, redactor.redact(render_json(safe)))):
        path = out_dir / name
        try:
            write_atomic(path, text.encode("utf-8", errors="backslashreplace"))
        except OSError as exc:
            raise LaunchgateError(f"could not write {path}: {exc.strerror or exc}") from None
        written.append(path)
    if github is not None:
        problem = github.append_summary(markdown, redactor=redactor)
        if problem:
            raise LaunchgateError(problem)
    return tuple(written)

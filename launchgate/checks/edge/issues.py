"""What the pure rules of the edge checks return, and how a check's issues become its
result. An :class:`Issue` is a finding before it is tied to a check id and redacted."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

from launchgate.checks.context import CheckContext
from launchgate.redact import Redactor
from launchgate.results import CheckResult, Finding, Severity, StepRecord

__all__ = ["EdgeCheck", "Issue", "conclude", "mask_urls"]

_URL = re.compile(r"""https?://[^\s'"<>`]+""")


def mask_urls(text: str, redactor: Redactor) -> str:
    """Every URL in ``text`` with its password and secret-looking query values masked,
    whether or not the run knows them (a redirect's Location can carry a token)."""
    return _URL.sub(lambda m: redactor.redact_url(m.group()), text)


@dataclass(frozen=True)
class Issue:
    severity: Severity
    title: str  # one line: what is wrong
    remedy: str = ""  # what to change: the header to add, the redirect to set up
    detail: str = ""  # what came back, for the person debugging it


@dataclass(frozen=True, kw_only=True)
class EdgeCheck:
    check_id: str
    title: str
    severity: Severity  # the worst its findings can be


def conclude(
    ctx: CheckContext,
    check: EdgeCheck,
    started: float,
    issues: Sequence[Issue],
    steps: Sequence[StepRecord] = (),
) -> CheckResult:
    """Passed without issues; otherwise failed, worst issue first, every text redacted
    (URLs, hosts and header values can carry tokens)."""

    def redact(text: str) -> str:
        return ctx.redactor.redact(mask_urls(text, ctx.redactor))

    ranked = sorted(issues, key=lambda i: i.severity.rank)
    findings = tuple(
        Finding(
            check_id=check.check_id,
            severity=i.severity,
            title=redact(i.title),
            detail=redact(i.detail),
            remedy=redact(i.remedy),
        )
        for i in ranked
    )
    message = ""
    if findings:
        more = len(findings) - 1
        message = findings[0].title + (f" (+{more} more)" if more else "")
    return CheckResult(
        check_id=check.check_id,
        kind="edge",
        title=check.title,
        severity=check.severity,
        status="failed" if findings else "passed",
        duration_s=time.perf_counter() - started,
        findings=findings,
        message=message,
        steps=tuple(steps),
    )

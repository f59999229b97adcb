"""The secret scan as a check of ``launchgate run``: any committed credential is a
blocker that says to rotate it.

The scan is blocking I/O (git, files), so it runs in a worker thread; when the run's
deadline cancels the check, a flag stops the scan at the next blob. A shallow clone
(``history: true``) that shows no secret is could-not-decide, never a pass.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from launchgate.checks.context import CheckContext
from launchgate.checks.ids import SECRETS_ID
from launchgate.checks.plan import PlannedCheck
from launchgate.config.model import Config, SecretScanSpec
from launchgate.results import CheckResult, Finding, Severity

__all__ = ["SECRETS_ID", "plan_secret_scan"]

_TITLE = "No credential is committed"


def plan_secret_scan(config: Config, base_needs: Sequence[str]) -> list[PlannedCheck]:
    spec = config.secret_scan
    if spec is None:
        return []
    return [
        PlannedCheck(
            check_id=SECRETS_ID,
            kind="secrets",
            title=_TITLE,
            severity=Severity.BLOCKER,
            needs=(),
            run=partial(check_secrets, spec=spec),
        )
    ]


async def check_secrets(ctx: CheckContext, *, spec: SecretScanSpec) -> CheckResult:
    from launchgate.secretscan import ALLOWLIST_NAME, load_allowlist, scan
    from launchgate.secretscan.finding import remedy

    started = time.perf_counter()
    stop = threading.Event()
    try:
        report = await asyncio.to_thread(
            scan, Path(spec.path), history=spec.history, should_stop=stop.is_set
        )
    finally:
        stop.set()  # cancelled by the deadline: the thread stops at its next blob
    for found in report.findings:
        ctx.redactor.add(found.secret)
    allow_path = Path(spec.allowlist) if spec.allowlist else report.root / ALLOWLIST_NAME
    remaining, _allowed, _stale = load_allowlist(allow_path).split(report.findings)
    duration = time.perf_counter() - started
    findings = tuple(
        Finding(
            check_id=SECRETS_ID,
            severity=Severity.BLOCKER,
            title=f"{f.description} ({f.rule}) {'committed' if f.committed else 'found'} in "
            f"{f.file}:{f.line}: {f.masked}",
            detail=(
                f"first committed in {f.commit[:12]}, {'still' if f.in_head else 'no longer'} "
                f"in HEAD; fingerprint {f.fingerprint}"
                if f.commit
                else f"{'in HEAD' if f.in_head else 'not committed'}; fingerprint {f.fingerprint}"
            ),
            remedy=remedy(f),
        )
        for f in remaining
    )
    note = f"; and {report.incomplete}" if report.incomplete else ""
    if findings:
        more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
        return CheckResult(
            check_id=SECRETS_ID,
            kind="secrets",
            title=_TITLE,
            severity=Severity.BLOCKER,
            status="failed",
            duration_s=duration,
            findings=findings,
            message=findings[0].title + more + note,
        )
    if report.incomplete:
        return CheckResult(
            check_id=SECRETS_ID,
            kind="secrets",
            title=_TITLE,
            severity=Severity.BLOCKER,
            status="error",
            duration_s=duration,
            message=f"could not decide: {report.incomplete}",
        )
    return CheckResult(
        check_id=SECRETS_ID,
        kind="secrets",
        title=_TITLE,
        severity=Severity.BLOCKER,
        status="passed",
        duration_s=duration,
    )

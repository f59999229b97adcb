"""Log hygiene, by canary: after the journeys and the probe, the app's logs for the
run's window are searched for the exact secrets this run used.

launchgate knows every secret its own run used (the redactor was told what each one
is), so it can ask a question no log linter can: did the app write *this* password,
*this* session cookie, *this* bearer token to its logs? A credential found is a
blocker, a customer's address is high (personal data). A finding names the source
and the line and shows the line masked, never the value.

A source that cannot be read (no such file, a command that fails or times out, more
than ``max_size`` written) leaves the check undecided, never passed, unless a leak
was found anyway: one leak is enough to decide.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial

from launchgate.checks.context import CheckContext
from launchgate.checks.ids import LOGS_ID
from launchgate.checks.logs.canaries import Needle, Search, needles
from launchgate.checks.logs.sources import (
    FileWindow,
    Found,
    Scan,
    read_command,
    scan_bytes,
    scan_files,
)
from launchgate.checks.plan import PlannedCheck
from launchgate.config.logs_model import LogsSpec
from launchgate.config.model import Config
from launchgate.config.template import render
from launchgate.redact import cut
from launchgate.results import CheckResult, CheckStatus, Finding, Severity

__all__ = ["LOGS_ID", "plan_logs"]

_TITLE = "The app's logs hold no secret of this run"


def plan_logs(config: Config, base_needs: Sequence[str]) -> list[PlannedCheck]:
    spec = config.logs
    if spec is None:
        return []
    windows = tuple(FileWindow(s.file) if s.file is not None else None for s in spec.sources)
    started: list[float] = []  # the run's start, noted once by on_start

    def on_start(ctx: CheckContext) -> None:
        started.append(ctx.clock.time())
        for window in windows:
            if window is not None:
                window.mark(started[0])

    return [
        PlannedCheck(
            check_id=LOGS_ID,
            kind="logs",
            title=_TITLE,
            severity=Severity.BLOCKER,
            # A target that never became ready was sent nothing to log: skipped with
            # the other app checks, not a pass on an empty window.
            needs=tuple(base_needs),
            last=True,
            on_start=on_start,
            run=partial(check_logs, config=config, windows=windows, started=started),
        )
    ]


async def check_logs(
    ctx: CheckContext,
    *,
    config: Config,
    windows: Sequence[FileWindow | None],
    started: Sequence[float] = (),
) -> CheckResult:
    spec = config.logs
    if spec is None:  # unreachable: planned only with a logs section
        raise RuntimeError("the log check needs a logs section")
    began = time.perf_counter()
    wanted = needles(ctx.redactor.canaries(), config, ctx.variables)
    if not wanted:
        return _result(
            "error",
            time.perf_counter() - began,
            message="could not decide: this run used no secret to look for in the logs "
            "(no journey sent a password, no cookie or token was received)",
        )
    search = Search(wanted, ctx.redactor.redact)
    since = started[0] if started else ctx.clock.time()
    scans = [await _scan(ctx, spec, i, windows[i], search, since) for i in range(len(spec.sources))]
    return _decide(scans, search, time.perf_counter() - began)


async def _scan(
    ctx: CheckContext,
    spec: LogsSpec,
    index: int,
    window: FileWindow | None,
    search: Search,
    since: float,
) -> Scan:
    source = spec.sources[index]
    max_bytes = source.max_size if source.max_size is not None else spec.max_size
    if window is not None:
        stop = threading.Event()
        try:
            return await asyncio.to_thread(
                scan_files, window, search, max_bytes=max_bytes, stop=stop.is_set
            )
        finally:
            stop.set()  # cancelled by the deadline: the thread stops at its next file
    if source.command is None:  # unreachable: a source is a file or a command
        raise RuntimeError("a log source without a file or a command")
    moment = datetime.fromtimestamp(int(since), UTC)
    command = render(
        source.command,
        {
            **ctx.variables,
            "run.started": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "run.started_unix": str(int(since)),
        },
    )
    env = {"PATH": os.defpath, **ctx.environ}
    shown = f"the output of `{cut(search.hide(command), 80)}`"
    key = f"logs.sources[{index}]"
    data, problem = await read_command(
        command,
        env=env,
        cwd=ctx.workdir,
        timeout_s=source.timeout if source.timeout is not None else spec.timeout,
        max_bytes=max_bytes,
        key=key,
    )
    scan = await asyncio.to_thread(scan_bytes, shown, data, search)
    if problem:
        scan.problems.append(f"{shown} {search.hide(problem)}")
    return scan


def _decide(scans: Sequence[Scan], search: Search, duration_s: float) -> CheckResult:
    found = sorted(
        (f for scan in scans for f in scan.found),
        key=lambda f: (f.hit.needle.severity.rank, f.where, f.hit.line),
    )
    problems = [search.hide(scan.problem) for scan in scans if scan.problem]
    note = f"; and could not read all of the logs: {'; '.join(problems)}" if problems else ""
    if found:
        findings = tuple(_finding(f) for f in found)
        more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
        return _result(
            "failed",
            duration_s,
            findings=findings,
            message=findings[0].title + more + note,
        )
    if problems:
        return _result("error", duration_s, message="could not decide: " + "; ".join(problems))
    return _result("passed", duration_s)


def _finding(found: Found) -> Finding:
    needle: Needle = found.hit.needle
    also = f" (and on {found.lines - 1} more lines)" if found.lines > 1 else ""
    if needle.severity is Severity.HIGH:
        remedy = (
            "log a user id instead of the address: an address in a log is personal "
            "data kept wherever the logs go (GDPR), for as long as they are kept"
        )
    else:
        remedy = (
            "stop logging request headers, cookies and form bodies as they come (log "
            "names, or mask values before they reach the logger); rotate any long-lived "
            "credential that was printed: whoever reads these logs has it"
        )
    return Finding(
        check_id=LOGS_ID,
        severity=needle.severity,
        title=f"your logs print {needle.what}: line {found.hit.line} of {found.where}",
        detail=f"the line, masked: {found.hit.excerpt}{also}",
        remedy=remedy,
    )


def _result(
    status: CheckStatus,
    duration_s: float,
    *,
    findings: tuple[Finding, ...] = (),
    message: str = "",
) -> CheckResult:
    return CheckResult(
        check_id=LOGS_ID,
        kind="logs",
        title=_TITLE,
        severity=Severity.BLOCKER,
        status=status,
        duration_s=duration_s,
        findings=findings,
        message=message,
    )

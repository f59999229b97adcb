"""Run the gate from a loaded config to an exit code: what `launchgate run` and
`launchgate demo` share. Terminal I/O, signal handling, the rollback hooks and the
GitHub Actions outputs live here, at the edge."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import signal
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import TypeVar

from rich.console import Console
from rich.text import Text

from launchgate import baseline_update
from launchgate.config.hooks_model import OnFailSpec
from launchgate.config.load import LoadedConfig
from launchgate.delivery import deliver, workflow_command
from launchgate.engine import PlannedCheck, Run
from launchgate.eventloop import new_runner
from launchgate.github import GitHubActions
from launchgate.gitinfo import head_commit
from launchgate.hooks import hook_secrets, run_hooks, skipped_hooks
from launchgate.probe.check import PROBE_ID
from launchgate.probe.outcome import ProbeOutcome
from launchgate.redact import Redactor
from launchgate.reports.github import GROUP_END, group_start
from launchgate.reports.json_report import render_json
from launchgate.reports.terminal import print_check
from launchgate.reports.writer import JSON_FILE, redact_report
from launchgate.results import CheckResult, HookResult
from launchgate.runreport import RunReport
from launchgate.verdict import is_blocking

__all__ = ["run_gate"]

T = TypeVar("T")


def run_gate(
    loaded: LoadedConfig,
    *,
    target_url: str,
    out_dir: Path,
    console: Console,
    redactor: Redactor,
    environ: Mapping[str, str] | None = None,
    update_baseline: bool = False,
    any_branch: bool = False,
    quiet: bool = False,
    subject: str | None = None,
) -> int:
    """``subject`` names what is checked when there is no target URL (``launchgate
    email``); by default the (redacted) URL, or the config file for offline checks."""
    fail_on = loaded.config.gate.fail_on_severity
    github = None if quiet else GitHubActions.from_environ(environ or {})
    # Known before anything is printed, so they are masked (and, in GitHub Actions,
    # registered with the runner) before any line could show them.
    for value in hook_secrets(loaded.config.on_fail):
        redactor.add(value)

    # A spinner naming the check in progress, on a terminal only (CI logs stay clean).
    status = (
        console.status("starting", spinner="dots") if console.is_terminal and not quiet else None
    )

    def on_start(planned: PlannedCheck) -> None:
        if status is not None:
            status.update(Text(f"checking {planned.check_id}…"))

    def on_result(result: CheckResult) -> None:
        if quiet:
            return
        blocking = is_blocking(result, fail_on)
        print_check(console, result, blocking=blocking)

    def progress(text: str) -> None:
        if status is not None:
            status.update(Text(text))

    run = Run(
        loaded,
        target_url=target_url,
        redactor=redactor,
        on_result=on_result,
        on_start=on_start,
        environ=environ,
    )
    run.ctx.progress = progress if status is not None else None
    what = subject or (redactor.redact_url(target_url) if target_url else str(loaded.path))

    def announce() -> None:
        if quiet:
            return
        source = "" if subject else f" from {loaded.path}"
        console.print(
            f"launchgate: checking {what} with {len(run.plan)} checks{source} (run {run.run_id})",
            markup=False,
            highlight=False,
        )

    interrupted = False

    def on_signal(signum: int) -> None:
        nonlocal interrupted
        interrupted = True
        run.interrupted_by(signal.Signals(signum).name)

    if github is not None:
        # The check-by-check lines fold away; the verdict and the risks stay in view.
        workflow_command(console, group_start(f"launchgate: {len(run.plan)} checks of {what}"))
    try:
        if status is not None:
            status.start()
        _run_interruptibly(lambda: _announce_then_run(run, announce), on_signal)
    except KeyboardInterrupt as exc:
        interrupted = True
        run.interrupted_by("SIGTERM" if isinstance(exc, _Terminated) else "SIGINT")
        console.print("launchgate: interrupted; failing closed", markup=False)
    finally:
        if status is not None:
            status.stop()
    if github is not None:
        workflow_command(console, GROUP_END)
    report = run.report()
    if update_baseline:
        report = baseline_update.update_baseline(
            report,
            loaded.config,
            run.outcome(PROBE_ID, ProbeOutcome),
            workdir=run.ctx.workdir,
            environ=run.environ,
            any_branch=any_branch,
        )
    report = redact_report(report, redactor)
    if quiet:
        return report.verdict.exit_code
    report = dataclasses.replace(report, commit=head_commit(run.ctx.workdir, run.environ))
    return _finish(report, run, out_dir, console, redactor, github=github, interrupted=interrupted)


def _finish(
    report: RunReport,
    run: Run,
    out_dir: Path,
    console: Console,
    redactor: Redactor,
    *,
    github: GitHubActions | None,
    interrupted: bool,
) -> int:
    on_fail = run.config.on_fail
    rollback = (
        None
        if on_fail is None
        else functools.partial(_with_hooks, on_fail, run, out_dir, redactor, interrupted)
    )
    return deliver(report, out_dir, console, redactor, github=github, rollback=rollback)


def _with_hooks(
    on_fail: OnFailSpec,
    run: Run,
    out_dir: Path,
    redactor: Redactor,
    interrupted: bool,
    report: RunReport,
) -> RunReport:
    if interrupted:
        hooks = skipped_hooks(on_fail, "not run: launchgate was interrupted")
    else:
        hooks = _hooks(on_fail, report, run, out_dir, redactor)
    return dataclasses.replace(report, hooks=hooks)


def _hooks(
    on_fail: OnFailSpec, report: RunReport, run: Run, out_dir: Path, redactor: Redactor
) -> tuple[HookResult, ...]:
    body = redactor.redact(render_json(report)).encode("utf-8")
    work = functools.partial(
        run_hooks,
        on_fail,
        report,
        report_path=out_dir / JSON_FILE,
        report_json=body,
        environ=run.environ,
        redactor=redactor,
        cwd=run.ctx.workdir,
        user_agent=run.user_agent,
    )
    try:
        return _run_interruptibly(work, lambda signum: None)
    except (KeyboardInterrupt, asyncio.CancelledError):
        return skipped_hooks(on_fail, "interrupted: stopped before it finished")


def _run_interruptibly(work: Callable[[], Awaitable[T]], on_signal: Callable[[int], None]) -> T:
    """Run ``work`` in a fresh event loop where SIGTERM and SIGINT cancel it; outside
    the loop (before it starts, after it ends) SIGTERM behaves like Ctrl-C."""
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        with new_runner() as runner:
            return runner.run(_cancel_on_signals(work, on_signal))
    finally:
        signal.signal(signal.SIGTERM, previous)


class _Terminated(KeyboardInterrupt):
    """SIGTERM outside the event loop: stops like Ctrl-C, and is named as itself."""


def _interrupt(signum: int, frame: object) -> None:
    raise _Terminated


async def _announce_then_run(run: Run, announce: Callable[[], None]) -> None:
    announce()
    # Cancelled (SIGTERM), it still returns a result for every check: see execute_all.
    await run.execute_all()


async def _cancel_on_signals(
    work: Callable[[], Awaitable[T]], on_signal: Callable[[int], None]
) -> T:
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    installed: list[signal.Signals] = []

    def cancel(signum: int) -> None:
        on_signal(signum)
        if task is not None:
            task.cancel()

    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, cancel, sig)
            installed.append(sig)
    try:
        return await work()
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)

"""Run the gate from a prepared plan (:func:`launchgate.runplan.prepare`) to an exit
code: what ``launchgate run``, ``edge``, ``email`` and ``demo`` share. Running the
checks (:func:`run_checks`) and delivering them (:func:`deliver_run`) are two steps.
Terminal I/O, signal handling, the rollback hooks and the GitHub Actions outputs live
here, at the edge."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from rich.console import Console
from rich.text import Text

from launchgate.baseline.git import head_commit
from launchgate.checks.ids import PROBE_ID
from launchgate.config.hooks_model import OnFailSpec
from launchgate.engine import PlannedCheck, Run
from launchgate.eventloop import new_runner
from launchgate.hooks import run_hooks, skipped_hooks
from launchgate.probe import record
from launchgate.probe.outcome import ProbeOutcome
from launchgate.reports.delivery import deliver, workflow_command
from launchgate.reports.github import GROUP_END, group_start
from launchgate.reports.github_actions import GitHubActions
from launchgate.reports.json_report import render_json
from launchgate.reports.terminal import print_check
from launchgate.reports.writer import JSON_FILE, redact_report
from launchgate.results import CheckResult, HookResult
from launchgate.runplan import RunPlan
from launchgate.runreport import RunReport
from launchgate.verdict import is_blocking

__all__ = ["GateRun", "deliver_run", "run_checks", "run_gate"]

T = TypeVar("T")


@dataclass(frozen=True)
class GateRun:
    """What running the checks left for delivering them: the report (baseline updated
    when asked, redacted), and what the rollback hooks need of the run."""

    report: RunReport
    interrupted: bool
    user_agent: str
    workdir: Path


def run_gate(
    plan: RunPlan,
    console: Console,
    *,
    update_baseline: bool = False,
    any_branch: bool = False,
    quiet: bool = False,
) -> int:
    """Run the checks, then deliver them (reports, hooks, GitHub outputs); ``quiet``
    runs them for their side effect alone (a calibration) and delivers nothing."""
    github = None if quiet else GitHubActions.from_environ(plan.environ)
    ran = run_checks(
        plan,
        console,
        update_baseline=update_baseline,
        any_branch=any_branch,
        quiet=quiet,
        github=github,
    )
    if quiet:
        return ran.report.verdict.exit_code
    return deliver_run(plan, ran, console, github=github)


def run_checks(
    plan: RunPlan,
    console: Console,
    *,
    update_baseline: bool = False,
    any_branch: bool = False,
    quiet: bool = False,
    github: GitHubActions | None = None,
) -> GateRun:
    """Every check of ``plan``, shown as it finishes (unless ``quiet``); a signal stops
    the run and fails it closed. ``github`` folds the check-by-check lines away."""
    loaded, redactor = plan.loaded, plan.redactor
    fail_on = loaded.config.gate.fail_on_severity

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

    run = plan.new_run(on_result=on_result, on_start=on_start)
    run.ctx.progress = progress if status is not None else None
    subject = plan.subject
    target_url = plan.target_url
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
        report = record.update_baseline(
            report,
            loaded.config,
            run.outcome(PROBE_ID, ProbeOutcome),
            workdir=run.ctx.workdir,
            environ=run.environ,
            any_branch=any_branch,
        )
    return GateRun(
        report=redact_report(report, redactor),
        interrupted=interrupted,
        user_agent=run.user_agent,
        workdir=run.ctx.workdir,
    )


def deliver_run(
    plan: RunPlan, ran: GateRun, console: Console, *, github: GitHubActions | None
) -> int:
    """The reports, the verdict on the terminal, the rollback hooks on a failure, the
    GitHub Actions outputs; the exit code."""
    report = dataclasses.replace(ran.report, commit=head_commit(ran.workdir, plan.environ))
    on_fail = plan.config.on_fail
    rollback = None if on_fail is None else functools.partial(_with_hooks, on_fail, plan, ran)
    return deliver(report, plan.out_dir, console, plan.redactor, github=github, rollback=rollback)


def _with_hooks(on_fail: OnFailSpec, plan: RunPlan, ran: GateRun, report: RunReport) -> RunReport:
    if ran.interrupted:
        hooks = skipped_hooks(on_fail, "not run: launchgate was interrupted")
    else:
        hooks = _hooks(on_fail, report, plan, ran)
    return dataclasses.replace(report, hooks=hooks)


def _hooks(
    on_fail: OnFailSpec, report: RunReport, plan: RunPlan, ran: GateRun
) -> tuple[HookResult, ...]:
    body = plan.redactor.redact(render_json(report)).encode("utf-8")
    work = functools.partial(
        run_hooks,
        on_fail,
        report,
        report_path=plan.out_dir / JSON_FILE,
        report_json=body,
        environ=plan.environ,
        redactor=plan.redactor,
        cwd=ran.workdir,
        user_agent=ran.user_agent,
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

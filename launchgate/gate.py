"""Run the gate from a loaded config to an exit code: what `launchgate run` and
`launchgate demo` share. Terminal I/O and signal handling live here, at the edge."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from rich.console import Console
from rich.text import Text

from launchgate import baseline_update
from launchgate.config.load import LoadedConfig
from launchgate.engine import PlannedCheck, Run
from launchgate.errors import LaunchgateError
from launchgate.redact import Redactor
from launchgate.reports.terminal import print_check, print_summary
from launchgate.reports.writer import redact_report, write_reports
from launchgate.results import CheckResult
from launchgate.verdict import EXIT_CODES

__all__ = ["run_gate"]


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
        blocking = any(f.severity.at_least(fail_on) for f in result.findings)
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

    def announce() -> None:
        if quiet:
            return
        what = subject or (redactor.redact_url(target_url) if target_url else str(loaded.path))
        source = "" if subject else f" from {loaded.path}"
        console.print(
            f"launchgate: checking {what} with {len(run.plan)} checks{source} (run {run.run_id})",
            markup=False,
            highlight=False,
        )

    # Outside the event loop, SIGTERM behaves like Ctrl-C; inside it, both cancel the
    # run, which still ends with a verdict (could not decide) and its reports.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        if status is not None:
            status.start()
        with _asyncio_runner() as runner:
            runner.run(_execute_all_interruptible(run, announce))
    except KeyboardInterrupt:
        console.print("launchgate: interrupted; failing closed", markup=False)
    finally:
        if status is not None:
            status.stop()
        signal.signal(signal.SIGTERM, previous)
    report = run.report()
    if update_baseline:
        report = baseline_update.update_baseline(
            report,
            loaded.config,
            run.ctx.probe_measurement,
            run.ctx.probe_fingerprint,
            workdir=run.ctx.workdir,
            environ=run.environ,
            any_branch=any_branch,
        )
    report = redact_report(report, redactor)
    if quiet:
        return report.verdict.exit_code
    try:
        written = write_reports(report, out_dir, redactor)
    except LaunchgateError as exc:
        print_summary(console, report)
        console.print(f"error: could not write the reports: {exc}", markup=False)
        return EXIT_CODES["error"]
    print_summary(console, report, written)
    return report.verdict.exit_code


@contextlib.contextmanager
def _asyncio_runner() -> Iterator[asyncio.Runner]:
    runner = asyncio.Runner()
    try:
        yield runner
    finally:
        runner.close()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


async def _execute_all_interruptible(run: Run, announce: Callable[[], None]) -> None:
    """SIGTERM and SIGINT cancel the run; it still ends with a verdict and reports."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    installed: list[signal.Signals] = []
    if task is not None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, task.cancel)
                installed.append(sig)
    try:
        announce()
        await run.execute_all()
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)

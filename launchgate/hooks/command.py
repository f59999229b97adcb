"""The rollback command: a shell command, bounded by its timeout, its output captured.

It runs in a session of its own (``start_new_session``), so a timeout kills the whole
process group: ``sh -c "./rollback.sh"`` leaves no grandchild behind still rolling back
while the gate reports that it gave up.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO

from launchgate.config.hooks_model import CommandHook
from launchgate.config.units import format_duration
from launchgate.redact import Redactor
from launchgate.results import HookResult, HookStatus

__all__ = ["OUTPUT_LIMIT", "run_command"]

OUTPUT_LIMIT = 16 * 1024
"""Bytes of output kept: the end of a rollback script's output says how it ended."""

_KILL_GRACE_S = 2.0  # between SIGTERM and SIGKILL


async def run_command(
    hook: CommandHook, *, env: Mapping[str, str], cwd: Path, redactor: Redactor
) -> HookResult:
    started = time.perf_counter()
    # Output goes to a file, not a pipe: a job the command leaves in the background
    # would hold a pipe open, and asyncio waits for its pipes before it reports an exit.
    with tempfile.TemporaryFile() as log:

        def result(status: HookStatus, message: str, exit_code: int | None = None) -> HookResult:
            return HookResult(
                kind="command",
                status=status,
                message=redactor.redact(message),
                duration_s=time.perf_counter() - started,
                attempts=1,
                exit_code=exit_code,
                output=redactor.redact(_tail(log, OUTPUT_LIMIT)),
            )

        # The config's own command, run as the user wrote it: that is its point.
        spawn = asyncio.ensure_future(
            asyncio.create_subprocess_shell(
                hook.run,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
                env=dict(env),
                cwd=cwd,
                start_new_session=True,
            )
        )
        try:
            # Shielded: a SIGTERM can arrive while the command is already running but
            # the spawn has not returned yet (uvloop returns only once the child has
            # exec'd). Cancelling the spawn then would leave the command's group
            # running with nobody to stop it, so it finishes, and the group is stopped.
            proc = await asyncio.shield(spawn)
        except OSError as exc:
            return result("failed", f"could not start: {exc.strerror or exc}")
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await _kill_group(await spawn)
            raise
        try:
            async with asyncio.timeout(hook.timeout):
                code = await proc.wait()
        except TimeoutError:
            await _kill_group(proc)
            limit = format_duration(hook.timeout)
            return result("timeout", f"killed after {limit} (on_fail.command.timeout)")
        except asyncio.CancelledError:
            await _kill_group(proc)
            raise
        elapsed = format_duration(time.perf_counter() - started)
        if code == 0:
            return result("ok", f"exit 0 after {elapsed}", exit_code=0)
        if code < 0:
            return result("failed", f"killed by signal {-code} after {elapsed}", exit_code=code)
        return result("failed", f"exit {code} after {elapsed}", exit_code=code)


def _tail(log: IO[bytes], limit: int) -> str:
    """The last ``limit`` bytes the command wrote, decoded; a note if more came before."""
    size = log.seek(0, os.SEEK_END)
    log.seek(max(size - limit, 0))
    text = log.read(limit).decode("utf-8", errors="replace")
    return f"[…earlier output dropped]\n{text}" if size > limit else text


async def _kill_group(proc: asyncio.subprocess.Process) -> None:
    """SIGTERM to the whole group, then SIGKILL if it is still there after a grace."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        try:
            await asyncio.wait_for(proc.wait(), _KILL_GRACE_S)
            return
        except TimeoutError:
            continue

"""The rollback command: a real shell, bounded, its output captured and redacted."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest

from launchgate.config.hooks_model import CommandHook
from launchgate.hooks.command import OUTPUT_LIMIT, run_command
from launchgate.redact import MASK, Redactor
from launchgate.results import HookResult


def run(script: str, tmp_path: Path, *, timeout_s: float = 10.0, secret: str = "") -> HookResult:
    hook = CommandHook(run=script, timeout=timeout_s)
    env = {"PATH": os.environ["PATH"], "LAUNCHGATE_VERDICT": "fail"}
    redactor = Redactor([secret] if secret else [])
    return asyncio.run(run_command(hook, env=env, cwd=tmp_path, redactor=redactor))


def test_exit_0_is_ok_with_the_output_stdout_and_stderr_together(tmp_path: Path) -> None:
    result = run('echo "verdict $LAUNCHGATE_VERDICT"; echo oops >&2; pwd', tmp_path)
    assert (result.kind, result.status, result.exit_code, result.attempts) == (
        "command",
        "ok",
        0,
        1,
    )
    assert result.output == f"verdict fail\noops\n{tmp_path}\n"
    assert result.message.startswith("exit 0 after ")


def test_a_non_zero_exit_is_a_failure_naming_the_status(tmp_path: Path) -> None:
    result = run("exit 7", tmp_path)
    assert (result.status, result.exit_code) == ("failed", 7)
    assert result.message.startswith("exit 7 after ")
    missing = run("no-such-rollback-tool", tmp_path)
    assert (missing.status, missing.exit_code) == ("failed", 127)
    assert "not found" in missing.output


def test_a_timeout_kills_the_command_and_everything_it_started(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    result = run(f"sleep 60 & echo $! > {pidfile}; echo started; wait", tmp_path, timeout_s=0.5)
    assert result.status == "timeout"
    assert result.message == "killed after 500ms (on_fail.command.timeout)"
    assert result.output == "started\n"
    assert not _alive(int(pidfile.read_text()))


def test_only_the_end_of_a_long_output_is_kept(tmp_path: Path) -> None:
    result = run("seq 1 100000; echo the-end", tmp_path)
    assert result.output.startswith("[…earlier output dropped]\n")
    assert result.output.endswith("99999\n100000\nthe-end\n")
    assert len(result.output.encode()) <= OUTPUT_LIMIT + 100


def test_a_secret_the_command_prints_is_masked(tmp_path: Path) -> None:
    result = run("echo token=Sup3r-Secret-Value", tmp_path, secret="Sup3r-Secret-Value")
    assert result.output == f"token={MASK}\n"


@pytest.mark.parametrize("script", ["exit 0", "exit 1"])
def test_a_command_that_leaves_a_job_holding_its_output_still_ends(
    tmp_path: Path, script: str
) -> None:
    # A background job keeps the pipe open after the shell exits: the shell's exit is
    # what counts; the output is read for a moment more, then left.
    pidfile = tmp_path / "job.pid"
    result = run(f"sleep 30 & echo $! > {pidfile}; {script}", tmp_path, timeout_s=20)
    os.kill(int(pidfile.read_text()), signal.SIGKILL)  # the job this test started
    assert result.status == ("ok" if script == "exit 0" else "failed")
    assert result.duration_s < 20


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in state  # a zombie waiting for its reaper is dead

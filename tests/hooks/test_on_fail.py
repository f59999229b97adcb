"""``on_fail:`` end to end: `launchgate run` against a real app on loopback, a real
shell command and a real webhook receiver. Each hook runs once for a failing verdict,
once for a could-not-decide one, never for a pass; a hook that fails is reported and
the verdict stays what it was."""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from launchgate.cli import main
from launchgate.signing import verify
from tests.servers import MisbehavingServer, answer, routes

HOOK_SECRET = "whsec_" + "cm9sbGJhY2staG9vay1zZWNyZXQtZm9yLXRlc3Rz"


@pytest.fixture
def receiver() -> Iterator[MisbehavingServer]:
    with MisbehavingServer(answer(202)) as server:
        yield server


def app(home_status: int) -> MisbehavingServer:
    return MisbehavingServer(routes({"/": answer(home_status, "welcome")}))


def config(
    tmp_path: Path,
    receiver_url: str,
    *,
    command: str,
    command_timeout: str = "10s",
    deadline: str = "1m",
) -> Path:
    path = tmp_path / "launchgate.yml"
    path.write_text(
        "secrets: [HOOK_SECRET]\n"
        "readiness: null\n"
        f"target: {{environment: staging, deadline: {deadline}}}\n"
        "journeys:\n  home:\n    steps: [{path: /, expect: {status: 200}}]\n"
        "on_fail:\n"
        f"  command: {{run: {json.dumps(command)}, timeout: {command_timeout}}}\n"
        f"  webhook: {{url: '{receiver_url}/rollback', secret: '${{HOOK_SECRET}}', "
        "attempts: 2, timeout: 10s}\n"
    )
    return path


def gate(tmp_path: Path, cfg: Path, url: str) -> tuple[int, dict[str, Any]]:
    out = tmp_path / "out"
    environ = {"PATH": os.environ["PATH"], "HOOK_SECRET": HOOK_SECRET}
    code = main(["run", "--config", str(cfg), "--url", url, "--out", str(out)], environ=environ)
    return code, json.loads((out / "report.json").read_text())


# One line per run of the rollback command, with what it was told.
RECORD = (
    'echo "$LAUNCHGATE_VERDICT|$LAUNCHGATE_ROLLBACK|$LAUNCHGATE_FAILED_CHECKS'
    '|$LAUNCHGATE_ENVIRONMENT|$LAUNCHGATE_REPORT" >> ran.txt'
)


def test_a_failing_verdict_runs_each_hook_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, receiver: MisbehavingServer
) -> None:
    monkeypatch.chdir(tmp_path)
    with app(500) as target:
        code, report = gate(tmp_path, config(tmp_path, receiver.url, command=RECORD), target.url)
    assert code == 1
    assert report["verdict"] == "fail"
    ran = (tmp_path / "ran.txt").read_text().splitlines()
    assert ran == [f"fail|true|journey::home|staging|{tmp_path / 'out' / 'report.json'}"]
    (request,) = receiver.requests
    posted = json.loads(request.body)
    assert (posted["verdict"], posted["rollback"], posted["run_id"]) == (
        "fail",
        True,
        report["run_id"],
    )
    assert posted["hooks"] == []  # the report as it stood when the hooks started
    checked = verify("standard", HOOK_SECRET, request.body, request.headers, now=int(time.time()))
    assert checked.ok, checked.reason
    assert [(h["kind"], h["status"]) for h in report["hooks"]] == [
        ("command", "ok"),
        ("webhook", "ok"),
    ]
    summary = (tmp_path / "out" / "summary.md").read_text()
    assert "### Rollback hooks" in summary


def test_a_passing_verdict_runs_no_hook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, receiver: MisbehavingServer
) -> None:
    monkeypatch.chdir(tmp_path)
    with app(200) as target:
        code, report = gate(tmp_path, config(tmp_path, receiver.url, command=RECORD), target.url)
    assert (code, report["verdict"], report["hooks"]) == (0, "pass", [])
    assert not (tmp_path / "ran.txt").exists()
    assert receiver.requests == []


def test_could_not_decide_runs_the_hooks_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, receiver: MisbehavingServer
) -> None:
    monkeypatch.chdir(tmp_path)
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        cfg = config(tmp_path, receiver.url, command=RECORD, deadline="1s")
        code, report = gate(tmp_path, cfg, url)
    assert (code, report["verdict"], report["rollback"]) == (3, "error", True)
    ran = (tmp_path / "ran.txt").read_text().splitlines()
    assert len(ran) == 1 and ran[0].startswith("error|true|journey::home|")
    assert len(receiver.requests) == 1


def test_failing_hooks_are_reported_and_the_verdict_stays_fail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    with MisbehavingServer(answer(500)) as broken, app(500) as target:
        cfg = config(
            tmp_path, broken.url, command="echo rolling back; sleep 30", command_timeout="500ms"
        )
        code, report = gate(tmp_path, cfg, target.url)
        assert len(broken.requests) == 2  # both attempts, then reported
    assert (code, report["verdict"], report["rollback"]) == (1, "fail", True)
    command, webhook = report["hooks"]
    assert (command["status"], command["output"]) == ("timeout", "rolling back\n")
    assert (webhook["status"], webhook["attempts"], webhook["status_code"]) == ("failed", 2, 500)
    out = capsys.readouterr().out
    assert "✗ command timeout  killed after 500ms" in out
    assert "✗ webhook failed  answered 500 Internal Server Error (2 tries)" in out
    assert "FAIL — rollback recommended (exit 1)" in out


def test_the_webhook_url_and_secret_never_reach_the_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    with MisbehavingServer(answer(500)) as broken, app(500) as target:
        gate(tmp_path, config(tmp_path, broken.url, command="env"), target.url)
        hook_url = f"{broken.url}/rollback"
    texts = [capsys.readouterr().out, *(p.read_text() for p in (tmp_path / "out").iterdir())]
    for text in texts:
        assert hook_url not in text and HOOK_SECRET not in text
    # `env` printed the secret's variable: the captured output has it masked.
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert "HOOK_SECRET=[redacted]" in report["hooks"][0]["output"]


def test_sigterm_during_a_hook_stops_it_and_still_reports(
    tmp_path: Path, receiver: MisbehavingServer
) -> None:
    fifo, pidfile = tmp_path / "started", tmp_path / "sleep.pid"
    os.mkfifo(fifo)
    command = f"sleep 60 & echo $! > {pidfile}; echo go > {fifo}; wait"
    cfg = config(tmp_path, receiver.url, command=command, command_timeout="2m")
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # open now: the writer never blocks
    with app(500) as target:
        argv = ["run", "--config", str(cfg), "--url", target.url, "--out", str(tmp_path / "out")]
        proc = subprocess.Popen(
            [sys.executable, "-m", "launchgate.cli", *argv],
            env={"PATH": os.environ["PATH"], "HOOK_SECRET": HOOK_SECRET},
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            ready, _, _ = select.select([reader], [], [], 60)  # the hook has started
            assert ready, "the rollback command never started"
            proc.send_signal(signal.SIGTERM)
            stdout, stderr = proc.communicate(timeout=30)
        finally:
            os.close(reader)
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert proc.returncode == 1, stdout + stderr  # the verdict stands: fail
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    statuses = {h["kind"]: (h["status"], h["message"]) for h in report["hooks"]}
    assert statuses["command"] == ("skipped", "interrupted: stopped before it finished")
    assert not _alive(int(pidfile.read_text()))  # the command's own job was stopped too


def _alive(pid: int) -> bool:
    try:
        return "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False

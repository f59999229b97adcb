"""``launchgate demo --serve``: the demo app alone until a signal, with the commands
for the watch walkthrough printed, and its admin endpoint usable from outside."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from launchgate.cli import main

WAIT_S = 60.0
TOKEN = "serve-admin-Token-0123456789"


def test_serves_until_sigterm_and_switches_faults(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAUNCHGATE_")}
    env |= {"LAUNCHGATE_DEMO_PASSWORD": "serve-password-1", "LAUNCHGATE_DEMO_ADMIN_TOKEN": TOKEN}
    proc = subprocess.Popen(
        [sys.executable, "-m", "launchgate.cli", "demo", "--serve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert proc.stdout is not None
    stdout = proc.stdout

    def read() -> None:
        for line in stdout:
            lines.put(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    seen: list[str] = []
    try:
        deadline = time.monotonic() + WAIT_S
        while not any("admin/faults/login-500" in line for line in seen):
            seen.append(lines.get(timeout=max(deadline - time.monotonic(), 0.01)))
        text = "".join(seen)
        url = re.search(r"at (http://127\.0\.0\.1:\d+)", text)
        assert url, text
        assert "launchgate watch --config" in text and "watch.yml" in text
        assert TOKEN not in text and "serve-password-1" not in text
        auth = {"Authorization": f"Bearer {TOKEN}"}
        with httpx.Client(base_url=url.group(1), trust_env=False, timeout=10) as client:
            on = client.put("/admin/faults/login-500", headers=auth)
            assert on.json()["on"] == ["login-500"]
            assert client.post("/login").status_code == 500
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=WAIT_S) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        reader.join(timeout=WAIT_S)
        stdout.close()
    assert "stopped the demo dashboard" in "".join(seen) + "".join(lines.queue)


def test_serve_needs_a_shared_password(capsys: object) -> None:
    assert main(["demo", "--serve"], environ={}) == 2

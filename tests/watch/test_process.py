"""``launchgate watch`` as a real process: it stops cleanly on SIGTERM and SIGINT,
serves Prometheus metrics the official parser reads back, and reads JSON-lines logs
from standard input. Every wait is on output the process printed, bounded."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.servers import MisbehavingServer, answer, ok, routes
from tests.watch.receivers import WebhookReceiver

WAIT_S = 30.0

CONFIG = """
version: 1
journeys:
  home:
    steps: [{path: /, expect: {status: 200}}]
watch:
  interval: 50ms
  checks:
    home: {journey: home}
    broken: {path: /broken, failures: 1}
  channels:
    hook:
      type: webhook
      url: ${HOOK_URL}
      retry: {attempts: 2, backoff: 10ms}
  logs:
    errors: {threshold: 10, window: 60s}
    failed_logins: {threshold: 20, window: 60s}
"""


class Watch:
    """A ``launchgate watch`` child process whose stdout lines are read on a thread."""

    def __init__(self, tmp_path: Path, url: str, hook: str, *extra: str, stdin: bool = False):
        config = tmp_path / "launchgate.yml"
        config.write_text(CONFIG)
        self.state = tmp_path / "state.json"
        argv = [sys.executable, "-m", "launchgate.cli", "watch", "--config", str(config)]
        argv += ["--url", url, "--state", str(self.state), *extra]
        env = {k: v for k, v in os.environ.items() if not k.startswith("LAUNCHGATE_")}
        env["HOOK_URL"] = hook
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=tmp_path,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, pattern: str) -> re.Match[str]:
        deadline = time.monotonic() + WAIT_S
        for line in self.lines:
            if m := re.search(pattern, line):
                return m
        while (left := deadline - time.monotonic()) > 0:
            try:
                item = self._queue.get(timeout=left)
            except queue.Empty:
                break
            if item is None:
                break
            self.lines.append(item)
            if m := re.search(pattern, item):
                return m
        raise AssertionError(f"no line matching {pattern!r}; output so far:\n" + self.text())

    def close(self) -> None:
        """Kill if still running, then close every pipe (after the reader saw EOF)."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=WAIT_S)
        self._reader.join(timeout=WAIT_S)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                with contextlib.suppress(OSError, ValueError):
                    stream.close()

    def text(self) -> str:
        return "\n".join(self.lines)

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> tuple[int, str]:
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=WAIT_S)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
        self.wait_for("stopped")
        assert self.proc.stderr is not None
        return self.proc.returncode, self.proc.stderr.read()


@pytest.fixture
def app() -> Iterator[MisbehavingServer]:
    with MisbehavingServer(routes({"/": ok(), "/broken": answer(500)})) as server:
        yield server


@pytest.fixture
def watches() -> Iterator[Callable[..., Watch]]:
    made: list[Watch] = []

    def start(*args: object, **kw: object) -> Watch:
        made.append(Watch(*args, **kw))  # type: ignore[arg-type]
        return made[-1]

    yield start
    for w in made:
        w.close()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_stops_cleanly_on_a_signal_and_serves_metrics(
    app: MisbehavingServer,
    receivers: Callable[..., WebhookReceiver],
    watches: Callable[..., Watch],
    tmp_path: Path,
    sig: signal.Signals,
) -> None:
    receiver = receivers()
    watch = watches(tmp_path, app.url, receiver.url, "--metrics-port", "0")
    port = watch.wait_for(r"metrics: http://127\.0\.0\.1:(\d+)/metrics").group(1)
    watch.wait_for(r"round 3:")
    watch.wait_for(r"channel hook: delivered down alert broken-")
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", trust_env=False, timeout=10).text
    families = {f.name: f for f in text_string_to_metric_families(text)}
    up = {s.labels["check"]: s.value for s in families["launchgate_watch_up"].samples}
    assert up == {"home": 1.0, "broken": 0.0}
    buckets = [
        s
        for s in families["launchgate_watch_latency_seconds"].samples
        if s.name.endswith("_bucket") and s.labels["check"] == "home"
    ]
    assert buckets and buckets[-1].labels["le"] == "+Inf" and buckets[-1].value >= 3
    sent = families["launchgate_watch_alerts_sent"].samples
    assert any(s.labels == {"channel": "hook", "kind": "down"} and s.value == 1 for s in sent)
    p95 = families["launchgate_watch_latency_p95_seconds"].samples
    assert [s.labels["check"] for s in p95] == ["home"]  # failures never feed the p95

    code, err = watch.stop(sig)
    assert code == 0, err
    assert "Traceback" not in err
    state = json.loads(watch.state.read_text())
    assert state["checks"]["broken"]["status"] == "down"
    assert state["pending"] == {"hook": []}
    assert [b["subject"] for b in receiver.accepted_json()] == ["broken"]


def test_json_lines_from_stdin_alert_once_per_burst(
    app: MisbehavingServer,
    receivers: Callable[..., WebhookReceiver],
    watches: Callable[..., Watch],
    tmp_path: Path,
) -> None:
    receiver = receivers()
    watch = watches(tmp_path, app.url, receiver.url, "--log", "-", "--every", "1h", stdin=True)
    watch.wait_for(r"round 1:")
    assert watch.proc.stdin is not None
    records = [{"status": 500, "path": "/api/orders", "method": "POST"}] * 14
    records += [{"status": 401, "path": "/login", "method": "POST", "user": "x"}] * 25
    records.insert(5, {"level": "info", "msg": "not an access record"})
    watch.proc.stdin.write("".join(json.dumps(r) + "\n" for r in records))
    watch.proc.stdin.close()
    watch.wait_for(r"the log input ended")
    watch.wait_for(r"delivered burst alert logs:failed-logins")
    code, err = watch.stop()
    assert code == 0, err
    bursts = [(b["subject"], b["count"]) for b in receiver.accepted_json() if b["kind"] == "burst"]
    assert bursts == [("logs:errors", 10), ("logs:failed-logins", 20)]

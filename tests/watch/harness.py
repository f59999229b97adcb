"""Build a real :class:`Watcher` for in-process tests: a config text, the demo app (or
any loopback server) as target, real channels, a state file and a history file."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from launchgate.config.load import parse_config
from launchgate.redact import Redactor
from launchgate.watch.assemble import build_channels, channel_secrets
from launchgate.watch.history import HistoryWriter
from launchgate.watch.metrics import WatchMetrics
from launchgate.watch.watcher import Watcher

WAIT_S = 20.0  # the longest any readiness wait may take before the test fails

DEMO_JOURNEYS = """
journeys:
  login:
    title: The demo customer can log in
    steps:
      - name: open the login form
        path: /login
        expect: {status: 200}
        capture:
          csrf: {regex: 'name="csrf_token" value="([^"]+)"'}
      - name: submit the login form
        method: POST
        path: /login
        form:
          email: demo@launchgate.test
          password: ${LAUNCHGATE_DEMO_PASSWORD}
          csrf_token: "{{ csrf }}"
        expect:
          status: 303
          headers: {location: /dashboard}
  dashboard:
    title: A logged-in customer sees their plan and invoices
    session: login
    steps:
      - name: dashboard
        path: /dashboard
        expect: {status: 200, body_contains: "Plan: pro"}
"""


@dataclass
class Harness:
    watcher: Watcher
    said: list[str] = field(default_factory=list)
    state_path: Path | None = None
    history_path: Path | None = None

    def text(self) -> str:
        return "\n".join(self.said)


def make_watcher(
    config_text: str,
    environ: Mapping[str, str],
    client: httpx.AsyncClient,
    tmp_path: Path,
    *,
    target_url: str,
) -> Harness:
    loaded = parse_config(config_text, tmp_path / "launchgate.yml", environ)
    secrets = [*loaded.secret_values, *channel_secrets(loaded)]
    said: list[str] = []
    state_path = tmp_path / "state.json"
    history_path = tmp_path / "history.jsonl"
    watcher = Watcher(
        loaded,
        target_url=target_url,
        secrets=secrets,
        channels=build_channels(loaded, client, _redactor(secrets)),
        state_path=state_path,
        history=HistoryWriter(history_path),
        metrics=WatchMetrics(),
        say=said.append,
    )
    return Harness(watcher, said, state_path, history_path)


def _redactor(secrets: list[str]) -> Redactor:
    return Redactor(secrets)


async def wait_until(
    condition: Callable[[], bool] | Callable[[], Awaitable[bool]], what: str
) -> None:
    """A readiness wait: poll ``condition`` until true, failing after :data:`WAIT_S`."""
    deadline = time.monotonic() + WAIT_S
    while True:
        result = condition()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)

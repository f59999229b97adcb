"""Following a log like ``tail -F`` (appends, rename rotation, copytruncate, a file
that appears late) and log alerts end to end: nginx lines into a followed file, alerts
out to a real webhook receiver. Waits are readiness waits on what arrived."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from launchgate.watch.assemble import LogSource, run_forever
from launchgate.watch.follow import FileFollower
from tests.servers import MisbehavingServer, ok
from tests.watch.harness import make_watcher, wait_until
from tests.watch.receivers import WebhookReceiver

POLL_S = 0.01
NGINX = '203.0.113.{n} - - [10/Oct/2024:13:55:36 +0000] "{request}" {status} 0 "-" "curl/8"\n'


def append(path: Path, text: str) -> None:
    with path.open("a") as f:
        f.write(text)
        f.flush()


class Collector:
    """Drains a follower into a list on a task of its own."""

    def __init__(self, follower: FileFollower) -> None:
        self.follower = follower
        self.lines: list[str] = []
        self.opened = 0
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Collector:
        async def drain(lines: AsyncIterator[str]) -> None:
            async for line in lines:
                self.lines.append(line)

        self._task = asyncio.create_task(drain(self.follower.lines()))
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


def follower(path: Path, collector_opened: list[Path]) -> FileFollower:
    return FileFollower(path, poll_s=POLL_S, on_open=collector_opened.append)


@pytest.mark.asyncio
async def test_follows_appends_from_the_end_and_through_rename_rotation(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_text("old line, before we started\n")
    opened: list[Path] = []
    async with Collector(follower(log, opened)) as c:
        await wait_until(lambda: len(opened) == 1, "the log to be opened")
        append(log, "one\ntwo\nthr")
        await wait_until(lambda: c.lines == ["one", "two"], "two whole lines")
        append(log, "ee\n")
        await wait_until(lambda: c.lines[-1:] == ["three"], "a line completed later")
        # logrotate: rename, write a last line to the old file, create a new one
        rotated = tmp_path / "access.log.1"
        os.rename(log, rotated)
        append(rotated, "four (late, into the renamed file)\n")
        append(log, "five (the new file)\n")
        await wait_until(lambda: len(c.lines) == 5, "the lines around the rotation")
        assert c.lines[3:] == ["four (late, into the renamed file)", "five (the new file)"]
        assert c.follower.rotations == 1 and len(opened) == 2


@pytest.mark.asyncio
async def test_copytruncate_and_a_file_that_appears_late(tmp_path: Path) -> None:
    log = tmp_path / "later.log"
    opened: list[Path] = []
    async with Collector(follower(log, opened)) as c:
        await asyncio.sleep(POLL_S * 3)  # a few polls of a file that is not there
        assert opened == []
        log.write_text("")
        await wait_until(lambda: len(opened) == 1, "the log to appear")
        append(log, "a fairly long first line\n")
        await wait_until(lambda: c.lines == ["a fairly long first line"], "the first line")
        with log.open("r+") as f:  # copytruncate: same file, emptied in place
            f.truncate(0)
        append(log, "b\n")
        await wait_until(lambda: c.lines[-1:] == ["b"], "the line after the truncation")


@pytest.mark.asyncio
async def test_copytruncate_regrown_past_the_position_within_one_poll(tmp_path: Path) -> None:
    log = tmp_path / "busy.log"
    log.write_text("GET /old 200 (before we started)\n")
    opened: list[Path] = []
    async with Collector(follower(log, opened)) as c:
        await wait_until(lambda: len(opened) == 1, "the log to be opened")
        append(log, "a short line\n")
        await wait_until(lambda: c.lines == ["a short line"], "the first line")
        # No await between the truncation and the burst: the follower cannot poll in
        # between, so the file is never seen shorter than the read position.
        with log.open("r+") as f:
            f.truncate(0)
        burst = [f"POST /login 401 #{i}" for i in range(8)]
        append(log, "".join(line + "\n" for line in burst))
        await wait_until(lambda: c.lines[1:] == burst, "every line of the regrown file")
        assert c.follower.rotations == 1


CONFIG = """
version: 1
journeys:
  home:
    steps: [{path: /}]
watch:
  interval: 1h            # one round of route checks; this test is about the log
  checks:
    home: {journey: home}
  channels:
    hook:
      type: webhook
      url: ${HOOK_URL}
      retry: {attempts: 3, backoff: 10ms}
  logs:
    errors: {threshold: 5, window: 200ms}
    failed_logins: {threshold: 8, window: 200ms, severity: warning}
"""


@pytest.mark.asyncio
async def test_nginx_bursts_alert_once_each_and_survive_rotation(
    receivers: Callable[..., WebhookReceiver], tmp_path: Path
) -> None:
    receiver = receivers()
    log = tmp_path / "access.log"
    log.write_text("")
    with MisbehavingServer(ok()) as app:
        async with httpx.AsyncClient(trust_env=False) as client:
            h = make_watcher(
                CONFIG, {"HOOK_URL": receiver.url}, client, tmp_path, target_url=app.url
            )
            stop = asyncio.Event()
            task = asyncio.create_task(
                run_forever(
                    h.watcher,
                    log_source=LogSource(str(log), poll_s=POLL_S),
                    say=h.said.append,
                    stop=stop,
                )
            )
            try:
                await wait_until(lambda: "following the log" in h.text(), "the log to be opened")

                def alerts() -> list[tuple[str, str]]:
                    return [(b["subject"], b["kind"]) for b in receiver.accepted_json()]

                # 5xx burst: 7 errors (threshold 5), a few 200s in between
                lines = [
                    NGINX.format(n=i, request="GET /checkout HTTP/1.1", status=502)
                    for i in range(7)
                ]
                lines.insert(3, NGINX.format(n=9, request="GET / HTTP/1.1", status=200))
                append(log, "".join(lines))
                await wait_until(lambda: ("logs:errors", "subsided") in alerts(), "5xx burst")
                # failed logins: 401s on /login, then rotation, then another 5xx burst
                append(
                    log,
                    "".join(
                        NGINX.format(n=i, request="POST /login?next=/x HTTP/1.1", status=401)
                        for i in range(10)
                    ),
                )
                await wait_until(
                    lambda: ("logs:failed-logins", "subsided") in alerts(), "failed logins"
                )
                os.rename(log, tmp_path / "access.log.1")
                append(
                    log,
                    "".join(
                        NGINX.format(n=i, request="GET /api HTTP/1.1", status=503) for i in range(6)
                    ),
                )
                await wait_until(lambda: len(alerts()) == 6, "a burst after the rotation")
            finally:
                stop.set()
                await asyncio.wait_for(task, timeout=10)
    assert alerts() == [
        ("logs:errors", "burst"),
        ("logs:errors", "subsided"),
        ("logs:failed-logins", "burst"),
        ("logs:failed-logins", "subsided"),
        ("logs:errors", "burst"),
        ("logs:errors", "subsided"),
    ]
    first = receiver.accepted_json()[0]
    assert first["severity"] == "critical" and first["count"] == 5
    assert "GET /checkout -> 502" in first["problem"]
    logins = receiver.accepted_json()[2]
    assert logins["severity"] == "warning" and "POST /login -> 401" in logins["problem"]
    assert "next=" not in receiver.accepted()[2].body.decode()

"""Wiring for ``launchgate watch``: the channels of the config, the secrets they add,
and the long-running and ``--once`` modes with their signal handling.

Kept out of ``commands/watch.py`` so the command module stays what every command module
is (arguments in, an exit code out) and this can be driven in-process by tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import httpx

from launchgate.config.load import LoadedConfig
from launchgate.config.watch_model import (
    EmailChannel,
    SlackChannel,
    WatchSpec,
    WebhookChannel,
)
from launchgate.errors import UsageError
from launchgate.redact import Redactor
from launchgate.watch.channels import Channel, EmailSender, SlackSender, WebhookSender
from launchgate.watch.follow import FileFollower, stdin_lines
from launchgate.watch.logwatch import LogWatch
from launchgate.watch.watcher import Watcher

__all__ = [
    "EXIT_DOWN",
    "EXIT_OK",
    "EXIT_UNDELIVERED",
    "LogSource",
    "build_channels",
    "channel_secrets",
    "once_exit_code",
    "run_forever",
    "run_once",
    "with_watch",
]

EXIT_OK = 0
EXIT_DOWN = 1  # --once: a watched check is in an open incident
EXIT_UNDELIVERED = 3  # --once: an alert could not be delivered (it stays pending)


def with_watch(loaded: LoadedConfig, spec: WatchSpec) -> LoadedConfig:
    """The loaded config with its ``watch:`` section replaced (``--every`` applied)."""
    return replace(loaded, config=loaded.config.model_copy(update={"watch": spec}))


def channel_secrets(loaded: LoadedConfig) -> list[str]:
    """Values the channels carry that must never be printed: signing secrets, SMTP
    passwords and webhook URLs (a Slack incoming-webhook URL *is* its credential).

    A signing secret or password must come from a variable listed under ``secrets:``,
    so that the gate's other outputs mask it too; a literal in the file is refused.
    """
    spec = loaded.config.watch or WatchSpec()
    listed = set(loaded.secret_values)
    found: list[str] = []
    for name, channel in spec.channels.items():
        credential: tuple[str, str | None] = ("", None)
        if isinstance(channel, WebhookChannel):
            credential = ("secret", channel.secret)
            found.append(channel.url)
        elif isinstance(channel, EmailChannel):
            credential = ("password", channel.password)
        elif isinstance(channel, SlackChannel):
            found.append(channel.url)
        key, value = credential
        if value is not None:
            if value not in listed:
                raise UsageError(
                    f"watch.channels.{name}.{key}: take it from an environment variable "
                    f"listed under secrets: (for example {key}: ${{ALERT_{key.upper()}}} "
                    f"and secrets: [ALERT_{key.upper()}]), so no output can show it"
                )
            found.append(value)
    return found


def build_channels(
    loaded: LoadedConfig, client: httpx.AsyncClient, redactor: Redactor
) -> list[Channel]:
    spec = loaded.config.watch or WatchSpec()
    channels: list[Channel] = []
    for name, channel in spec.channels.items():
        if isinstance(channel, SlackChannel):
            channels.append(SlackSender(name, channel, client, redactor))
        elif isinstance(channel, WebhookChannel):
            channels.append(WebhookSender(name, channel, client, redactor))
        else:
            channels.append(EmailSender(name, channel, redactor))
    return channels


def alert_client() -> httpx.AsyncClient:
    # trust_env=False: an alert (and a webhook URL that is a credential) never goes
    # through a proxy the environment happens to name. No redirects: a webhook that
    # moved should fail loudly rather than send alerts wherever it points now.
    return httpx.AsyncClient(trust_env=False, follow_redirects=False, timeout=30.0)


def once_exit_code(watcher: Watcher, pending: int) -> int:
    if pending:
        return EXIT_UNDELIVERED
    return EXIT_DOWN if watcher.incidents_open() else EXIT_OK


@dataclass(frozen=True)
class LogSource:
    """``--log FILE`` (followed like ``tail -F``) or ``--log -`` (standard input)."""

    where: str
    poll_s: float = 0.25

    @property
    def name(self) -> str:
        return "stdin" if self.where == "-" else Path(self.where).name

    def lines(self, on_open: Callable[[Path], None]) -> AsyncIterator[str]:
        if self.where == "-":
            return stdin_lines(sys.stdin)
        return FileFollower(Path(self.where), poll_s=self.poll_s, on_open=on_open).lines()


@contextlib.contextmanager
def _stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
    try:
        yield None
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


async def run_once(watcher: Watcher) -> int | None:
    """One round; None if a signal stopped it before it finished."""
    stop = asyncio.Event()
    with _stop_on_signals(stop):
        round_task = asyncio.create_task(watcher.run_round())
        stop_task = asyncio.create_task(stop.wait())
        await asyncio.wait({round_task, stop_task}, return_when=asyncio.FIRST_COMPLETED)
        stop_task.cancel()
        if not round_task.done():
            round_task.cancel()
            await asyncio.gather(round_task, return_exceptions=True)
            return None
        report = round_task.result()
    return once_exit_code(watcher, report.pending)


async def run_forever(
    watcher: Watcher,
    *,
    log_source: LogSource | None,
    say: Callable[[str], None],
    stop: asyncio.Event | None = None,
) -> None:
    stop = stop or asyncio.Event()
    logs = log_watch = None
    if log_source is not None:
        log_watch = LogWatch(watcher.spec.logs, source=log_source.name, target=watcher.target_url)
        logs = log_source.lines(lambda path: say(f"following the log {path}"))
    with _stop_on_signals(stop):
        await watcher.forever(stop, logs=logs, log_watch=log_watch)

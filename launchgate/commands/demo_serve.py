"""``launchgate demo --serve``: the demo app alone, until Ctrl-C, for the README's
two-terminal ``launchgate watch`` walkthrough (not a command of its own: a helper of
``launchgate demo``, kept apart so that module stays short)."""

from __future__ import annotations

import secrets
import signal
import time
from importlib import resources
from typing import TYPE_CHECKING

from launchgate.commands import CommandIO
from launchgate.errors import LaunchgateError, UsageError

if TYPE_CHECKING:
    from launchgate.demo.server import DemoServer

__all__ = ["serve", "start_demo"]

_POLL_S = 0.5


def serve(io: CommandIO, *, faults: frozenset[str], port: int) -> int:
    from launchgate.demo.server import DemoServer

    password = io.environ.get("LAUNCHGATE_DEMO_PASSWORD", "")
    if len(password) < 8:
        # The watcher in the other terminal logs in as the demo customer: both sides
        # must know the password, and printing it would defeat the redaction.
        raise UsageError(
            "--serve: export LAUNCHGATE_DEMO_PASSWORD (8 characters or more) here and in "
            "the terminal that runs launchgate watch, so the watcher can log in"
        )
    if not 0 <= port <= 65535:
        raise UsageError("--port: expected a port number from 0 to 65535")
    io.redactor.add(password)
    token = io.environ.get("LAUNCHGATE_DEMO_ADMIN_TOKEN") or secrets.token_urlsafe(18)
    server = start_demo(
        DemoServer(faults=sorted(faults), password=password, admin_token=token, port=port)
    )
    config = resources.files("launchgate.demo").joinpath("watch.yml")
    # A token chosen in the environment is shown by name; one made here has to be
    # shown to be usable at all (a throwaway that opens a loopback-only endpoint).
    chosen = "LAUNCHGATE_DEMO_ADMIN_TOKEN" in io.environ
    auth = f"Authorization: Bearer {'$LAUNCHGATE_DEMO_ADMIN_TOKEN' if chosen else token}"
    fault_url = f"{server.url}/admin/faults/login-500"
    out = io.out
    out.write(
        f"demo: serving the demo dashboard at {server.url} (Ctrl-C to stop)\n"
        "watch it from another terminal, with the same LAUNCHGATE_DEMO_PASSWORD:\n"
        f"  launchgate watch --config {config} --url {server.url} --every 2s\n"
        "switch a fault on, and off again, while both run (loopback only, token-protected):\n"
        f'  curl -X PUT -H "{auth}" {fault_url}\n'
        f'  curl -X DELETE -H "{auth}" {fault_url}\n'
    )
    out.flush()
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        while server.running:
            time.sleep(_POLL_S)
        out.write(f"demo: the demo app exited unexpectedly{_tail(server.output())}\n")
        return 3
    except KeyboardInterrupt:
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.stop()
        out.write("demo: stopped the demo dashboard\n")
        out.flush()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _tail(output: str) -> str:
    lines = output.strip().splitlines()[-10:]
    return (":\n" + "\n".join(lines)) if lines else ""


def start_demo(server: DemoServer) -> DemoServer:
    """``server``, started and answering; stopped again and a clear error if not."""
    try:
        server.start()
        server.wait_ready(timeout_s=60.0)
    except (OSError, RuntimeError) as exc:
        server.stop()
        raise LaunchgateError(f"the demo app did not start: {exc}") from None
    return server

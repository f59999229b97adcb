"""Where the probe's CPU at low rates goes: the same open loop at 200 req/s over a
plain aiohttp session, over a bare ``asyncio.Protocol`` driven by a task per request
(pre-encoded requests, no HTTP parsing), and over the same protocol driven by timer
callbacks alone (no task, no future: the probe's own design), each on asyncio's
own loop and on uvloop, against a minimal uvicorn app.

    python benchmarks/wakeup_floor.py [--rate 200] [--seconds 8] [--rounds 2]

The server runs pinned to core 1 and every client to core 0, as in the other probe
benchmarks. Each line is CPU (user + system) per 1,000 requests of the client alone,
measured over the sending loop only (imports and start-up excluded).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, cast

from benchlib import CLIENT_CORE, SERVER_CORE

APP = """
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain"), (b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})
"""


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


Request = Callable[[], Coroutine[Any, None, None]]


async def _open_loop(one: Request, rate: float, seconds: float) -> float:
    """Send ``rate`` requests a second on schedule; CPU ms per 1,000 requests."""
    loop = asyncio.get_running_loop()
    count = int(rate * seconds)
    tasks: set[asyncio.Task[None]] = set()
    start = loop.time()
    before = _cpu_s()
    for i in range(count):
        delay = start + i / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(one())
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    await asyncio.gather(*tasks)
    return (_cpu_s() - before) / count * 1e6


async def _aiohttp(port: int, rate: float, seconds: float) -> float:
    import aiohttp

    url = f"http://127.0.0.1:{port}/"
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(
        connector=connector, cookie_jar=aiohttp.DummyCookieJar()
    ) as session:

        async def one() -> None:
            async with session.get(url) as response:
                await response.read()

        return await _open_loop(one, rate, seconds)


class _Bare(asyncio.Protocol):
    """Keep-alive connection that knows its fixed 2-byte answer by its length alone,
    and calls ``done`` when the whole answer is in."""

    def __init__(self, expect: int) -> None:
        self.expect = expect
        self.got = 0
        self.done: Callable[[], None] | None = None
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses; both have write().
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.got += len(data)
        if self.got >= self.expect and self.done is not None:
            self.got = 0
            self.done()

    def send(self, request: bytes, done: Callable[[], None]) -> None:
        assert self.transport is not None
        self.done = done
        self.transport.write(request)


async def _answer_size(port: int, request: bytes) -> int:
    """The bytes of one whole answer (head + b"ok"), learnt from one request."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    await reader.readexactly(2)  # the body, b"ok": every answer is head + 2 bytes
    writer.close()
    return len(head) + 2


async def _bare(port: int, rate: float, seconds: float) -> float:
    """A task and a future per request, as the probe's first drivers had."""
    loop = asyncio.get_running_loop()
    request = f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    expect = await _answer_size(port, request)
    idle: list[_Bare] = []

    async def one() -> None:
        protocol = idle.pop() if idle else None
        if protocol is None:
            _, protocol = await loop.create_connection(lambda: _Bare(expect), "127.0.0.1", port)
        answered = loop.create_future()
        protocol.send(request, lambda: answered.set_result(None))
        await answered
        idle.append(protocol)

    return await _open_loop(one, rate, seconds)


async def _callbacks(port: int, rate: float, seconds: float) -> float:
    """The same bare protocol driven by timer callbacks alone: no task, no future."""
    loop = asyncio.get_running_loop()
    request = f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    expect = await _answer_size(port, request)
    idle: list[_Bare] = []
    for _ in range(8):
        _, protocol = await loop.create_connection(lambda: _Bare(expect), "127.0.0.1", port)
        idle.append(protocol)
    count = int(rate * seconds)
    finished = loop.create_future()
    answered = 0

    def answer(protocol: _Bare) -> None:
        nonlocal answered
        idle.append(protocol)
        answered += 1
        if answered == count:
            finished.set_result(None)

    start = loop.time()

    def send(i: int) -> None:
        protocol = idle.pop()
        protocol.send(request, functools.partial(answer, protocol))
        if i + 1 < count:
            loop.call_at(start + (i + 1) / rate, send, i + 1)

    before = _cpu_s()
    loop.call_at(start, send, 0)
    await finished
    return (_cpu_s() - before) / count * 1e6


def _client(kind: str, loop_name: str, port: int, rate: float, seconds: float) -> None:
    run = {"aiohttp": _aiohttp, "bare-protocol": _bare, "callbacks": _callbacks}[kind]
    if loop_name == "uvloop":
        import uvloop

        result = uvloop.run(run(port, rate, seconds))
    else:
        result = asyncio.run(run(port, rate, seconds))
    print(f"{result:.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--client", nargs=3, help=argparse.SUPPRESS)  # kind loop port
    args = parser.parse_args()
    if args.client:
        kind, loop_name, port = args.client
        _client(kind, loop_name, int(port), args.rate, args.seconds)
        return
    port = _free_port()
    work = Path(__file__).resolve().parent
    app_dir = Path(tempfile.mkdtemp(prefix="lg-floor-"))
    (app_dir / "floor_app.py").write_text(APP, encoding="utf-8")
    server = subprocess.Popen(
        [
            *_pinned(SERVER_CORE),
            *("-m", "uvicorn", "floor_app:app", "--port", str(port)),
            *("--log-level", "warning", "--no-access-log"),
        ],
        cwd=app_dir,
    )
    try:
        _wait_listening(port)
        print(f"CPU ms per 1,000 requests at {args.rate:g} req/s ({args.seconds:g} s each)")
        for round_no in range(1, args.rounds + 1):
            for kind in ("aiohttp", "bare-protocol", "callbacks"):
                for loop_name in ("asyncio", "uvloop"):
                    out = subprocess.check_output(
                        [
                            *_pinned(CLIENT_CORE),
                            *(__file__, "--rate", str(args.rate), "--seconds", str(args.seconds)),
                            *("--client", kind, loop_name, str(port)),
                        ],
                        text=True,
                        cwd=work,
                        timeout=args.seconds * 4 + 30,
                    )
                    print(f"  round {round_no}  {kind:<14} {loop_name:<8} {out.strip():>6}")
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(app_dir, ignore_errors=True)


def _pinned(core: int) -> list[str]:
    return ["taskset", "-c", str(core), sys.executable]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_listening(port: int, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise SystemExit(f"the floor app did not listen on port {port} within {timeout_s:g}s")


if __name__ == "__main__":
    main()

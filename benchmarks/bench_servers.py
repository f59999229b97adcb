"""The servers the probe benchmarks measure against, each run as its own process.

    python benchmarks/bench_servers.py truth --log FILE [--seed N]
    python benchmarks/bench_servers.py stall --log FILE [--period 10] [--stall 1] [--first 5]
    python benchmarks/bench_servers.py fast

Each listens on a free loopback port, prints ``PORT <n>`` on its first line of output,
and serves until SIGTERM; ``truth`` and ``stall`` then write their log (JSON) and exit.

* ``truth``: the ground truth of the accuracy benchmark. ``/fixed`` answers after
  20 ms, ``/lognormal`` after a seeded lognormal delay (median 20 ms, sigma 0.5). Each
  request's service time, from the moment its head was read to the moment the
  response was handed to the kernel, is logged: that is what the server itself took,
  and what every client is compared with. asyncio streams with HTTP/1.1 keep-alive
  (and HTTP/1.0 ``Keep-Alive`` for ab); the log is two floats appended per request,
  so the bookkeeping costs microseconds against a 20 ms answer.
* ``stall``: answers at once, but blocks its whole event loop with ``time.sleep`` for
  ``--stall`` seconds every ``--period`` seconds, the first stall ``--first`` seconds
  after the first request (so every client meets the stalls at the same points of its
  run). It logs each stall's start and end and every request's arrival.
* ``fast``: a minimal ``asyncio.Protocol`` server answering every request with a
  pre-built 2-byte response, so that at a few thousand requests per second on its own
  core it is never the bottleneck of the capacity benchmark.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import random
import signal
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path

FIXED_S = 0.020
LOGNORMAL_MEDIAN_S = 0.020
LOGNORMAL_SIGMA = 0.5
_MAX_HEAD = 64 * 1024


def _response(body: bytes, *, keep_alive: bool, http10: bool) -> bytes:
    connection = b"keep-alive" if keep_alive else b"close"
    version = b"HTTP/1.0" if http10 else b"HTTP/1.1"
    return (
        version
        + b" 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\nConnection: "
        + connection
        + b"\r\n\r\n"
        + body
    )


def _parse_head(head: bytes) -> tuple[str, bool, bool]:
    """(path, keep_alive, http10) from a request head."""
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ")
    path = parts[1].decode("latin-1") if len(parts) > 1 else "/"
    http10 = len(parts) > 2 and parts[2] == b"HTTP/1.0"
    connection = b""
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"connection":
            connection = value.strip().lower()
    keep_alive = connection == b"keep-alive" if http10 else connection != b"close"
    return path, keep_alive, http10


class Log:
    """Per-request figures in plain lists: appending two floats is all a request costs."""

    def __init__(self) -> None:
        self.arrival_s: list[float] = []  # time.monotonic() when the head was read
        self.service_s: list[float] = []  # head read -> response handed to the kernel
        self.path: list[str] = []
        self.stalls: list[tuple[float, float]] = []

    def dump(self, where: Path) -> None:
        where.write_text(
            json.dumps(
                {
                    "arrival_s": self.arrival_s,
                    "service_s": self.service_s,
                    "path": self.path,
                    "stalls": self.stalls,
                }
            )
        )


async def _serve_streams(
    log: Log, seed: int, on_request: Callable[[float], None] | None = None
) -> None:
    """Shared by ``truth`` and ``stall``: read a head, wait, answer, log."""
    rng = random.Random(seed)  # the same seed: every client meets the same delays
    lognormal_mu = math.log(LOGNORMAL_MEDIAN_S)

    def delay(path: str) -> float:
        if path.startswith("/fixed"):
            return FIXED_S
        if path.startswith("/lognormal"):
            return rng.lognormvariate(lognormal_mu, LOGNORMAL_SIGMA)
        return 0.0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                    return
                read_at = time.monotonic()
                if on_request is not None:
                    on_request(read_at)
                path, keep_alive, http10 = _parse_head(head)
                wait = delay(path)
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(_response(b"ok", keep_alive=keep_alive, http10=http10))
                await writer.drain()
                log.arrival_s.append(read_at)
                log.service_s.append(time.monotonic() - read_at)
                log.path.append(path)
                if not keep_alive:
                    return
        except (ConnectionError, OSError, asyncio.CancelledError):
            return  # a client hung up, or the server is stopping
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, limit=_MAX_HEAD, backlog=4096)
    await _announce_and_wait(server)


async def _announce_and_wait(server: asyncio.base_events.Server) -> None:
    port = server.sockets[0].getsockname()[1]
    print(f"PORT {port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    async with server:
        await stop.wait()


def truth(args: argparse.Namespace) -> None:
    log = Log()
    try:
        asyncio.run(_serve_streams(log, args.seed))
    finally:
        log.dump(args.log)


def stall(args: argparse.Namespace) -> None:
    log = Log()
    state: dict[str, bool] = {"armed": False}

    def block() -> None:
        began = time.monotonic()
        time.sleep(args.stall)
        log.stalls.append((began, time.monotonic()))

    def on_first(now: float) -> None:
        if state["armed"]:
            return
        state["armed"] = True
        loop = asyncio.get_running_loop()
        # Every stall at a fixed offset from the first request, scheduled on the loop's
        # clock (time.monotonic, the clock of the log): first, first+period, ...
        for k in range(int(args.max_s // args.period) + 1):
            loop.call_at(now + args.first + k * args.period, block)

    try:
        asyncio.run(_serve_streams(log, 1, on_first))
    finally:
        log.dump(args.log)


class _Fast(asyncio.Protocol):
    RESPONSE = _response(b"ok", keep_alive=True, http10=False)

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        count = self.buffer.count(b"\r\n\r\n")  # GET requests only: no bodies to skip
        if count and self.transport is not None:
            self.transport.write(self.RESPONSE * count)
            self.buffer = self.buffer[self.buffer.rfind(b"\r\n\r\n") + 4 :]


def fast(args: argparse.Namespace) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(_Fast, "127.0.0.1", 0, backlog=4096)
        await _announce_and_wait(server)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="kind", required=True)
    p = sub.add_parser("truth")
    p.add_argument("--log", type=Path, required=True)
    p.add_argument("--seed", type=int, default=1)
    p.set_defaults(run=truth)
    p = sub.add_parser("stall")
    p.add_argument("--log", type=Path, required=True)
    p.add_argument("--period", type=float, default=10.0)
    p.add_argument("--stall", type=float, default=1.0)
    p.add_argument("--first", type=float, default=5.0)
    p.add_argument("--max-s", type=float, default=600.0)
    p.set_defaults(run=stall)
    p = sub.add_parser("fast")
    p.set_defaults(run=fast)
    args = parser.parse_args()
    args.run(args)
    sys.stdout.flush()


if __name__ == "__main__":
    main()

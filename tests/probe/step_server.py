"""A loopback HTTP/1.1 server with a known latency distribution, for the shard tests.

``/step`` answers after a delay drawn (i.i.d., seeded) from three steps: 10 ms with
probability 0.3, 40 ms with 0.6 and 120 ms with 0.1, so p50 lies on the 40 ms step
and p95 and p99 on the 120 ms one, each well inside its step (p95 is 0.05 of
probability from the 0.9 edge). Every other path answers at once (readiness, the
shard's clock read). Runs its own event loop in a thread; keep-alive, no bodies.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import random
import threading
from collections.abc import Iterator

STEPS_MS = (10.0, 40.0, 120.0)
_CUMULATIVE = (0.3, 0.9, 1.0)


def _delay_s(rng: random.Random) -> float:
    roll = rng.random()
    for edge, value in zip(_CUMULATIVE, STEPS_MS, strict=True):
        if roll < edge:
            return value / 1000
    return STEPS_MS[-1] / 1000


class StepServer:
    def __init__(self, seed: int = 17) -> None:
        self._rng = random.Random(seed)
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._server: asyncio.Server | None = None
        self.port = 0
        self.steps_served = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", 0, backlog=512)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            self._server.close()
            self._loop.run_until_complete(self._server.wait_closed())
            self._loop.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                path = head.split(b" ", 2)[1]
                if path == b"/step":
                    self.steps_served += 1
                    await asyncio.sleep(_delay_s(self._rng))
                date = email.utils.formatdate(usegmt=True).encode()
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
                    b"Date: " + date + b"\r\n\r\nok"
                )
                await writer.drain()
        writer.close()

    def __enter__(self) -> StepServer:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the step server did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


@contextlib.contextmanager
def step_server() -> Iterator[StepServer]:
    with StepServer() as server:
        yield server

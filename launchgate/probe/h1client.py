"""The probe's hot-path HTTP/1.1 client: keep-alive connections to one origin,
each route's request encoded once, responses parsed by httptools (llhttp, the C
parser uvicorn uses).

Why not aiohttp, which the probe used first: at the modest rates a deploy gate runs
(tens to hundreds of requests a second) aiohttp's per-request Python was half the
probe's CPU and sat on the critical path of every measured latency. On the
development machine, at 200 req/s, an aiohttp open loop cost ~1 ms of CPU per
request, 1.9x Locust's FastHttpUser, while a bare ``asyncio.Protocol`` loop cost
under half of that (``benchmarks/wakeup_floor.py``). The probe needs little of
HTTP: fixed GET-style requests without a body, no redirects, no cookies (each
route's session cookies are in its headers), so owning this much of HTTP/1.1 is
small and testable; the parsing, which is where HTTP clients go wrong, stays a
library's. Bodies follow the journeys' rules (``checks.bounded_body``): the probe
asks for what they ask for, inflates what it asked for and counts the decoded bytes
against ``target.max_body``, so a gzip bomb fails the probe as it fails a journey.
"""

from __future__ import annotations

import asyncio
import errno
import ssl
from collections.abc import Callable
from dataclasses import dataclass

import httptools

from launchgate.checks.bounded_body import (
    ACCEPT_ENCODING,
    BodyDecoder,
    BodyTooLarge,
    InvalidEncoding,
    UnsupportedEncoding,
)
from launchgate.checks.pinning import PinnedDnsError, Pinning

__all__ = [
    "Completion",
    "Connection",
    "H1Origin",
    "ProbeHTTPError",
    "ProbeResponse",
    "encode_request",
]

_MAX_IDLE = 256  # idle keep-alive connections kept per origin


class ProbeHTTPError(Exception):
    """A request that got no usable answer; ``cause`` is what the report says."""

    def __init__(self, cause: str) -> None:
        super().__init__(cause)
        self.cause = cause


@dataclass(frozen=True)
class ProbeResponse:
    status: int
    retry_after: str | None
    body_bytes: int  # decoded
    location: str | None = None


Completion = Callable[["ProbeResponse | None", "str | None"], None]
"""Called once per request: the response, or ``None`` and the cause of the failure."""


def encode_request(
    method: str, target: str, host_header: str, headers: tuple[tuple[str, str], ...]
) -> bytes:
    """One request's bytes, made once per route. Header values that could split
    the request (CR, LF) are refused: they would let a config smuggle a second one."""
    # A Host of the config's (target.headers, a route's) replaces the URL's, as httpx
    # does for the journeys: one Host only, or the server answers 400.
    given = [v for n, v in headers if n.strip().lower() == "host"]
    lines = [f"{method} {target} HTTP/1.1", f"Host: {given[-1] if given else host_header}"]
    names = {"host"}
    for name, value in headers:
        if any(c in name or c in value for c in "\r\n\0") or ":" in name or not name:
            raise ValueError(f"header {name!r} cannot be sent: it contains a control character")
        if name.strip().lower() == "host":
            continue
        names.add(name.lower())
        lines.append(f"{name}: {value}")
    if "accept" not in names:
        lines.append("Accept: */*")
    if "accept-encoding" not in names:
        # What the journeys ask for, and what a browser would: the server pays for
        # compressing as it would for a customer, and the probe inflates it, bounded.
        lines.append(f"Accept-Encoding: {ACCEPT_ENCODING}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class Connection(asyncio.Protocol):
    """One keep-alive connection: at most one request in flight, answered in order.

    The answer is handed to a plain callback from inside ``data_received``, not to a
    future: at a gate's rates each request is one timer wake-up to send and one
    socket wake-up to read, and a future (then a task step) would add two more turns
    of the event loop per request, a quarter of the probe's CPU
    (``benchmarks/wakeup_floor.py``, "callbacks" against "bare-protocol").
    """

    def __init__(self, max_body: int) -> None:
        self.max_body = max_body
        self.transport: asyncio.Transport | None = None
        self.alive = False
        self._parser = httptools.HttpResponseParser(self)
        self._done: Completion | None = None
        self._head_only = False
        self._reset_message()

    def _reset_message(self) -> None:
        self._started = False
        self._headers_done = False
        self._retry_after: str | None = None
        self._location: str | None = None
        self._encoding: str | None = None
        self._decoder: BodyDecoder | None = None
        self._close_after = False
        self._framed = False  # Content-Length or chunked: the body's end is known

    # -- asyncio.Protocol ----------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses; both write().
        self.transport = transport  # type: ignore[assignment]
        self.alive = True

    def data_received(self, data: bytes) -> None:
        if self._done is None:
            self._fail("the server sent bytes nobody asked for")
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail("the server switched protocols")
        except httptools.HttpParserError as exc:
            self._fail(f"malformed response ({exc})")

    def eof_received(self) -> bool:
        return False  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self.alive = False
        if self._done is None:
            return
        if self._started and self._headers_done:
            if not self._framed:  # a body framed by the connection's end ends with it
                self._complete(reusable=False)
                return
            cause = "response body cut short"
        elif isinstance(exc, ConnectionResetError) or _errno(exc) == errno.ECONNRESET:
            cause = "connection reset"
        else:
            cause = "server closed the connection"
        self._finish(None, cause)

    # -- httptools callbacks --------------------------------------------------------------

    def on_message_begin(self) -> None:
        self._started = True

    def on_header(self, name: bytes, value: bytes) -> None:
        lower = name.lower()
        if lower == b"retry-after":
            self._retry_after = value.decode("latin-1").strip()
        elif lower == b"connection" and b"close" in value.lower():
            self._close_after = True
        elif lower == b"location":
            self._location = value.decode("latin-1").strip()
        elif lower == b"content-encoding":
            self._encoding = value.decode("latin-1")
        elif lower in (b"content-length", b"transfer-encoding"):
            self._framed = True

    def on_headers_complete(self) -> None:
        self._headers_done = True
        if self._head_only:  # no body follows a HEAD answer, whatever it declares
            self._complete(reusable=False)
            return
        try:
            self._decoder = BodyDecoder(self._encoding, self.max_body)
        except UnsupportedEncoding as exc:
            self._fail(
                f"content-encoding {exc}, which the probe did not ask for "
                f"(it accepts {ACCEPT_ENCODING})"
            )

    def on_body(self, body: bytes) -> None:
        decoder = self._decoder
        if decoder is None or self._done is None:  # already failed: the rest is noise
            return
        try:
            decoder.feed(body)  # decoded only to be counted: nothing is kept
        except BodyTooLarge:
            decoded = " once decoded" if decoder.compressed else ""
            self._fail(f"body larger than target.max_body ({self.max_body} bytes{decoded})")
        except InvalidEncoding:
            self._fail(f"body is not valid {decoder.encoding}")

    def on_message_complete(self) -> None:
        self._complete(reusable=self._parser.should_keep_alive() and not self._close_after)

    # -- requests ---------------------------------------------------------------------------

    def start(self, request: bytes, *, head_only: bool, done: Completion) -> None:
        """Send ``request``; ``done`` is called exactly once, unless :meth:`abandon`
        comes first. Raises ``ProbeHTTPError`` if the connection is already gone."""
        if self.transport is None or not self.alive:
            raise ProbeHTTPError("server closed the connection")
        self._done = done
        self._head_only = head_only
        self._reset_message()
        self.transport.write(request)

    async def send(self, request: bytes, *, head_only: bool) -> ProbeResponse:
        answer: asyncio.Future[ProbeResponse] = asyncio.get_running_loop().create_future()

        def done(response: ProbeResponse | None, cause: str | None) -> None:
            if answer.done():
                return
            if response is not None:
                answer.set_result(response)
            else:
                answer.set_exception(ProbeHTTPError(cause or "no answer"))

        self.start(request, head_only=head_only, done=done)
        return await answer

    def abandon(self) -> None:
        """Give up on the request in flight (the probe's timeout): no callback follows,
        and the connection is closed, since it may still be mid-answer."""
        self._done = None
        self.close()

    def _complete(self, *, reusable: bool) -> None:
        if self._done is None:
            return
        status = self._parser.get_status_code()
        if 100 <= status < 200:  # an interim answer: the real one follows
            self._reset_message()
            return
        if not reusable:  # closed first, so the caller never takes it back as idle
            self.close()
        size = self._decoder.size if self._decoder is not None else 0
        self._finish(ProbeResponse(status, self._retry_after, size, self._location), None)

    def _fail(self, cause: str) -> None:
        self.close()
        self._finish(None, cause)

    def _finish(self, response: ProbeResponse | None, cause: str | None) -> None:
        done, self._done = self._done, None
        if done is not None:
            done(response, cause)

    def close(self) -> None:
        self.alive = False
        if self.transport is not None:
            self.transport.close()


class H1Origin:
    """Keep-alive connections to one origin (scheme, host, port)."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        ssl_context: ssl.SSLContext | None,
        max_body: int,
        pinning: Pinning | None = None,
    ) -> None:
        self.host = host
        self._pinning = pinning
        self.port = port
        self._ssl = ssl_context
        self._max_body = max_body
        self._idle: list[Connection] = []
        self._all: set[Connection] = set()

    async def request(self, request: bytes, *, head_only: bool = False) -> ProbeResponse:
        """Send ``request`` (from :func:`encode_request`) on an idle connection or a
        new one. Cancelled (the probe's timeout), the connection is closed: it may
        still be mid-answer."""
        connection = self.take_idle() or await self.connect()
        try:
            response = await connection.send(request, head_only=head_only)
        except BaseException:
            self.discard(connection)
            raise
        self.give_back(connection)
        return response

    def give_back(self, connection: Connection) -> None:
        """A connection whose answer is complete: kept for the next request if it
        is still open and there is room, closed otherwise."""
        if connection.alive and len(self._idle) < _MAX_IDLE:
            self._idle.append(connection)
        else:
            self.discard(connection)

    def discard(self, connection: Connection) -> None:
        connection.close()
        self._all.discard(connection)

    @property
    def idle(self) -> int:
        """Idle connections still open, ready for the next request."""
        return sum(1 for connection in self._idle if connection.alive)

    def close(self) -> None:
        for connection in self._all:
            connection.close()
        self._all.clear()
        self._idle.clear()

    def take_idle(self) -> Connection | None:
        while self._idle:
            connection = self._idle.pop()
            if connection.alive:
                return connection
            self._all.discard(connection)
        return None

    async def connect(self) -> Connection:
        loop = asyncio.get_running_loop()
        address = self.host
        if self._pinning is not None:  # target.resolve: SNI and Host stay the name
            try:
                address = await self._pinning.connect_address(self.host, self.port)
            except PinnedDnsError as exc:
                raise ProbeHTTPError(str(exc)) from None
        try:
            _, connection = await loop.create_connection(
                lambda: Connection(self._max_body),
                address,
                self.port,
                ssl=self._ssl,
                server_hostname=self.host if self._ssl is not None else None,
            )
        except ssl.SSLCertVerificationError:
            raise ProbeHTTPError("TLS certificate not trusted") from None
        except ssl.SSLError:
            raise ProbeHTTPError("TLS handshake failed") from None
        except OSError as exc:
            raise ProbeHTTPError(os_cause(exc)) from None
        self._all.add(connection)
        return connection


def os_cause(exc: OSError) -> str:
    if exc.errno == errno.ECONNREFUSED or isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if exc.errno == errno.ECONNRESET or isinstance(exc, ConnectionResetError):
        return "connection reset"
    return f"connection error ({exc.strerror or type(exc).__name__})"


def _errno(exc: BaseException | None) -> int | None:
    return exc.errno if isinstance(exc, OSError) else None

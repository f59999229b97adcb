"""Deliberately misbehaving HTTP servers for integration tests.

Each :class:`MisbehavingServer` listens on a free loopback port (``127.0.0.1:0``) from
the moment it is constructed, so it is ready when the caller gets it: no sleeping, no
polling. An accept loop runs in a background thread and each connection gets a thread
of its own that reads one request and hands it to a *behaviour*, a plain function of
the connection and the request. Behaviours answer properly, wrongly or not at all.

Nothing here can hang a test. Every socket operation has a timeout, every wait ends
when the server is stopped, and a server stops by itself after ``lifetime_s`` even if a
test forgets it. :meth:`MisbehavingServer.stop` joins every thread and fails loudly if a
behaviour crashed (an ``OSError`` is not a crash: clients hang up on these servers).
"""

from __future__ import annotations

import contextlib
import functools
import socket
import ssl
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = [
    "Behaviour",
    "Connection",
    "MisbehavingServer",
    "Request",
    "answer",
    "closed_port",
    "delayed",
    "drip",
    "echo_headers",
    "endless",
    "gzip_bomb",
    "gzip_bomb_body",
    "ok",
    "redirect",
    "redirect_chain",
    "redirect_loop",
    "reset",
    "reset_without_answer",
    "routes",
    "server_pool",
    "silent",
    "status",
    "truncated",
]

LOOPBACK = "127.0.0.1"
SOCKET_TIMEOUT_S = 5.0  # any single recv or send
JOIN_TIMEOUT_S = 10.0
_MAX_HEAD = 64 * 1024


@dataclass(frozen=True)
class Request:
    """One request as the server read it. Header names are lower-case."""

    method: str
    path: str  # the request target, query string included
    headers: Mapping[str, str]
    body: bytes = b""

    @property
    def route(self) -> str:
        return self.path.split("?", 1)[0]


class Connection:
    """The server side of one accepted connection, as a behaviour sees it."""

    def __init__(self, sock: socket.socket, stopping: Callable[[float], bool]) -> None:
        self.sock = sock
        self._stopping = stopping

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send_head(
        self, code: int, headers: Iterable[tuple[str, str]] = (), *, reason: str | None = None
    ) -> None:
        phrase = reason if reason is not None else HTTPStatus(code).phrase
        lines = [f"HTTP/1.1 {code} {phrase}", *(f"{k}: {v}" for k, v in headers)]
        self.send(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def respond(
        self, code: int, body: bytes = b"", headers: Iterable[tuple[str, str]] = ()
    ) -> None:
        """A complete answer; the connection closes after it."""
        extra = list(headers)
        names = {k.lower() for k, _ in extra}
        if "content-type" not in names:
            extra.append(("Content-Type", "text/plain; charset=utf-8"))
        extra += [("Content-Length", str(len(body))), ("Connection", "close")]
        self.send_head(code, extra)
        self.send(body)

    def wait(self, seconds: float) -> bool:
        """Wait up to ``seconds``; True if the server is stopping (then stop at once)."""
        return self._stopping(seconds)

    def hold(self) -> None:
        """Keep the connection open, saying nothing, until the server stops."""
        while not self.wait(1.0):
            pass

    def reset(self) -> None:
        """Close with a TCP RST instead of a FIN (SO_LINGER with a zero timeout)."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()


Behaviour = Callable[[Connection, Request], None]


class MisbehavingServer:
    """A loopback HTTP/1.1 (or HTTPS, given ``tls``) server with one behaviour.

    Use it as a context manager, or call :meth:`stop`. ``requests`` lists what it read,
    in order, so tests can count POSTs or look at the headers that arrived.
    """

    def __init__(
        self,
        behaviour: Behaviour,
        *,
        tls: ssl.SSLContext | None = None,
        lifetime_s: float = 60.0,
        host: str = LOOPBACK,
    ) -> None:
        self._behaviour = behaviour
        self.host = host  # any 127.x.y.z is loopback on Linux: a second host for tests
        self._tls = tls
        self._deadline = time.monotonic() + lifetime_s
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._requests: list[Request] = []
        self._errors: list[BaseException] = []
        self._threads: list[threading.Thread] = []
        self._sockets: set[socket.socket] = set()
        self._listener = socket.create_server((host, 0))  # listening from here on
        self._listener.settimeout(0.05)  # how often the accept loop looks at _stop
        self.port: int = self._listener.getsockname()[1]
        self._acceptor = threading.Thread(
            target=self._accept_loop, name=f"server-{self.port}", daemon=True
        )
        self._acceptor.start()

    # -- what tests look at ----------------------------------------------------------

    @property
    def scheme(self) -> str:
        return "https" if self._tls is not None else "http"

    @property
    def url(self) -> str:
        return self.url_for(self.host)

    def url_for(self, host: str) -> str:
        """The base URL under another name for this host (``localhost``, say)."""
        return f"{self.scheme}://{host}:{self.port}"

    @property
    def requests(self) -> list[Request]:
        with self._lock:
            return list(self._requests)

    def count(self, method: str, route: str) -> int:
        return sum(r.method == method and r.route == route for r in self.requests)

    def stop_listening(self) -> None:
        """Refuse every new connection from now on (a target that went down), while
        the connections already accepted carry on. ``shutdown`` rather than ``close``:
        it takes effect at once, even while the accept loop is waiting in accept()."""
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)

    # -- life cycle ------------------------------------------------------------------

    def __enter__(self) -> MisbehavingServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop accepting, end every connection, join every thread; raise if a behaviour
        crashed or a thread would not end."""
        self._stop.set()
        self._acceptor.join(JOIN_TIMEOUT_S)
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            threads = list(self._threads)
        for thread in threads:
            thread.join(JOIN_TIMEOUT_S)
        self._listener.close()
        alive = [t.name for t in (self._acceptor, *threads) if t.is_alive()]
        if alive:
            raise RuntimeError(f"server threads did not end: {alive}")
        if self._errors:
            raise RuntimeError(f"a server behaviour crashed: {self._errors[0]!r}") from (
                self._errors[0]
            )

    def _stopping(self, seconds: float) -> bool:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            return True
        return self._stop.wait(min(seconds, remaining))

    def _accept_loop(self) -> None:
        while not self._stop.is_set() and time.monotonic() < self._deadline:
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(
                target=self._serve, args=(sock,), name=f"conn-{self.port}", daemon=True
            )
            with self._lock:
                self._sockets.add(sock)
                self._threads.append(thread)
            thread.start()

    def _serve(self, raw: socket.socket) -> None:
        sock = raw
        try:
            raw.settimeout(SOCKET_TIMEOUT_S)
            if self._tls is not None:
                sock = self._tls.wrap_socket(raw, server_side=True)
                with self._lock:
                    self._sockets.add(sock)
            request = _read_request(sock)
            if request is None:
                return
            with self._lock:
                self._requests.append(request)
            self._behaviour(Connection(sock, self._stopping), request)
        except OSError:  # the client hung up, refused our certificate, or timed out
            pass
        except BaseException as exc:
            with self._lock:
                self._errors.append(exc)
        finally:
            with contextlib.suppress(OSError):
                sock.close()
            with contextlib.suppress(OSError):
                raw.close()
            with self._lock:
                self._sockets.discard(sock)
                self._sockets.discard(raw)


def _read_request(sock: socket.socket) -> Request | None:
    """Read one request head and its Content-Length body; None if the client left."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk or len(data) > _MAX_HEAD:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    method, path, _version = request_line.split(" ", 2)
    headers: dict[str, str] = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        body += chunk
    return Request(method, path, headers, body)


@contextlib.contextmanager
def server_pool() -> Iterator[Callable[..., MisbehavingServer]]:
    """A factory of servers, ``start(behaviour, tls=None)``; on exit every server it
    started is stopped and joined, even if stopping another one failed."""
    with contextlib.ExitStack() as stack:

        def start(
            behaviour: Behaviour, *, tls: ssl.SSLContext | None = None, host: str = LOOPBACK
        ) -> MisbehavingServer:
            return stack.enter_context(MisbehavingServer(behaviour, tls=tls, host=host))

        yield start


def closed_port() -> int:
    """A loopback port with nothing listening on it (bound, noted, closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
    return port


# -- behaviours ----------------------------------------------------------------------


def answer(
    code: int = 200, body: bytes | str = b"", headers: Iterable[tuple[str, str]] = ()
) -> Behaviour:
    payload = body.encode() if isinstance(body, str) else body
    fixed = tuple(headers)

    def behave(conn: Connection, request: Request) -> None:
        conn.respond(code, payload, fixed)

    return behave


def routes(table: Mapping[str, Behaviour], default: Behaviour | None = None) -> Behaviour:
    """Dispatch on ``"METHOD /path"`` first, then ``"/path"``; else ``default`` (404)."""
    fallback = default or answer(404, "no such route")

    def behave(conn: Connection, request: Request) -> None:
        chosen = table.get(f"{request.method} {request.route}") or table.get(request.route)
        (chosen or fallback)(conn, request)

    return behave


def delayed(seconds: float, behaviour: Behaviour) -> Behaviour:
    """``behaviour``, after keeping the client waiting ``seconds`` (an app that is slow to
    fail: a health check blocked on its database, say)."""

    def behave(conn: Connection, request: Request) -> None:
        if not conn.wait(seconds):
            behaviour(conn, request)

    return behave


def ok() -> Behaviour:
    """A healthy app: 200 on ``/healthz`` and ``/``."""
    return routes({"/healthz": answer(200, "ok"), "/": answer(200, "welcome")})


def status(code: int, path: str = "/healthz") -> Behaviour:
    """Readiness at ``path`` answers ``code``; ``/`` answers 200."""
    return routes({path: answer(code, f"status {code} on purpose"), "/": answer(200, "welcome")})


def silent() -> Behaviour:
    """Accepts, reads the request, never answers."""

    def behave(conn: Connection, request: Request) -> None:
        conn.hold()

    return behave


def drip(interval_s: float = 0.2) -> Behaviour:
    """Headers at once, then one body byte every ``interval_s``, forever: each read
    completes well within any read timeout, the whole response never does."""

    def behave(conn: Connection, request: Request) -> None:
        conn.send_head(200, [("Content-Type", "text/plain"), ("Content-Length", "1000000")])
        while not conn.wait(interval_s):
            conn.send(b".")

    return behave


def reset() -> Behaviour:
    """The head and part of the body, then a TCP RST."""

    def behave(conn: Connection, request: Request) -> None:
        conn.send_head(200, [("Content-Type", "text/plain"), ("Content-Length", "1000")])
        conn.send(b"partial...")
        conn.reset()

    return behave


def reset_without_answer() -> Behaviour:
    """Reads the request, then a TCP RST before a single byte of answer."""

    def behave(conn: Connection, request: Request) -> None:
        conn.reset()

    return behave


def truncated(declared: int = 1000, sent: int = 10) -> Behaviour:
    """Declares ``Content-Length: declared``, sends ``sent`` bytes, closes normally."""

    def behave(conn: Connection, request: Request) -> None:
        conn.send_head(200, [("Content-Type", "text/plain"), ("Content-Length", str(declared))])
        conn.send(b"x" * sent)

    return behave


def endless(chunk_size: int = 16 * 1024) -> Behaviour:
    """A chunked body that never ends, sent as fast as the client reads it."""
    chunk = f"{chunk_size:x}\r\n".encode() + b"y" * chunk_size + b"\r\n"

    def behave(conn: Connection, request: Request) -> None:
        conn.send_head(200, [("Content-Type", "text/plain"), ("Transfer-Encoding", "chunked")])
        while not conn.wait(0):
            conn.send(chunk)

    return behave


@functools.lru_cache(maxsize=4)
def gzip_bomb_body(inflated_bytes: int) -> bytes:
    """A valid gzip stream of ``inflated_bytes`` zero bytes (about a thousandth of that)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1024 * 1024)
    parts: list[bytes] = []
    left = inflated_bytes
    while left > 0:
        parts.append(compressor.compress(block[: min(left, len(block))]))
        left -= len(block)
    parts.append(compressor.flush())
    return b"".join(parts)


def gzip_bomb(inflated_bytes: int = 32 * 1024 * 1024) -> Behaviour:
    """``Content-Encoding: gzip``: a small body (32 KiB by default) that inflates to
    ``inflated_bytes`` (32 MiB)."""
    body = gzip_bomb_body(inflated_bytes)

    def behave(conn: Connection, request: Request) -> None:
        conn.respond(
            200,
            body,
            [("Content-Type", "text/plain"), ("Content-Encoding", "gzip")],
        )

    return behave


def redirect(location: str, code: int = 302) -> Behaviour:
    return answer(code, f"see {location}", [("Location", location)])


def redirect_loop() -> Behaviour:
    """``/a`` -> ``/b`` -> ``/a`` -> ...; anything else -> ``/a``."""
    return routes({"/b": redirect("/a")}, default=redirect("/b"))


def redirect_chain(hops: int = 50) -> Behaviour:
    """``/`` -> ``/hop/1`` -> ... -> ``/hop/{hops}``, which answers 200: no loop, just long."""

    def behave(conn: Connection, request: Request) -> None:
        route = request.route
        n = int(route.removeprefix("/hop/")) if route.startswith("/hop/") else 0
        if n >= hops:
            conn.respond(200, b"the end of the chain")
        else:
            conn.respond(302, b"", [("Location", f"/hop/{n + 1}")])

    return behave


def echo_headers(code: int = 200) -> Behaviour:
    """Answers ``code`` with the request headers it received, one per line."""

    def behave(conn: Connection, request: Request) -> None:
        text = "".join(f"{k}: {v}\n" for k, v in request.headers.items())
        conn.respond(code, text.encode("latin-1"))

    return behave


@contextlib.contextmanager
def handler_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[int]:
    """A stdlib ``ThreadingHTTPServer`` on a free loopback port, for apps written as a
    request handler; yields the port and stops the server (and its thread) after."""
    server = ThreadingHTTPServer((LOOPBACK, 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def switch_after(n: int, first: Behaviour, then: Behaviour) -> Behaviour:
    """``first`` for the first ``n`` requests (counted across connections), ``then`` for
    every later one: a session that expires, a target that collapses, one 429."""
    served = 0
    lock = threading.Lock()

    def behave(conn: Connection, request: Request) -> None:
        nonlocal served
        with lock:
            served += 1
            early = served <= n
        (first if early else then)(conn, request)

    return behave


def throttled_once(retry_after: str = "1") -> Behaviour:
    """The first request answers 429 with ``Retry-After``; every later one 200 ok."""
    return switch_after(
        1, answer(429, b"slow down", [("Retry-After", retry_after)]), answer(200, b"ok")
    )

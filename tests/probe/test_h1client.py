"""The probe's HTTP/1.1 client against real (mis)behaving servers on loopback: each
way an answer can go wrong is a cause the report names, never a fast latency."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator

import pytest
import trustme

from launchgate.probe.h1client import H1Origin, ProbeHTTPError, encode_request
from tests.servers import (
    LOOPBACK,
    Behaviour,
    Connection,
    MisbehavingServer,
    Request,
    answer,
    closed_port,
    endless,
    reset_without_answer,
    truncated,
)

Serve = Callable[..., MisbehavingServer]


@pytest.fixture
def serve() -> Iterator[Serve]:
    servers: list[MisbehavingServer] = []

    def start(behaviour: Behaviour, *, tls: ssl.SSLContext | None = None) -> MisbehavingServer:
        servers.append(MisbehavingServer(behaviour, tls=tls))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def port_of(server: MisbehavingServer) -> int:
    return server.port


async def get(
    port: int,
    *,
    method: str = "GET",
    max_body: int = 1 << 20,
    tls: ssl.SSLContext | None = None,
    host: str = LOOPBACK,
):
    origin = H1Origin(host, port, ssl_context=tls, max_body=max_body)
    try:
        request = encode_request(method, "/x?y=1", f"{host}:{port}", (("Cookie", "s=1"),))
        return await origin.request(request, head_only=method == "HEAD")
    finally:
        origin.close()


@pytest.mark.asyncio
async def test_a_plain_answer_gives_status_size_and_retry_after(serve: Serve) -> None:
    server = serve(answer(503, b"busy", headers=[("Retry-After", "7")]))
    response = await get(port_of(server))
    assert (response.status, response.body_bytes, response.retry_after) == (503, 4, "7")
    sent = server.requests[0]
    assert sent.path == "/x?y=1"
    assert sent.headers["cookie"] == "s=1"
    assert sent.headers["host"] == f"{LOOPBACK}:{port_of(server)}"


def chunked(conn: Connection, request: Request) -> None:
    conn.send_head(200, [("Transfer-Encoding", "chunked"), ("Connection", "close")])
    conn.send(b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")


def unframed(conn: Connection, request: Request) -> None:
    conn.send_head(200, [("Content-Type", "text/plain")])  # ends when the connection does
    conn.send(b"abc")


@pytest.mark.asyncio
@pytest.mark.parametrize(("behaviour", "size"), [(chunked, 11), (unframed, 3)])
async def test_chunked_and_close_framed_bodies_are_counted(
    serve: Serve, behaviour: Behaviour, size: int
) -> None:
    response = await get(port_of(serve(behaviour)))
    assert (response.status, response.body_bytes) == (200, size)


@pytest.mark.asyncio
async def test_head_needs_no_body_whatever_the_length_says(serve: Serve) -> None:
    def head(conn: Connection, request: Request) -> None:
        conn.send_head(200, [("Content-Length", "5000")])
        conn.hold()

    response = await get(port_of(serve(head)), method="HEAD")
    assert (response.status, response.body_bytes) == (200, 0)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("behaviour", "cause"),
    [
        (truncated(declared=1000, sent=10), "response body cut short"),
        (endless(), "body larger than target.max_body"),
        (reset_without_answer(), "connection reset"),
        (lambda conn, request: conn.send(b"HTTP/1.1 banana\r\n\r\n"), "malformed response"),
        (lambda conn, request: None, "server closed the connection"),
    ],
    ids=["truncated", "endless", "reset", "malformed", "closed"],
)
async def test_each_broken_answer_names_its_cause(
    serve: Serve, behaviour: Behaviour, cause: str
) -> None:
    with pytest.raises(ProbeHTTPError) as failure:
        await get(port_of(serve(behaviour)), max_body=64 * 1024)
    assert failure.value.cause.startswith(cause)


@pytest.mark.asyncio
async def test_a_closed_port_is_connection_refused() -> None:
    with pytest.raises(ProbeHTTPError, match="connection refused"):
        await get(closed_port())


@pytest.mark.asyncio
async def test_tls_is_verified_against_the_given_trust(serve: Serve, tmp_path) -> None:
    ca = trustme.CA()
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("localhost").configure_cert(server_context)
    port = port_of(serve(answer(200, b"secure"), tls=server_context))

    trusting = ssl.create_default_context()
    ca.configure_trust(trusting)
    response = await get(port, tls=trusting, host="localhost")
    assert (response.status, response.body_bytes) == (200, 6)

    with pytest.raises(ProbeHTTPError, match="TLS certificate not trusted"):
        await get(port, tls=ssl.create_default_context(), host="localhost")


@pytest.mark.parametrize("value", ["a\r\nX-Smuggled: 1", "a\nb", "a\0"])
def test_a_header_that_could_split_the_request_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="control character"):
        encode_request("GET", "/", "h", (("X-Test", value),))


def test_the_request_asks_for_what_a_browser_does() -> None:
    raw = encode_request("GET", "/dash", "example.test", (("User-Agent", "lg"),)).decode()
    assert raw.startswith("GET /dash HTTP/1.1\r\nHost: example.test\r\n")
    assert "Accept: */*\r\n" in raw
    assert "Accept-Encoding: gzip, deflate\r\n" in raw
    assert raw.endswith("\r\n\r\n")


def test_a_configured_host_replaces_the_urls_and_is_sent_once() -> None:
    raw = encode_request("GET", "/", "127.0.0.1:8000", (("host", "shop.example"),)).decode()
    assert raw.startswith("GET / HTTP/1.1\r\nHost: shop.example\r\n")
    assert raw.lower().count("\r\nhost:") == 1


@pytest.mark.asyncio
async def test_keep_alive_reuses_one_connection_and_survives_the_servers_close() -> None:
    import asyncio

    connections = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        try:
            for _ in range(2):  # two answers per connection, then the server closes it
                await reader.readuntil(b"\r\n\r\n")
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the client went away first
        finally:
            writer.close()
            await writer.wait_closed()

    server = await asyncio.start_server(handle, LOOPBACK, 0)
    port = server.sockets[0].getsockname()[1]
    origin = H1Origin(LOOPBACK, port, ssl_context=None, max_body=1024)
    request = encode_request("GET", "/", f"{LOOPBACK}:{port}", ())
    try:
        first = [await origin.request(request) for _ in range(2)]
        assert origin.idle == 1
        async with asyncio.timeout(5):  # the server's close reaches the idle connection
            while origin.idle:  # noqa: ASYNC110 - set by a protocol callback, no event
                await asyncio.sleep(0.01)
        third = await origin.request(request)  # a fresh connection, not an error
    finally:
        origin.close()
        server.close()
        await server.wait_closed()
    assert [r.status for r in [*first, third]] == [200, 200, 200]
    assert connections == 2


@pytest.mark.asyncio
async def test_an_abandoned_request_calls_nobody_back_and_closes_its_connection() -> None:
    """The probe's timeout: the answer may still be on its way, so the connection is
    not reused, and a late answer must not be counted twice."""
    import asyncio

    closed = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")  # never answers
        await reader.read()  # until the client closes
        closed.set()
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(handle, LOOPBACK, 0)
    port = server.sockets[0].getsockname()[1]
    origin = H1Origin(LOOPBACK, port, ssl_context=None, max_body=1024)
    calls: list[object] = []
    try:
        connection = await origin.connect()
        request = encode_request("GET", "/", f"{LOOPBACK}:{port}", ())
        connection.start(request, head_only=False, done=lambda *answer: calls.append(answer))
        connection.abandon()
        async with asyncio.timeout(5):
            await closed.wait()
        await asyncio.sleep(0)  # connection_lost has had its turn
        origin.give_back(connection)
        assert origin.idle == 0 and origin.take_idle() is None
    finally:
        origin.close()
        server.close()
        await server.wait_closed()
    assert calls == []

"""The probe's body and redirect rules, on its own driver against loopback servers:
the journeys' rules (``checks.bounded_body``), the same causes every time."""

from __future__ import annotations

import zlib
from collections.abc import Iterator

import pytest

from launchgate.checks.bounded_body import undecodable_codings
from launchgate.probe.driver import Prober, ProbeTarget
from launchgate.probe.measurement import RouteMeasurement
from tests.probe.test_driver import settings
from tests.servers import Behaviour, MisbehavingServer, answer, gzip_bomb_body, redirect

OK = frozenset(range(200, 300))


@pytest.fixture
def serve() -> Iterator[list[MisbehavingServer]]:
    servers: list[MisbehavingServer] = []
    yield servers
    for server in servers:
        server.stop()


async def measure(
    servers: list[MisbehavingServer],
    behaviour: Behaviour,
    *,
    max_body: int = 1 << 20,
    expect: frozenset[int] = OK,
    session: bool = False,
    path: str = "/",
) -> tuple[RouteMeasurement, MisbehavingServer]:
    servers.append(MisbehavingServer(behaviour))
    server = servers[-1]
    target = ProbeTarget("r", "GET", server.url + path, (), 20, expect, session=session)
    async with Prober(
        [target],
        settings(max_body=max_body),
        allowed_host="127.0.0.1",
        ssl_context=False,
        user_agent="launchgate-test",
    ) as prober:
        await prober.run(duration_s=0.5)
        return prober.measurement().routes[0], server


def gzip(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


def encoded(body: bytes, encoding: str) -> Behaviour:
    return answer(200, body, [("Content-Encoding", encoding)])


@pytest.mark.asyncio
async def test_it_asks_for_what_it_decodes_and_counts_the_decoded_size(serve):
    two_mib = gzip_bomb_body(2 << 20)  # ~2 KiB on the wire
    route, server = await measure(serve, encoded(two_mib, "gzip"), max_body=4 << 20)
    assert route.successes == route.sent == len(server.requests) > 0
    assert {r.headers["accept-encoding"] for r in server.requests} == {"gzip, deflate"}

    route, _ = await measure(serve, encoded(two_mib, "gzip"), max_body=1 << 20)
    assert route.successes == 0
    assert route.errors == {
        "body larger than target.max_body (1048576 bytes once decoded)": route.error_count
    }


@pytest.mark.asyncio
async def test_a_content_encoding_it_did_not_ask_for_is_an_error(serve):
    route, _ = await measure(serve, encoded(b"\x1b\x00\x00compressed?", "br"))
    assert route.successes == 0
    cause = "content-encoding br, which the probe did not ask for (it accepts gzip, deflate)"
    assert route.errors == {cause: route.error_count}


@pytest.mark.asyncio
async def test_a_body_that_is_not_what_it_declares_is_an_error(serve):
    route, _ = await measure(serve, encoded(b"plain text, not gzip at all", "gzip"))
    assert route.successes == 0
    assert route.errors == {"body is not valid gzip": route.error_count}


@pytest.mark.asyncio
async def test_deflate_is_decoded_with_or_without_its_zlib_wrapper(serve):
    raw = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    bare = raw.compress(b"x" * 5000) + raw.flush()
    for body in (zlib.compress(b"x" * 5000), bare):
        route, _ = await measure(serve, encoded(body, "deflate"), max_body=4096)
        assert route.successes == 0  # 5000 decoded bytes > 4096: it was decoded
        assert set(route.errors) == {"body larger than target.max_body (4096 bytes once decoded)"}
        route, _ = await measure(serve, encoded(body, "deflate"), max_body=8192)
        assert route.errors == {}
        assert route.successes > 0


@pytest.mark.asyncio
async def test_a_plain_body_over_max_body_is_an_error_too(serve):
    route, _ = await measure(serve, answer(200, b"y" * 5000), max_body=4096)
    assert route.errors == {"body larger than target.max_body (4096 bytes)": route.error_count}


@pytest.mark.asyncio
async def test_a_redirect_is_an_error_naming_where_it_went_unless_expected(serve):
    route, _ = await measure(serve, redirect("/login?next=/&token=abc", 302))
    assert route.errors == {"status 302 (redirect to /login)": route.error_count}
    route, _ = await measure(serve, redirect("/login", 302), expect=frozenset({200, 302}))
    assert route.errors == {}
    assert route.answered == {"3xx": route.successes}


@pytest.mark.asyncio
async def test_a_session_route_may_redirect_to_itself_but_not_elsewhere(serve):
    expect = frozenset({200, 302})
    route, _ = await measure(
        serve, redirect("/dashboard?tab=1", 302), expect=expect, session=True, path="/dashboard"
    )
    assert route.errors == {}  # the same page: the session is still there
    route, _ = await measure(
        serve, redirect("/login", 302), expect=expect, session=True, path="/dashboard"
    )
    assert route.successes == 0  # whatever expect_status says
    assert route.errors == {
        "the session was lost: /dashboard redirected to /login": route.error_count
    }
    route, _ = await measure(
        serve,
        redirect("https://me:pw@sso.example.com/authorize?state=secret", 302),
        session=True,
        path="/dashboard",
    )
    assert set(route.errors) == {
        "the session was lost: /dashboard redirected to https://sso.example.com/authorize"
    }


@pytest.mark.parametrize(
    ("accept", "undecodable"),
    [
        ("gzip, deflate", []),
        ("identity", []),
        ("gzip;q=1.0, br;q=0", []),
        ("gzip, br;q=0.5", ["br"]),
        ("*", ["*"]),  # anything at all, br and zstd included
        ("zstd, gzip;q=bogus", ["zstd"]),
    ],
)
def test_which_asked_codings_cannot_be_decoded(accept: str, undecodable: list[str]) -> None:
    assert undecodable_codings(accept) == undecodable

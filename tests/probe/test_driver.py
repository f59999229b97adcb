"""The open-model driver against real servers on loopback."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from launchgate.probe.driver import Prober, ProbeSettings, ProbeTarget
from tests.servers import (
    Behaviour,
    Connection,
    MisbehavingServer,
    Request,
    answer,
    silent,
    switch_after,
    throttled_once,
)

OK = frozenset(range(200, 400))


def target(url: str, rate: float, route: str = "r", path: str = "/") -> ProbeTarget:
    return ProbeTarget(route, "GET", url.rstrip("/") + path, (), rate, OK)


def settings(**overrides: float) -> ProbeSettings:
    values = {"concurrency": 8, "timeout_s": 2.0, "max_requests": 10_000, "max_body": 1 << 20}
    values.update(overrides)
    return ProbeSettings(**values)  # type: ignore[arg-type]


async def probe(url: str, rate: float, *, duration_s: float, warmup_s: float = 0.0, **kw):
    async with Prober(
        [target(url, rate)],
        settings(**kw),
        allowed_host="127.0.0.1",
        ssl_context=False,
        user_agent="launchgate-test",
    ) as prober:
        await prober.run(duration_s=duration_s, warmup_s=warmup_s)
        return prober.measurement()


@pytest.fixture
def serve() -> Iterator[Callable[[Behaviour], MisbehavingServer]]:
    servers: list[MisbehavingServer] = []

    def start(behaviour: Behaviour) -> MisbehavingServer:
        servers.append(MisbehavingServer(behaviour))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def stalling(after_s: float, stall_s: float) -> Behaviour:
    """Answers at once, except that once, after ``after_s``, the whole server stalls
    for ``stall_s``: every request in flight or arriving waits (a GC pause, a lock)."""
    lock = threading.Lock()
    started = time.monotonic()
    stalled = threading.Event()

    def behave(conn: Connection, request: Request) -> None:
        if not stalled.is_set() and time.monotonic() - started > after_s:
            with lock:
                if not stalled.is_set():
                    stalled.set()
                    conn.wait(stall_s)
        with lock:  # while the stall holds the lock, everyone waits
            pass
        conn.respond(200, b"ok")

    return behave


@pytest.mark.asyncio
async def test_a_stall_shows_in_the_tail_and_is_not_hidden(serve):
    """wrk2's point: requests that should have been sent during a 1 s stall count the
    stall, although a closed-loop client would have sent few of them at all."""
    server = serve(stalling(after_s=1.0, stall_s=1.0))
    m = await probe(server.url, 50, duration_s=3.0, concurrency=4)
    route = m.routes[0]
    assert route.successes >= 140
    # ~50 requests were due during the stall; with only 4 slots most waited for it.
    assert route.p(99) >= 500.0
    assert route.p(95) >= 200.0
    assert route.p(50) < 100.0  # the stall is in the tail, not everywhere


@pytest.mark.asyncio
async def test_the_rate_cap_holds(serve):
    server = serve(answer(200, "ok"))
    m = await probe(server.url, 40, duration_s=2.0)
    sent = len(server.requests)
    assert sent <= 1.05 * 40 * 2.0 + 1
    assert m.routes[0].achieved_rate_per_s <= 1.05 * 40
    assert m.routes[0].successes == sent  # every answer measured, none dropped


@pytest.mark.asyncio
async def test_no_connection_to_a_host_the_config_does_not_name(serve):
    elsewhere = serve(answer(200, "elsewhere"))
    target_server = serve(answer(302, "", [("Location", elsewhere.url_for("localhost") + "/")]))
    m = await probe(target_server.url, 20, duration_s=1.0)
    assert m.routes[0].successes > 0  # the redirect itself is the answer
    assert elsewhere.requests == []


def test_a_target_on_another_host_is_refused_up_front():
    with pytest.raises(ValueError, match=r"only sends to 127\.0\.0\.1"):
        Prober(
            [target("http://example.com", 1)],
            settings(),
            allowed_host="127.0.0.1",
            ssl_context=False,
            user_agent="x",
        )


def failing_after(n: int) -> Behaviour:
    """Healthy for ``n`` requests, then resets every connection: a collapsing target."""
    return switch_after(n, answer(200, b"ok"), lambda conn, request: conn.reset())


@pytest.mark.asyncio
async def test_a_collapsing_target_stops_the_probe_early(serve):
    server = serve(failing_after(30))
    m = await probe(server.url, 50, duration_s=6.0)
    assert m.stopped_early is not None
    assert "collapsing" in m.stopped_early
    route = m.routes[0]
    assert route.error_count >= 20
    assert set(route.errors) <= {"connection reset", "server closed the connection"}
    assert len(server.requests) < 50 * 6  # it stopped well before the end


@pytest.mark.asyncio
async def test_errors_are_counted_by_cause_never_as_fast_latencies(serve):
    server = serve(answer(503, "busy"))
    m = await probe(server.url, 30, duration_s=1.0)
    route = m.routes[0]
    assert route.successes == 0
    assert route.errors == {"status 503": route.error_count}
    assert route.latency.count == 0  # no "p95 = 0 ms" from failures


@pytest.mark.asyncio
async def test_timeouts_are_errors(serve):
    server = serve(silent())
    m = await probe(server.url, 10, duration_s=0.5, timeout_s=0.3)
    route = m.routes[0]
    assert route.successes == 0
    assert route.errors.get("timeout (0.3s)", 0) >= 3


@pytest.mark.asyncio
async def test_retry_after_is_honoured(serve):
    throttle_once = throttled_once()
    server = serve(throttle_once)
    m = await probe(server.url, 20, duration_s=2.0)
    route = m.routes[0]
    # One 429 reached the probe; the sends due during its pause were not sent, and
    # are counted as such, never as 429 answers.
    assert route.throttled == 1
    assert route.answered["4xx"] == 1
    assert route.not_sent["paused for Retry-After"] >= 15
    # About one second of the two was skipped, so the server saw about half the load.
    assert len(server.requests) <= 30
    assert route.sent == len(server.requests)


@pytest.mark.asyncio
async def test_the_warm_up_is_not_measured(serve):
    server = serve(answer(200, "ok"))
    m = await probe(server.url, 20, duration_s=1.0, warmup_s=1.0)
    assert len(server.requests) >= 35
    assert m.routes[0].requests <= 21


@pytest.mark.parametrize("event_loop_name", ["uvloop", "asyncio"])
def test_latencies_keep_sub_millisecond_detail_on_either_event_loop(
    serve, monkeypatch: pytest.MonkeyPatch, event_loop_name: str
) -> None:
    """uvloop's loop.time() counts whole milliseconds; latencies timed with it would
    all land on 2.000 or 3.000 ms here, and a 20 ms page's p95 would be ±1 ms."""
    from launchgate.eventloop import ENV_VAR, loop_name, new_runner

    def slow(conn: Connection, request: Request) -> None:
        conn.wait(0.0025)
        conn.respond(200, b"ok")

    server = serve(slow)
    monkeypatch.setenv(ENV_VAR, event_loop_name)
    assert loop_name() == event_loop_name
    with new_runner() as runner:
        m = runner.run(probe(server.url, 50, duration_s=1.0))
    route = m.routes[0]
    assert route.successes >= 45
    figures = [route.p(p) for p in (10, 20, 30, 40, 50, 60, 70, 80, 90)]
    assert min(figures) >= 2.5  # never faster than the server's own wait
    # Whole milliseconds read back as n.000-n.008 (the histogram's 3 digits).
    assert not all(f % 1.0 < 0.01 for f in figures), figures

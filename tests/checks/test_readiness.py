"""Readiness against real loopback servers: what it waits out, what it fails at once,
and how it spends the end of its wait. Bounds are counts of requests the server saw."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from launchgate.config.load import parse_config
from launchgate.engine import Run
from launchgate.results import CheckResult
from tests.servers import (
    Behaviour,
    Connection,
    MisbehavingServer,
    Request,
    answer,
    routes,
    server_pool,
)

pytestmark = pytest.mark.timeout(60)

JOURNEY = "journeys:\n  home:\n    steps:\n      - path: /\n"


def readiness(timeout: str = "5s", interval: str = "50ms", max_interval: str = "100ms",
              request_timeout: str = "500ms", extra: str = "") -> str:  # fmt: skip
    return (
        f"readiness:\n  timeout: {timeout}\n  interval: {interval}\n"
        f"  max_interval: {max_interval}\n  request_timeout: {request_timeout}\n{extra}"
    )


async def check(text: str, url: str, environ: dict[str, str] | None = None) -> CheckResult:
    loaded = parse_config(text + JOURNEY, Path("launchgate.yml"), environ or {})
    run = Run(loaded, target_url=url)
    await run.execute_all()
    return run.results["readiness"]


@pytest.fixture
def serve() -> Iterator[Callable[..., MisbehavingServer]]:
    with server_pool() as start:
        yield start


def after(failures: int, code: int, body: str = "ok") -> Behaviour:
    """``code`` for the first ``failures`` requests, then 200 with ``body``."""
    seen: dict[str, int] = {}
    lock = threading.Lock()

    def behave(conn: Connection, request: Request) -> None:
        with lock:
            seen[request.route] = n = seen.get(request.route, 0) + 1
        (answer(code, f"status {code}") if n <= failures else answer(200, body))(conn, request)

    return behave


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("code", "meaning"),
    [
        (404, "the readiness path is wrong (readiness.path)"),
        (405, "the readiness path is wrong (readiness.path)"),
        (410, "the readiness path is wrong (readiness.path)"),
        (401, "the readiness path needs credentials"),
        (403, "the readiness path needs credentials"),
    ],
)
async def test_a_wrong_readiness_path_fails_at_once_and_says_so(
    serve: Callable[..., MisbehavingServer], code: int, meaning: str
) -> None:
    """It used to retry a 404 for the whole timeout, then advise a longer timeout."""
    server = serve(answer(code, "nope"))
    result = await check(readiness(timeout="4s"), server.url)
    assert result.status == "failed"
    assert f"GET /healthz answered {code}: {meaning}" in result.message
    assert server.count("GET", "/healthz") == 1  # not retried
    (finding,) = result.findings
    assert "readiness.timeout" not in finding.remedy  # a longer wait would not help
    assert "readiness.path" in finding.remedy


@pytest.mark.asyncio
@pytest.mark.parametrize("code", [500, 502, 503, 504, 429, 408])
async def test_answers_that_a_starting_app_gives_are_waited_out(
    serve: Callable[..., MisbehavingServer], code: int
) -> None:
    server = serve(after(2, code))
    result = await check(readiness(), server.url)
    assert result.status == "passed", result.message
    assert server.count("GET", "/healthz") == 3


@pytest.mark.asyncio
async def test_a_version_route_the_old_deploy_lacks_is_waited_out(
    serve: Callable[..., MisbehavingServer],
) -> None:
    """The old deploy may not have the version route yet: its 404 is not permanent."""
    server = serve(routes({"/healthz": answer(200, "ok"), "/version": after(2, 404, "build-2")}))
    extra = "  version: {path: /version, contains: build-2}\n"
    result = await check(readiness(extra=extra), server.url)
    assert result.status == "passed", result.message
    assert server.count("GET", "/version") == 3


@pytest.mark.asyncio
async def test_the_end_of_the_wait_is_not_a_burst_of_attempts(
    serve: Callable[..., MisbehavingServer],
) -> None:
    """An app that fails fast used to get a burst of attempts in the last 50 ms before
    the deadline (each with a few milliseconds to answer). Now no attempt starts with
    less than MIN_ATTEMPT_S left: the final stretch sees at most the last attempt."""
    arrivals: list[float] = []
    lock = threading.Lock()

    def fast_503(conn: Connection, request: Request) -> None:
        with lock:
            arrivals.append(time.monotonic())
        answer(503, "starting")(conn, request)

    server = serve(fast_503)
    timeout_s, interval_s = 1.0, 0.1
    result = await check(
        readiness(timeout="1s", interval="100ms", max_interval="100ms"), server.url
    )
    assert result.status == "failed"
    assert "answered 503" in result.message
    # The first attempt is sent right after the deadline is set, so the deadline is at
    # most timeout_s after the first arrival.
    deadline = arrivals[0] + timeout_s
    final_stretch = [t for t in arrivals if t > deadline - 0.1]
    assert len(final_stretch) <= 1, [round(deadline - t, 3) for t in arrivals]
    near_the_last = [t for t in arrivals if t > arrivals[-1] - 0.05]
    assert len(near_the_last) <= 2
    assert len(arrivals) <= timeout_s / interval_s + 2


@pytest.mark.asyncio
async def test_a_tiny_interval_does_not_make_readiness_spin(
    serve: Callable[..., MisbehavingServer],
) -> None:
    """interval: 1ms against an app that fails fast would poll as fast as it answers;
    the pause has a floor, so at most 100 attempts a second."""
    from launchgate.checks.readiness import MIN_PAUSE_S

    server = serve(answer(503, "starting"))
    result = await check(readiness(timeout="1s", interval="1ms", max_interval="1ms"), server.url)
    assert result.status == "failed"
    assert server.count("GET", "/healthz") <= 1.0 / MIN_PAUSE_S + 2

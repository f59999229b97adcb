"""The probe reads an answer as a journey would, and its counts say what happened:
through the engine, against misbehaving servers on loopback."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from launchgate.config import parse_config
from launchgate.engine import Run
from launchgate.errors import ConfigError
from launchgate.reports import render_json
from tests.servers import (
    Behaviour,
    Connection,
    MisbehavingServer,
    Request,
    answer,
    gzip_bomb,
    redirect,
    routes,
    switch_after,
    throttled_once,
)

LOGIN = (
    "journeys:\n  login:\n    steps:\n      - {method: POST, path: /login, expect: {status: 303}}\n"
)


def config(tmp_path: Path, route: str, *, extra: str = "", gates: str = "min_samples: 20",
           probe: str = "rate: 50/s\n  duration: 2s") -> str:  # fmt: skip
    return (
        "readiness: null\n"
        f"{extra}"
        # A loaded test machine may lag its own schedule: that is not under test here.
        f"probe:\n  {probe}\n  warmup: 0s\n  ramp: 0s\n  max_extend: 0s\n  max_client_lag: 1s\n"
        f"  routes: {{{route}}}\n  gates: {{{gates}}}\n"
        f"baseline: {{dir: {tmp_path / 'baselines'}}}\n"
    )


async def gate(text: str, server: MisbehavingServer, tmp_path: Path) -> Run:
    loaded = parse_config(text, Path("launchgate.yml"), {})
    run = Run(loaded, target_url=server.url, workdir=tmp_path, environ={})
    await run.execute_all()
    return run


def route_json(run: Run, name: str) -> dict[str, Any]:
    data = json.loads(render_json(run.report()))
    (route,) = [r for r in data["routes"] if r["route"] == name]
    return route  # type: ignore[no-any-return]


@pytest.fixture
def serve() -> Iterator[list[MisbehavingServer]]:
    servers: list[MisbehavingServer] = []
    yield servers
    for server in servers:
        server.stop()


def start(servers: list[MisbehavingServer], behaviour: Behaviour) -> MisbehavingServer:
    servers.append(MisbehavingServer(behaviour))
    return servers[-1]


def logs_in(dashboard: Behaviour) -> Behaviour:
    """POST /login sets a session cookie; /dashboard behaves as given."""
    return routes(
        {
            "POST /login": answer(
                303, "", [("Location", "/dashboard"), ("Set-Cookie", "sid=abc123; Path=/")]
            ),
            "/dashboard": dashboard,
            "/login": answer(200, "the login form"),
        }
    )


def expiring_after(n: int) -> Behaviour:
    """The dashboard for ``n`` requests, then a redirect to the login page: a session
    that expired mid-probe."""
    return switch_after(
        n,
        answer(200, b"your dashboard"),
        answer(303, b"", [("Location", "/login?next=/dashboard")]),
    )


# -- 1. a redirect is not the page -------------------------------------------------------


@pytest.mark.asyncio
async def test_a_redirect_to_the_login_page_is_an_error_not_a_fast_success(serve, tmp_path):
    server = start(serve, redirect("/login", 303))
    run = await gate(config(tmp_path, "home: {path: /dashboard}"), server, tmp_path)
    errors = run.results["probe::home::errors"]
    assert errors.status == "failed"
    assert "status 303 (redirect to /login): " in errors.findings[0].detail
    p95 = run.results["probe::home::p95"]
    assert p95.status == "error"  # no answer was the page: no latency to judge
    assert "only 0 successful requests" in p95.message
    assert run.results["probe"].status == "failed"
    assert run.report().verdict.outcome == "fail"
    assert route_json(run, "home")["samples"] == 0


@pytest.mark.asyncio
async def test_expect_status_widens_what_counts_as_served(serve, tmp_path):
    server = start(serve, redirect("/login", 303))
    route = "home: {path: /dashboard, expect_status: [2xx, 303]}"
    run = await gate(config(tmp_path, route), server, tmp_path)
    assert run.results["probe::home::errors"].status == "passed"
    assert run.results["probe::home::p95"].status == "passed"
    assert run.results["probe"].status == "passed"


def test_a_wrong_expect_status_names_file_line_and_key(tmp_path):
    text = config(tmp_path, "home: {path: /, expect_status: [200, 2yy]}")
    with pytest.raises(ConfigError) as caught:
        parse_config(text, Path("launchgate.yml"), {})
    message = str(caught.value)
    line = 1 + text.splitlines().index(next(x for x in text.splitlines() if "2yy" in x))
    assert f"launchgate.yml:{line}" in message
    assert "probe.routes.home.expect_status" in message
    assert "2xx" in message  # says what is expected


@pytest.mark.asyncio
async def test_a_session_route_redirected_to_login_is_the_session_lost(serve, tmp_path):
    server = start(serve, logs_in(redirect("/login", 303)))
    route = "dashboard: {path: /dashboard, session: login}"
    run = await gate(config(tmp_path, route, extra=LOGIN), server, tmp_path)
    assert run.results["journey::login"].status == "passed"
    assert all(r.headers.get("cookie") == "sid=abc123" for r in server.requests[1:])
    errors = run.results["probe::dashboard::errors"]
    assert errors.status == "failed"
    assert "the session was lost: /dashboard redirected to /login" in errors.message
    probe = run.results["probe"]
    assert probe.status == "failed"
    assert any("probe::dashboard::errors" in f.title for f in probe.findings)
    assert "the session was lost: /dashboard redirected to /login" in probe.findings[-1].detail
    causes = {e["cause"] for e in route_json(run, "dashboard")["errors"]}
    assert causes == {"the session was lost: /dashboard redirected to /login"}


@pytest.mark.asyncio
async def test_a_session_that_expires_mid_probe_fails_whatever_the_error_budget(serve, tmp_path):
    """60 good answers, then the login page: with a 90 % budget the error rate alone
    would pass, and before this the redirects were timed as flattering latencies."""
    server = start(serve, logs_in(expiring_after(60)))
    route = "dashboard: {path: /dashboard, session: login}"
    text = config(tmp_path, route, extra=LOGIN, gates="min_samples: 20, error_budget: 90%")
    run = await gate(text, server, tmp_path)
    errors = run.results["probe::dashboard::errors"]
    assert errors.status == "failed"
    assert "dashboard: the session was lost: /dashboard redirected to /login (" in errors.message
    assert run.results["probe"].status == "failed"
    assert route_json(run, "dashboard")["samples"] == 60  # only the real dashboard is timed
    assert run.report().verdict.outcome == "fail"


# -- 2. the body rules are the journeys' --------------------------------------------------


@pytest.mark.asyncio
async def test_a_gzip_bomb_fails_the_probe_as_it_fails_a_journey(serve, tmp_path):
    server = start(serve, gzip_bomb(8 * 1024 * 1024))
    journey = "journeys:\n  home:\n    steps:\n      - {path: /}\n"
    text = config(tmp_path, "home: {path: /}", extra=journey, probe="rate: 10/s\n  duration: 2s")
    run = await gate(text, server, tmp_path)
    assert run.results["journey::home"].status == "failed"
    assert "target.max_body" in run.results["journey::home"].message
    errors = run.results["probe::home::errors"]
    assert errors.status == "failed"
    cause = "body larger than target.max_body (1048576 bytes once decoded)"
    assert f"{cause}: " in errors.findings[0].detail
    assert run.results["probe"].status == "failed"
    assert all(r.headers["accept-encoding"] == "gzip, deflate" for r in server.requests)


@pytest.mark.asyncio
async def test_a_route_may_not_ask_for_an_encoding_the_probe_cannot_decode(serve, tmp_path):
    server = start(serve, answer(200, "ok"))
    route = "home: {path: /, headers: {Accept-Encoding: 'gzip, br'}}"
    run = await gate(config(tmp_path, route), server, tmp_path)
    probe = run.results["probe"]
    assert probe.status == "error"
    assert probe.message.startswith(
        "probe.routes.home.headers: Accept-Encoding asks for br, which the probe cannot decode"
    )
    assert server.requests == []  # nothing was sent on a promise it could not keep
    assert run.results["probe::home::errors"].status == "skipped"

    route = "home: {path: /, headers: {Accept-Encoding: 'gzip;q=1, br;q=0'}}"
    run = await gate(config(tmp_path, route), server, tmp_path)
    assert run.results["probe"].status == "passed"
    assert {r.headers["accept-encoding"] for r in server.requests} == {"gzip;q=1, br;q=0"}


# -- 3. honest counts ---------------------------------------------------------------------


def going_down_after(n: int, server: list[MisbehavingServer]) -> Behaviour:
    """Answers ``n`` requests, and while answering the last stops listening: from then on
    every connection is refused (the process died)."""
    served = 0
    lock = threading.Lock()

    def behave(conn: Connection, request: Request) -> None:
        nonlocal served
        with lock:
            served += 1
            last = served == n
        if served > n:  # pragma: no cover - nothing gets through once it is down
            conn.reset()
            return
        if last:
            server[0].stop_listening()
        conn.respond(200, b"ok")

    return behave


@pytest.mark.asyncio
async def test_a_target_that_went_down_is_counted_as_it_happened(tmp_path):
    """Concurrency 1 makes the count exact: no request is in flight when the server
    stops listening, so what it received is what the probe sent."""
    holder: list[MisbehavingServer] = []
    with MisbehavingServer(going_down_after(30, holder)) as server:
        holder.append(server)
        text = config(
            tmp_path, "home: {path: /}", probe="rate: 50/s\n  duration: 4s\n  concurrency: 1"
        )
        run = await gate(text, server, tmp_path)
    received = len(server.requests)
    assert received == 30
    probe = run.results["probe"]
    assert probe.status == "failed"
    assert "the target collapsed under the probe's load" in probe.findings[0].title
    assert f": {received} sent, {received} answered (2xx: {received}); " in probe.message
    assert "errors (connection refused: " in probe.message
    assert "not sent (dropped after the probe stopped: " in probe.message
    home = route_json(run, "home")
    assert home["sent"] == received
    assert home["answered"] == [{"status": "2xx", "count": received}]
    (dropped,) = home["not_sent"]
    refused = dict(run.report().routes[0].errors)["connection refused"]
    assert received + refused + dropped["count"] == 50 * 4  # every due send accounted for
    assert run.results["probe::home::errors"].status == "failed"  # the gates still ran


@pytest.mark.asyncio
async def test_one_429_is_one_429(serve, tmp_path):
    throttle_once = throttled_once()
    server = start(serve, throttle_once)
    text = config(tmp_path, "home: {path: /}", probe="rate: 20/s\n  duration: 2s")
    run = await gate(text, server, tmp_path)
    received = len(server.requests)
    probe = run.results["probe"]
    assert f": {received} sent, {received} answered (2xx: {received - 1}, 4xx: 1); " in (
        probe.message
    )
    assert "not sent (paused for Retry-After: " in probe.message
    errors = run.results["probe::home::errors"]
    assert "; 1 answered 429, Retry-After honoured (" in errors.message
    home = route_json(run, "home")
    assert home["throttled"] == 1
    assert home["sent"] == received

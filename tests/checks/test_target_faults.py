"""Target faults, DNS failures and redirects, against real servers on loopback.

Each of these is the target's fault, so each must end as a *failed* check with a named
cause, in bounded time and memory: never a pass, never a traceback, never ``error``
(could-not-decide is for launchgate's own failures). A target that is not ready blocks
everything else, so nothing is sent to an app that never answered its health check.
"""

from __future__ import annotations

import json
import re
import secrets
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from launchgate.cli import main
from launchgate.config.load import LoadedConfig, parse_config
from launchgate.engine import Run
from launchgate.reports import render_json, render_junit, render_summary
from launchgate.results import CheckResult, Severity
from tests.servers import (
    Behaviour,
    MisbehavingServer,
    answer,
    closed_port,
    delayed,
    drip,
    echo_headers,
    endless,
    gzip_bomb,
    gzip_bomb_body,
    redirect,
    redirect_chain,
    redirect_loop,
    reset,
    reset_without_answer,
    routes,
    server_pool,
    silent,
    status,
    truncated,
)

pytestmark = pytest.mark.timeout(60)

DEADLINE_S = 10.0  # target.deadline in every config below
MARGIN_S = 5.0  # the product's promise: every run ends by its deadline plus this
STEP_TIMEOUT_S = 0.8
MAX_BODY = 64 * 1024

TARGET = """\
target:
  timeout: 1s
  deadline: 10s
  max_body: 64KiB
"""
READINESS = """\
readiness:
  timeout: 1s
  interval: 50ms
  request_timeout: 500ms
"""
NO_READINESS = "readiness: null\n"
# Two journeys, the second after the first: a skip must name the root cause, readiness.
JOURNEYS = """\
journeys:
  home:
    steps:
      - path: /
  login:
    needs: [home]
    steps:
      - method: POST
        path: /login
        form: {email: someone@example.com, password: not-a-real-password}
"""


def load(text: str, environ: dict[str, str] | None = None) -> LoadedConfig:
    return parse_config(text, Path("launchgate.yml"), environ or {})


async def run_all(loaded: LoadedConfig, url: str) -> tuple[Run, float]:
    run = Run(loaded, target_url=url)
    started = time.monotonic()
    await run.execute_all()
    return run, time.monotonic() - started


def all_text(result: CheckResult) -> str:
    parts = [result.message]
    for finding in result.findings:
        parts += [finding.title, finding.detail, finding.remedy]
    parts += [step.error or "" for step in result.steps]
    return "\n".join(parts)


def assert_target_fault(result: CheckResult, phrase: str) -> None:
    """A failed check (the target's fault, not launchgate's) that names ``phrase``."""
    assert result.status == "failed", (result.status, result.message)
    assert result.findings, "a failed check carries its finding"
    assert phrase in result.message, result.message
    assert phrase in result.findings[0].title
    text = all_text(result)
    assert "Traceback" not in text
    assert "launchgate failed while running" not in text


def assert_blocked_by_readiness(run: Run) -> None:
    others = [r for r in run.results.values() if r.check_id != "readiness"]
    assert others, "the config has checks behind readiness"
    for result in others:
        assert result.status == "skipped", (result.check_id, result.status)
        assert result.blocked_by == ("readiness",), (result.check_id, result.blocked_by)


@pytest.fixture
def serve() -> Iterator[Callable[..., MisbehavingServer]]:
    """``serve(behaviour)`` starts a server; all are stopped (threads joined) at teardown,
    which also fails the test if a behaviour crashed."""
    with server_pool() as start:
        yield start


# -- readiness: a target that is not up blocks the whole gate ------------------------------

READINESS_FAULTS = [
    pytest.param(None, "connection refused", id="refused-port"),
    pytest.param(silent, "no complete answer within", id="silent"),
    pytest.param(lambda: status(500), "answered 500", id="healthz-500"),
]


@pytest.mark.asyncio
@pytest.mark.parametrize(("make", "phrase"), READINESS_FAULTS)
async def test_an_unready_target_fails_readiness_and_blocks_every_other_check(
    serve: Callable[..., MisbehavingServer],
    make: Callable[[], Behaviour] | None,
    phrase: str,
) -> None:
    server = serve(make()) if make is not None else None
    url = server.url if server is not None else f"http://127.0.0.1:{closed_port()}"

    run, elapsed = await run_all(load(TARGET + READINESS + JOURNEYS), url)

    readiness = run.results["readiness"]
    assert_target_fault(readiness, phrase)
    assert readiness.severity is Severity.BLOCKER
    assert_blocked_by_readiness(run)
    verdict = run.report().verdict
    assert (verdict.outcome, verdict.exit_code, verdict.rollback) == ("fail", 1, True)
    assert elapsed < DEADLINE_S + MARGIN_S
    if server is not None:  # nothing but health checks reached an app that is not up
        assert {r.route for r in server.requests} == {"/healthz"}


@pytest.mark.asyncio
async def test_a_health_route_that_fails_slowly_is_reported_by_its_answer(
    serve: Callable[..., MisbehavingServer],
) -> None:
    """An app whose health check waits on a dead database answers 500 after a while.
    The user must read "answered 500", not a timeout invented by the retry schedule
    squeezing the last attempt into the few milliseconds left before the deadline."""
    server = serve(delayed(0.3, status(500)))

    run, _ = await run_all(load(TARGET + READINESS + JOURNEYS), server.url)

    assert_target_fault(run.results["readiness"], "answered 500")


@pytest.mark.asyncio
async def test_an_old_deploy_still_serving_fails_the_version_check(
    serve: Callable[..., MisbehavingServer],
) -> None:
    server = serve(
        routes({"/healthz": answer(200, "ok"), "/version": answer(200, "build 1111111")})
    )
    config = (
        TARGET + READINESS + "  version:\n    path: /version\n    contains: ${GIT_SHA}\n" + JOURNEYS
    )

    run, elapsed = await run_all(load(config, {"GIT_SHA": "2222222"}), server.url)

    readiness = run.results["readiness"]
    assert_target_fault(readiness, "the old deploy is still serving")
    assert "2222222" in readiness.message
    assert_blocked_by_readiness(run)
    assert run.report().verdict.outcome == "fail"
    assert elapsed < DEADLINE_S + MARGIN_S


@pytest.mark.parametrize(("make", "phrase"), READINESS_FAULTS)
def test_the_cli_exits_1_and_reports_a_rollback_when_the_target_is_not_ready(
    serve: Callable[..., MisbehavingServer],
    tmp_path: Path,
    make: Callable[[], Behaviour] | None,
    phrase: str,
) -> None:
    server = serve(make()) if make is not None else None
    url = server.url if server is not None else f"http://127.0.0.1:{closed_port()}"
    config = tmp_path / "launchgate.yml"
    config.write_text(TARGET + READINESS + JOURNEYS, encoding="utf-8")
    out = tmp_path / "out"

    started = time.monotonic()
    code = main(["run", "--config", str(config), "--url", url, "--out", str(out)], environ={})

    assert code == 1
    assert time.monotonic() - started < DEADLINE_S + MARGIN_S
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert (report["verdict"], report["rollback"], report["exit_code"]) == ("fail", True, 1)
    checks = {c["id"]: c for c in report["checks"]}
    assert checks["readiness"]["status"] == "failed"
    assert phrase in checks["readiness"]["message"]
    assert {c["status"] for i, c in checks.items() if i != "readiness"} == {"skipped"}
    assert (out / "junit.xml").is_file()
    assert (out / "summary.md").is_file()


# -- journeys against a target that misbehaves mid-request ---------------------------------


def journey(path: str = "/", *, follow: bool = False) -> str:
    return (
        "journeys:\n"
        "  home:\n"
        "    steps:\n"
        f"      - path: {path}\n"
        f"        follow_redirects: {str(follow).lower()}\n"
        f"        timeout: {int(STEP_TIMEOUT_S * 1000)}ms\n"
    )


JOURNEY_FAULTS = [
    # (server, path, follow redirects, the named cause)
    pytest.param(silent, "/", False, "no complete answer within 800ms", id="silent"),
    # One byte every 0.2 s: every read is well inside httpx's 1 s read timeout, so only
    # the timeout around the whole request ends it (encode/httpx#1450).
    pytest.param(drip, "/", False, "no complete answer within 800ms", id="drip"),
    pytest.param(reset, "/", False, "the connection was reset by the server", id="reset"),
    pytest.param(truncated, "/", False, "the server broke the HTTP exchange", id="truncated"),
    pytest.param(endless, "/", False, "larger than 65536 bytes (target.max_body)", id="endless"),
    pytest.param(gzip_bomb, "/", False, "larger than 65536 bytes (target.max_body)", id="gzip"),
    pytest.param(redirect_loop, "/a", True, "redirect loop", id="redirect-loop"),
    pytest.param(redirect_chain, "/", True, "redirect loop", id="redirect-chain-50"),
]


@pytest.mark.asyncio
@pytest.mark.parametrize(("make", "path", "follow", "phrase"), JOURNEY_FAULTS)
async def test_a_misbehaving_target_fails_the_journey_with_a_named_cause(
    serve: Callable[..., MisbehavingServer],
    make: Callable[[], Behaviour],
    path: str,
    follow: bool,
    phrase: str,
) -> None:
    server = serve(make())

    run, elapsed = await run_all(
        load(TARGET + NO_READINESS + journey(path, follow=follow)), server.url
    )

    result = run.results["journey::home"]
    assert_target_fault(result, phrase)
    assert result.steps[-1].ok is False
    assert result.steps[-1].error is not None and phrase in result.steps[-1].error
    assert result.duration_s < STEP_TIMEOUT_S + MARGIN_S
    assert elapsed < DEADLINE_S + MARGIN_S
    assert run.report().verdict.outcome == "fail"


@pytest.mark.asyncio
@pytest.mark.parametrize(("make", "path"), [(redirect_loop, "/a"), (redirect_chain, "/")])
async def test_redirects_are_followed_at_most_ten_times(
    serve: Callable[..., MisbehavingServer], make: Callable[[], Behaviour], path: str
) -> None:
    server = serve(make())

    run, _ = await run_all(load(TARGET + NO_READINESS + journey(path, follow=True)), server.url)

    assert_target_fault(run.results["journey::home"], "more than 10 redirects")
    assert len(server.requests) == 11  # the request itself and ten redirects, no more


BOMB_INFLATED = 32 * 1024 * 1024


def test_the_gzip_bomb_is_smaller_than_the_cap_and_inflates_far_beyond_it() -> None:
    """The fixture itself: a valid gzip stream that fits in target.max_body on the wire,
    so only the inflated size can trip the cap."""
    body = gzip_bomb_body(BOMB_INFLATED)
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    inflated = 0
    data = body
    while data:
        inflated += len(inflater.decompress(data, 1024 * 1024))
        data = inflater.unconsumed_tail
    inflated += len(inflater.flush())
    assert inflater.eof
    assert inflated == BOMB_INFLATED
    assert len(body) < MAX_BODY
    assert inflated >= 512 * MAX_BODY


@pytest.mark.asyncio
async def test_a_gzip_bomb_is_stopped_at_max_body_without_inflating_it(
    serve: Callable[..., MisbehavingServer],
) -> None:
    """target.max_body bounds memory, whatever the compression ratio: reading at most
    64 KiB of body must not first inflate tens of megabytes of zeros."""
    server = serve(gzip_bomb(BOMB_INFLATED))  # the body is built (and cached) here
    loaded = load(TARGET + NO_READINESS + journey())

    tracemalloc.start()
    try:
        run, _ = await run_all(loaded, server.url)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert_target_fault(run.results["journey::home"], "larger than 65536 bytes")
    limit = 8 * 1024 * 1024  # 128 x max_body: room for buffers, not for the inflated body
    assert peak < limit, f"reading a {MAX_BODY}-byte body allocated {peak} bytes at peak"


# -- what must never happen twice, or at all ------------------------------------------------


@pytest.mark.asyncio
async def test_a_post_is_sent_once_even_when_the_connection_is_reset(
    serve: Callable[..., MisbehavingServer],
) -> None:
    server = serve(
        routes(
            {
                "/healthz": answer(200, "ok"),
                "POST /signup": reset_without_answer(),
                "POST /webhooks/billing": reset_without_answer(),
            }
        )
    )
    config = (
        TARGET
        + READINESS
        + """\
journeys:
  signup:
    steps:
      - method: POST
        path: /signup
        form: {email: "{{ run.email }}", password: "{{ run.password }}"}
webhooks:
  billing:
    path: /webhooks/billing
    secret: ${WEBHOOK_SECRET}
"""
    )
    loaded = load(config, {"WEBHOOK_SECRET": "whsec_" + secrets.token_urlsafe(24)})

    run, _ = await run_all(loaded, server.url)

    assert run.results["readiness"].status == "passed"
    assert_target_fault(run.results["journey::signup"], "reset by the server")
    assert_target_fault(run.results["webhook::billing::signed"], "reset by the server")
    assert server.count("POST", "/signup") == 1
    assert server.count("POST", "/webhooks/billing") == 1


@pytest.mark.asyncio
async def test_authorization_is_not_forwarded_to_another_host_nor_reported(
    serve: Callable[..., MisbehavingServer],
) -> None:
    token = "lgtest" + secrets.token_hex(16)
    other = serve(answer(200, "landed"))
    origin = serve(
        routes(
            {
                "/go": redirect(f"{other.url_for('localhost')}/landing"),
                # A broken route that echoes the request: the failure shows its body.
                "/whoami": echo_headers(500),
            }
        )
    )
    config = (
        TARGET
        + NO_READINESS
        + f"""\
journeys:
  account:
    steps:
      - path: /go
        follow_redirects: true
        headers: {{Authorization: "Bearer {token}"}}
      - path: /whoami
        headers: {{Authorization: "Bearer {token}"}}
"""
    )

    run, _ = await run_all(load(config), origin.url)

    assert origin.requests[0].headers["authorization"] == f"Bearer {token}"
    assert [r.route for r in other.requests] == ["/landing"]  # the redirect was followed
    assert "authorization" not in other.requests[0].headers
    result = run.results["journey::account"]
    assert_target_fault(result, "answered 500")  # step 2 failed, body echoed
    report = run.report()
    for rendered in (render_json(report), render_junit(report), render_summary(report)):
        assert token not in rendered
    assert token not in repr(run.results)


# -- DNS: an unresolved target is never probed ----------------------------------------------

BAD_HOST = "app.launchgate-test.invalid"


class FakeResolver:
    """Stands in for the system resolver for :data:`BAD_HOST` only; every other name
    goes to the real ``getaddrinfo``. ``hang`` blocks like a resolver that never answers,
    released at teardown (and after 5 s regardless) so no executor thread outlives the
    test."""

    def __init__(self, real: Callable[..., Any]) -> None:
        self.real = real
        self.mode = "nxdomain"
        self.release = threading.Event()

    def getaddrinfo(self, host: str | bytes | None, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name != BAD_HOST:
            return self.real(host, *args, **kwargs)
        if self.mode == "timeout":
            self.release.wait(5.0)
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        errors = {
            "nxdomain": (socket.EAI_NONAME, "Name or service not known"),
            "servfail": (socket.EAI_AGAIN, "Temporary failure in name resolution"),
            "nodata": (socket.EAI_NODATA, "No address associated with hostname"),
        }
        raise socket.gaierror(*errors[self.mode])


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeResolver]:
    fake = FakeResolver(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", fake.getaddrinfo)
    yield fake
    fake.release.set()


DNS_FAULTS = [
    pytest.param("nxdomain", "does not resolve", id="nxdomain"),
    pytest.param("servfail", "Temporary failure in name resolution", id="servfail"),
    pytest.param("timeout", "", id="resolver-timeout"),
]


@pytest.mark.asyncio
@pytest.mark.parametrize(("mode", "phrase"), DNS_FAULTS)
async def test_a_target_that_does_not_resolve_fails_readiness_naming_dns(
    resolver: FakeResolver, mode: str, phrase: str
) -> None:
    resolver.mode = mode
    try:
        run, elapsed = await run_all(load(TARGET + READINESS + JOURNEYS), f"http://{BAD_HOST}:8080")
    finally:
        resolver.release.set()

    assert elapsed < DEADLINE_S + MARGIN_S
    readiness = run.results["readiness"]
    assert_target_fault(readiness, phrase)
    assert_blocked_by_readiness(run)
    # Named as a DNS failure, not as an app that is slow or refuses connections.
    cause = readiness.message.split(": ", 1)[-1]
    assert re.search(r"DNS|resol", cause), cause


@pytest.mark.asyncio
@pytest.mark.parametrize("mode", ["nxdomain", "servfail", "nodata"])
async def test_a_dns_failure_in_a_journey_points_at_dns(resolver: FakeResolver, mode: str) -> None:
    resolver.mode = mode

    run, _ = await run_all(load(TARGET + NO_READINESS + journey()), f"http://{BAD_HOST}:8080")

    result = run.results["journey::home"]
    assert result.status == "failed"
    assert "DNS" in result.findings[0].remedy, result.findings[0]

"""Journeys that follow redirects, against real servers on two loopback hosts.

The target listens on 127.0.0.1, the other host on 127.0.0.2 (both loopback on Linux),
each on its own free port, and both record what they received. The rule under test:
a hop to another origin carries only harmless headers, never the configured target
headers, Authorization, cookies or a body; a 307/308 that would resend a body there
fails the step with its reason; an https -> http downgrade is a finding and carries
nothing secret. Same-origin redirects behave as before.
"""

from __future__ import annotations

import secrets
import ssl
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import trustme

from launchgate.config.load import LoadedConfig, parse_config
from launchgate.engine import Run
from launchgate.reports import render_json
from launchgate.results import CheckResult
from tests.servers import Behaviour, MisbehavingServer, answer, redirect, routes, server_pool

pytestmark = pytest.mark.timeout(60)

OTHER_HOST = "127.0.0.2"
API_KEY = "lgkey" + secrets.token_hex(12)
PASSWORD = "lgpw" + secrets.token_hex(12)
SESSION = "lgsid" + secrets.token_hex(12)


def config(steps: str, *, ca_bundle: Path | None = None) -> LoadedConfig:
    bundle = f"  ca_bundle: {ca_bundle}\n" if ca_bundle is not None else ""
    text = (
        "target:\n  timeout: 2s\n  deadline: 10s\n"
        + bundle
        + f"  headers: {{X-Api-Key: {API_KEY}, Accept-Language: fr}}\n"
        + "readiness: null\n"
        + "journeys:\n  login:\n    steps:\n"
        + "      - path: /login\n"  # sets the session cookie
        + steps
    )
    return parse_config(text, Path("launchgate.yml"), {})


def post_login(*, status: int | None = None) -> str:
    expect = f"        expect: {{status: {status}}}\n" if status is not None else ""
    return (
        "      - method: POST\n"
        "        path: /login\n"
        f"        form: {{email: someone@example.com, password: {PASSWORD}}}\n"
        "        follow_redirects: true\n" + expect
    )


def login_page() -> Behaviour:
    return answer(200, "sign in", [("Set-Cookie", f"sid={SESSION}; Path=/")])


async def run_all(loaded: LoadedConfig, url: str) -> Run:
    run = Run(loaded, target_url=url)
    await run.execute_all()
    return run


def assert_nothing_secret(server: MisbehavingServer) -> None:
    """What the other host received carries no credential, cookie or body."""
    for request in server.requests:
        assert "x-api-key" not in request.headers
        assert "authorization" not in request.headers
        assert "cookie" not in request.headers
        assert request.body == b""
        assert PASSWORD not in request.path
        assert API_KEY not in str(request.headers) and SESSION not in str(request.headers)


@pytest.fixture
def serve() -> Iterator[Callable[..., MisbehavingServer]]:
    with server_pool() as start:
        yield start


@pytest.mark.asyncio
@pytest.mark.parametrize("code", [301, 302, 303])
async def test_a_redirect_to_another_host_carries_only_harmless_headers(
    serve: Callable[..., MisbehavingServer], code: int
) -> None:
    other = serve(answer(200, "welcome"), host=OTHER_HOST)
    target = serve(
        routes(
            {
                "GET /login": login_page(),
                "POST /login": redirect(f"{other.url}/welcome?from=login", code),
            }
        )
    )

    run = await run_all(config(post_login()), target.url)

    assert run.results["journey::login"].status == "passed", run.results["journey::login"]
    posted = target.requests[1]
    assert posted.headers["x-api-key"] == API_KEY  # the target does get its credentials
    assert f"sid={SESSION}" in posted.headers["cookie"]
    assert PASSWORD in posted.body.decode()
    [landed] = other.requests
    assert (landed.method, landed.path) == ("GET", "/welcome?from=login")
    assert_nothing_secret(other)
    assert "content-type" not in landed.headers  # no body, so nothing describes one
    assert landed.headers["user-agent"].startswith("launchgate/")
    assert landed.headers["accept-language"] == "fr"


@pytest.mark.asyncio
@pytest.mark.parametrize("code", [307, 308])
async def test_a_307_or_308_to_another_host_is_refused_and_names_why(
    serve: Callable[..., MisbehavingServer], code: int
) -> None:
    other = serve(answer(200, "got your password"), host=OTHER_HOST)
    target = serve(
        routes(
            {
                "GET /login": login_page(),
                # Same origin first: the body goes on, as before.
                "POST /login": redirect("/login/next", code),
                "POST /login/next": redirect(f"{other.url}/steal?x=1", code),
            }
        )
    )

    run = await run_all(config(post_login()), target.url)

    assert other.requests == []
    resent = target.requests[2]
    assert (resent.method, resent.route) == ("POST", "/login/next")
    assert resent.body == target.requests[1].body and PASSWORD in resent.body.decode()
    assert resent.headers["x-api-key"] == API_KEY
    assert f"sid={SESSION}" in resent.headers["cookie"]
    result = run.results["journey::login"]
    reason = f"refused to resend the POST body to {other.url}/steal: a {code} to another origin"
    assert result.status == "failed"
    assert result.message == f"step 2/2 'POST /login': {reason}"
    assert result.steps[-1].error == reason
    assert "the target's own origin" in result.findings[0].remedy
    assert run.report().verdict.outcome == "fail"
    assert PASSWORD not in render_json(run.report())


@pytest.mark.asyncio
async def test_a_chain_that_left_the_target_stays_stripped_when_it_comes_back(
    serve: Callable[..., MisbehavingServer],
) -> None:
    target_routes: dict[str, Behaviour] = {"GET /login": login_page()}
    target = serve(routes(target_routes))
    other = serve(redirect(f"{target.url}/back"), host=OTHER_HOST)
    target_routes["GET /go"] = redirect(f"{other.url}/bounce")
    target_routes["GET /back"] = answer(200, "back home")

    steps = "      - path: /go\n        follow_redirects: true\n"
    run = await run_all(config(steps), target.url)

    assert run.results["journey::login"].status == "passed"
    assert [r.route for r in other.requests] == ["/bounce"]
    assert_nothing_secret(other)
    back = target.requests[-1]
    assert back.route == "/back"
    # The other host chose this URL: it must not get to use the target's credentials.
    assert "x-api-key" not in back.headers
    assert "cookie" not in back.headers


@pytest.mark.asyncio
async def test_a_same_origin_307_still_resends_the_body_and_credentials(
    serve: Callable[..., MisbehavingServer],
) -> None:
    """No change here: a guard that the rule did not break the common case."""
    target = serve(
        routes(
            {
                "GET /login": login_page(),
                "POST /login": redirect("/session", 307),
                "POST /session": answer(201, "signed in"),
            }
        )
    )

    run = await run_all(config(post_login(status=201)), target.url)

    assert run.results["journey::login"].status == "passed"
    first, second = target.requests[1], target.requests[2]
    assert (second.method, second.route) == ("POST", "/session")
    assert second.body == first.body
    assert second.headers["content-type"] == "application/x-www-form-urlencoded"
    assert second.headers["x-api-key"] == API_KEY
    assert f"sid={SESSION}" in second.headers["cookie"]


@pytest.mark.asyncio
@pytest.mark.parametrize("follow", [True, False])
@pytest.mark.parametrize("location", ["javascript:alert(1)", "mailto:ops@example.com"])
async def test_a_location_that_is_no_http_url_fails_the_step_with_a_named_cause(
    serve: Callable[..., MisbehavingServer], follow: bool, location: str
) -> None:
    target = serve(routes({"GET /login": login_page(), "/go": redirect(location)}))

    steps = f"      - path: /go\n        follow_redirects: {str(follow).lower()}\n"
    run = await run_all(config(steps), target.url)

    result = run.results["journey::login"]
    assert result.status == "failed", (result.status, result.message)
    assert "Location header is not a usable URL" in result.message
    assert [r.route for r in target.requests] == ["/login", "/go"]


# -- https -> http ------------------------------------------------------------------------


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_bundle(ca: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "private-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


def serving(leaf: trustme.LeafCert) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    leaf.configure_cert(context)
    return context


def downgrade_finding(result: CheckResult) -> str:
    assert result.status == "failed", result
    assert result.message == "step 2/2 'POST /login' was redirected from https to plain http"
    return result.findings[0].detail


@pytest.mark.asyncio
async def test_an_https_to_http_downgrade_is_a_finding_and_carries_nothing_secret(
    serve: Callable[..., MisbehavingServer], ca: trustme.CA, ca_bundle: Path
) -> None:
    # Same host, another port and scheme: the cookie jar (which ignores ports) would
    # send the session cookie to it, in clear.
    plain = serve(answer(200, "dashboard"))
    secure = serve(
        routes(
            {
                "GET /login": login_page(),
                "POST /login": redirect(f"{plain.url}/dashboard", 303),
            }
        ),
        tls=serving(ca.issue_cert("127.0.0.1")),
    )

    run = await run_all(config(post_login(), ca_bundle=ca_bundle), secure.url)

    assert [(r.method, r.route) for r in plain.requests] == [("GET", "/dashboard")]
    assert_nothing_secret(plain)
    detail = downgrade_finding(run.results["journey::login"])
    assert f"{secure.url}/login -> {plain.url}/dashboard" in detail
    assert run.report().verdict.outcome == "fail"


@pytest.mark.asyncio
async def test_a_307_downgrade_with_a_body_is_refused(
    serve: Callable[..., MisbehavingServer], ca: trustme.CA, ca_bundle: Path
) -> None:
    plain = serve(answer(200, "dashboard"))
    secure = serve(
        routes({"GET /login": login_page(), "POST /login": redirect(f"{plain.url}/in", 307)}),
        tls=serving(ca.issue_cert("127.0.0.1")),
    )

    run = await run_all(config(post_login(), ca_bundle=ca_bundle), secure.url)

    assert plain.requests == []
    result = run.results["journey::login"]
    assert result.status == "failed"
    assert f"refused to resend the POST body to {plain.url}/in" in result.message

"""Journeys through the engine, with an injected transport for client-side rules.

The integration tests against the real demo live in tests/test_cli.py and
tests/test_plugin.py; these pin the rules: captures, sessions, messages, redaction.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from launchgate.config import parse_config
from launchgate.engine import Run
from launchgate.reports import render_json


def make_run(text: str, handler, environ: dict[str, str] | None = None) -> Run:
    loaded = parse_config("readiness: null\n" + text, Path("launchgate.yml"), environ or {})
    return Run(loaded, target_url="http://app.test", transport=httpx.MockTransport(handler))


LOGIN = """\
journeys:
  login:
    steps:
      - name: form
        path: /login
        capture: {csrf: {regex: 'name="csrf" value="([^"]+)"'}}
      - name: submit
        method: POST
        path: /login
        form: {email: a@b.c, password: "{{ run.password }}", csrf: "{{ csrf }}"}
        expect: {status: 303}
        capture: {token: {header: X-Token}}
  dash:
    session: login
    steps:
      - path: /dashboard
        headers: {Authorization: "Bearer {{ token }}"}
        expect: {body_contains: "Welcome"}
"""


class App:
    """A tiny app behind MockTransport that records what it was sent."""

    def __init__(self, dashboard_body: str = "Welcome back") -> None:
        self.seen: list[httpx.Request] = []
        self.dashboard_body = dashboard_body

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        if request.url.path == "/login" and request.method == "GET":
            return httpx.Response(200, text='<input name="csrf" value="tok-123">')
        if request.url.path == "/login":
            form = dict(x.split("=", 1) for x in request.content.decode().split("&"))
            assert form["csrf"] == "tok-123"
            return httpx.Response(
                303,
                headers={
                    "location": "/dashboard",
                    "set-cookie": "sid=Session-Cookie-777; Path=/; HttpOnly",
                    "x-token": "Bearer-Token-888",
                },
            )
        if request.url.path == "/dashboard":
            return httpx.Response(200, text=self.dashboard_body)
        return httpx.Response(404)


@pytest.mark.asyncio
async def test_captures_and_cookies_flow_into_the_next_journey():
    app = App()
    run = make_run(LOGIN, app)
    results = await run.execute_all()
    assert [r.status for r in results] == ["passed", "passed"]
    dashboard = app.seen[-1]
    assert dashboard.headers["authorization"] == "Bearer Bearer-Token-888"
    assert "sid=Session-Cookie-777" in dashboard.headers["cookie"]
    assert dashboard.headers["user-agent"].startswith("launchgate/")
    assert run.run_id in dashboard.headers["user-agent"]


@pytest.mark.asyncio
async def test_a_failed_step_says_which_what_and_why_and_redacts():
    app = App(dashboard_body="Error: token Bearer-Token-888 expired for sid Session-Cookie-777")
    run = make_run(LOGIN, app)
    await run.execute_all()
    dash = run.results["journey::dash"]
    assert dash.status == "failed"
    assert dash.message == "step 1/1 'GET /dashboard' the body does not contain 'Welcome'"
    detail = dash.findings[0].detail
    assert "GET /dashboard -> 200 OK" in detail
    assert "body: Error: token [redacted] expired for sid [redacted]" in detail
    rendered = render_json(run.report())
    assert "Bearer-Token-888" not in rendered
    assert "Session-Cookie-777" not in rendered
    assert run.variables["run.password"] not in rendered


@pytest.mark.asyncio
async def test_a_journey_that_needs_a_failed_one_is_skipped_with_its_cause():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500 if request.url.path == "/login" else 200)

    run = make_run(
        "journeys:\n  login: {steps: [{path: /login}]}\n"
        "  dash: {needs: [login], steps: [{path: /dash}]}\n",
        handler,
    )
    await run.execute_all()
    dash = run.results["journey::dash"]
    assert dash.status == "skipped"
    assert dash.blocked_by == ("journey::login",)
    assert dash.message == "not run: prerequisite journey::login failed"
    assert run.report().verdict.outcome == "fail"


@pytest.mark.asyncio
async def test_each_run_makes_a_fresh_account():
    bodies: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(request.content.decode())
        return httpx.Response(200)

    text = (
        "journeys:\n  signup:\n    steps:\n      - method: POST\n        path: /signup\n"
        "        json: {email: '{{ run.email }}', password: '{{ run.password }}'}\n"
    )
    first, second = make_run(text, handler), make_run(text, handler)
    await first.execute_all()
    await second.execute_all()
    one, two = (json.loads(b) for b in bodies)
    assert one["email"] != two["email"]
    assert one["password"] != two["password"]
    assert one["email"].startswith("launchgate-") and one["email"].endswith("@example.com")


@pytest.mark.asyncio
async def test_a_crash_inside_a_check_is_could_not_decide_not_a_pass():
    def handler(request: httpx.Request) -> httpx.Response:
        raise ZeroDivisionError("a bug in launchgate, not in the app")

    run = make_run("journeys:\n  home: {steps: [{path: /}]}\n", handler)
    await run.execute_all()
    home = run.results["journey::home"]
    assert home.status == "error"
    assert "ZeroDivisionError" in home.message
    assert run.report().verdict.exit_code == 3


@pytest.mark.asyncio
async def test_a_capture_that_finds_nothing_fails_the_journey():
    run = make_run(
        "journeys:\n  j:\n    steps:\n      - path: /\n        capture: {t: {json: $.token}}\n",
        lambda request: httpx.Response(200, json={"other": 1}),
    )
    await run.execute_all()
    j = run.results["journey::j"]
    assert j.status == "failed"
    assert "could not capture t: no value at $.token" in j.message


@pytest.mark.asyncio
async def test_each_check_runs_once_even_when_asked_twice():
    app = App()
    run = make_run(LOGIN, app)
    await run.execute("journey::dash")  # runs login first
    await run.execute("journey::login")
    await run.execute_all()
    paths = [(r.method, r.url.path) for r in app.seen]
    assert paths == [("GET", "/login"), ("POST", "/login"), ("GET", "/dashboard")]


def echo_app(status: int = 500, extra: str = "") -> httpx.MockTransport:
    """Hands out a reference on /start; /echo answers ``status`` quoting the request."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/start":
            return httpx.Response(200, json={"ref": "Ref-Value-4417", "plan": "pro-plan"})
        return httpx.Response(status, text=f"you sent {request.url.raw_path.decode()} {extra}")

    return httpx.MockTransport(handler)


@pytest.mark.asyncio
async def test_every_captured_value_is_masked_unless_the_config_says_it_is_public():
    config = """\
journeys:
  j:
    steps:
      - path: /start
        capture:
          ref: {json: $.ref}
          plan: {json: $.plan, secret: false}
      - path: "/echo?r={{ ref }}&p={{ plan }}"
        expect: {status: 200}
"""
    loaded = parse_config("readiness: null\n" + config, Path("launchgate.yml"), {})
    run = Run(loaded, target_url="http://app.test", transport=echo_app())
    await run.execute_all()
    detail = run.results["journey::j"].findings[0].detail
    assert "you sent /echo?r=[redacted]&p=pro-plan" in detail  # `ref` is no secret name
    assert "Ref-Value-4417" not in render_json(run.report())


@pytest.mark.asyncio
async def test_a_literal_query_token_is_a_secret_in_every_form_and_told_to_the_runner():
    token = "Lit Tok/en+9"  # as written in launchgate.yml: the URL carries it encoded
    config = f'journeys:\n  j:\n    steps:\n      - path: "/echo?token={token}"\n'
    loaded = parse_config("readiness: null\n" + config, Path("launchgate.yml"), {})
    run = Run(loaded, target_url="http://app.test", transport=echo_app(extra=token))
    told: list[str] = []
    run.redactor.on_add(told.append)
    await run.execute_all()
    result = run.results["journey::j"]
    assert result.findings[0].detail.endswith("you sent /echo?token=[redacted] [redacted]")
    assert result.steps[0].name == "GET /echo?token=[redacted]"
    rendered = render_json(run.report())
    assert "Lit%20Tok/en+9" not in rendered and token not in rendered
    assert token in told  # registered (so ::add-mask::-ed in GitHub Actions)


@pytest.mark.asyncio
async def test_a_card_number_in_an_answer_is_masked_and_an_order_id_is_not():
    body = "card 4000-0566-5566-5556 on order 4000056655665557"
    loaded = parse_config(
        "readiness: null\njourneys:\n  j: {steps: [{path: /echo}]}\n", Path("launchgate.yml"), {}
    )
    run = Run(loaded, target_url="http://app.test", transport=echo_app(extra=body))
    await run.execute_all()
    detail = run.results["journey::j"].findings[0].detail
    assert detail.endswith("card [redacted] on order 4000056655665557")


@pytest.mark.asyncio
async def test_an_excerpt_cut_at_its_limit_leaves_no_half_secret(tmp_path: Path) -> None:
    secret = "Half-Secret-Value-123456"
    body = "x" * 270 + secret  # the 300-character excerpt ends inside the secret
    loaded = parse_config(
        "readiness: null\nsecrets: [S]\njourneys:\n  j: {steps: [{path: /echo}]}\n",
        Path("launchgate.yml"),
        {"S": secret},
    )
    run = Run(loaded, target_url="http://app.test", transport=echo_app(extra=body))
    await run.execute_all()
    detail = run.results["journey::j"].findings[0].detail
    assert "[redacted]" in detail
    assert "Half-Secret" not in detail

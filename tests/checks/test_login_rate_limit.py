"""security::login-rate-limit through the engine, against small apps behind an injected
transport: each way an app can answer a burst of wrong passwords, and how the check
judges it. The real demo's limiter and its fault are in tests/demo/test_login_throttle.py.
"""

from __future__ import annotations

import secrets
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qsl

import httpx
import pytest

from launchgate.config import parse_config
from launchgate.engine import Run
from launchgate.results import CheckResult

CHECK = "security::login-rate-limit"
CONFIG = """\
readiness: null
journeys:
  signup:
    steps:
      - name: create the account
        method: POST
        path: /signup
        form: {email: "{{ run.email }}", password: "{{ run.password }}"}
      - name: open the login form
        path: /login
        capture: {csrf: {regex: 'value="([^"]+)"'}}
      - name: log in
        method: POST
        path: /login
        form: {email: "{{ run.email }}", password: "{{ run.password }}", csrf: "{{ csrf }}"}
        expect: {status: 303, headers: {location: /home}}
security:
  login_rate_limit:
    journey: signup
"""


class App:
    """Signup and a CSRF-protected login; ``mode`` says what it does after ``limit``
    wrong passwords for one account."""

    def __init__(self, mode: str = "none", limit: int = 3) -> None:
        self.mode = mode
        self.limit = limit
        self.accounts: dict[str, str] = {}
        self.failures: Counter[str] = Counter()
        self.login_emails: list[str] = []
        self.forms_served = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/signup":
            form = dict(parse_qsl(request.content.decode()))
            self.accounts[form["email"]] = form["password"]
            return httpx.Response(200, text="created")
        if request.method == "GET":
            self.forms_served += 1
            token = secrets.token_hex(8)
            return httpx.Response(
                200, text=f'<input value="{token}">', headers={"set-cookie": f"csrf={token}"}
            )
        form = dict(parse_qsl(request.content.decode()))
        cookies = dict(
            c.strip().split("=", 1)
            for c in request.headers.get("cookie", "").split(";")
            if "=" in c
        )
        if cookies.get("csrf") != form["csrf"]:
            return httpx.Response(403, text="stale form")
        email = form["email"]
        self.login_emails.append(email)
        over = self.failures[email] >= self.limit
        if over and self.mode == "429":
            return httpx.Response(429, headers={"retry-after": "60"}, text="slow down")
        if over and self.mode == "waf":
            return httpx.Response(403, text="Request blocked by the firewall")
        if over and self.mode == "drop":
            raise httpx.ConnectError("connection refused", request=request)
        if over and self.mode == "silent-lockout":
            return httpx.Response(401, text="wrong email or password")
        if self.mode == "anything-goes" or self.accounts.get(email) == form["password"]:
            return httpx.Response(303, headers={"location": "/home"})
        self.failures[email] += 1
        return httpx.Response(401, text="wrong email or password")


class SteppingClock:
    """Each reading is ``step_s`` later than the last: a slow app, without sleeping."""

    def __init__(self, step_s: float) -> None:
        self.now = 1000.0
        self.step_s = step_s

    def monotonic(self) -> float:
        self.now += self.step_s
        return self.now

    def time(self) -> float:
        return 1.7e9 + self.now


async def burst(
    app: App, extra: str = "", clock: SteppingClock | None = None
) -> tuple[Run, CheckResult]:
    loaded = parse_config(CONFIG + extra, Path("launchgate.yml"), {})
    run = Run(loaded, target_url="http://app.test", transport=httpx.MockTransport(app), clock=clock)
    await run.execute_all()
    assert run.results["journey::signup"].status == "passed"
    return run, run.results[CHECK]


@pytest.mark.asyncio
async def test_a_429_passes_and_the_burst_stops_there():
    app = App("429")
    run, result = await burst(app)
    assert result.status == "passed", result.message
    assert result.kind == "security" and result.severity.value == "high"
    # The journey's login, the replay with the right password, 3 refused guesses and
    # the 4th answered 429, then nothing more.
    assert len(app.login_emails) == 1 + 1 + 4
    assert set(app.login_emails) == {run.variables["run.email"]}  # the run's own account
    assert app.forms_served == 1 + 1 + 4  # every login fetched the form, in a fresh jar
    assert result.steps[-1].status_code == 429


@pytest.mark.asyncio
async def test_nothing_slows_the_guesses_down_is_a_high_finding():
    app = App("none")
    run, result = await burst(app)
    assert result.status == "failed"
    (finding,) = result.findings
    assert finding.severity.value == "high"
    assert finding.title.startswith("20 wrong passwords in ")
    assert finding.title.endswith(
        " s were all answered 401: nothing slows a password-guessing attack"
    )
    assert "the right password still logged in (answered 303)" in finding.detail
    assert run.variables["run.email"] in finding.detail
    assert "429" in finding.remedy
    # 20 guesses between two logins with the right password, all for the run's account.
    assert len(app.login_emails) == 1 + 1 + 20 + 1
    assert set(app.login_emails) == {run.variables["run.email"]}
    assert run.report().verdict.outcome == "pass"  # high does not fail at fail_on: blocker


@pytest.mark.asyncio
async def test_a_silent_lockout_is_protection():
    app = App("silent-lockout")
    _, result = await burst(app)
    assert result.status == "passed", result.message
    assert "right password" in result.steps[-1].name
    assert result.steps[-1].status_code == 401


@pytest.mark.asyncio
async def test_a_configured_signal_counts():
    app = App("waf")
    extra = "    signal: {status: 403, body_contains: blocked by the firewall}\n"
    _, result = await burst(app, extra)
    assert result.status == "passed", result.message
    assert result.steps[-1].status_code == 403
    assert len(app.login_emails) == 1 + 1 + 4  # the burst stopped at the firewall's answer
    # Without it, a 403 is one more refusal: the whole burst is sent, and only the
    # right password refused after it shows the block.
    unsignalled = App("waf")
    _, result = await burst(unsignalled)
    assert result.status == "passed", result.message
    assert len(unsignalled.login_emails) == 1 + 1 + 20 + 1


@pytest.mark.asyncio
async def test_a_dropped_connection_cannot_be_decided():
    _, result = await burst(App("drop"))
    assert result.status == "error"
    assert "attempt 4 of 20: log in got no answer" in result.message
    assert "firewall" in result.message


@pytest.mark.asyncio
async def test_expectations_that_a_wrong_password_meets_cannot_tell_anything():
    _, result = await burst(App("anything-goes"))
    assert result.status == "error"
    assert "expectations hold for a wrong password too" in result.message


@pytest.mark.asyncio
async def test_a_burst_that_does_not_fit_its_window_is_undecided_never_passed():
    # Every clock reading is 1 s later: 3 s hold an attempt or two, not twenty.
    _, result = await burst(App("none"), "    within: 3s\n", clock=SteppingClock(1.0))
    assert result.status == "error"
    assert "of 20 wrong-password attempts were answered within 3s" in result.message
    assert "raise security.login_rate_limit.within" in result.message


@pytest.mark.asyncio
async def test_a_replay_that_cannot_log_in_proves_nothing():
    class SessionBound(App):
        """Logins need a cookie only the signup set: a fresh jar never logs in."""

        def __call__(self, request: httpx.Request) -> httpx.Response:
            response = super().__call__(request)
            if request.url.path == "/signup":
                response.headers["set-cookie"] = "sid=from-signup"
            elif request.method == "POST" and "sid=from-signup" not in request.headers.get(
                "cookie", ""
            ):
                return httpx.Response(403, text="no session")
            return response

    app = SessionBound()
    _, result = await burst(app)
    assert result.status == "error"
    assert "does not log in even with the right password (answered 403)" in result.message
    assert len(app.login_emails) == 1 + 1  # no guess was sent


@pytest.mark.asyncio
async def test_skipped_when_the_signup_journey_fails():
    class Broken(App):
        def __call__(self, request: httpx.Request) -> httpx.Response:
            if request.url.path == "/signup":
                return httpx.Response(500)
            return super().__call__(request)

    app = Broken()
    loaded = parse_config(CONFIG, Path("launchgate.yml"), {})
    run = Run(loaded, target_url="http://app.test", transport=httpx.MockTransport(app))
    await run.execute_all()
    result = run.results[CHECK]
    assert result.status == "skipped"
    assert result.blocked_by == ("journey::signup",)
    assert app.login_emails == []  # no guess at all

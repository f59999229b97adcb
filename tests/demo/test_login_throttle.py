"""The demo's brute-force protection and the two faults of issue 16's page and login
checks, gated for real: each caught by its named check with its severity, and the
clean demo (run twice against one server) free of either finding."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from launchgate.demo import DemoServer
from launchgate.demo.faults import CAUGHT_BY
from launchgate.demo.throttle import ACCOUNT_LIMIT, ADDRESS_LIMIT, WINDOW_S, LoginThrottle
from tests.conftest import DemoBrowser, DemoRun
from tests.demo.gating import gate

pytestmark = pytest.mark.timeout(180)

RATE_CHECK = "security::login-rate-limit"


def fresh_email() -> str:
    return f"guess-{uuid.uuid4().hex[:12]}@example.test"


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


# -- the limiter alone, with a clock that is stepped --------------------------------------


def test_the_account_limit_refuses_the_next_login_until_the_oldest_failure_ages_out():
    clock = FakeClock()
    throttle = LoginThrottle(account_limit=3, address_limit=100, window_s=60, clock=clock)
    for _ in range(3):
        assert throttle.retry_after("a@x.test", "10.0.0.1") is None
        throttle.failed("a@x.test", "10.0.0.1")
        clock.now += 10
    # Failures at 100, 110, 120; now 130: the first ages out at 160.
    assert throttle.retry_after("a@x.test", "10.0.0.2") == 30  # from any address
    assert throttle.retry_after("b@x.test", "10.0.0.1") is None  # another account
    clock.now = 160.0
    assert throttle.retry_after("a@x.test", "10.0.0.1") is None


def test_the_address_limit_counts_failures_across_accounts():
    clock = FakeClock()
    throttle = LoginThrottle(account_limit=100, address_limit=4, window_s=60, clock=clock)
    for n in range(4):
        throttle.failed(f"user{n}@x.test", "10.0.0.9")
    assert throttle.retry_after("new@x.test", "10.0.0.9") == 60
    assert throttle.retry_after("new@x.test", "10.0.0.8") is None


def test_the_limits_leave_room_for_the_demo_own_runs():
    # One gate run's burst meets the account limit and stops: ACCOUNT_LIMIT failures.
    # The address limit must allow many runs against one server within a window.
    assert ADDRESS_LIMIT >= 10 * ACCOUNT_LIMIT
    assert ACCOUNT_LIMIT < 20  # the burst's default attempts: caught before its last
    assert WINDOW_S >= 10  # longer than the burst's default window


# -- the real demo server ----------------------------------------------------------------


def test_the_demo_answers_429_after_five_wrong_passwords_for_one_account(
    demo_server: Callable[..., DemoServer], browser: Callable[[DemoServer], DemoBrowser]
):
    server = demo_server()
    b = browser(server)
    email, password = fresh_email(), "right-password-1"
    assert b.signup(email, password).status_code == 200
    for _ in range(ACCOUNT_LIMIT):
        assert b.login(email, "wrong-password").status_code == 401
    refused = b.login(email, "wrong-password")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= WINDOW_S
    assert "Too many failed logins" in refused.text
    assert b.login(email, password).status_code == 429  # locked: the guess learns nothing
    # The demo customer, from the same address, is not locked out.
    assert browser(server).login(server.email, server.password).status_code == 303


def test_the_demo_limits_one_address_across_accounts(
    demo_server: Callable[..., DemoServer], browser: Callable[[DemoServer], DemoBrowser]
):
    server = demo_server()
    b = browser(server)
    for _ in range(ADDRESS_LIMIT):  # a password spray: one guess per made-up account
        assert b.login(fresh_email(), "Summer2026!").status_code == 401
    assert b.login(fresh_email(), "Summer2026!").status_code == 429


def test_no_login_rate_limit_answers_every_guess(
    demo_server: Callable[..., DemoServer], browser: Callable[[DemoServer], DemoBrowser]
):
    server = demo_server(["no-login-rate-limit"])
    b = browser(server)
    email, password = fresh_email(), "right-password-1"
    assert b.signup(email, password).status_code == 200
    assert {b.login(email, f"wrong-{n}").status_code for n in range(20)} == {401}
    assert b.login(email, password).status_code == 303


# -- the gate against it -----------------------------------------------------------------


def test_the_clean_demo_passes_the_burst_twice_on_one_server(
    demo_server: Callable[..., DemoServer], tmp_path: Path
):
    server = demo_server()
    for run in ("first", "second"):  # the first run's burst trips nothing of the second's
        code, report, terminal = gate(server, tmp_path / run)
        assert code == 0, terminal
        statuses = {c["id"]: c["status"] for c in report["checks"]}
        assert statuses[RATE_CHECK] == "passed"
        assert set(statuses.values()) == {"passed"}
        assert report["findings"] == []
        (check,) = [c for c in report["checks"] if c["id"] == RATE_CHECK]
        assert check["kind"] == "security" and check["severity"] == "high"
    assert server.password not in terminal


FAULTS = {
    "no-login-rate-limit": (RATE_CHECK, "high", "nothing slows a password-guessing attack"),
    "render-blocking-script": (
        "edge::render-blocking",
        "medium",
        "blocks rendering until cdn.example.net answers",
    ),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_each_new_fault_is_caught_by_its_check_with_its_severity(
    demo_server: Callable[..., DemoServer], tmp_path: Path, fault: str
):
    check_id, severity, phrase = FAULTS[fault]
    assert CAUGHT_BY[fault] == check_id
    server = demo_server([fault])
    code, report, terminal = gate(server, tmp_path)

    assert code == 1, terminal
    assert report["verdict"] == "fail"
    (check,) = [c for c in report["checks"] if c["id"] == check_id]
    assert check["status"] == "failed"
    assert {f["severity"] for f in check["findings"]} == {severity}
    assert phrase in check["message"]
    assert f"✗ {check_id}" in terminal
    # Only that check fails: the journeys, the webhooks and the rest of the edge pass.
    failed = {c["id"] for c in report["checks"] if c["status"] != "passed"}
    assert failed == {check_id}
    assert {f["check"] for f in report["findings"] if f["blocking"]} == {check_id}


def test_the_burst_guesses_only_at_the_run_own_account(
    demo_server: Callable[..., DemoServer],
    browser: Callable[[DemoServer], DemoBrowser],
    tmp_path: Path,
):
    server = demo_server()
    code, _, terminal = gate(server, tmp_path)
    assert code == 0, terminal
    # Had the burst guessed at the demo customer, the limiter would now lock them out.
    assert browser(server).login(server.email, server.password).status_code == 303


@pytest.mark.parametrize("fault", list(FAULTS))
def test_launchgate_demo_catches_each_new_fault(demo_runs: Callable[..., DemoRun], fault: str):
    check_id, severity, phrase = FAULTS[fault]
    run = demo_runs(fault)
    assert run.result.returncode == 1, run.terminal
    assert f"✗ {check_id}" in run.result.stdout
    report = json.loads((run.out / "report.json").read_text())
    blocking = {f["check"]: f["severity"] for f in report["findings"] if f["blocking"]}
    assert blocking == {check_id: severity}
    (finding,) = [f for f in report["findings"] if f["check"] == check_id]
    assert phrase in finding["title"]
    # The terminal wraps long lines at its width: compare its words, not its lines.
    assert " ".join(phrase.split()) in " ".join(run.result.stdout.split())

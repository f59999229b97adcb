"""Each injected fault breaks exactly what it says, on a real server; unknown names are
refused; the live fault set is read per request."""

from __future__ import annotations

import sqlite3
import time
import uuid
from contextlib import closing

import httpx
import pytest

from launchgate.demo import FAULTS, DemoServer, FaultSet, create_app
from launchgate.demo.db import INVOICE_INDEX
from launchgate.demo.faults import parse_faults

ALL_FAULTS = {
    *("login-500", "signup-broken", "webhook-unsigned"),
    *("dashboard-slow", "missing-index", "flaky-5xx"),
    *("no-hsts", "public-dashboard-cache", "http-no-redirect", "mixed-content"),
    "cert-expiring",
    *("no-login-rate-limit", "render-blocking-script"),
    *("log-leaks-token", "log-leaks-password"),
}


def fresh_email() -> str:
    return f"user-{uuid.uuid4().hex[:12]}@example.test"


def test_registry_holds_exactly_the_faults_the_gate_can_catch():
    assert set(FAULTS) == ALL_FAULTS
    for description in FAULTS.values():
        assert description
        assert "\n" not in description


def test_login_500(demo_server, browser):
    server = demo_server(["login-500"])
    b = browser(server)
    response = b.login(server.email, server.password)
    assert response.status_code == 500
    assert "lg_session" not in response.headers.get("set-cookie", "")
    # Only login is broken: the pages and signup still work.
    assert b.client.get("/").status_code == 200
    assert b.signup(fresh_email(), "long enough").status_code == 200


def test_signup_broken_answers_200_but_the_user_cannot_log_in(demo_server, browser):
    server = demo_server(["signup-broken"])
    b = browser(server)
    email = fresh_email()
    created = b.signup(email, "long enough")
    assert created.status_code == 200
    assert "Account created" in created.text
    assert email in created.text

    assert b.login(email, "long enough").status_code == 401
    # Nothing was stored, so the same email "signs up" again instead of a 409.
    assert b.signup(email, "long enough").status_code == 200
    # Login itself is fine.
    assert b.login(server.email, server.password).status_code == 303


def test_webhook_unsigned_accepts_forged_stale_and_replayed_events(demo_server, browser):
    server = demo_server(["webhook-unsigned"])
    client = browser(server).client
    body = b'{"id": "evt_forged", "type": "invoice.paid"}'
    forged_stripe = {"Stripe-Signature": f"t=1,v1={'0' * 64}"}
    forged_standard = {
        "webhook-id": "msg_forged",
        "webhook-timestamp": "1",
        "webhook-signature": "v1,AAAA",
    }
    for path, headers in [
        ("/webhooks/billing", forged_stripe),
        ("/webhooks/billing", {}),
        ("/webhooks/standard", forged_standard),
        ("/webhooks/standard", {}),
    ]:
        for _ in range(2):  # the second time is a replay
            response = client.post(path, content=body, headers=headers)
            assert response.status_code == 200, (path, headers)
            assert response.json() == {"received": True}


@pytest.mark.parametrize("name", ["no-such-fault", "login500", "LOGIN-500"])
def test_unknown_fault_is_refused_up_front(name):
    with pytest.raises(ValueError, match="valid faults are: cert-expiring, dashboard-slow, flaky"):
        DemoServer([name])
    with pytest.raises(ValueError, match=name):
        create_app({"LAUNCHGATE_DEMO_FAULTS": f"login-500,{name}"})


def test_fault_list_parsing_ignores_blanks_and_spaces():
    assert parse_faults(" login-500 , ,webhook-unsigned,") == {"login-500", "webhook-unsigned"}
    assert parse_faults("") == frozenset()


def test_fault_set_toggles_and_refuses_unknown_names():
    faults = FaultSet(["login-500"])
    assert faults.is_on("login-500")
    assert not faults.is_on("signup-broken")
    faults.enable("signup-broken")
    faults.disable("login-500")
    assert faults.names() == {"signup-broken"}
    for call in (faults.enable, faults.disable):
        with pytest.raises(ValueError, match="valid faults"):
            call("no-such-fault")
    with pytest.raises(KeyError):
        faults.is_on("login500")  # a typo in a handler fails loudly


@pytest.mark.asyncio
async def test_faults_toggled_on_a_running_app_apply_to_the_next_request():
    # In process, so the test can reach app.state as the later admin endpoint will.
    app = create_app({"LAUNCHGATE_DEMO_USERS": "5", "LAUNCHGATE_DEMO_PASSWORD": "pw-12345678"})
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://demo.test") as client,
    ):

        async def login() -> int:
            await client.get("/login")
            token = client.cookies["lg_csrf"]
            data = {"email": "demo@launchgate.test", "password": "pw-12345678", "csrf_token": token}
            return (await client.post("/login", data=data)).status_code

        assert await login() == 303
        app.state.faults.enable("login-500")
        assert await login() == 500
        app.state.faults.disable("login-500")
        assert await login() == 303


def test_dashboard_slow_waits_before_answering(demo_server, browser):
    slow = demo_server(["dashboard-slow"])
    b = browser(slow)
    assert b.login(slow.email, slow.password).status_code == 303
    started = time.monotonic()
    assert b.client.get("/dashboard").status_code == 200
    assert time.monotonic() - started >= 0.6  # the fault's sleep is a lower bound


def test_missing_index_drops_the_index_of_the_running_app(demo_server, browser, tmp_path):
    db = tmp_path / "demo.sqlite3"
    server = demo_server(["missing-index"], extra_env={"LAUNCHGATE_DEMO_DB": str(db)})
    with closing(sqlite3.connect(db)) as conn:
        indexes = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")
        }
    assert INVOICE_INDEX not in indexes
    b = browser(server)
    assert b.login(server.email, server.password).status_code == 303
    page = b.client.get("/dashboard")
    assert page.status_code == 200  # slower, still correct
    assert "Billed in the last 12 months" in page.text


def test_flaky_5xx_answers_503_sometimes_but_never_on_healthz(demo_server):
    server = demo_server(["flaky-5xx"])
    with httpx.Client(base_url=server.url, timeout=10) as client:
        statuses = [client.get("/").status_code for _ in range(400)]
        assert all(client.get("/healthz").status_code == 200 for _ in range(50))
    failures = statuses.count(503)
    assert set(statuses) == {200, 503}
    # About 10 % of 400: far from 0 and far from all (test_fault_effects.py holds the
    # rate itself to a binomial bound).
    assert 10 <= failures <= 100


def test_missing_index_switched_at_run_time_drops_and_restores_the_index(demo_server, tmp_path):
    db = tmp_path / "demo.sqlite3"
    server = demo_server(extra_env={"LAUNCHGATE_DEMO_DB": str(db)})

    def indexes() -> set[str]:
        with closing(sqlite3.connect(db)) as conn:
            return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}

    assert INVOICE_INDEX in indexes()
    assert "missing-index" in server.set_fault("missing-index", True)
    assert INVOICE_INDEX not in indexes()
    assert "missing-index" not in server.set_fault("missing-index", False)
    assert INVOICE_INDEX in indexes()

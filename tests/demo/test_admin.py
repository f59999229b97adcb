"""The demo's admin endpoint: faults switched on and off while the app runs, behind a
loopback check and a bearer token."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import httpx
import pytest
from starlette.requests import Request

from launchgate.demo import FAULTS, DemoServer, create_app
from launchgate.demo.admin import fault_switch, faults_list
from launchgate.demo.settings import DemoSettings
from tests.conftest import DemoBrowser

TOKEN = "admin-Token-for-tests-0123456789"


def test_switches_a_fault_on_and_off_while_the_app_runs(
    demo_server: Callable[..., DemoServer], browser: Callable[[DemoServer], DemoBrowser]
) -> None:
    server = demo_server(admin_token=TOKEN)
    b = browser(server)
    assert b.login(server.email, server.password).status_code == 303
    assert server.set_fault("login-500", True) == {"login-500"}
    assert b.login(server.email, server.password).status_code == 500
    assert server.set_fault("login-500", False) == frozenset()
    assert b.login(server.email, server.password).status_code == 303


def test_refuses_without_the_token(demo_server: Callable[..., DemoServer]) -> None:
    server = demo_server(admin_token=TOKEN)
    with httpx.Client(base_url=server.url, trust_env=False, timeout=10) as client:
        assert client.get("/admin/faults").status_code == 401
        wrong = {"Authorization": "Bearer " + "x" * len(TOKEN)}
        assert client.put("/admin/faults/login-500", headers=wrong).status_code == 401
        basic = {"Authorization": f"Basic {TOKEN}"}
        assert client.put("/admin/faults/login-500", headers=basic).status_code == 401
        good = {"Authorization": f"Bearer {TOKEN}"}
        listing = client.get("/admin/faults", headers=good)
        assert listing.json() == {
            "on": [],
            "available": sorted(FAULTS),
        }
        assert listing.headers["cache-control"] == "no-store"
        unknown = client.put("/admin/faults/everything", headers=good)
        assert unknown.status_code == 404
        assert client.get("/admin/faults/login-500", headers=good).status_code == 405
    assert server.set_fault("login-500", False) == frozenset()  # nothing changed


def _request(app: object, client_host: str, token: str | None, method: str = "GET") -> Request:
    headers = [(b"authorization", f"Bearer {token}".encode())] if token else []
    return Request(
        {
            "type": "http",
            "method": method,
            "path": "/admin/faults/login-500",
            "headers": headers,
            "client": (client_host, 40000),
            "app": app,
            "path_params": {"name": "login-500"},
            "query_string": b"",
        }
    )


@pytest.mark.parametrize("host", ["203.0.113.9", "10.0.0.2", "testclient", ""])
def test_answers_only_loopback_clients(host: str) -> None:
    app = create_app({"LAUNCHGATE_DEMO_ADMIN_TOKEN": TOKEN})
    response = asyncio.run(fault_switch(_request(app, host, TOKEN, "PUT")))
    assert response.status_code == 404
    assert app.state.faults.names() == frozenset()
    ok = asyncio.run(fault_switch(_request(app, "::1", TOKEN, "PUT")))
    assert ok.status_code == 200 and json.loads(bytes(ok.body)) == {
        "on": ["login-500"],
        "available": sorted(FAULTS),
    }


def test_does_not_exist_without_a_configured_token() -> None:
    app = create_app({})
    response = asyncio.run(faults_list(_request(app, "127.0.0.1", "anything-at-all-here")))
    assert response.status_code == 404


def test_a_short_token_is_refused_at_startup() -> None:
    with pytest.raises(ValueError, match="ADMIN_TOKEN must be at least 16 characters"):
        DemoSettings.from_env({"LAUNCHGATE_DEMO_ADMIN_TOKEN": "short"})
    assert TOKEN not in repr(DemoSettings.from_env({"LAUNCHGATE_DEMO_ADMIN_TOKEN": TOKEN}))

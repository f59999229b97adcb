"""The origin guard on a client built as the pytest fixtures build theirs, against real
servers on 127.0.0.1 (the target) and 127.0.0.2 (another host)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from launchgate.checks.origin_guard import OffOriginBody, origin_guard
from tests.servers import MisbehavingServer, answer, redirect, routes, server_pool

pytestmark = pytest.mark.timeout(60)

API_KEY = "lgkey-5c1f0e9a7b3d"
PASSWORD = "lgpw-8e2d4a6c0b1f"


@pytest.fixture
def hosts() -> Iterator[tuple[MisbehavingServer, MisbehavingServer]]:
    with server_pool() as start:
        other = start(answer(200, "elsewhere"), host="127.0.0.2")
        target = start(
            routes(
                {
                    "GET /go": redirect(f"{other.url}/landing"),
                    "POST /away": redirect(f"{other.url}/collect", 307),
                    "POST /here": redirect("/session", 307),
                    "POST /session": answer(201, "signed in"),
                }
            )
        )
        yield target, other


def client(target: MisbehavingServer) -> httpx.Client:
    """What ``GateSession.client()`` makes, with the guard."""
    return httpx.Client(
        base_url=target.url,
        headers={"user-agent": "launchgate/test", "X-Api-Key": API_KEY},
        cookies={"sid": "lgsid-3a9c"},  # no domain: httpx's jar would send it anywhere
        timeout=5.0,
        trust_env=False,
        event_hooks={"request": [origin_guard(target.url)]},
    )


def test_a_followed_redirect_to_another_host_carries_only_harmless_headers(
    hosts: tuple[MisbehavingServer, MisbehavingServer],
) -> None:
    target, other = hosts
    with client(target) as c:
        response = c.get("/go", follow_redirects=True)
    assert response.status_code == 200
    assert target.requests[0].headers["x-api-key"] == API_KEY
    [landed] = other.requests
    assert "x-api-key" not in landed.headers
    assert "cookie" not in landed.headers
    assert landed.headers["user-agent"] == "launchgate/test"


def test_a_307_to_another_host_is_refused_with_its_reason(
    hosts: tuple[MisbehavingServer, MisbehavingServer],
) -> None:
    target, other = hosts
    with client(target) as c, pytest.raises(OffOriginBody) as refused:
        c.post("/away", data={"password": PASSWORD}, follow_redirects=True)
    assert other.requests == []
    assert f"refused to send the POST body to {other.url}/collect" in str(refused.value)


def test_a_same_origin_307_still_resends_the_body(
    hosts: tuple[MisbehavingServer, MisbehavingServer],
) -> None:
    target, _ = hosts
    with client(target) as c:
        response = c.post("/here", data={"password": PASSWORD}, follow_redirects=True)
    assert response.status_code == 201
    resent = target.requests[-1]
    assert resent.route == "/session" and PASSWORD in resent.body.decode()
    assert resent.headers["x-api-key"] == API_KEY

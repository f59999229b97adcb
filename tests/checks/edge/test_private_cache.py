"""``edge::private-cache::<journey>``: the pages a logged-in journey reaches are asked
again with its session, on the target; none may be storable by a shared cache."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
import yaml

from tests.checks.edge.world import errors, failures, run_edge, world
from tests.servers import Connection, MisbehavingServer, Request, answer, routes

pytestmark = [pytest.mark.timeout(60), pytest.mark.asyncio]


def app(account_cache: str | None, session: str) -> MisbehavingServer:
    def login(conn: Connection, request: Request) -> None:
        cookie = f"sid={session}; HttpOnly; Path=/"
        conn.respond(303, b"", [("Location", "/account"), ("Set-Cookie", cookie)])

    def account(conn: Connection, request: Request) -> None:
        if request.headers.get("cookie") != f"sid={session}":
            conn.respond(303, b"", [("Location", "/login")])
            return
        headers = [("Cache-Control", account_cache)] if account_cache else []
        conn.respond(200, b"your invoices", headers)

    return MisbehavingServer(
        routes(
            {
                "/healthz": answer(200, "ok"),
                "POST /login": login,
                "/account": account,
                "/billing": account,
            }
        )
    )


def config(edge_text: str, target: str) -> str:
    data = yaml.safe_load(edge_text)
    data["target"]["url"] = target
    data["readiness"] = {"timeout": "2s", "interval": "50ms"}
    data["edge"]["private_pages"] = {"login": ["/billing"]}
    data["journeys"] = {
        "login": {"steps": [{"method": "POST", "path": "/login", "expect": {"status": 303}}]},
        "account": {"session": "login", "steps": [{"path": "/account"}]},
    }
    return yaml.safe_dump(data)


@pytest.mark.parametrize(
    ("cache", "failing"),
    [
        ("private, no-store", False),
        ("no-store", False),
        ("private, max-age=600", False),
        ("public, max-age=60", True),
        ("max-age=60", True),
        (None, True),
    ],
)
async def test_logged_in_pages_must_not_be_publicly_cacheable(
    tmp_path: Path, cache: str | None, failing: bool
) -> None:
    session = "sess-" + secrets.token_hex(12)
    with world(tmp_path) as site, app(cache, session) as target:
        run, _ = await run_edge(config(site.config(), target.url), target_url=target.url)
        replayed = [r for r in target.requests if r.route in ("/account", "/billing")]

    expected = (
        {"edge::private-cache::account": {"blocker"}, "edge::private-cache::login": {"blocker"}}
        if failing
        else {}
    )
    assert failures(run) == expected
    assert errors(run) == {}
    # The journey's GET and the private page, asked again with the session cookie.
    assert [r.route for r in replayed] == ["/account", "/billing", "/account"]
    assert all(r.headers.get("cookie") == f"sid={session}" for r in replayed)
    for result in run.results.values():
        assert session not in repr(result)
    if failing:
        finding = run.results["edge::private-cache::account"].findings[0]
        assert "a CDN could serve one customer's page to another" in finding.title
        assert "private, no-store" in finding.remedy


async def test_a_failed_journey_skips_its_cache_check(tmp_path: Path) -> None:
    with world(tmp_path) as site, app("public", "x" * 8) as target:
        text = config(site.config(), target.url).replace("status: 303", "status: 200")
        run, _ = await run_edge(text, target_url=target.url)

    assert run.results["journey::login"].status == "failed"
    for check_id in ("edge::private-cache::login", "edge::private-cache::account"):
        assert run.results[check_id].status == "skipped"
        assert run.results[check_id].blocked_by == ("journey::login",)

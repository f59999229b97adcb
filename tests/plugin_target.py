"""A small shop on a loopback port and the launchgate.yml that gates it, for the tests
of the pytest face in scratch projects (pytester): readiness, a homepage journey
that can be broken, a login journey and a dashboard journey on the login's session.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from tests.servers import Behaviour, Connection, MisbehavingServer, Request, answer, routes

__all__ = ["CHECKS", "HAND_WRITTEN", "gate_yml", "junit_cases", "report", "shop"]

CHECKS = ["readiness", "journey::homepage", "journey::login", "journey::dashboard"]
SESSION_COOKIE = "shop_session=s3ss10n"

HAND_WRITTEN = """
import pytest

def test_plan(launchgate_session):
    assert "Plan: pro" in launchgate_session("login").get("/dashboard").text

def test_plain():
    assert True
"""


def shop(*, homepage_ok: bool, away: str = "") -> MisbehavingServer:
    """``away``: where ``/away`` redirects (another origin), for the fixtures' client."""

    def dashboard(conn: Connection, request: Request) -> None:
        if SESSION_COOKIE in request.headers.get("cookie", ""):
            conn.respond(200, b"Plan: pro")
        else:
            conn.respond(303, b"", [("Location", "/login")])

    behaviour: Behaviour = routes(
        {
            "/healthz": answer(200, "ok"),
            "/": answer(200, "Welcome") if homepage_ok else answer(500, "boom"),
            "POST /login": answer(
                303, "", [("Location", "/dashboard"), ("Set-Cookie", f"{SESSION_COOKIE}; Path=/")]
            ),
            "/dashboard": dashboard,
            "/away": answer(302, "", [("Location", away or "/")]),
        }
    )
    return MisbehavingServer(behaviour, lifetime_s=300.0)


def gate_yml(url: str) -> str:
    return f"""\
version: 1
target:
  url: {url}
  timeout: 5s
  deadline: 2m
readiness:
  path: /healthz
  timeout: 20s
journeys:
  homepage:
    steps:
      - path: /
        expect: {{status: 200, body_contains: Welcome}}
  login:
    steps:
      - method: POST
        path: /login
        form: {{email: demo@shop.test, password: hunter2}}
        expect: {{status: 303}}
  dashboard:
    session: login
    steps:
      - path: /dashboard
        expect: {{status: 200, body_contains: "Plan: pro"}}
"""


def report(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "launchgate-results" / "report.json").read_text())
    return data


def junit_cases(folder: Path) -> dict[str, str]:
    """launchgate's own junit.xml: case name -> failure, error, skipped: MESSAGE or passed."""
    root = ET.parse(folder / "launchgate-results" / "junit.xml").getroot()
    cases = {}
    for case in root.iter("testcase"):
        outcome = "passed"
        for tag in ("failure", "error", "skipped"):
            element = case.find(tag)
            if element is not None:
                outcome = f"{tag}: {element.get('message', '')}"
        cases[str(case.get("name"))] = outcome
    return cases

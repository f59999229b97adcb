"""One round through the engine: bounded by each check's timeout, and prerequisites
handled so that one root cause raises one alert."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from launchgate.results import CheckResult, Severity, StepRecord
from launchgate.watch.rounds import observation_of
from tests.servers import MisbehavingServer, answer, routes, silent
from tests.watch.harness import make_watcher

CONFIG = """
version: 1
journeys:
  login:
    steps: [{path: /login}]
  dashboard:
    needs: [login]
    steps: [{path: /dashboard}]
watch:
  deadline: 20s
  checks:
    stuck: {path: /stuck, timeout: 200ms}
    dashboard: {journey: dashboard}
"""


@pytest.mark.asyncio
async def test_a_silent_app_is_a_named_failure_bounded_by_the_check_timeout(
    tmp_path: Path,
) -> None:
    table = {"/stuck": silent(), "/login": answer(500), "/dashboard": answer(200)}
    with MisbehavingServer(routes(table)) as app:
        async with httpx.AsyncClient(trust_env=False) as client:
            h = make_watcher(CONFIG, {}, client, tmp_path, target_url=app.url)
            report = await h.watcher.run_round()
    stuck = report.observations["stuck"]
    assert stuck.ok is False
    assert stuck.problem == "no result within 200ms (the watch check timeout)"
    # login is not watched: the dashboard check says why it could not run
    dashboard = report.observations["dashboard"]
    assert dashboard.ok is False
    assert dashboard.problem.startswith("not run: a prerequisite failed (journey::login:")


def result(status: str, blocked_by: tuple[str, ...] = ()) -> CheckResult:
    return CheckResult(
        check_id="journey::dashboard",
        kind="journey",
        title="dashboard",
        severity=Severity.BLOCKER,
        status=status,  # type: ignore[arg-type]
        duration_s=0.25,
        message="" if status == "passed" else f"{status} for a reason",
        steps=(
            StepRecord(
                name="GET /dashboard",
                method="GET",
                path="/dashboard",
                status_code=200,
                elapsed_ms=12.0,
                ok=True,
            ),
        ),
        blocked_by=blocked_by,
    )


def test_observation_of_each_status() -> None:
    watched = frozenset({"journey::login", "journey::dashboard"})
    ok = observation_of(result("passed"), 5.0, watched, {})
    assert (ok.ok, ok.status_code, ok.latency_ms) == (True, 200, 250.0)
    err = observation_of(result("error"), 5.0, watched, {})
    assert (err.ok, err.problem) == (False, "error for a reason")
    behind_watched = observation_of(result("skipped", ("journey::login",)), 5.0, watched, {})
    assert behind_watched.ok is None  # login carries the alert
    behind_other = observation_of(
        result("skipped", ("journey::setup",)), 5.0, watched, {"journey::setup": "boom"}
    )
    assert behind_other.ok is False
    assert behind_other.problem == "not run: a prerequisite failed (journey::setup: boom)"

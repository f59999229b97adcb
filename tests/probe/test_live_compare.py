"""The live A/B through the engine, against real demo servers: the control is probed
beside the target, and a control that cannot stand for "before" leaves the comparison
undecided, never passed and never blamed on the target."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from launchgate.checks.context import CheckContext
from launchgate.clock import SystemClock
from launchgate.config import parse_config
from launchgate.demo import DemoServer
from launchgate.engine import Run
from launchgate.probe.control import control_context
from launchgate.redact import Redactor
from launchgate.reports import render_json
from tests.servers import closed_port

CONFIG = """\
target: {{environment: test}}
readiness: {{timeout: 20s}}
journeys:
  login:
    steps:
      - path: /login
        capture: {{csrf: {{regex: 'name="csrf_token" value="([^"]+)"'}}}}
      - method: POST
        path: /login
        form: {{email: demo@launchgate.test, password: "${{PW}}", csrf_token: "{{{{ csrf }}}}"}}
        expect: {{status: 303}}
secrets: [PW]
probe:
  rate: 60/s
  duration: 3s
  warmup: 500ms
  ramp: 200ms
  max_extend: 0s
  routes:
    home: {{path: /}}
    dashboard: {{path: /dashboard, session: login}}
  # Both demo servers share this machine with the test run: the flow is under test
  # here, not the statistics (tests/probe/test_compare.py has those).
  gates: {{min_samples: 100, regression_floor: 50ms}}
  compare: {{url: "{control}", floor: 50ms}}
baseline: {{dir: {folder}}}
"""


def gate(target: DemoServer, control_url: str, workdir: Path) -> tuple[Run, dict[str, Any]]:
    text = CONFIG.format(control=control_url, folder=workdir / "baselines")
    loaded = parse_config(text, Path("launchgate.yml"), {"PW": target.password})
    run = Run(loaded, target_url=target.url, workdir=workdir, environ={})
    asyncio.run(run.execute_all())
    return run, json.loads(render_json(run.report()))


def checks(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in report["checks"]}


def test_both_sides_are_measured_at_one_rate_and_compared(
    demo_server: Callable[..., DemoServer], tmp_path: Path
) -> None:
    target = demo_server()
    control = demo_server(password=target.password)  # the same customers, as deployed
    _, report = gate(target, control.url, tmp_path)
    assert report["verdict"] == "pass", report["reason"]
    by_id = checks(report)
    for name in ("home", "dashboard"):
        check = by_id[f"probe::{name}::regression"]
        assert check["status"] == "passed"
        assert "vs the control's" in check["message"]
        assert "the stored baseline (not gating): no_baseline" in check["message"]
    for route in report["routes"]:
        assert route["control"] == control.url + route["path"]
        # The same schedule, half an interval apart: the same number of answers.
        assert abs(route["control_samples"] - route["samples"]) <= 0.05 * route["samples"]
        assert route["compare_decision"] == "unchanged"


def test_a_control_that_fails_its_login_leaves_the_logged_in_route_undecided(
    demo_server: Callable[..., DemoServer], tmp_path: Path
) -> None:
    target = demo_server()
    control = demo_server(password="not-the-password-the-config-has")
    _, report = gate(target, control.url, tmp_path)
    by_id = checks(report)
    dashboard = by_id["probe::dashboard::regression"]
    assert dashboard["status"] == "error"
    assert "did not pass journey login" in dashboard["message"]
    assert control.url in dashboard["message"]
    # The target itself is fine, and still measured and judged as such.
    assert by_id["journey::login"]["status"] == "passed"
    assert by_id["probe::dashboard::p95"]["status"] == "passed"
    assert by_id["probe::dashboard::errors"]["status"] == "passed"
    assert by_id["probe::home::regression"]["status"] == "passed"
    assert report["verdict"] == "error" and report["rollback"] is True
    assert not report["findings"]  # could not decide: nothing blamed on the target


def test_a_control_that_is_down_is_could_not_decide_not_the_targets_fault(
    demo_server: Callable[..., DemoServer], tmp_path: Path
) -> None:
    target = demo_server()
    down = f"http://127.0.0.1:{closed_port()}"
    _, report = gate(target, down, tmp_path)
    by_id = checks(report)
    probe = by_id["probe"]
    assert probe["status"] == "error"
    assert "the control" in probe["message"] and "could not decide" in probe["message"]
    assert "connection refused" in probe["message"]
    assert report["verdict"] == "error" and report["exit_code"] == 3
    assert not report["findings"]  # not "the target collapsed"
    assert by_id["probe::home::regression"]["status"] == "skipped"


def test_a_control_that_is_the_target_itself_is_refused(
    demo_server: Callable[..., DemoServer], tmp_path: Path
) -> None:
    target = demo_server()
    _, report = gate(target, target.url + "/", tmp_path)
    probe = checks(report)["probe"]
    assert probe["status"] == "error"
    assert "is the target itself" in probe["message"]
    assert report["verdict"] == "error"


def test_the_control_gets_a_customer_identity_of_its_own() -> None:
    """The control may share the target's database (a preview URL, the old colour): a
    signup there must not meet the address the target's run just registered."""
    ctx = CheckContext(
        base_url="https://new.example.com",
        target=parse_config("journeys: {a: {steps: [{path: /}]}}", Path("x.yml"), {}).config.target,
        redactor=Redactor(),
        variables={"run.id": "ab12", "run.email": "lg-ab12@example.com", "run.password": "p"},
        clock=SystemClock(),
        make_client=lambda cookies: httpx.AsyncClient(base_url="https://new.example.com"),
    )
    theirs = control_context(ctx, "https://old.example.com")
    assert theirs.base_url == "https://old.example.com"
    assert theirs.variables["run.email"] == "lg-ab12-control@example.com"
    assert theirs.variables["run.id"] == "ab12-control"
    assert theirs.variables["run.password"] == "p"
    # A step that builds a URL or an Origin from the target builds the control's there.
    assert theirs.variables["target.origin"] == "https://old.example.com"
    assert theirs.redactor is ctx.redactor  # what it learns is masked everywhere
    assert ctx.variables["run.email"] == "lg-ab12@example.com"  # the target's unchanged
    client = theirs.client()
    assert str(client.base_url).startswith("https://old.example.com")


@pytest.mark.parametrize("url", ["ftp://old.example.com", "not a url"])
def test_a_control_url_that_is_not_http_is_a_config_error(url: str) -> None:
    from launchgate.errors import ConfigError

    text = f'probe: {{routes: {{home: {{path: /}}}}, compare: {{url: "{url}"}}}}'
    with pytest.raises(ConfigError, match=r"probe\.compare\.url"):
        parse_config(text, Path("launchgate.yml"), {})

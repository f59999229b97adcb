"""The probe through the engine, against the real demo app: gates, baselines, validity."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from launchgate.baseline.store import read_baseline
from launchgate.checks.ids import PROBE_ID
from launchgate.config import parse_config
from launchgate.demo import DemoServer
from launchgate.engine import Run
from launchgate.probe.outcome import ProbeOutcome
from launchgate.probe.record import update_baseline
from launchgate.reports import render_json

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
  max_extend: {extend}
  max_client_lag: {lag}
  routes:
    home: {{path: {home}}}
    dashboard: {{path: /dashboard, session: login}}
  # A/A on a shared machine: the flow is under test here, not the noise model.
  gates: {{min_samples: 100, regression_floor: 50ms}}
baseline: {{dir: {folder}}}
"""


def make_run(server: DemoServer, workdir: Path, *, home: str = "/", lag: str = "50ms",
             extend: str = "0s") -> Run:  # fmt: skip
    text = CONFIG.format(home=home, lag=lag, extend=extend, folder=workdir / "baselines")
    loaded = parse_config(text, Path("launchgate.yml"), {"PW": server.password})
    return Run(loaded, target_url=server.url, workdir=workdir, environ={})


@pytest.fixture
def server(demo_server: Callable[..., DemoServer]) -> DemoServer:
    return demo_server()


def statuses(run: Run) -> dict[str, str]:
    return {cid: r.status for cid, r in run.results.items() if cid.startswith("probe")}


@pytest.mark.asyncio
async def test_first_run_has_no_baseline_then_updates_then_compares(server, tmp_path):
    first = make_run(server, tmp_path)
    await first.execute_all()
    assert set(statuses(first).values()) == {"passed"}
    assert first.results["probe::home::regression"].message.startswith("no_baseline")
    report = first.report()
    assert [r.route for r in report.routes] == ["home", "dashboard"]
    assert all(r.samples >= 100 for r in report.routes)
    assert report.baseline is not None
    assert report.baseline.entries == 0

    updated = update_baseline(
        report, first.config, first.outcome(PROBE_ID, ProbeOutcome),
        workdir=tmp_path, environ={}, any_branch=True,
    )  # fmt: skip
    assert updated.baseline is not None
    assert updated.baseline.update.startswith("updated")
    stored = read_baseline(tmp_path / "baselines" / "test.json")
    assert stored is not None
    assert set(stored.latest.routes) == {"home", "dashboard"}

    second = make_run(server, tmp_path)
    await second.execute_all()
    decision = second.results["probe::dashboard::regression"].message.split(":")[0]
    assert decision in {"unchanged", "within_noise", "improvement"}
    data = json.loads(render_json(second.report()))
    (dashboard,) = [r for r in data["routes"] if r["route"] == "dashboard"]
    assert dashboard["baseline_p95_ms"] is not None
    assert dashboard["decision"] == decision
    assert data["baseline"]["entries"] == 1


@pytest.mark.asyncio
async def test_a_corrupt_baseline_is_could_not_decide_naming_the_file(server, tmp_path):
    path = tmp_path / "baselines" / "test.json"
    path.parent.mkdir()
    path.write_text('{"schema_version": 1, "environment": "test", "entries": [')
    run = make_run(server, tmp_path)
    await run.execute_all()
    regression = run.results["probe::home::regression"]
    assert regression.status == "error"
    assert str(path) in regression.message
    assert run.report().verdict.outcome == "error"


@pytest.mark.asyncio
async def test_zero_successful_samples_is_never_p95_0_ms(server, tmp_path):
    run = make_run(server, tmp_path, home="/no-such-page")
    await run.execute_all()
    p95 = run.results["probe::home::p95"]
    assert p95.status == "error"
    assert "only 0 successful requests" in p95.message
    assert run.results["probe::home::errors"].status == "failed"
    data = json.loads(render_json(run.report()))
    (home,) = [r for r in data["routes"] if r["route"] == "home"]
    assert home["p95_ms"] is None
    assert home["samples"] == 0


@pytest.mark.asyncio
async def test_a_client_that_fell_behind_invalidates_the_run(server, tmp_path):
    run = make_run(server, tmp_path, lag="0ms")  # any timer lateness at all is too much
    await run.execute_all()
    probe = run.results["probe"]
    assert probe.status == "error"
    assert "fell behind its own schedule" in probe.message
    gates = [r for cid, r in run.results.items() if cid.startswith("probe::")]
    assert gates
    assert all(r.status == "skipped" for r in gates)
    assert run.report().verdict.exit_code == 3


@pytest.mark.asyncio
async def test_a_failing_run_never_updates_the_baseline(server, tmp_path):
    run = make_run(server, tmp_path, home="/no-such-page")
    await run.execute_all()
    report = run.report()
    assert report.verdict.outcome != "pass"
    updated = update_baseline(
        report, run.config, run.outcome(PROBE_ID, ProbeOutcome),
        workdir=tmp_path, environ={}, any_branch=True,
    )  # fmt: skip
    assert updated.baseline is not None
    assert updated.baseline.update == "not updated: only a passing run may update the baseline"
    assert not (tmp_path / "baselines" / "test.json").exists()


@pytest.mark.asyncio
async def test_only_the_default_branch_updates_by_default(server, tmp_path):
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m", "x")
    git("checkout", "-q", "-b", "feature")
    run = make_run(server, tmp_path)
    await run.execute_all()
    report = run.report()
    assert report.verdict.outcome == "pass"
    updated = update_baseline(
        report, run.config, run.outcome(PROBE_ID, ProbeOutcome),
        workdir=tmp_path, environ={},
    )  # fmt: skip
    assert updated.baseline is not None
    assert updated.baseline.update.startswith("not updated: branch feature may not update it")
    git("checkout", "-q", "main")
    updated = update_baseline(
        report, run.config, run.outcome(PROBE_ID, ProbeOutcome),
        workdir=tmp_path, environ={},
    )  # fmt: skip
    assert updated.baseline is not None
    assert updated.baseline.update.startswith("updated")
    stored = read_baseline(tmp_path / "baselines" / "test.json")
    assert stored is not None
    assert stored.latest.git is not None
    assert stored.latest.git.branch == "main"


@pytest.mark.asyncio
async def test_a_failed_session_journey_leaves_its_route_unmeasured_not_misread(
    demo_server, tmp_path
):
    """A logged-out dashboard answers a redirect: measuring that as the dashboard would
    be a lie. The route is left unmeasured, the others are still measured."""
    server = demo_server(["login-500"])
    run = make_run(server, tmp_path)
    await run.execute_all()
    assert run.results["journey::login"].status == "failed"
    assert run.results["probe"].status == "passed"
    assert run.results["probe::home::p95"].status == "passed"
    dashboard = run.results["probe::dashboard::p95"]
    assert dashboard.status == "error"
    assert "not measured: journey login did not pass" in dashboard.message
    assert [r.route for r in run.report().routes] == ["home"]
    assert run.report().verdict.outcome == "fail"  # the login failure decides


@pytest.mark.asyncio
async def test_a_target_collapsing_under_load_fails_the_error_budget(tmp_path):
    """It answers at first, then resets every connection: the probe stops early and the
    error budget fails, naming the cause and the early stop."""
    from tests.probe.test_driver import failing_after
    from tests.servers import MisbehavingServer

    text = (
        "readiness: null\n"
        "probe:\n  rate: 50/s\n  duration: 4s\n  warmup: 0s\n  ramp: 0s\n  max_extend: 0s\n"
        "  routes: {home: {path: /}}\n  gates: {min_samples: 20}\n"
        f"baseline: {{dir: {tmp_path / 'b'}}}\n"
    )
    with MisbehavingServer(failing_after(40)) as server:
        loaded = parse_config(text, Path("launchgate.yml"), {})
        run = Run(loaded, target_url=server.url, workdir=tmp_path, environ={})
        await run.execute_all()
        sent = len(server.requests)
    assert sent < 50 * 4  # stopped well before the end
    errors = run.results["probe::home::errors"]
    assert errors.status == "failed"
    assert "the target is collapsing" in errors.findings[0].detail
    assert "connection reset" in errors.findings[0].detail
    assert run.report().verdict.outcome == "fail"

"""The `launchgate` command end to end: the demo, its faults, bad input, exit codes."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from launchgate.cli import main
from tests.conftest import DemoRun

RUN_TIMEOUT_S = 120


@pytest.fixture(autouse=True)
def _fast_demo(fast_demo_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in fast_demo_env.items():
        monkeypatch.setenv(name, value)


def run_cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path
) -> subprocess.CompletedProcess[str]:
    """The real console entry point in a child process, as a user runs it."""
    full_env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("LAUNCHGATE_")
        or k.startswith(("LAUNCHGATE_DEMO_PROBE", "LAUNCHGATE_CACHE"))
    }
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "launchgate.cli", *args],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        env=full_env,
        cwd=cwd,
        check=False,
    )


def outputs(out: Path) -> tuple[dict[str, Any], ET.Element, str]:
    report = json.loads((out / "report.json").read_text())
    junit = ET.fromstring((out / "junit.xml").read_text())
    return report, junit, (out / "summary.md").read_text()


def test_demo_passes_and_writes_the_three_reports(demo_runs: Callable[..., DemoRun]) -> None:
    run = demo_runs(None)
    result = run.result
    assert result.returncode == 0, run.terminal
    assert "PASS" in result.stdout
    report, junit, summary = outputs(run.out)
    assert report["verdict"] == "pass"
    assert report["rollback"] is False
    assert {c["status"] for c in report["checks"]} == {"passed"}
    ids = {c["id"] for c in report["checks"]}
    assert {"readiness", "journey::signup", "journey::login", "journey::dashboard"} <= ids
    assert "webhook::billing::forged" in ids
    cases = junit.findall(".//testcase")
    assert len(cases) == len(report["checks"])
    assert not junit.findall(".//failure") and not junit.findall(".//error")
    assert summary.startswith("## launchgate: PASS")


EXACT, AT_LEAST = True, False
FAULT_CASES = [
    # (fault, checks that must fail, whether nothing else may fail)
    ("login-500", {"journey::login", "journey::signup"}, EXACT),  # signup ends by logging in
    ("signup-broken", {"journey::signup"}, EXACT),
    (
        "webhook-unsigned",
        {
            "webhook::billing::forged",
            "webhook::billing::tampered",
            "webhook::billing::unsigned",
            "webhook::billing::stale",
            "webhook::billing::replay",
        },
        EXACT,
    ),
    # The probe check fails with its gates: it is the load probe's verdict.
    ("dashboard-slow", {"probe", "probe::dashboard::p95", "probe::dashboard::regression"}, EXACT),
    ("missing-index", {"probe", "probe::dashboard::regression"}, EXACT),
    # A few percent of every request fails: journeys may be hit too, at random, and
    # when the login journey is, the dashboard cannot be measured as a customer.
    ("flaky-5xx", {"probe", "probe::home::errors"}, AT_LEAST),
]


@pytest.mark.parametrize(
    ("fault", "failing", "exact"), FAULT_CASES, ids=[c[0] for c in FAULT_CASES]
)
def test_each_demo_fault_is_caught_and_named(
    demo_runs: Callable[..., DemoRun], fault: str, failing: set[str], exact: bool
) -> None:
    run = demo_runs(fault)
    result, out = run.result, run.out
    assert result.returncode == 1, run.terminal
    assert "FAIL — rollback recommended" in result.stdout
    report, junit, _ = outputs(out)
    assert report["verdict"] == "fail"
    assert report["rollback"] is True
    failed = {c["id"] for c in report["checks"] if c["status"] == "failed"}
    if exact:
        assert failed == failing
    else:
        assert failing <= failed
    for check_id in failing:
        assert f"✗ {check_id}" in result.stdout
        (check,) = [c for c in report["checks"] if c["id"] == check_id]
        assert check["severity"] == "blocker"
        assert check["blocking"] is True
        (case,) = [c for c in junit.iter("testcase") if c.get("name") == check_id]
        assert case.find("failure") is not None
    blockers = {f["check"] for f in report["findings"] if f["severity"] == "blocker"}
    assert failing <= blockers
    if exact:
        assert blockers == failing


def test_missing_index_is_a_regression_under_the_p95_target(
    demo_runs: Callable[..., DemoRun],
) -> None:
    """The index fault slows the dashboard a lot in relative terms, not past 500 ms: only
    the baseline comparison can catch it, and report.json says on what basis."""
    report, _, summary = outputs(demo_runs("missing-index").out)
    (dashboard,) = [r for r in report["routes"] if r["route"] == "dashboard"]
    assert dashboard["p95_ms"] < 500
    assert dashboard["decision"] == "regression"
    assert dashboard["baseline_p95_ms"] is not None
    assert dashboard["change_pct"] > 20
    assert report["baseline"]["path"].endswith("demo.json")
    assert "| dashboard (/dashboard) |" in summary
    assert "REGRESSION" in summary


def test_the_clean_demo_passes_against_a_live_control(
    demo_runs: Callable[..., DemoRun],
) -> None:
    """``launchgate demo --compare``: a healthy control beside the candidate; both sides
    measured in one window, the regression decided against the control."""
    run = demo_runs(None, compare=True)
    assert run.result.returncode == 0, run.terminal
    assert "as the control" in run.result.stdout
    report, _, summary = outputs(run.out)
    assert report["verdict"] == "pass"
    for route in report["routes"]:
        assert route["control"].startswith("http://127.0.0.1:")
        assert not route["control"].startswith(report["target"])
        assert route["control_samples"] >= 200 and route["samples"] >= 200
        assert route["compare_decision"] in ("unchanged", "improvement")
        low, high = route["compare_interval"]
        assert low <= route["compare_ratio"] <= high
        # The stored baseline is shown beside it: one taken alone is named as such.
        assert route["decision"] in ("no_baseline", "incomparable")
    titles = {c["id"]: c["title"] for c in report["checks"]}
    assert "slower than the control" in titles["probe::dashboard::regression"]
    assert "| control p95 | vs control |" in summary


COMPARE_FAULTS = [
    ("missing-index", {"probe", "probe::dashboard::regression"}),
    ("dashboard-slow", {"probe", "probe::dashboard::p95", "probe::dashboard::regression"}),
]


@pytest.mark.parametrize(("fault", "failing"), COMPARE_FAULTS, ids=[c[0] for c in COMPARE_FAULTS])
def test_a_slowed_dashboard_fails_against_the_live_control(
    demo_runs: Callable[..., DemoRun], fault: str, failing: set[str]
) -> None:
    run = demo_runs(fault, compare=True)
    assert run.result.returncode == 1, run.terminal
    report, _, _ = outputs(run.out)
    failed = {c["id"] for c in report["checks"] if c["status"] == "failed"}
    assert failed == failing
    (dashboard,) = [r for r in report["routes"] if r["route"] == "dashboard"]
    assert dashboard["compare_decision"] == "regression"
    assert dashboard["compare_interval"][0] > 1.2
    (check,) = [c for c in report["checks"] if c["id"] == "probe::dashboard::regression"]
    assert "the control's" in check["message"] and "in the same window" in check["message"]
    (home,) = [r for r in report["routes"] if r["route"] == "home"]
    assert home["compare_decision"] != "regression"  # the fault is on the dashboard only


def test_login_500_names_the_status_and_skips_what_depends_on_login(
    demo_runs: Callable[..., DemoRun],
) -> None:
    report, junit, _ = outputs(demo_runs("login-500").out)
    (login,) = [c for c in report["checks"] if c["id"] == "journey::login"]
    assert "answered 500, expected 303" in login["message"]
    (dashboard,) = [c for c in report["checks"] if c["id"] == "journey::dashboard"]
    assert dashboard["status"] == "skipped"
    assert dashboard["blocked_by"] == ["journey::login"]
    (case,) = [c for c in junit.iter("testcase") if c.get("name") == "journey::dashboard"]
    assert case.find("skipped") is not None and case.find("failure") is None


def test_signup_broken_is_caught_when_the_new_customer_cannot_log_in(
    demo_runs: Callable[..., DemoRun],
) -> None:
    report, _, _ = outputs(demo_runs("signup-broken").out)
    (signup,) = [c for c in report["checks"] if c["id"] == "journey::signup"]
    assert "log in as the new customer" in signup["message"]
    assert "answered 401" in signup["message"]


def test_unknown_fault_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("demo", "--fault", "no-such-fault", cwd=tmp_path)
    assert result.returncode == 2
    assert "unknown demo fault(s): no-such-fault" in result.stderr
    assert "login-500" in result.stderr
    assert "Traceback" not in result.stderr


# -- bad configuration: exit 2, one clear line, no traceback ------------------------------

BAD_CONFIGS = {
    "yaml syntax": ("target:\n  url: [oops\njourneys: {}\n", "launchgate.yml:3: YAML syntax error"),
    "unknown key": (
        "target:\n  url: http://127.0.0.1:9\n  timeot: 1s\n"
        "journeys:\n  a:\n    steps: [{path: /}]\n",
        "launchgate.yml:3: target.timeot: unknown key 'timeot'; did you mean 'timeout'?",
    ),
    "wrong type": (
        "target:\n  url: http://127.0.0.1:9\n"
        "journeys:\n  a:\n    steps: [{path: /, follow_redirects: maybe}]\n",
        "launchgate.yml:5: journeys.a.steps[0].follow_redirects: expected a valid boolean",
    ),
    "missing variable": (
        "target:\n  url: ${APP_URL}\njourneys:\n  a:\n    steps: [{path: /}]\n",
        "launchgate.yml:2: target.url: environment variable APP_URL is not set",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_bad_config_exits_2_with_one_line_naming_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    text, expected = BAD_CONFIGS[case]
    (tmp_path / "launchgate.yml").write_text(text)
    monkeypatch.chdir(tmp_path)
    code = main(["run", "--out", str(tmp_path / "out")], environ={})
    captured = capsys.readouterr()
    assert code == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("error: " + expected), lines[0]
    assert "Traceback" not in captured.err + captured.out
    assert not (tmp_path / "out" / "report.json").exists()  # nothing was checked


def test_missing_config_file_says_how_to_make_one(tmp_path, capsys):
    code = main(["run", "--config", str(tmp_path / "nope.yml")], environ={})
    assert code == 2
    assert "launchgate init" in capsys.readouterr().err


def test_no_url_anywhere_is_a_usage_error(tmp_path, capsys):
    cfg = tmp_path / "launchgate.yml"
    cfg.write_text("journeys:\n  a:\n    steps: [{path: /}]\n")
    assert main(["run", "--config", str(cfg)], environ={}) == 2
    assert "no target URL" in capsys.readouterr().err


def test_url_must_be_http(tmp_path, capsys):
    cfg = tmp_path / "launchgate.yml"
    cfg.write_text("journeys:\n  a:\n    steps: [{path: /}]\n")
    assert main(["run", "--config", str(cfg), "--url", "ftp://x"], environ={}) == 2
    assert "--url: expected an http:// or https:// URL" in capsys.readouterr().err


def test_unwritable_output_folder_is_refused_before_anything_runs(tmp_path, capsys):
    cfg = tmp_path / "launchgate.yml"
    cfg.write_text("journeys:\n  a:\n    steps: [{path: /}]\n")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code = main(
        ["run", "--config", str(cfg), "--url", "http://127.0.0.1:9", "--out", str(blocker / "o")],
        environ={},
    )
    assert code == 2
    assert "a-file" in capsys.readouterr().err


# -- the target is not there: exit 1 with the cause, within the deadline ------------------


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_refused_target_fails_with_the_cause(tmp_path, capsys, closed_port):
    cfg = tmp_path / "launchgate.yml"
    cfg.write_text(
        "readiness: {timeout: 1s, interval: 50ms}\njourneys:\n  a:\n    steps: [{path: /}]\n"
    )
    code = main(
        [
            "run",
            "--config",
            str(cfg),
            "--url",
            f"http://127.0.0.1:{closed_port}",
            "--out",
            str(tmp_path / "out"),
        ],
        environ={},
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "connection refused" in out
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["verdict"] == "fail" and report["rollback"] is True


# -- interruption: SIGTERM mid-run still ends with a verdict that fails closed ---------------


@pytest.fixture
def silent_listener() -> Iterator[int]:
    """Accepts connections (the kernel completes them) and never answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(64)
        yield s.getsockname()[1]


def test_sigterm_mid_run_writes_a_could_not_decide_report(tmp_path, silent_listener):
    cfg = tmp_path / "launchgate.yml"
    cfg.write_text(
        "readiness: {timeout: 60s, request_timeout: 1s}\njourneys:\n  a:\n    steps: [{path: /}]\n"
    )
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAUNCHGATE_")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "launchgate.cli",
            "run",
            "--config",
            str(cfg),
            "--url",
            f"http://127.0.0.1:{silent_listener}",
            "--out",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()  # printed once the run has started
        assert "launchgate: checking" in first
        proc.send_signal(signal.SIGTERM)
        stdout, stderr = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 3, stdout + stderr
    assert "COULD NOT DECIDE" in stdout
    report = json.loads((out / "report.json").read_text())
    assert report["verdict"] == "error" and report["rollback"] is True
    (readiness,) = [c for c in report["checks"] if c["id"] == "readiness"]
    assert readiness["status"] == "error"
    assert "interrupted" in readiness["message"]
    junit = ET.fromstring((out / "junit.xml").read_text())
    assert junit.findall(".//error")


def test_run_deadline_ends_the_run_and_fails_closed(tmp_path, capsys, silent_listener):
    cfg = tmp_path / "launchgate.yml"
    cfg.write_text(
        "target: {deadline: 1s}\nreadiness: {timeout: 60s, request_timeout: 5s}\n"
        "journeys:\n  a:\n    steps: [{path: /}]\n"
    )
    code = main(
        [
            "run",
            "--config",
            str(cfg),
            "--url",
            f"http://127.0.0.1:{silent_listener}",
            "--out",
            str(tmp_path / "out"),
        ],
        environ={},
    )
    assert code == 3
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["verdict"] == "error" and report["rollback"] is True
    messages = " ".join(c["message"] for c in report["checks"])
    assert "run deadline (1s, target.deadline) passed" in messages


# -- init and schema ---------------------------------------------------------------------------


def test_init_writes_a_starter_that_loads_and_refuses_to_overwrite(tmp_path, capsys):
    target = tmp_path / "launchgate.yml"
    assert main(["init", str(target)], environ={}) == 0
    assert target.read_text().startswith("# yaml-language-server: $schema=")
    from launchgate.config import load_config

    loaded = load_config(
        target, {"LAUNCHGATE_PASSWORD": "x" * 12, "BILLING_WEBHOOK_SECRET": "whsec_y"}
    )
    assert {"homepage", "signup", "login", "dashboard"} <= set(loaded.config.journeys)
    assert main(["init", str(target)], environ={}) == 2
    assert "already exists" in capsys.readouterr().err


def test_schema_prints_the_json_schema(capsys):
    assert main(["schema"], environ={}) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "launchgate.yml"
    assert "journeys" in schema["properties"]

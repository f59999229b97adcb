"""Log hygiene against the real demo server: the log file it writes, the two faults
that leak into it (each caught by the log check with its severity, in process and by
`launchgate demo --fault`), and the clean demo, whose log holds nothing secret."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote_plus

import pytest

from launchgate.demo import DemoServer
from launchgate.demo.faults import CAUGHT_BY
from tests.conftest import DEMO_SENTINEL, DemoBrowser, DemoRun
from tests.demo.gating import gate

pytestmark = pytest.mark.timeout(180)

LOGS_CHECK = "logs::leaks"
OUTPUTS = ("report.json", "junit.xml", "summary.md")


def logged_cookies(log: str) -> set[str]:
    return set(re.findall(r"lg_session=([^;\"\s]+)", log))


def test_the_demo_server_writes_an_access_log_with_nothing_secret(
    demo_server: Callable[..., DemoServer], browser: Callable[[DemoServer], DemoBrowser]
):
    server = demo_server()
    assert browser(server).login(server.email, server.password).status_code == 303
    log = server.log_path.read_text()
    assert re.search(r"^\S+ POST /login 303$", log, re.MULTILINE), log
    assert server.password not in log and quote_plus(server.password) not in log
    assert "lg_session" not in log and server.email not in log


def test_the_leaky_demo_logs_what_its_faults_say(
    demo_server: Callable[..., DemoServer], browser: Callable[[DemoServer], DemoBrowser]
):
    server = demo_server(["log-leaks-token", "log-leaks-password"])
    b = browser(server)
    assert b.login(server.email, server.password).status_code == 303
    assert b.client.get("/dashboard").status_code == 200
    log = server.log_path.read_text()
    assert f"password={quote_plus(server.password)}" in log
    assert logged_cookies(log)


@pytest.mark.parametrize(
    ("fault", "what", "severities"),
    [
        ("log-leaks-token", "the cookie lg_session", {"blocker"}),
        # The login form holds the password (a blocker) and the address (personal data).
        ("log-leaks-password", "the value of $LAUNCHGATE_DEMO_PASSWORD", {"blocker", "high"}),
    ],
)
def test_each_log_fault_is_caught_by_the_log_check_without_showing_the_secret(
    demo_server: Callable[..., DemoServer], tmp_path: Path, fault: str, what: str, severities
):
    assert CAUGHT_BY[fault] == LOGS_CHECK
    server = demo_server([fault])
    code, report, terminal = gate(server, tmp_path)
    log = server.log_path.read_text()

    assert code == 1, terminal
    (check,) = [c for c in report["checks"] if c["id"] == LOGS_CHECK]
    assert check["status"] == "failed"
    assert {f["severity"] for f in check["findings"]} == severities
    titles = [f["title"] for f in check["findings"]]
    assert any(t.startswith(f"your logs print {what}: line ") for t in titles), titles
    assert all(str(server.log_path) in t for t in titles)
    failed = {c["id"] for c in report["checks"] if c["status"] != "passed"}
    assert failed == {LOGS_CHECK}
    assert f"✗ {LOGS_CHECK}" in terminal

    secrets = {server.password, quote_plus(server.password), *logged_cookies(log)}
    if fault == "log-leaks-password":
        assert f"password={quote_plus(server.password)}" in log
    else:
        assert logged_cookies(log)
    outputs = [terminal, *((tmp_path / name).read_text() for name in OUTPUTS)]
    for text in outputs:
        for secret in secrets:
            assert secret not in text


def test_the_clean_demo_passes_the_log_check_and_its_log_holds_no_secret(
    demo_server: Callable[..., DemoServer], tmp_path: Path
):
    server = demo_server()
    code, report, terminal = gate(server, tmp_path)
    assert code == 0, terminal
    (check,) = [c for c in report["checks"] if c["id"] == LOGS_CHECK]
    assert check["status"] == "passed"
    log = server.log_path.read_text()
    assert "POST /login 303" in log and "POST /signup 200" in log  # the journeys ran
    assert server.password not in log and quote_plus(server.password) not in log
    assert "lg_session" not in log and "@" not in log


@pytest.mark.parametrize("fault", ["log-leaks-token", "log-leaks-password"])
def test_launchgate_demo_catches_each_log_fault(demo_runs: Callable[..., DemoRun], fault: str):
    run = demo_runs(fault)
    assert run.result.returncode == 1, run.terminal
    assert f"✗ {LOGS_CHECK}" in run.result.stdout
    report = json.loads((run.out / "report.json").read_text())
    blocking = {f["check"] for f in report["findings"] if f["blocking"]}
    assert blocking == {LOGS_CHECK}
    assert "blocker" in {f["severity"] for f in report["findings"]}
    for text in (run.terminal, *((run.out / name).read_text() for name in OUTPUTS)):
        assert DEMO_SENTINEL not in text and quote_plus(DEMO_SENTINEL) not in text

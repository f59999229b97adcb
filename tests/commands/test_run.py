"""`launchgate run --environment`: names the environment and picks its baseline file."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from launchgate.cli import main
from tests.servers import Connection, MisbehavingServer, Request, answer, routes, silent

CONFIG = (
    "readiness: null\ntarget: {environment: staging}\njourneys:\n  home:\n    steps: [{path: /}]\n"
)


def run(tmp_path: Path, *extra: str) -> tuple[int, Path]:
    cfg = tmp_path / "launchgate.yml"
    cfg.write_text(CONFIG)
    out = tmp_path / "out"
    with MisbehavingServer(routes({"/": answer(200, "ok")})) as app:
        argv = ["run", "--config", str(cfg), "--url", app.url, "--out", str(out), *extra]
        code = main(argv, environ={})
    return code, out / "report.json"


def test_the_environment_flag_wins_over_the_config(tmp_path: Path) -> None:
    code, report = run(tmp_path, "--environment", "production-eu")
    assert code == 0
    assert json.loads(report.read_text())["environment"] == "production-eu"
    code, report = run(tmp_path)
    assert json.loads(report.read_text())["environment"] == "staging"


@pytest.mark.parametrize("name", ["../etc", "a b", ""])
def test_an_environment_that_cannot_name_a_file_is_a_usage_error(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = run(tmp_path, "--environment", name)
    assert code == 2
    assert "--environment" in capsys.readouterr().err
    assert not report.exists()


# -- every output tells the exit code's story ----------------------------------------------

HOME = "readiness: null\njourneys:\n  home:\n    steps: [{path: /}]\n"
COULD_NOT_DECIDE = "COULD NOT DECIDE — failing closed, rollback recommended (exit 3)"


def passing_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], environ: dict[str, str] | None = None
) -> tuple[int, list[str]]:
    """A run whose one check passes; what the caller broke decides the rest."""
    cfg = tmp_path / "launchgate.yml"
    cfg.write_text(HOME)
    with MisbehavingServer(routes({"/": answer(200, "ok")})) as app:
        argv = ["run", "--config", str(cfg), "--url", app.url, "--out", str(tmp_path / "out")]
        code = main(argv, environ=environ or {})
    return code, capsys.readouterr().out.splitlines()


def said_by_the_files(out: Path) -> tuple[dict[str, Any], dict[str | None, str | None]]:
    report = json.loads((out / "report.json").read_text())
    junit = ET.fromstring((out / "junit.xml").read_text())
    return report, {p.get("name"): p.get("value") for p in junit.iter("property")}


def test_a_summary_that_cannot_be_written_leaves_no_report_saying_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "300")  # one terminal line per sentence
    (tmp_path / "out" / "summary.md").mkdir(parents=True)  # a directory in the way
    code, lines = passing_run(tmp_path, capsys)
    assert code == 3
    report, junit = said_by_the_files(tmp_path / "out")
    assert (report["verdict"], report["rollback"], report["exit_code"]) == ("error", True, 3)
    assert "summary.md: Is a directory" in report["reason"]
    assert (junit["launchgate.verdict"], junit["launchgate.exit_code"]) == ("error", "3")
    assert ET.fromstring((tmp_path / "out" / "junit.xml").read_text()).findall(".//error")
    assert lines[-1] == COULD_NOT_DECIDE
    assert lines[-2] == report["reason"]
    (problem,) = [line for line in lines if line.startswith("error: ")]
    assert "junit.xml, report.json say could not decide" in problem


class StepFiles:
    """$GITHUB_OUTPUT and $GITHUB_STEP_SUMMARY as the runner hands them to a step."""

    def __init__(self, tmp_path: Path) -> None:
        self.output = tmp_path / "github_output"
        self.summary = tmp_path / "step_summary.md"
        self.output.write_text("")
        self.summary.write_text("")

    def environ(self) -> dict[str, str]:
        return {
            "GITHUB_ACTIONS": "true",
            "GITHUB_OUTPUT": str(self.output),
            "GITHUB_STEP_SUMMARY": str(self.summary),
        }

    def verdicts(self) -> list[str]:
        lines = self.output.read_text().splitlines()
        return [line for line in lines if line.startswith(("verdict=", "rollback="))]


def test_a_step_summary_that_cannot_be_written_turns_the_written_pass_into_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    step = StepFiles(tmp_path)
    step.summary.unlink()
    step.summary.mkdir()  # written after the reports and the outputs, and it fails
    code, lines = passing_run(tmp_path, capsys, step.environ())
    assert code == 3
    assert step.verdicts() == ["verdict=error", "rollback=true"]
    report, junit = said_by_the_files(tmp_path / "out")
    assert (report["verdict"], report["exit_code"]) == ("error", 3)
    assert "$GITHUB_STEP_SUMMARY" in report["reason"]
    assert junit["launchgate.exit_code"] == "3"
    summary_md = (tmp_path / "out" / "summary.md").read_text()
    assert summary_md.startswith("## launchgate: COULD NOT DECIDE")
    assert [line for line in lines if not line.startswith("::")][-1] == COULD_NOT_DECIDE


def test_an_unwritable_github_output_leaves_no_pass_in_the_step_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    step = StepFiles(tmp_path)
    step.output.unlink()
    step.output.mkdir()
    code, _ = passing_run(tmp_path, capsys, step.environ())
    assert code == 3
    summary = step.summary.read_text()
    assert summary.startswith("## launchgate: COULD NOT DECIDE")
    assert "PASS" not in summary
    assert json.loads((tmp_path / "out" / "report.json").read_text())["verdict"] == "error"


# -- an interrupted run says so, and never that it found no risks --------------------------

INTERRUPTED = re.compile(
    r"interrupted by SIGTERM after \d+\.\d s: "
    r"nothing was decided \(1 of 2 checks did not complete\)"
)


def test_sigterm_is_the_news_of_the_verdict(tmp_path: Path) -> None:
    arrived = threading.Event()

    def slow(conn: Connection, request: Request) -> None:
        arrived.set()
        conn.hold()

    cfg = tmp_path / "launchgate.yml"
    cfg.write_text(
        "readiness: null\njourneys:\n  home:\n    steps: [{path: /}]\n"
        "  slow:\n    steps: [{path: /slow}]\n"
    )
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAUNCHGATE_")}
    env["COLUMNS"] = "300"  # one line per sentence
    with MisbehavingServer(routes({"/": answer(200, "ok"), "/slow": slow})) as app:
        argv = ["run", "--config", str(cfg), "--url", app.url, "--out", str(out)]
        proc = subprocess.Popen(
            [sys.executable, "-m", "launchgate.cli", *argv],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        try:
            # Ready when the second check's request is at the server, waiting.
            assert arrived.wait(60), "the slow journey never reached the server"
            proc.send_signal(signal.SIGTERM)
            stdout, stderr = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert proc.returncode == 3, stdout + stderr
    lines = stdout.rstrip("\n").splitlines()
    assert lines[-1] == COULD_NOT_DECIDE
    assert INTERRUPTED.fullmatch(lines[-2]), lines[-2]
    assert "No launch risks found." not in stdout
    assert "Nothing can be ruled out: 1 check(s) did not complete (journey::slow)." in stdout
    report = json.loads((out / "report.json").read_text())
    assert report["reason"] == lines[-2]
    assert (report["verdict"], report["exit_code"]) == ("error", 3)
    summary = (out / "summary.md").read_text()
    assert lines[-2] in summary
    assert "No launch risks found." not in summary


def test_a_passed_run_deadline_is_the_news_of_the_verdict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "300")
    cfg = tmp_path / "launchgate.yml"
    cfg.write_text(
        "target: {deadline: 1s, timeout: 30s}\nreadiness: null\n"
        "journeys:\n  slow:\n    steps: [{path: /}]\n  after:\n    steps: [{path: /}]\n"
    )
    with MisbehavingServer(silent()) as app:
        argv = ["run", "--config", str(cfg), "--url", app.url, "--out", str(tmp_path / "out")]
        code = main(argv, environ={})
    lines = capsys.readouterr().out.rstrip("\n").splitlines()
    assert code == 3
    assert lines[-1] == COULD_NOT_DECIDE
    assert re.fullmatch(
        r"the run deadline \(1s, target\.deadline\) passed after \d+\.\d s: "
        r"nothing was decided \(2 of 2 checks did not complete\)",
        lines[-2],
    ), lines[-2]
    assert not any("No launch risks found." in line for line in lines)
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["reason"] == lines[-2]


def test_a_blocker_found_before_the_deadline_still_decides_and_the_deadline_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "300")
    cfg = tmp_path / "launchgate.yml"
    cfg.write_text(
        "target: {deadline: 1s, timeout: 30s}\nreadiness: null\n"
        "journeys:\n  broken:\n    steps: [{path: /broken}]\n  slow:\n    steps: [{path: /slow}]\n"
    )
    with MisbehavingServer(routes({"/broken": answer(500, "boom"), "/slow": silent()})) as app:
        argv = ["run", "--config", str(cfg), "--url", app.url, "--out", str(tmp_path / "out")]
        code = main(argv, environ={})
    lines = capsys.readouterr().out.rstrip("\n").splitlines()
    assert code == 1
    assert lines[-1] == "FAIL — rollback recommended (exit 1)"
    assert lines[-2].startswith("blocker: journey::broken: ")
    assert re.search(
        r" \(then the run deadline \(1s, target\.deadline\) passed after \d+\.\d s\)$", lines[-2]
    ), lines[-2]

"""A baseline whose one route's histogram is corrupt, through ``launchgate run`` against a
real loopback server: that route's regression could not decide, naming the file and the
route and saying what to do; every other gate still decides."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from launchgate.cli import main
from tests.servers import MisbehavingServer, answer, routes

CONFIG = """\
target: {{environment: test}}
readiness: {{timeout: 10s}}
probe:
  rate: 40/s
  duration: 2s
  warmup: 200ms
  ramp: 0s
  max_extend: 0s
  # A busy machine must not make the figures untrusted: the error path is under test.
  max_client_lag: 1s
  routes:
    home: {{path: /}}
    about: {{path: /about}}
  # A/A on a shared machine: the error path is under test here, not the noise model.
  gates: {{min_samples: 20, regression_floor: 1s}}
baseline: {{dir: {folder}}}
"""


def run(config: Path, url: str, out: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    code = main([*extra, "--config", str(config), "--url", url, "--out", str(out)], environ={})
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return code, {check["id"]: check for check in report["checks"]}


def test_a_corrupt_route_histogram_knocks_out_only_that_regression_gate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "baselines"
    config = tmp_path / "launchgate.yml"
    config.write_text(CONFIG.format(folder=folder), encoding="utf-8")
    app = routes(
        {"/healthz": answer(200, "ok"), "/": answer(200, "home"), "/about": answer(200, "us")}
    )
    with MisbehavingServer(app) as server:
        code, _ = run(config, server.url, tmp_path / "first", "baseline", "update",
                      "--any-branch")  # fmt: skip
        assert code == 0, capsys.readouterr()
        path = folder / "test.json"
        stored = json.loads(path.read_text(encoding="utf-8"))
        stored["entries"][0]["routes"]["about"]["histogram"] = "RXJyb3I="  # b"Error"
        path.write_text(json.dumps(stored), encoding="utf-8")

        code, checks = run(config, server.url, tmp_path / "second", "run")
    terminal = capsys.readouterr()

    assert code == 3
    assert "Traceback" not in terminal.out + terminal.err
    assert "ValueError" not in terminal.out + terminal.err
    broken = checks["probe::about::regression"]
    assert broken["status"] == "error"
    assert str(path) in broken["message"]
    assert "route about" in broken["message"]
    assert "launchgate baseline update" in broken["message"]
    assert checks["probe"]["status"] == "passed"
    for gate in ("probe::home::p95", "probe::home::errors", "probe::about::p95",
                 "probe::about::errors", "probe::home::regression"):  # fmt: skip
        assert checks[gate]["status"] == "passed", checks[gate]
    report = json.loads((tmp_path / "second" / "report.json").read_text(encoding="utf-8"))
    assert report["undecided"] == ["probe::about::regression"]
    (about,) = [r for r in report["routes"] if r["route"] == "about"]
    assert about["decision"] == "unreadable"

    # `launchgate baseline diff` reads the same histogram and says the same.
    code = main(["baseline", "diff", "--config", str(config), "--report",
                 str(tmp_path / "second" / "report.json")], environ={})  # fmt: skip
    lines = capsys.readouterr().out.splitlines()
    assert code == 3
    (about_line,) = [line for line in lines if line.startswith("about:")]
    assert "unreadable" in about_line
    assert str(path) in about_line
    assert any(line.startswith("home:") and "unreadable" not in line for line in lines)

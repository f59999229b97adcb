"""`launchgate run --environment`: names the environment and picks its baseline file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from launchgate.cli import main
from tests.servers import MisbehavingServer, answer, routes

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

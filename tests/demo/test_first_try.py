"""A newcomer's very first `launchgate demo --fault missing-index`, from an empty cache,
as the issue reproduced it: the demo sizes its data for the machine, calibrates on the
clean app (never on the fault), and the faulted run fails on the regression gate."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from launchgate.demo.seed import data_fingerprint
from launchgate.demo.settings import DEFAULT_INVOICES_PER_USER
from launchgate.demo.sizing import MAX_USERS, MIN_USERS

pytestmark = pytest.mark.timeout(240)


def test_first_try_calibrates_clean_and_catches_the_missing_index(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAUNCHGATE_")}
    env["LAUNCHGATE_CACHE_DIR"] = str(cache)
    result = subprocess.run(
        [sys.executable, "-m", "launchgate.cli", "demo", "--fault", "missing-index",
         "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=200, env=env, cwd=tmp_path, check=False,
    )  # fmt: skip
    terminal = result.stdout + result.stderr
    assert "calibrating the demo's performance baseline" in terminal
    assert result.returncode == 1, terminal

    report = json.loads((tmp_path / "out" / "report.json").read_text())
    blocking = {f["check"] for f in report["findings"] if f["blocking"]}
    # The regression gate, and the probe check that fails with any of its gates.
    assert blocking == {"probe", "probe::dashboard::regression"}
    (dashboard,) = [r for r in report["routes"] if r["route"] == "dashboard"]
    assert dashboard["decision"] == "regression"
    assert dashboard["p95_ms"] < 500  # a regression, not a p95 failure

    (sizing_file,) = cache.glob("demo/*/sizing.json")
    sizing = json.loads(sizing_file.read_text())
    assert MIN_USERS <= sizing["users"] <= MAX_USERS
    # The baseline lives under the data it was measured on, and holds the clean
    # calibration alone: the faulted run compared with it and added nothing.
    folder = sizing_file.parent / data_fingerprint(sizing["users"], DEFAULT_INVOICES_PER_USER)
    baseline = json.loads((folder / "demo.json").read_text())
    assert len(baseline["entries"]) == 1
    assert report["baseline"]["path"] == str(folder / "demo.json")

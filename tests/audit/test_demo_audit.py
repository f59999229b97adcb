"""``launchgate demo --audit`` as a user runs it, and ``launchgate audit`` running the
gate itself against a real demo server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from launchgate.audit.markdown import SECTIONS
from launchgate.cli import main
from launchgate.demo import DemoServer
from tests.conftest import DEMO_SENTINEL

WEBHOOK_SENTINEL = "whsec_Sentinel-Demo-Webhook-0077"


@pytest.fixture(scope="module")
def demo_audit(
    tmp_path_factory: pytest.TempPathFactory, fast_demo_env: dict[str, str]
) -> tuple[subprocess.CompletedProcess[str], Path]:
    folder = tmp_path_factory.mktemp("demo-audit")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAUNCHGATE_")}
    env.update(fast_demo_env)
    env["LAUNCHGATE_DEMO_PASSWORD"] = DEMO_SENTINEL
    env["LAUNCHGATE_DEMO_WEBHOOK_SECRET"] = WEBHOOK_SENTINEL
    result = subprocess.run(
        [sys.executable, "-m", "launchgate.cli", "demo", "--audit", "--out", str(folder / "out")],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
        cwd=folder,
        check=False,
    )
    return result, folder / "out"


def test_demo_audit_writes_both_files_with_every_section(
    demo_audit: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    result, out = demo_audit
    terminal = result.stdout + result.stderr
    assert result.returncode == 0, terminal
    md = (out / "audit.md").read_text("utf-8")
    data = json.loads((out / "audit.json").read_text("utf-8"))
    positions = [md.index(section) for section in SECTIONS]
    assert positions == sorted(positions)
    assert f"demo: audit: 0 blocker, 0 high, 0 medium; wrote {out / 'audit.md'}" in terminal
    assert data["run"]["verdict"] == "pass" and data["risks"] == []
    hosts = {h["name"]: h for h in data["hosts"]}
    # The demo's own nameserver answers for its public names, with loopback addresses.
    assert hosts["demo.launchgate.test"]["roles"] == ["canonical", "alias"]
    assert (
        hosts["demo.launchgate.test"]["served_by"] == "this machine, loopback (address 127.0.0.1)"
    )
    assert hosts["www.demo.launchgate.test"]["answer"].startswith("CNAME demo.launchgate.test")
    secrets = {s["name"]: s for s in data["secrets"]}
    assert secrets["LAUNCHGATE_DEMO_PASSWORD"]["used_at"] == [
        "journeys.login.steps[1].form.password"
    ]
    assert secrets["LAUNCHGATE_DEMO_PASSWORD"]["owner"] == ""
    assert "**no owner**" in md
    envs = {e["name"]: e for e in data["environments"]}
    assert "entries, newest" in envs["demo"]["baseline"]
    assert data["payments"][0]["provider"].startswith("Stripe")
    assert data["rollback"]["gate_command"] == "launchgate demo"


def test_demo_audit_shows_no_secret_anywhere(
    demo_audit: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    result, out = demo_audit
    texts = {"terminal": result.stdout + result.stderr}
    texts.update({p.name: p.read_text("utf-8") for p in out.iterdir() if p.is_file()})
    assert {"audit.md", "audit.json", "report.json"} <= set(texts)
    for name, text in texts.items():
        assert DEMO_SENTINEL not in text, name
        assert WEBHOOK_SENTINEL not in text, name


def test_audit_runs_the_gate_once_and_never_its_rollback_hooks(
    demo_server: Callable[..., DemoServer],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = demo_server()
    config: dict[str, Any] = {
        "version": 1,
        "target": {"url": server.url, "environment": "staging"},
        "readiness": {"path": "/healthz", "timeout": "20s"},
        "journeys": {
            "homepage": {"steps": [{"path": "/", "expect": {"status": 200}}]},
            "missing": {
                "steps": [{"path": "/no-such-page", "expect": {"status": 200}}],
            },
        },
        "on_fail": {"command": "touch hook-ran"},
    }
    (tmp_path / "launchgate.yml").write_text(json.dumps(config), "utf-8")
    monkeypatch.chdir(tmp_path)
    code = main(["audit", "--out", "out"], environ={})
    terminal = capsys.readouterr().out
    assert code == 0, terminal
    data = json.loads((tmp_path / "out" / "audit.json").read_text("utf-8"))
    assert [(r["severity"], r["check"]) for r in data["risks"]] == [("blocker", "journey::missing")]
    assert data["run"]["source"] == "this run" and data["run"]["verdict"] == "fail"
    assert (tmp_path / "out" / "report.json").is_file()  # the run's own reports
    assert not (tmp_path / "hook-ran").exists()  # an audit looks, it never rolls back
    assert data["rollback"]["hooks"][0].startswith("runs `touch hook-ran`")

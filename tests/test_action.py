"""The GitHub Action: ``action.yml`` and the workflows are well formed, and the action's
own gate step, run as the runner runs it, gates the real demo app."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable, Mapping
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from markdown_it import MarkdownIt

from launchgate import action as action_entry
from launchgate.baseline.store import BaselineEntry, BaselineFile, RouteBaseline, write_baseline
from launchgate.config.load import parse_config
from launchgate.demo import DemoServer
from launchgate.probe.histogram import LatencyHistogram
from launchgate.probe.settings import probe_fingerprint
from launchgate.reports.github_actions import OUTPUT_NAMES
from tests.action_steps import (
    ACTION_FILE,
    ROOT,
    Context,
    action_outputs,
    base_env,
    load_action,
    run_step,
    step,
    with_defaults,
)
from tests.reports.mermaid import mermaid_blocks, parse_xychart

WORKFLOWS = sorted([*ROOT.glob(".github/workflows/*.yml"), *ROOT.glob("examples/github/*.yml")])
DEMO_CONFIG = ROOT / "launchgate" / "demo" / "launchgate.yml"
EXPECTED_EXAMPLES = {
    "deploy-gate", "pre-merge", "uptime", "email-weekly", "secret-scan", "load-matrix",
}  # fmt: skip


# -- the files: YAML, the published schemas, shellcheck ------------------------------------


def check_jsonschema(schema: str, *files: Path) -> subprocess.CompletedProcess[str]:
    # The schemas SchemaStore publishes for GitHub, as check-jsonschema ships them:
    # no network.
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, *map(str, files)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_example_workflows_are_all_there() -> None:
    assert {p.stem for p in ROOT.glob("examples/github/*.yml")} == EXPECTED_EXAMPLES
    assert (ROOT / ".github/workflows/ci.yml") in WORKFLOWS


def test_action_and_workflows_match_githubs_published_schemas() -> None:
    for path in [ACTION_FILE, *WORKFLOWS]:
        assert isinstance(yaml.safe_load(path.read_text()), dict), path
    action = check_jsonschema("vendor.github-actions", ACTION_FILE)
    assert action.returncode == 0, action.stdout + action.stderr
    workflows = check_jsonschema("vendor.github-workflows", *WORKFLOWS)
    assert workflows.returncode == 0, workflows.stdout + workflows.stderr


def test_the_schema_check_does_bite(tmp_path: Path) -> None:
    broken = yaml.safe_load(ACTION_FILE.read_text())
    broken["runs"]["using"] = "composit"
    path = tmp_path / "action.yml"
    path.write_text(yaml.safe_dump(broken))
    assert check_jsonschema("vendor.github-actions", path).returncode == 1


def run_scripts() -> list[tuple[str, str]]:
    """Every ``run:`` script of the action and the workflows, named for a failure."""
    found = []
    for path in [ACTION_FILE, *WORKFLOWS]:
        data = yaml.safe_load(path.read_text())
        jobs = data.get("jobs", {"action": {"steps": data.get("runs", {}).get("steps", [])}})
        for job_name, job in jobs.items():
            for i, s in enumerate(job.get("steps", [])):
                if "run" in s:
                    found.append((f"{path.name}:{job_name}:{s.get('name', i)}", s["run"]))
    return found


def test_every_shell_script_passes_shellcheck(tmp_path: Path) -> None:
    failures = []
    for name, script in run_scripts():
        # An expression is text the runner pastes in before the shell sees it.
        plain = re.sub(r"\$\{\{.*?\}\}", "EXPRESSION", script)
        path = tmp_path / "script.sh"
        path.write_text("#!/usr/bin/env bash\n" + plain)
        proc = subprocess.run(
            ["shellcheck", "--severity=style", str(path)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if proc.returncode != 0:
            failures.append(f"{name}:\n{proc.stdout}")
    assert not failures, "\n".join(failures)


# -- the action's contract: inputs used, outputs set, no expression in a script ----------


class Reads(dict[str, str]):
    """An environment that records which variables were looked up."""

    def __init__(self) -> None:
        super().__init__()
        self.read: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return super().get(key, default)


def test_every_input_reaches_launchgate_and_no_script_pastes_one() -> None:
    action = load_action()
    steps = action["runs"]["steps"]
    text = yaml.safe_dump(steps)
    for name in action["inputs"]:
        assert f"inputs.{name} " in text.replace("}}", " }}"), f"input {name} is not used"
    for s in steps:
        assert "${{" not in s.get("run", ""), f"step {s.get('name')}: an expression in run:"
    gate_env = step(action, "gate")["env"]
    passed = {k for k in gate_env if k.startswith("LAUNCHGATE_INPUT_")}
    environ = Reads()
    action_entry.action_argv(environ)
    action_entry.fail_on(environ)
    action_entry.artifact_name(environ)
    assert passed <= environ.read, f"passed but never read: {passed - environ.read}"


def test_every_output_is_one_launchgate_sets_and_fails_closed_when_unset() -> None:
    action = load_action()
    declared = {
        name: re.search(r"steps\.gate\.outputs\.([a-z-]+)", spec["value"]).group(1)  # type: ignore[union-attr]
        for name, spec in action["outputs"].items()
    }
    assert declared == {name: name for name in OUTPUT_NAMES}
    # The install step failed, or the job was cancelled: nothing was written.
    unset = action_outputs(action, Context(inputs={}))
    assert (unset["verdict"], unset["rollback"]) == ("error", "true")


# -- the gate step, run against the real demo app --------------------------------------------


class Runner:
    """One job's worth of runner files, and the action's gate step run in it."""

    def __init__(self, tmp_path: Path, env: Mapping[str, str]) -> None:
        self.tmp = tmp_path
        self.summary = tmp_path / "step_summary.md"
        self.summary.write_text("")
        self.env = base_env(
            **env,
            GITHUB_ACTIONS="true",
            GITHUB_STEP_SUMMARY=str(self.summary),
            GITHUB_JOB="deploy-gate",
            GITHUB_WORKSPACE=str(tmp_path),
            RUNNER_TEMP=str(tmp_path),
        )
        self.action = load_action()

    def gate(self, **given: str) -> tuple[int, str, dict[str, str], Context]:
        # The install step's output: this test's own Python, with launchgate installed.
        context = Context(
            inputs=with_defaults(self.action, given),
            steps={"install": {"python": sys.executable}},
        )
        run = run_step(step(self.action, "gate"), context, env=self.env, cwd=self.tmp)
        return run.returncode, run.stdout, action_outputs(self.action, context), context


def demo_env(server: DemoServer, fast: Mapping[str, str], baselines: Path) -> dict[str, str]:
    return {**fast, **server.gate_environ(), "LAUNCHGATE_DEMO_BASELINES": str(baselines)}


def seed_baseline(env: Mapping[str, str], folder: Path, p95s: list[float]) -> None:
    """A stored history for the demo's probe settings (older, slower runs): the regression
    gate sees an improvement, and the summary has a trend to draw."""
    spec = parse_config(DEMO_CONFIG.read_text(), DEMO_CONFIG, env).config.probe
    assert spec is not None
    entries = []
    for day, p95 in enumerate(p95s):
        histogram = LatencyHistogram()
        for _ in range(300):
            histogram.record_ms(p95)
        figures = {"samples": 300, "p50_ms": p95, "p95_ms": p95, "p99_ms": p95, "max_ms": p95}
        routes = {
            name: RouteBaseline(
                method="GET",
                path=r.path,
                rate_per_s=30.0,
                error_rate_pct=0.0,
                histogram=histogram.encode(),
                **figures,
            )
            for name, r in spec.routes.items()
        }
        entries.append(
            BaselineEntry(
                created_at=f"2024-05-{10 - day:02d}T08:00:00Z",
                launchgate_version="0.1.0",
                config_fingerprint=probe_fingerprint(spec),
                routes=routes,
            )
        )
    write_baseline(
        folder / "demo.json", BaselineFile(schema_version=1, environment="demo", entries=entries)
    )


def test_clean_demo_passes_with_a_readable_step_summary(
    tmp_path: Path,
    demo_server: Callable[..., DemoServer],
    fast_demo_env: dict[str, str],
) -> None:
    server = demo_server()
    env = demo_env(server, fast_demo_env, tmp_path / "baselines")
    seed_baseline(env, tmp_path / "baselines", [300.0, 280.0])
    runner = Runner(tmp_path, env)
    code, stdout, outputs, context = runner.gate(
        url=server.url, config=str(DEMO_CONFIG), environment="demo"
    )
    assert code == 0, stdout
    assert (outputs["verdict"], outputs["rollback"]) == ("pass", "false")
    report = json.loads(Path(outputs["report"]).read_text())
    assert report["verdict"] == "pass" and report["environment"] == "demo"
    assert Path(outputs["summary"]).read_text() in runner.summary.read_text()
    assert not [line for line in stdout.splitlines() if line.startswith(("::error", "::warning"))]
    # What the upload step reads: the folder, and a name unique to this gate.
    gate = context.steps["gate"]
    assert gate["results-dir"] == str(tmp_path / "launchgate-results")
    assert gate["artifact-name"].startswith("launchgate-deploy-gate-demo-")
    assert_summary_reads_well(runner.summary.read_text())


def assert_summary_reads_well(summary: str) -> None:
    markup = MarkdownIt("commonmark", {"html": True}).enable("table").render(summary)
    headings = re.findall(r"<h([23])>(.*?)</h\1>", markup)
    assert headings[0] == ("2", "launchgate: PASS")
    assert [h for _, h in headings[1:5]] == [
        "Launch risks",
        "Latency under load",
        "p95 trend",
        "Checks",
    ]
    assert "<p>No launch risks found.</p>" in markup
    latency = markup.split("<h3>Latency under load</h3>", 1)[1].split("</table>", 1)[0]
    cells = _cells(latency)
    assert cells[:4] == ["route", "samples", "p50", "p95"]
    assert "home (/)" in cells and "dashboard (/dashboard)" in cells
    assert "improvement" in cells
    charts = [parse_xychart(block) for block in mermaid_blocks(summary)]
    assert [c.title for c in charts] == ["p95 of home (ms)", "p95 of dashboard (ms)"]
    for chart in charts:
        assert chart.labels == ["05-09 08:00", "05-10 08:00", "this run"]
        assert chart.lines[0][:2] == [280.0, 300.0]


def _cells(table_html: str) -> list[str]:
    cells: list[str] = []

    class Cells(HTMLParser):
        def handle_data(self, data: str) -> None:
            if data.strip():
                cells.append(data.strip())

    Cells().feed(table_html)
    return cells


def journeys_only(tmp_path: Path) -> Path:
    """The demo's config without its probe and edge sections: the same journeys and
    webhooks, in a second instead of a probe's ten."""
    data = yaml.safe_load(DEMO_CONFIG.read_text())
    for key in ("probe", "edge", "baseline"):
        data.pop(key)
    path = tmp_path / "launchgate.yml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_a_demo_fault_fails_the_step_names_the_check_and_asks_for_a_rollback(
    tmp_path: Path, demo_server: Callable[..., DemoServer], fast_demo_env: dict[str, str]
) -> None:
    server = demo_server(faults=["login-500"])
    runner = Runner(tmp_path, demo_env(server, fast_demo_env, tmp_path))
    config = str(journeys_only(tmp_path))
    code, stdout, outputs, _ = runner.gate(url=server.url, config=config)
    assert code == 1, stdout
    assert (outputs["verdict"], outputs["rollback"]) == ("fail", "true")
    errors = [line for line in stdout.splitlines() if line.startswith("::error ")]
    assert any("title=launchgate blocker%3A journey%3A%3Alogin::" in e for e in errors), errors
    assert "answered 500, expected 303" in "\n".join(errors)
    assert json.loads(Path(outputs["report"]).read_text())["rollback"] is True
    assert runner.summary.read_text().startswith("## launchgate: FAIL — rollback recommended")

    # fail-on: never leaves the step green; the outputs still say roll back.
    code, stdout, outputs, _ = runner.gate(url=server.url, config=config, **{"fail-on": "never"})
    assert code == 0, stdout
    assert (outputs["verdict"], outputs["rollback"]) == ("fail", "true")


def test_bad_inputs_fail_the_step_and_fail_closed(tmp_path: Path) -> None:
    runner = Runner(tmp_path, {})
    code, stdout, outputs, _ = runner.gate(url="http://127.0.0.1:9", **{"fail-on": "nevr"})
    assert code == 2
    assert stdout.startswith("::error title=launchgate action input::fail-on: expected one of")
    assert (outputs["verdict"], outputs["rollback"]) == ("error", "true")
    code, _, _, _ = runner.gate(url="http://127.0.0.1:9", **{"update-baseline": "yes"})
    assert code == 2
    code, _, _, _ = runner.gate(url="http://127.0.0.1:9", args="--debug 'unclosed")
    assert code == 2


def test_a_config_error_fails_the_step_even_with_fail_on_never(tmp_path: Path) -> None:
    (tmp_path / "launchgate.yml").write_text("journeys: {}\nnot_a_key: 1\n")
    runner = Runner(tmp_path, {})
    code, stdout, outputs, _ = runner.gate(url="http://127.0.0.1:9", **{"fail-on": "never"})
    assert code == 2
    assert "::error title=invalid launchgate config,file=launchgate.yml,line=2::" in stdout
    assert (outputs["verdict"], outputs["rollback"], outputs["report"]) == ("error", "true", "")
    assert outputs["reason"].startswith("not run:")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({}, ["run", "--out", "launchgate-results"]),
        (
            {
                "URL": "https://staging.example.com",
                "CONFIG": "ci/gate.yml",
                "ENVIRONMENT": "staging",
                "COMPARE_URL": "https://previous.staging.example.com",
                "UPDATE_BASELINE": "true",
                "ARGS": "--any-branch --out 'my results'",
            },
            [
                "run", "--url", "https://staging.example.com", "--config", "ci/gate.yml",
                "--environment", "staging", "--compare-url",
                "https://previous.staging.example.com", "--update-baseline", "--any-branch",
                "--out", "my results",
            ],
        ),
        (
            {"URL": "https://staging.example.com", "SHARD": "2", "SHARDS": "4",
             "START_AT": "2026-01-31T12:00:00Z"},
            ["run", "--url", "https://staging.example.com", "--shard", "2/4", "--start-at",
             "2026-01-31T12:00:00Z", "--out", "launchgate-results"],
        ),
        (
            {"MODE": "merge", "MERGE_FROM": "shards", "CONFIG": "ci/gate.yml",
             "UPDATE_BASELINE": "true"},
            ["merge", "shards", "--config", "ci/gate.yml", "--update-baseline", "--out",
             "launchgate-results"],
        ),
        ({"MODE": "merge"}, ["merge", "launchgate-shards", "--out", "launchgate-results"]),
    ],
)  # fmt: skip
def test_inputs_become_a_command_line(given: dict[str, str], expected: list[str]) -> None:
    environ = {f"LAUNCHGATE_INPUT_{k}": v for k, v in given.items()}
    argv, out = action_entry.action_argv(environ)
    assert argv == expected
    assert out == Path(expected[-1])


@pytest.mark.parametrize(
    ("given", "named"),
    [
        ({"SHARD": "2"}, "shard and shards"),
        ({"SHARD": "two", "SHARDS": "4"}, "shard and shards"),
        ({"MODE": "merge", "URL": "https://staging.example.com"}, "url: not with mode merge"),
        ({"MERGE_FROM": "shards"}, "merge-from: only with mode merge"),
        ({"MODE": "gather"}, "mode: expected one of run, merge"),
    ],
)
def test_shard_and_merge_inputs_that_do_not_fit_are_named(
    given: dict[str, str], named: str
) -> None:
    environ = {f"LAUNCHGATE_INPUT_{k}": v for k, v in given.items()}
    with pytest.raises(action_entry.InputError, match=named):
        action_entry.action_argv(environ)

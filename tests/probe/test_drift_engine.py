"""Drift through the engine, against the real demo app: a baseline history whose
oldest entry was far faster than today makes the route's regression check report the
drift, naming the deploys it accumulated across, at the configured severity."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from launchgate.baseline.store import (
    SCHEMA_VERSION,
    BaselineEntry,
    BaselineFile,
    GitInfo,
    RouteBaseline,
    baseline_path,
    write_baseline,
)
from launchgate.config import parse_config
from launchgate.demo import DemoServer
from launchgate.engine import Run
from launchgate.probe.histogram import LatencyHistogram
from launchgate.probe.settings import probe_fingerprint
from launchgate.results import Severity

CONFIG = """\
target: {{environment: test}}
probe:
  rate: 60/s
  duration: 3s
  warmup: 500ms
  ramp: 200ms
  max_extend: 0s
  routes:
    home: {{path: /}}
  # The oldest entry is 0.05 ms: a floor of 0.1 ms keeps any real page above it.
  gates: {{min_samples: 100, drift_window: 5, drift_severity: {severity}, regression_floor: 0.1ms}}
baseline: {{dir: {folder}}}
"""


def stored(p95_ms: float) -> RouteBaseline:
    latency = LatencyHistogram()
    for _ in range(300):
        latency.record_us(p95_ms * 1000)
    return RouteBaseline(
        method="GET", path="/", rate_per_s=60, samples=300, p50_ms=p95_ms, p95_ms=p95_ms,
        p99_ms=p95_ms, max_ms=p95_ms, error_rate_pct=0, histogram=latency.encode(),
    )  # fmt: skip


def gate(server: DemoServer, workdir: Path, severity: str) -> Run:
    text = CONFIG.format(severity=severity, folder=workdir / "baselines")
    loaded = parse_config(text, Path("launchgate.yml"), {})
    assert loaded.config.probe is not None
    fp = probe_fingerprint(loaded.config.probe)
    # Newest first: four recent deploys far slower than any demo page (so today is no
    # regression against them), and the one five deploys ago far faster than today.
    p95s = [1000.0, 1000.0, 1000.0, 1000.0, 0.05]
    entries = [
        BaselineEntry(
            created_at=f"2026-11-{20 + i:02d}T00:00:00Z",
            launchgate_version="0.1.0",
            config_fingerprint=fp,
            git=GitInfo(commit=f"{i:x}" * 40, branch="main", dirty=False),
            routes={"home": stored(p95)},
        )
        for i, p95 in enumerate(p95s)
    ]
    folder = workdir / "baselines"
    folder.mkdir()
    write_baseline(
        baseline_path(folder, "test"),
        BaselineFile(schema_version=SCHEMA_VERSION, environment="test", entries=entries),
    )
    run = Run(loaded, target_url=server.url, workdir=workdir, environ={})
    asyncio.run(run.execute_all())
    return run


@pytest.mark.parametrize(("severity", "verdict"), [("high", "pass"), ("blocker", "fail")])
def test_drift_across_deploys_is_reported_at_its_severity(
    demo_server: Callable[..., DemoServer], tmp_path: Path, severity: str, verdict: str
) -> None:
    run = gate(demo_server(), tmp_path, severity)
    regression = run.results["probe::home::regression"]
    assert regression.status == "failed"
    (finding,) = regression.findings
    assert finding.severity is Severity(severity)
    assert finding.title.startswith("home drifted:")
    assert "4" * 12 in finding.title  # the deploy five back, by its commit
    # Against the recent baselines the page is faster: that is said beside it.
    assert "improvement" in finding.detail
    report = run.report()
    assert report.verdict.outcome == verdict
    (home,) = report.routes
    assert home.drift == "drift"
    # High drift is reported, not a failure of the probe itself.
    assert run.results["probe"].status == ("passed" if severity == "high" else "failed")

"""`launchgate run --shard I/N` and `launchgate merge`, as CI runs them: four shard
processes against one loopback server with a known latency distribution, merged,
then one unsharded process at the same total rate.

The accuracy bound. The server's latency is three steps (tests/probe/step_server.py):
10 ms with probability 0.3, 40 ms with 0.6, 120 ms with 0.1. p50 lies on the 40 ms
step (0.2 of probability from either edge), p95 and p99 on the 120 ms one (p95 is 0.05
from the 0.9 edge: with ~800 samples per run the empirical CDF there has a standard
deviation of sqrt(0.9 * 0.1 / 800) = 0.011, so crossing the edge takes a 4.7-sigma
draw). So sampling noise can only move a percentile along its step, by the loopback's
own overhead on top of the server's delay, and the histogram stores 3 significant
digits (0.1 %). Both runs' percentiles therefore sit on the same step, and they differ
by the histogram's precision plus the overhead's noise: asserted as less than half
the gap to the neighbouring step (15 ms at p50, 40 ms at p95 and p99), which a
percentile can only exceed by landing on another step. No assertion is on wall time.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.probe.step_server import StepServer
from tests.servers import closed_port

RATE = 200.0
CONFIG = """\
target: {{environment: shardtest}}
readiness: {{path: /healthz, timeout: 20s}}
probe:
  rate: {rate}/s
  duration: 4s
  warmup: 500ms
  ramp: 0s
  max_extend: 0s
  concurrency: 64
  # Six processes on a shared two-core runner: the figures under test are the
  # server's steps, not our scheduler's punctuality.
  max_client_lag: 2s
  routes:
    step: {{path: /step}}
  gates: {{p95: 2s, min_samples: 100}}
baseline: {{dir: baselines}}
"""
TIMEOUT_S = 120  # a guard against a hang, not a measurement


def _launchgate(*args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "launchgate.cli", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    out, _ = proc.communicate(timeout=TIMEOUT_S)
    return proc.returncode, out


def _report(folder: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((folder / "report.json").read_text("utf-8"))
    return data


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The four shards (run together), their merge, and the unsharded run."""
    work = tmp_path_factory.mktemp("shards")
    (work / "launchgate.yml").write_text(CONFIG.format(rate=RATE), "utf-8")
    other = CONFIG.format(rate=RATE / 2).replace("duration: 4s", "duration: 1s")
    (work / "other.yml").write_text(other, "utf-8")
    with StepServer() as server:
        # Far enough ahead that four interpreters have started: a late shard would
        # still run, only less overlapped.
        start = (datetime.now(UTC) + timedelta(seconds=8)).isoformat()
        shards = [
            _launchgate(
                "run",
                "--url",
                server.url,
                "--out",
                f"shard{i}",
                "--shard",
                f"{i}/4",
                "--start-at",
                start,
                cwd=work,
            )
            for i in range(1, 5)
        ]
        for i, proc in enumerate(shards, 1):
            code, out = _finish(proc)
            assert code == 0, out
            assert (work / f"shard{i}" / f"shard-{i}-of-4.json").is_file()
        code, out = _finish(_launchgate("merge", "shard1", "shard2", "shard3", "shard4",
                                        "--out", "merged", cwd=work))  # fmt: skip
        assert code == 0, out
        code, out = _finish(_launchgate("run", "--url", server.url, "--out", "single", cwd=work))
        assert code == 0, out
        # A shard 4/4 of another config (half the rate), as a stale artifact would be.
        stale = _launchgate("run", "--config", "other.yml", "--url", server.url, "--out",
                            "other4", "--shard", "4/4", cwd=work)  # fmt: skip
        code, out = _finish(stale)
        assert code == 0, out
    return work


def _route(report: dict[str, object]) -> dict[str, float]:
    routes = report["routes"]
    assert isinstance(routes, list) and len(routes) == 1
    route: dict[str, float] = routes[0]
    return route


def test_merged_percentiles_equal_the_unsharded_ones(runs: Path) -> None:
    merged, single = _route(_report(runs / "merged")), _route(_report(runs / "single"))
    half_gap = {"p50_ms": 15.0, "p95_ms": 40.0, "p99_ms": 40.0}
    step = {"p50_ms": 40.0, "p95_ms": 120.0, "p99_ms": 120.0}
    for key, tolerance in half_gap.items():
        # Each on its step of the server's distribution (latency counts from the
        # intended send, so never below it but by the histogram's 0.1 %), and the two
        # within the bound of the module doc.
        assert 0.99 * step[key] <= merged[key] < step[key] + tolerance, (key, merged, single)
        assert 0.99 * step[key] <= single[key] < step[key] + tolerance, (key, merged, single)
        assert abs(merged[key] - single[key]) < tolerance, (key, merged, single)


def test_the_merged_count_is_the_shards_sum_at_the_configured_total_rate(runs: Path) -> None:
    files = [runs / f"shard{i}" / f"shard-{i}-of-4.json" for i in range(1, 5)]
    per_shard = [json.loads(f.read_text("utf-8"))["routes"][0]["requests"] for f in files]
    merged = _route(_report(runs / "merged"))
    assert merged["requests"] == sum(per_shard)
    assert merged["rate_per_s"] == RATE
    assert abs(merged["achieved_rate_per_s"] - RATE) <= 0.05 * RATE


def test_the_merged_report_gates_once_and_tables_every_shard(runs: Path) -> None:
    report = _report(runs / "merged")
    checks = {c["id"]: c["status"] for c in report["checks"]}  # type: ignore[attr-defined]
    assert checks == {
        "probe": "passed",
        "probe::step::p95": "passed",
        "probe::step::errors": "passed",
        "probe::step::regression": "passed",
    }
    shards = report["shards"]
    assert [s["shard"] for s in shards] == ["1/4", "2/4", "3/4", "4/4"]  # type: ignore[attr-defined]
    summary = (runs / "merged" / "summary.md").read_text("utf-8")
    assert "### Shards" in summary and "| 4/4 |" in summary
    assert (runs / "merged" / "junit.xml").is_file()


def _merge(runs: Path, *paths: str, config: str = "launchgate.yml") -> tuple[int, str]:
    out = runs / "refused"
    shutil.rmtree(out, ignore_errors=True)
    code, _ = _finish(_launchgate("merge", *paths, "--config", config, "--out", "refused",
                                  cwd=runs))  # fmt: skip
    report = _report(out)
    probe = next(c for c in report["checks"] if c["id"] == "probe")  # type: ignore[attr-defined]
    assert probe["status"] == "error"
    return code, str(probe["message"])


def test_a_missing_shard_could_not_decide_naming_it(runs: Path) -> None:
    code, message = _merge(runs, "shard1", "shard2", "shard4")
    assert code == 3
    assert "could not decide: shard 3/4 is missing (found 1, 2, 4 of 4)" in message


def test_a_duplicated_shard_could_not_decide_naming_it(runs: Path) -> None:
    again = runs / "again"
    again.mkdir(exist_ok=True)
    shutil.copy(runs / "shard2" / "shard-2-of-4.json", again / "shard-2-of-4.json")
    code, message = _merge(runs, "shard1", "shard2", "shard3", "shard4", "again")
    assert code == 3
    assert "shard 2/4 appears 2 times" in message


def test_a_shard_from_another_config_among_them_could_not_decide_naming_it(
    runs: Path,
) -> None:
    code, message = _merge(runs, "shard1", "shard2", "shard3", "other4")
    assert code == 3
    assert "shard 4/4 (other4/shard-4-of-4.json) was measured with other probe settings" in (
        message
    )


def test_shards_of_another_config_than_the_merges_could_not_decide(runs: Path) -> None:
    code, message = _merge(runs, "shard1", "shard2", "shard3", "shard4", config="other.yml")
    assert code == 3
    assert "shard 1/4 (shard1/shard-1-of-4.json) was measured with other probe settings" in message


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--start-at", "+30s"], "--start-at is for shards"),
        (["--shard", "5/4"], "I must be 1 to N"),
        (["--shard", "1/4", "--start-at", "noon"], "--start-at takes an ISO time"),
        (["--shard", "1/4", "--update-baseline"], "launchgate merge --update-baseline"),
    ],
)
def test_shard_options_that_cannot_work_are_usage_errors(
    args: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from launchgate.cli import main

    assert main(["run", "--url", "http://127.0.0.1:9", *args], environ={}) == 2
    assert said in capsys.readouterr().err


def test_a_shard_of_a_config_without_a_probe_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from launchgate.cli import main

    config = tmp_path / "launchgate.yml"
    config.write_text("journeys:\n  home:\n    steps: [{path: /}]\n", "utf-8")
    argv = ["run", "--config", str(config), "--url", "http://127.0.0.1:9", "--out",
            str(tmp_path / "out"), "--shard", "1/2"]  # fmt: skip
    assert main(argv, environ={}) == 2
    assert "no probe: section" in capsys.readouterr().err


def test_a_shard_that_could_not_measure_says_why_and_the_merge_names_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from launchgate.cli import main

    config = tmp_path / "launchgate.yml"
    text = CONFIG.format(rate=RATE).replace("timeout: 20s", "timeout: 500ms")
    config.write_text(text, "utf-8")
    url = f"http://127.0.0.1:{closed_port()}"  # nothing listens: readiness fails
    for i in (1, 2):
        argv = ["run", "--config", str(config), "--url", url, "--out", str(tmp_path / f"s{i}"),
                "--shard", f"{i}/2"]  # fmt: skip
        assert main(argv, environ={}) == 3
    kept = json.loads((tmp_path / "s1" / "shard-1-of-2.json").read_text("utf-8"))
    assert kept["error"].startswith("not run: prerequisite readiness")
    argv = ["merge", str(tmp_path / "s1"), str(tmp_path / "s2"), "--config", str(config),
            "--out", str(tmp_path / "merged")]  # fmt: skip
    assert main(argv, environ={}) == 3
    report = _report(tmp_path / "merged")
    assert str(report["reason"])  # the verdict names the undecided probe
    probe = next(c for c in report["checks"] if c["id"] == "probe")  # type: ignore[attr-defined]
    assert probe["message"].startswith("could not decide: shard 1/2 (")
    assert "measured nothing: not run: prerequisite readiness" in probe["message"]

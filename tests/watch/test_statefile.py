"""The state file round-trips, is written atomically, and refuses what it cannot read;
the history appends and rotates; the rolling p95 is exact."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from launchgate.errors import LaunchgateError
from launchgate.watch.alerts import Alert
from launchgate.watch.history import HistoryWriter, read_history
from launchgate.watch.incidents import CheckState, Observation, Policy, observe
from launchgate.watch.latency import RollingPercentile, percentile
from launchgate.watch.statefile import WatchState, load_state, save_state


def test_round_trip(tmp_path: Path) -> None:
    state = CheckState()
    for i, ok in enumerate([True, False, False]):
        state, _ = observe(
            state,
            Observation(
                at=100.0 + i, ok=ok, status_code=500, latency_ms=3.5, problem="boom", detail="x"
            ),
            Policy(),
        )
    alert = Alert("a/down", "down", "login", "t", "critical", 1.0, 2.0, "http://x")
    original = WatchState({"login": state}, {"hook": [alert]}, {"login": [1.5, 2.5]})
    path = tmp_path / "deep" / "state.json"
    save_state(path, original)
    assert load_state(path) == original
    assert [p.name for p in path.parent.iterdir()] == ["state.json"]  # no temp left


def test_missing_file_is_a_fresh_state(tmp_path: Path) -> None:
    assert load_state(tmp_path / "nope.json") == WatchState()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is unusable"),
        ('{"version": 99, "checks": {}}', "written by a newer launchgate"),
        ('{"checks": {}}', "no schema version"),
        ('{"version": 1, "checks": {"a": {"status": "sideways"}}}', "unknown status"),
        ('{"version": 1, "pending": {"h": [{"kind": "down"}]}}', "unexpected content"),
        ("[]", "expected a JSON object"),
    ],
)
def test_unusable_state_is_refused(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "state.json"
    path.write_text(content)
    with pytest.raises(LaunchgateError, match=message):
        load_state(path)
    assert path.read_text() == content


def test_history_appends_skips_torn_lines_and_rotates(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    writer = HistoryWriter(path, max_bytes=200)
    for i in range(3):
        writer.write({"check": "login", "round": i})
    with path.open("a") as f:
        f.write('{"torn":')
    assert [r["round"] for r in read_history(path)] == [0, 1, 2]
    for i in range(3, 10):
        writer.write({"check": "login", "round": i, "pad": "x" * 40})
    rotated = path.with_name("h.jsonl.1")
    assert rotated.exists() and path.stat().st_size <= 200
    rounds = [r["round"] for p in (rotated, path) for r in read_history(p) if "round" in r]
    assert rounds == sorted(rounds) and rounds[-1] == 9


def test_history_on_an_unwritable_path_is_logged_not_fatal(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    writer = HistoryWriter(blocker / "h.jsonl")
    writer.write({"a": 1})
    writer.write({"a": 2})
    assert caplog.text.count("cannot write the watch history") == 1


def test_percentile_is_nearest_rank() -> None:
    assert percentile([], 95) is None
    assert percentile([5.0], 95) == 5.0
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 95) == 95.0
    assert percentile(values[::-1], 50) == 50.0
    rolling = RollingPercentile(3, [1.0, 2.0, 100.0, float("nan"), -1.0])
    assert rolling.values() == [1.0, 2.0, 100.0]
    rolling.add(3.0)
    assert rolling.values() == [2.0, 100.0, 3.0] and rolling.p95() == 100.0
    assert json.loads(json.dumps(rolling.values())) == rolling.values()

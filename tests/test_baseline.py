"""Baselines on disk: strict reading, atomic writing, no lost updates."""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from launchgate.baseline.store import (
    SCHEMA_VERSION,
    BaselineEntry,
    RouteBaseline,
    add_entry,
    baseline_path,
    locked,
    read_baseline,
    write_baseline,
)
from launchgate.errors import BaselineError
from launchgate.probe.histogram import LatencyHistogram


def entry(p95: float = 12.0, stamp: str = "2026-11-27T10:00:00Z") -> BaselineEntry:
    h = LatencyHistogram()
    for v in (p95 / 2, p95, p95):
        h.record_ms(v)
    route = RouteBaseline(
        method="GET", path="/", rate_per_s=20, samples=3, p50_ms=p95 / 2, p95_ms=p95,
        p99_ms=p95, max_ms=p95, error_rate_pct=0.0, histogram=h.encode(),
    )  # fmt: skip
    return BaselineEntry(
        created_at=stamp,
        launchgate_version="0.1.0",
        config_fingerprint="abc",
        routes={"home": route},
    )


def test_round_trip_newest_first_and_history_capped(tmp_path: Path) -> None:
    path = baseline_path(tmp_path / "baselines", "staging")
    current = None
    for i in range(5):
        current = add_entry(current, "staging", entry(10.0 + i), history=3)
        write_baseline(path, current)
    stored = read_baseline(path)
    assert stored is not None
    assert [e.routes["home"].p95_ms for e in stored.entries] == [14.0, 13.0, 12.0]
    assert stored.schema_version == SCHEMA_VERSION
    decoded = LatencyHistogram.decode(stored.latest.routes["home"].histogram)
    assert decoded.count == 3
    assert not list(path.parent.glob(".*.tmp"))  # no temporary file left behind


def test_missing_is_none_not_an_error(tmp_path: Path) -> None:
    assert read_baseline(tmp_path / "nope.json") is None


def written(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "demo.json"
    path.write_text(text)
    return path


def valid_text() -> str:
    data = add_entry(None, "demo", entry(), history=5).model_dump(mode="json")
    return json.dumps(data)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda t: t[: len(t) // 2], "corrupt or truncated"),
        (lambda t: "", "corrupt or truncated"),
        (lambda t: t.replace('"schema_version": 1', '"schema_version": 99'), "newer launchgate"),
        (lambda t: t.replace('"p95_ms": 12.0', '"p95_ms": NaN'), "NaN is not a number"),
        (lambda t: t.replace('"p95_ms": 12.0', '"p95_ms": -1'), "p95_ms"),
        (lambda t: t.replace('"histogram": "', '"histogram": "x'), None),
        (lambda t: "[1, 2]", "not a launchgate baseline"),
        (lambda t: t.replace('"entries": [', '"entries": [], "x": ['), "not a launchgate baseline"),
    ],
)
def test_a_damaged_baseline_is_an_error_naming_the_file(tmp_path, mutate, message):
    path = written(tmp_path, mutate(valid_text()))
    if message is None:  # a damaged histogram surfaces when it is decoded
        stored = read_baseline(path)
        assert stored is not None
        with pytest.raises(ValueError, match="not an encoded HdrHistogram"):
            LatencyHistogram.decode(stored.latest.routes["home"].histogram)
        return
    with pytest.raises(BaselineError, match=message) as info:
        read_baseline(path)
    assert str(path) in str(info.value)


def test_environment_names_cannot_escape_the_folder(tmp_path):
    with pytest.raises(BaselineError, match="environment names a file"):
        baseline_path(tmp_path, "../../etc/passwd")


WRITER = """
import sys, time
from pathlib import Path
from tests.test_baseline import entry
from launchgate.baseline.store import add_entry, write_baseline
path = Path(sys.argv[1])
current = None
print("ready", flush=True)
i = 0
while True:
    i += 1
    big = add_entry(None, "demo", entry(10.0 + i % 7), history=1)
    # A large file makes a kill land mid-write often.
    big = big.model_copy(update={"entries": big.entries * 400})
    write_baseline(path, big)
"""


def test_kill_9_during_writes_never_leaves_a_torn_file(tmp_path: Path) -> None:
    path = tmp_path / "demo.json"
    write_baseline(path, add_entry(None, "demo", entry(), history=1))
    root = Path(__file__).parents[1]
    for _ in range(8):
        with subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path)],
            cwd=root,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(root)},
        ) as proc:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "ready"
            # It writes continuously: let it run a moment, then kill it mid-stride.
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=0.3)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        stored = read_baseline(path)  # raises if torn
        assert stored is not None
        assert stored.entries


def _add_many(path_text: str, marker: float, count: int) -> None:
    path = Path(path_text)
    for i in range(count):
        with locked(path):
            current = read_baseline(path)
            write_baseline(path, add_entry(current, "demo", entry(marker + i / 1000), history=1000))


def test_concurrent_writers_lose_no_entry(tmp_path: Path) -> None:
    path = tmp_path / "demo.json"
    ctx = multiprocessing.get_context("spawn")
    writers = [ctx.Process(target=_add_many, args=(str(path), m, 25)) for m in (100.0, 200.0)]
    for w in writers:
        w.start()
    for w in writers:
        w.join(timeout=60)
        assert w.exitcode == 0
    stored = read_baseline(path)
    assert stored is not None
    assert len(stored.entries) == 50


STUCK_WRITER = """
import os, sys, time
from pathlib import Path
from tests.test_baseline import entry
from launchgate.baseline.store import add_entry, write_baseline

def stuck(src, dst):  # the temporary is written and fsynced: stop before the rename
    print("temporary written", flush=True)
    time.sleep(60)

os.replace = stuck
write_baseline(Path(sys.argv[1]), add_entry(None, "demo", entry(99.0), history=1))
"""


def _stuck_writer(path: Path) -> subprocess.Popen[str]:
    root = Path(__file__).parents[1]
    proc = subprocess.Popen(
        [sys.executable, "-c", STUCK_WRITER, str(path)],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "temporary written"
    return proc


def test_a_write_killed_mid_way_leaves_no_temporary_after_the_next_write(tmp_path: Path) -> None:
    """kill -9 between the temporary and the rename left `.demo.json.*.tmp` beside the
    baseline forever (and `git add baselines/` committed it). The next write removes
    the stale temporaries of its own file, never a live writer's or anyone else's."""
    path = tmp_path / "demo.json"
    write_baseline(path, add_entry(None, "demo", entry(), history=1))
    killed = _stuck_writer(path)
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait(timeout=10)
    assert killed.stdout is not None
    killed.stdout.close()
    # One from an earlier launchgate (no pid in its name), an hour old.
    legacy = tmp_path / ".demo.json.k3j9x_2a.tmp"
    legacy.write_text("{")
    os.utime(legacy, (legacy.stat().st_mtime - 3600,) * 2)
    others = [tmp_path / ".other.json.k3j9x_2a.tmp", tmp_path / "demo.json.notes.tmp"]
    for other in others:
        other.write_text("not ours")
        os.utime(other, (other.stat().st_mtime - 3600,) * 2)
    stale = sorted(p.name for p in tmp_path.glob(".demo.json.*.tmp"))
    assert len(stale) == 2  # the killed writer's and the legacy one

    with _stuck_writer(path) as live:  # a writer in the middle of its write
        try:
            live_tmp = set(tmp_path.glob(".demo.json.*.tmp")) - {tmp_path / n for n in stale}
            assert len(live_tmp) == 1
            write_baseline(path, add_entry(read_baseline(path), "demo", entry(13.0), history=5))
            assert set(tmp_path.glob(".demo.json.*.tmp")) == live_tmp  # still writing
        finally:
            live.kill()

    stored = read_baseline(path)
    assert stored is not None
    assert [e.routes["home"].p95_ms for e in stored.entries] == [13.0, 12.0]
    assert all(other.exists() for other in others)  # not our naming: not ours to remove
    assert [p.name for p in tmp_path.glob("*.json")] == ["demo.json"]


def test_a_temporary_older_than_a_minute_is_stale_whoever_made_it(tmp_path: Path) -> None:
    """A pid cannot be trusted alone (reused, or another machine's on a shared folder):
    past a minute, a temporary of ours is stale even if its pid runs here."""
    from launchgate.atomic import STALE_AFTER_S, remove_stale_temporaries, temporary_prefix

    path = tmp_path / "demo.json"
    planted = tmp_path / f"{temporary_prefix(path, pid=os.getppid())}abcd1234.tmp"
    planted.write_text("{")
    made = planted.stat().st_mtime
    assert remove_stale_temporaries(path, now=made + STALE_AFTER_S / 2) == []
    assert remove_stale_temporaries(path, now=made + STALE_AFTER_S + 1) == [planted]
    assert not planted.exists()

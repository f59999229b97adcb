"""The watcher's memory between rounds and between runs: incident state and pending
alerts, as one JSON file.

``launchgate watch --once`` from a scheduler is a new process each time; without this
file it could never count two consecutive failures, and would page on every run of an
outage. Written atomically (temporary file in the same folder, fsync, ``os.replace``),
so a watcher killed mid-write leaves the previous state, never half a file. A corrupt
file or one from a newer launchgate is refused with a message, not silently replaced:
replacing it would forget open incidents (a duplicate page) and pending alerts (a lost
one). An exclusive lock on ``<state>.lock`` keeps two watchers (an overlapping cron
job) from deciding the same incident twice.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from launchgate.atomic import write_atomic
from launchgate.errors import LaunchgateError, UsageError
from launchgate.watch.alerts import Alert
from launchgate.watch.incidents import CheckState, Observation

__all__ = ["SCHEMA_VERSION", "StateLock", "WatchState", "load_state", "save_state"]

SCHEMA_VERSION = 1


@dataclass
class WatchState:
    checks: dict[str, CheckState] = field(default_factory=dict)
    pending: dict[str, list[Alert]] = field(default_factory=dict)  # channel -> alerts
    # check -> latencies (ms) of the last passing rounds: the rolling p95 survives
    # restarts and is meaningful for --once runs too
    latencies: dict[str, list[float]] = field(default_factory=dict)


def to_json(state: WatchState) -> dict[str, Any]:
    return {
        "version": SCHEMA_VERSION,
        "checks": {name: asdict(s) for name, s in state.checks.items()},
        "pending": {ch: [asdict(a) for a in alerts] for ch, alerts in state.pending.items()},
        "latencies": {name: list(values) for name, values in state.latencies.items()},
    }


def from_json(data: object) -> WatchState:
    """Raises ``ValueError`` naming what is wrong."""
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    version = data.get("version")
    if not isinstance(version, int):
        raise ValueError("no schema version")
    if version > SCHEMA_VERSION:
        raise ValueError(
            f"written by a newer launchgate (state schema {version}, this one reads "
            f"{SCHEMA_VERSION}); upgrade launchgate"
        )
    try:
        checks = {name: _check_state(raw) for name, raw in dict(data.get("checks", {})).items()}
        pending = {
            channel: [Alert(**raw) for raw in alerts]
            for channel, alerts in dict(data.get("pending", {})).items()
        }
        latencies = {
            name: [float(v) for v in values]
            for name, values in dict(data.get("latencies", {})).items()
        }
    except (TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"unexpected content: {exc}") from None
    return WatchState(checks, pending, latencies)


def _observation(raw: Any) -> Observation | None:
    return None if raw is None else Observation(**raw)


def _check_state(raw: Any) -> CheckState:
    values = dict(raw)
    values["recent"] = tuple((bool(ok), float(at)) for ok, at in values.get("recent", ()))
    values["last"] = _observation(values.get("last"))
    values["last_failure"] = _observation(values.get("last_failure"))
    state = CheckState(**values)
    if state.status not in ("up", "down"):
        raise ValueError(f"unknown status {state.status!r}")
    return state


def load_state(path: Path) -> WatchState:
    """The saved state, or a fresh one when the file does not exist yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return WatchState()
    except (OSError, UnicodeDecodeError) as exc:
        raise LaunchgateError(f"cannot read the watch state {path}: {exc}") from None
    try:
        return from_json(json.loads(text))
    except ValueError as exc:
        raise LaunchgateError(
            f"the watch state {path} is unusable ({exc}); it holds open incidents and "
            "pending alerts, so it is not replaced: fix it or move it aside to start afresh"
        ) from None


def save_state(path: Path, state: WatchState) -> None:
    text = json.dumps(to_json(state), indent=1, sort_keys=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, text.encode("utf-8"), mode=0o600)  # it may name who gets paged


class StateLock:
    """An exclusive, non-blocking lock next to the state file, held for a watcher's life."""

    def __init__(self, state_path: Path) -> None:
        self.path = state_path.with_name(state_path.name + ".lock")
        self._handle: BinaryIO | None = None

    def acquire(self) -> None:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no advisory locks to take
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("ab")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise UsageError(
                f"another launchgate watch is using {self.path.with_suffix('')}; "
                "let it finish (or give this one its own --state)"
            ) from None
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()  # closing the descriptor drops the lock
            self._handle = None

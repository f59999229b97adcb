"""Baselines: the performance a route had before, stored in the repo, one file per
environment (``baselines/<environment>.json``), newest entry first with a short history.

Read strictly: a truncated, corrupt or newer-schema file, or one with NaN or negative
figures, is a :class:`BaselineError` naming the file, never a silent pass. Written
atomically (temporary file in the same folder, fsync, ``os.replace``) under a lock,
so a kill -9 mid-write leaves the old or the new file and two CI jobs do not lose
each other's entry.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from launchgate.atomic import write_atomic
from launchgate.errors import BaselineError

__all__ = [
    "SCHEMA_VERSION",
    "BaselineEntry",
    "BaselineFile",
    "GitInfo",
    "RouteBaseline",
    "add_entry",
    "baseline_path",
    "fingerprint",
    "locked",
    "read_baseline",
    "write_baseline",
]

SCHEMA_VERSION = 1
_ENVIRONMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class GitInfo(_Strict):
    commit: str | None
    branch: str | None
    dirty: bool
    default_branch: str | None = None


class RouteBaseline(_Strict):
    method: str
    path: str
    rate_per_s: float = Field(gt=0)
    samples: int = Field(ge=0)
    p50_ms: float = Field(ge=0)
    p95_ms: float = Field(ge=0)
    p99_ms: float = Field(ge=0)
    max_ms: float = Field(ge=0)
    error_rate_pct: float = Field(ge=0, le=100)
    histogram: str = Field(min_length=1, description="HdrHistogram encoding of every latency")


class BaselineEntry(_Strict):
    created_at: str
    launchgate_version: str
    config_fingerprint: str
    git: GitInfo | None = None
    routes: dict[str, RouteBaseline]


class BaselineFile(_Strict):
    schema_version: int
    environment: str
    entries: list[BaselineEntry] = Field(min_length=1)  # newest first

    @property
    def latest(self) -> BaselineEntry:
        return self.entries[0]


def baseline_path(folder: Path, environment: str) -> Path:
    if not _ENVIRONMENT.match(environment):
        raise BaselineError(
            "environment names a file: use letters, digits, dots, dashes or underscores",
            path=folder / f"{environment}.json",
        )
    return folder / f"{environment}.json"


def read_baseline(path: Path) -> BaselineFile | None:
    """The stored baseline, ``None`` when there is none yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"cannot read the baseline: {exc}", path=path) from None
    try:
        raw = json.loads(text, parse_constant=_no_constants)
    except ValueError as exc:
        raise BaselineError(
            f"not valid JSON ({exc}); the file is corrupt or truncated: restore it from git "
            "or delete it to record a new baseline",
            path=path,
        ) from None
    version = raw.get("schema_version") if isinstance(raw, dict) else None
    if isinstance(version, int) and version > SCHEMA_VERSION:
        raise BaselineError(
            f"written by a newer launchgate (schema {version}, this one reads "
            f"{SCHEMA_VERSION}): upgrade launchgate",
            path=path,
        )
    try:
        baseline = BaselineFile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise BaselineError(
            f"not a launchgate baseline: {where}: {first['msg']}", path=path
        ) from None
    if baseline.schema_version != SCHEMA_VERSION:
        raise BaselineError(f"unknown schema {baseline.schema_version}", path=path)
    return baseline


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a number a baseline may hold")


def add_entry(current: BaselineFile | None, environment: str, entry: BaselineEntry,
              *, history: int) -> BaselineFile:  # fmt: skip
    entries = [entry, *(current.entries if current else [])][:history]
    return BaselineFile(schema_version=SCHEMA_VERSION, environment=environment, entries=entries)


def write_baseline(path: Path, baseline: BaselineFile) -> None:
    text = json.dumps(baseline.model_dump(mode="json"), indent=2, allow_nan=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, text.encode("utf-8"))


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock for a read-modify-write of ``path`` (POSIX; elsewhere a
    no-op: the write is still atomic, but a concurrent writer may win)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.parent / f".{path.name}.lock"
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with open(lock_path, "a+") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def fingerprint(settings: dict[str, object]) -> str:
    """A short, stable digest of the probe settings a comparison depends on."""
    canonical = json.dumps(settings, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]

"""The watch history: one JSON line per check per round, for charts and forensics.

Appended, never rewritten: a line is written with one ``write`` call on a file opened
for appending, so a crash leaves at most a torn last line, which readers skip. When the
file passes ``max_bytes`` it is renamed to ``<name>.1`` (replacing the previous one)
and a new file starts, so a watcher left running for months stays bounded.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["HistoryWriter", "read_history"]

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 10 * 1024 * 1024


class HistoryWriter:
    def __init__(self, path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self._failed = False

    def write(self, record: dict[str, Any]) -> None:
        """Append one record; a full disk is logged once, never fatal to the watcher."""
        line = json.dumps(record, separators=(",", ":"), sort_keys=True) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._rotate_if_big()
            with self.path.open("a", encoding="utf-8") as f:
                f.write(line)
            self._failed = False
        except OSError as exc:
            if not self._failed:
                log.error("cannot write the watch history %s: %s", self.path, exc)
            self._failed = True

    def _rotate_if_big(self) -> None:
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return
        if size >= self.max_bytes:
            os.replace(self.path, self.path.with_name(self.path.name + ".1"))


def iso(unix_s: float) -> str:
    return datetime.fromtimestamp(unix_s, UTC).isoformat(timespec="milliseconds")


def read_history(path: Path) -> Iterator[dict[str, Any]]:
    """The records of a history file, skipping a torn or foreign line."""
    with path.open(encoding="utf-8") as f:
        for line in f:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                yield record

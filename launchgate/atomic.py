"""Replace a file atomically: readers see the old file or the new one, never half.

A temporary file in the same folder (so the rename stays on one file system), written
and fsynced, then ``os.replace``d over the target and the folder fsynced so the rename
itself survives a crash. A kill -9 at any point leaves the old file or the new one;
the temporary file is removed when the write fails.

A kill -9 between creating the temporary file and the rename still leaves it behind,
and ``git add baselines/`` would commit it. So temporaries are named
``.<target>.<host>.<pid>.<random>.tmp`` (dot-prefixed, ending in ``.tmp``: no
``*.json`` glob matches them) and each write removes the stale ones of its own target.
A temporary is stale when the process that made it is gone (same host, pid not
running) or, whatever the host, when it is older than :data:`STALE_AFTER_S`: a live
write takes milliseconds, and a pid alone cannot be trusted on a folder that several
machines share or after the pid was reused.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import socket
import tempfile
import time
from pathlib import Path

__all__ = ["STALE_AFTER_S", "remove_stale_temporaries", "temporary_prefix", "write_atomic"]

STALE_AFTER_S = 60.0
_HOST = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


def write_atomic(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    """Raises ``OSError``; callers turn it into an error of their own domain.

    ``mode``: mkstemp makes 0600 files; reports and baselines are meant to be read by
    other users (a CI artifact step), state files may ask for less.
    """
    remove_stale_temporaries(path)
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=temporary_prefix(path), suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
        tmp = None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    with contextlib.suppress(OSError):  # best effort: some file systems refuse
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def temporary_prefix(path: Path, *, pid: int | None = None) -> str:
    return f".{path.name}.{_HOST}.{os.getpid() if pid is None else pid}."


def remove_stale_temporaries(path: Path, *, now: float | None = None) -> list[Path]:
    """Remove the stale temporaries of ``path`` (see the module docstring); returns them.

    Only names this module makes are touched, including the pid-less
    ``.<target>.<random>.tmp`` of earlier versions (by age alone)."""
    ours = re.compile(
        rf"^\.{re.escape(path.name)}\.(?:(?P<host>[0-9a-f]{{8}})\.(?P<pid>\d+)\.)?"
        r"[a-z0-9_]{8}\.tmp$"
    )
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return []
    removed: list[Path] = []
    current = time.time() if now is None else now
    for entry in entries:
        match = ours.match(entry.name)
        if match is None or not entry.is_file(follow_symlinks=False):
            continue
        try:
            age = current - entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue  # gone already: its writer renamed or removed it
        dead = match["host"] == _HOST and not _running(int(match["pid"]))
        if dead or age > STALE_AFTER_S:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def _running(pid: int) -> bool:
    if pid == os.getpid() or os.name == "nt":  # on Windows, kill(pid, 0) is a Ctrl-C
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: someone else's live process; or we cannot tell: keep it
        return True
    return True

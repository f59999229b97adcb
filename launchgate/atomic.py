"""Replace a file atomically: readers see the old file or the new one, never half.

A temporary file in the same folder (so the rename stays on one file system), written
and fsynced, then ``os.replace``d over the target and the folder fsynced so the rename
itself survives a crash. A kill -9 at any point leaves the old file or the new one;
the temporary file is removed when the write fails.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["write_atomic"]


def write_atomic(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    """Raises ``OSError``; callers turn it into an error of their own domain.

    ``mode``: mkstemp makes 0600 files; reports and baselines are meant to be read by
    other users (a CI artifact step), state files may ask for less.
    """
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
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

"""Follow a log like ``tail -F``, or read standard input, as an async stream of lines.

:class:`FileFollower` polls: it starts at the end of the file (only new lines count),
keeps reading as lines are appended, and notices rotation two ways: the path now names
another file (logrotate's rename and create: the old file is drained first, then the
new one is read from its start) or the same file was emptied in place
(``copytruncate``: read again from the start). Truncation is told by size *and* by the
file's first bytes, checked before each read: a small, busy log truncated and regrown
past the read position between two polls is never shorter than that position, but its
head changed (only a rewrite byte-identical in its first :data:`HEAD` bytes escapes).
A missing file is waited for. Polling rather than inotify: it works
the same on every platform and on network filesystems, and a quarter second of delay
does not matter to a 60-second window.

Memory is bounded: a line longer than :data:`MAX_LINE` is cut, and each poll reads at
most :data:`CHUNK` bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import BinaryIO, TextIO

from launchgate.watch.logparse import MAX_LINE

__all__ = ["CHUNK", "FileFollower", "stdin_lines"]

log = logging.getLogger(__name__)

CHUNK = 1024 * 1024
HEAD = 4096  # bytes of the file's start remembered to recognise a copytruncate


class FileFollower:
    def __init__(
        self,
        path: Path,
        *,
        poll_s: float = 0.25,
        on_open: Callable[[Path], None] | None = None,
    ) -> None:
        self.path = path
        self.poll_s = poll_s
        self._on_open = on_open
        self._file: BinaryIO | None = None
        self._inode: tuple[int, int] | None = None
        self._pending = b""
        self._head = b""  # the file's first bytes, as far as they were seen
        self._warned = False
        self.rotations = 0

    async def lines(self) -> AsyncIterator[str]:
        first = True
        try:
            while True:
                if self._file is None:
                    self._open(at_end=first)
                    first = False
                if self._file is not None and self._truncated():
                    self._file.seek(0)
                    self._pending = b""
                    self._head = b""
                    self.rotations += 1
                for line in self._read():
                    yield line
                if self._file is not None and self._rotated():
                    for line in self._read():  # whatever was written before the rename
                        yield line
                    if self._pending:
                        yield self._take_pending()
                    self._close()
                    self.rotations += 1
                    continue  # the new file may already hold lines: no sleep
                await asyncio.sleep(self.poll_s)
        finally:
            self._close()

    def _open(self, *, at_end: bool) -> None:
        try:
            handle = self.path.open("rb")
        except FileNotFoundError:
            return
        except OSError as exc:
            if not self._warned:  # once, not every poll: it is retried quietly
                log.warning("cannot open the log %s: %s; trying again", self.path, exc)
                self._warned = True
            return
        self._warned = False
        stat = os.fstat(handle.fileno())
        self._inode = (stat.st_dev, stat.st_ino)
        self._head = b""
        if at_end:
            handle.seek(0, os.SEEK_END)
            self._head = os.pread(handle.fileno(), min(stat.st_size, HEAD), 0)
        self._file = handle
        if self._on_open is not None:
            self._on_open(self.path)

    def _read(self) -> list[str]:
        if self._file is None:
            return []
        data = self._file.read(CHUNK)
        if not data:
            return []
        self._pending += data
        *complete, self._pending = self._pending.split(b"\n")
        if len(self._pending) > MAX_LINE:  # a line without end: cut it, keep going
            complete.append(self._pending[:MAX_LINE])
            self._pending = b""
        return [c.decode("utf-8", "replace") for c in complete]

    def _take_pending(self) -> str:
        text, self._pending = self._pending.decode("utf-8", "replace"), b""
        return text

    def _rotated(self) -> bool:
        assert self._file is not None  # noqa: S101 - only called with a file open
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return False  # renamed away and not yet recreated: keep draining the old one
        except OSError:
            return False
        return (stat.st_dev, stat.st_ino) != self._inode

    def _truncated(self) -> bool:
        """Whether the open file was emptied in place since it was last read."""
        assert self._file is not None  # noqa: S101 - only called with a file open
        fd = self._file.fileno()
        position = self._file.tell()
        try:
            if os.fstat(fd).st_size < position:
                return True
            # Only the bytes already read are compared: beyond them nothing was seen.
            now = os.pread(fd, min(max(position, len(self._head)), HEAD), 0)
        except OSError:
            return False
        common = min(len(now), len(self._head))
        if now[:common] != self._head[:common]:
            return True
        if len(now) > len(self._head):
            self._head = now
        return False

    def _close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


async def stdin_lines(stream: TextIO) -> AsyncIterator[str]:
    """Lines of ``stream`` (standard input), read on a daemon thread: a blocking read
    cannot be cancelled, so the thread must never keep the process alive."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue(maxsize=10_000)

    def put(item: str | None) -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed while we read
            asyncio.run_coroutine_threadsafe(queue.put(item), loop).result()

    def reader() -> None:
        try:
            for line in stream:
                put(line[:MAX_LINE].rstrip("\n"))
        except (OSError, ValueError) as exc:
            log.warning("stopped reading the log from standard input: %s", exc)
        put(None)

    threading.Thread(target=reader, name="launchgate-stdin", daemon=True).start()
    while True:
        item = await queue.get()
        if item is None:
            return
        yield item

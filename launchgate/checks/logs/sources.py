"""Reading the app's logs for the run's window: files (rotated ones included) and
commands. I/O only; what is looked for is :mod:`launchgate.checks.logs.canaries`.

A file's window is what was written to it after the run began: :meth:`FileWindow.mark`
notes each matching file's identity and size as the run starts, and the check reads
from there. A file that was rotated during the run (renamed to ``app.log.1``) is found
by its identity and read from the same place; a file that shrank was truncated in
place (``copytruncate``) and is read whole; a file that appeared is read whole.

Everything is bounded: at most ``max_bytes`` per source, a command for at most its
timeout. Whatever could not be read is said in :attr:`Scan.problem`, so the check can
never pass on a log it did not see.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import gzip
import os
import signal
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from launchgate.checks.logs.canaries import Hit, Search
from launchgate.config.units import format_duration

__all__ = ["FileWindow", "Found", "Scan", "read_command", "scan_bytes", "scan_files"]

_ROTATED = (".*", "-*")  # logrotate's app.log.1, app.log.2.gz and dateext app.log-20261203
_SLACK_S = 2.0  # a file last written this long before the run began still counts
_KILL_GRACE_S = 2.0
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Found:
    """A needle's first line in one file, and on how many lines it was found."""

    where: str
    hit: Hit
    lines: int


@dataclass
class Scan:
    """What searching one source found, and what of it could not be read."""

    found: list[Found] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    read_bytes: int = 0

    @property
    def problem(self) -> str:
        return "; ".join(self.problems)


def matching_files(pattern: str) -> list[Path]:
    """The files ``pattern`` names, with their rotated siblings, oldest first."""
    base = pattern if glob.has_magic(pattern) else glob.escape(pattern)
    paths = {Path(p) for suffix in ("", *_ROTATED) for p in glob.glob(base + suffix)}
    files = []
    for path in paths:
        with contextlib.suppress(OSError):
            if path.is_file():
                files.append((path.stat().st_mtime, str(path), path))
    return [path for _mtime, _name, path in sorted(files)]


class FileWindow:
    """Where the run's part of the files of one ``file:`` source begins."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.started: float | None = None  # wall-clock seconds; None: not marked
        self._sizes: dict[tuple[int, int], int] = {}

    def mark(self, now: float) -> None:
        """Note every matching file's identity and size: the run starts now."""
        self.started = now
        for path in matching_files(self.pattern):
            with contextlib.suppress(OSError):
                st = path.stat()
                self._sizes[(st.st_dev, st.st_ino)] = st.st_size

    def pieces(self) -> list[tuple[Path, int]]:
        """(file, offset to read from) for every file with lines of the run."""
        out = []
        for path in matching_files(self.pattern):
            try:
                st = path.stat()
            except OSError:
                continue
            known = self._sizes.get((st.st_dev, st.st_ino))
            if known is not None:
                if st.st_size == known:
                    continue  # not written since the run began
                # Grown: read on from where it was. Shrunk: truncated in place, read it
                # whole. A compressed file is never appended to: read it whole.
                grown = st.st_size > known and path.suffix != ".gz"
                out.append((path, known if grown else 0))
            elif self.started is None or st.st_mtime >= self.started - _SLACK_S:
                out.append((path, 0))
        return out


def scan_files(
    window: FileWindow, search: Search, *, max_bytes: int, stop: Callable[[], bool]
) -> Scan:
    """Search the run's window of every file of ``window``, at most ``max_bytes`` in all."""
    scan = Scan()
    if not matching_files(window.pattern):
        scan.problems.append(f"no file matches {window.pattern}")
        return scan
    for path, offset in window.pieces():
        if stop():
            scan.problems.append("stopped by the run deadline before every file was read")
            return scan
        try:
            with _open(path) as f:
                first = _lines_before(f, offset, stop) + 1
                _scan_lines(scan, str(path), _lines(f, max_bytes - scan.read_bytes), search, first)
                if f.read(1):
                    scan.problems.append(
                        f"{path} holds more than {_size(max_bytes)} written during "
                        "the run; the rest was not searched (raise logs.max_size)"
                    )
                    return scan
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            scan.problems.append(f"cannot read {path}: {reason}")
    return scan


def scan_bytes(where: str, data: bytes, search: Search) -> Scan:
    """Search a command's output."""
    scan = Scan()
    _scan_lines(scan, where, iter(data.splitlines(keepends=True)), search, 1)
    return scan


def _open(path: Path) -> BinaryIO:
    if path.suffix == ".gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def _lines_before(f: BinaryIO, offset: int, stop: Callable[[], bool]) -> int:
    """How many lines come before ``offset`` (then ``f`` stands at it): findings name
    the line of the file, which is what a person opens it at."""
    count = 0
    remaining = offset
    while remaining > 0 and not stop():
        chunk = f.read(min(_CHUNK, remaining))
        if not chunk:
            break
        count += chunk.count(b"\n")
        remaining -= len(chunk)
    return count


def _lines(f: BinaryIO, budget: int) -> Iterator[bytes]:
    while budget > 0:
        line = f.readline(budget)
        if not line:
            return
        budget -= len(line)
        yield line


def _scan_lines(scan: Scan, where: str, lines: Iterable[bytes], search: Search, first: int) -> None:
    seen: dict[str, int] = {}  # needle value -> index in scan.found
    for number, raw in enumerate(lines, start=first):
        scan.read_bytes += len(raw)
        for hit in search.line(raw.decode("utf-8", "replace"), number):
            index = seen.get(hit.needle.value)
            if index is None:
                seen[hit.needle.value] = len(scan.found)
                scan.found.append(Found(where, hit, 1))
            else:
                old = scan.found[index]
                scan.found[index] = Found(old.where, old.hit, old.lines + 1)


async def read_command(
    command: str,
    *,
    env: Mapping[str, str],
    cwd: Path,
    timeout_s: float,
    max_bytes: int,
    key: str,
) -> tuple[bytes, str]:
    """The command's output (stdout and stderr, at most ``max_bytes``) and what went
    wrong, if anything: it could not start, failed, timed out or said too much."""
    try:
        # The config's own command, run as the user wrote it: that is its point.
        proc = await asyncio.create_subprocess_shell(
            command,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,  # a timeout stops its children too
        )
    except OSError as exc:
        return b"", f"could not start: {exc.strerror or exc}"
    if proc.stdout is None:  # unreachable: stdout is a pipe
        raise RuntimeError("the command's output is not a pipe")
    out = bytearray()
    try:
        async with asyncio.timeout(timeout_s):
            while len(out) <= max_bytes:
                chunk = await proc.stdout.read(_CHUNK)
                if not chunk:
                    break
                out += chunk
            if len(out) > max_bytes:
                await _kill_group(proc)
                return bytes(out[:max_bytes]), (
                    f"printed more than {_size(max_bytes)}; the rest was not "
                    f"searched (raise {key}.max_size, or narrow it to the run: --since)"
                )
            code = await proc.wait()
    except TimeoutError:
        await _kill_group(proc)
        return bytes(out), f"killed after {format_duration(timeout_s)} ({key}.timeout)"
    except asyncio.CancelledError:
        await _kill_group(proc)
        raise
    if code != 0:
        last = bytes(out).strip().splitlines()[-1:] or [b""]
        said = last[0].decode("utf-8", "replace")[:200]
        return bytes(out), f"exited with status {code}" + (f": {said}" if said else "")
    return bytes(out), ""


async def _kill_group(proc: asyncio.subprocess.Process) -> None:
    """SIGTERM to the command's whole group, then SIGKILL if it is still there."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        try:
            await asyncio.wait_for(proc.wait(), _KILL_GRACE_S)
            return
        except TimeoutError:
            continue


def _size(n: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:g} {unit}"
    return f"{n} bytes"

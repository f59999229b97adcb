"""Scan a folder (and, if asked, its whole git history) for committed credentials.

The orchestration: list blobs (HEAD's tree, or every blob reachable from any ref with
the commit that introduced it), read each distinct blob once, run the pure detectors,
then read the working tree (tracked and untracked-but-not-ignored files) for what is
not committed yet. A shallow clone's history is incomplete, and the report says so
instead of calling it clean.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from launchgate.secretscan.detect import GENERIC_RULE, KUBERNETES_RULE, Detection, analyse
from launchgate.secretscan.finding import DroppedCandidate, SecretFinding, fingerprint, mask
from launchgate.secretscan.git import BlobRef, GitRepo, open_repo
from launchgate.secretscan.rules import RULES

__all__ = ["MAX_FILE_BYTES", "ScanCancelled", "ScanReport", "scan"]

MAX_FILE_BYTES = 10 * 1024 * 1024  # larger files are data or builds; counted as skipped
_BINARY_PROBE = 8000  # git's own test: a NUL byte in the first 8000 bytes means binary
_PLAIN_SKIP = frozenset({".git", "node_modules", ".venv", "venv", "__pycache__", ".tox"})
_DESCRIPTIONS = {r.rule_id: r.description for r in RULES} | {
    GENERIC_RULE: "High-entropy value assigned to a secret-looking name",
    KUBERNETES_RULE: "Value of a Kubernetes Secret manifest",
}
_NOTHING = Detection((), ())


class ScanCancelled(Exception):
    """The caller asked the scan to stop (the run's deadline passed)."""


@dataclass(frozen=True)
class ScanReport:
    root: Path
    findings: tuple[SecretFinding, ...]
    history: bool
    incomplete: str | None  # why the scan could not see everything; None when it did
    blobs_scanned: int
    bytes_scanned: int
    skipped_files: int  # binary or over MAX_FILE_BYTES
    duration_s: float
    # Candidates judged not to be secrets, with the reason (kept only when asked: --explain).
    dropped: tuple[DroppedCandidate, ...] = ()
    # The folder asked for, when it lies inside the git work tree at ``root``: the whole
    # repository is scanned all the same (every clone carries all of it, and a secret
    # committed elsewhere in it has leaked from this folder's repository too).
    inside: str | None = None


class _Collector:
    def __init__(self, should_stop: Callable[[], bool], *, explain: bool = False) -> None:
        self.findings: dict[tuple[str, str], SecretFinding] = {}
        self.dropped: dict[tuple[str, int, str], DroppedCandidate] = {}
        self.explain = explain
        self.head_fingerprints: set[str] = set()
        self.blobs = 0
        self.bytes = 0
        self.skipped = 0
        self._stop = should_stop

    def read(self, data: bytes, path: str, commit: str | None, *, in_head: bool = False) -> None:
        for hit in self._detect(data, path, commit).hits:
            self._add(hit.rule_id, hit.line, hit.secret, path, commit, in_head=in_head)

    def _detect(self, data: bytes, path: str, commit: str | None) -> Detection:
        if self._stop():
            raise ScanCancelled
        if len(data) > MAX_FILE_BYTES or b"\0" in data[:_BINARY_PROBE]:
            self.skipped += 1
            return _NOTHING
        self.blobs += 1
        self.bytes += len(data)
        found = analyse(data.decode("utf-8", errors="replace"), path)
        if self.explain:
            for d in found.dropped:
                key = (path, d.line, d.rule_id)
                if key not in self.dropped:
                    self.dropped[key] = DroppedCandidate(
                        rule=d.rule_id,
                        file=path,
                        line=d.line,
                        commit=commit,
                        reason=d.reason,
                        masked=mask(d.secret),
                        secret=d.secret,
                    )
        return found

    def _add(
        self,
        rule_id: str,
        line: int,
        secret: str,
        path: str,
        commit: str | None,
        *,
        in_head: bool = False,
    ) -> None:
        fp = fingerprint(rule_id, secret)
        if in_head:
            self.head_fingerprints.add(fp)
        key = (fp, path)
        if key not in self.findings:
            self.findings[key] = SecretFinding(
                rule=rule_id,
                description=_DESCRIPTIONS.get(rule_id, rule_id),
                file=path,
                line=line,
                commit=commit,
                in_head=False,
                fingerprint=fp,
                masked=mask(secret),
                secret=secret,
            )


def scan(
    path: Path,
    *,
    history: bool = False,
    should_stop: Callable[[], bool] = lambda: False,
    explain: bool = False,
) -> ScanReport:
    started = time.perf_counter()
    collector = _Collector(should_stop, explain=explain)
    repo = open_repo(path)
    incomplete = None
    if repo is None:
        root = path.resolve()
        _scan_plain(root, collector)
    else:
        root = repo.root
        if history and repo.is_shallow():
            incomplete = (
                "the history is incomplete: this is a shallow clone, so older commits were "
                "not scanned; fetch the whole history (git fetch --unshallow, or "
                "actions/checkout with fetch-depth: 0)"
            )
        try:
            _scan_git(repo, collector, history=history)
        finally:
            repo.close()
    findings = tuple(
        _with_head(f, f.fingerprint in collector.head_fingerprints)
        for f in collector.findings.values()
    )
    return ScanReport(
        root,
        tuple(sorted(findings, key=lambda f: (f.file, f.line, f.rule))),
        history,
        incomplete,
        collector.blobs,
        collector.bytes,
        collector.skipped,
        time.perf_counter() - started,
        tuple(sorted(collector.dropped.values(), key=lambda d: (d.file, d.line, d.rule))),
        _inside(path, root),
    )


def _inside(asked: Path, root: Path) -> str | None:
    try:
        rel = asked.resolve().relative_to(root.resolve())
    except ValueError:
        return None
    return rel.as_posix() if rel.parts else None


def _with_head(finding: SecretFinding, in_head: bool) -> SecretFinding:
    return replace(finding, in_head=in_head)


def _scan_git(repo: GitRepo, collector: _Collector, *, history: bool) -> None:
    head = repo.head_blobs()
    head_shas = {b.sha for b in head}
    blobs: list[BlobRef] = repo.history_blobs() if history else head
    by_sha = {b.sha: b for b in blobs}
    if history:  # HEAD's blobs are reachable, but a detached or unborn HEAD may not be
        for b in head:
            by_sha.setdefault(b.sha, b)
    for sha, data in repo.read_blobs(by_sha):
        ref = by_sha[sha]
        collector.read(data, ref.path, ref.commit or None, in_head=sha in head_shas)
    for rel in repo.worktree_files():
        content = _read(repo.root / rel)
        if content is None or _blob_sha(content) in by_sha:
            continue  # unreadable, or exactly a blob already scanned
        collector.read(content, rel, None)


def _scan_plain(root: Path, collector: _Collector) -> None:
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _PLAIN_SKIP)
        for name in sorted(files):
            full = Path(folder) / name
            data = _read(full)
            if data is None:
                continue
            rel = full.relative_to(root).as_posix()
            collector.read(data, rel, None)


def _read(path: Path) -> bytes | None:
    try:
        if not path.is_file() or path.is_symlink():
            return None
        return path.read_bytes()
    except OSError:
        return None


def _blob_sha(data: bytes) -> str:
    """git's object id of a file's bytes, to skip a working file identical to a blob."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()

"""The git edge of the secret scan: which files and blobs there are, and their bytes.

GitPython finds the repository and runs git; the heavy lifting is two git processes:
one ``git log --all --raw`` lists, oldest first, every blob each commit added (so the
first commit that introduced a blob is the first time we see it), and one
``git cat-file --batch`` streams the bytes of every distinct blob. A GitPython
``Commit.diff`` per commit costs a process each: 5,000 commits took minutes that way.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import git

__all__ = ["BlobRef", "GitRepo", "open_repo"]

_NULL_SHA = "0" * 40
_SKIPPED_MODES = frozenset({"160000", "120000", "000000"})  # submodules, symlinks, deletions


@dataclass(frozen=True)
class BlobRef:
    sha: str
    path: str  # where it was first seen
    commit: str  # the first commit that added it ("" for HEAD-only listings)


class GitRepo:
    def __init__(self, repo: git.Repo) -> None:
        self._repo = repo
        self.root = Path(repo.working_tree_dir or repo.git_dir)

    def close(self) -> None:
        self._repo.close()

    def is_shallow(self) -> bool:
        out: str = self._repo.git.rev_parse("--is-shallow-repository")
        return out.strip() == "true"

    def has_head(self) -> bool:
        try:
            self._repo.git.rev_parse("--verify", "--quiet", "HEAD")
        except git.GitCommandError:
            return False
        return True

    def worktree_files(self) -> list[str]:
        """Tracked and untracked-but-not-ignored files, relative to the root."""
        out: str = self._repo.git.ls_files("-z", "--cached", "--others", "--exclude-standard")
        return sorted({p for p in out.split("\0") if p})

    def head_blobs(self) -> list[BlobRef]:
        if not self.has_head():
            return []
        out: str = self._repo.git.ls_tree("-r", "-z", "--full-tree", "HEAD")
        refs = []
        for entry in out.split("\0"):
            meta, _, path = entry.partition("\t")
            parts = meta.split()
            if len(parts) == 3 and parts[1] == "blob" and parts[0] not in _SKIPPED_MODES:
                refs.append(BlobRef(parts[2], path, ""))
        return refs

    def history_blobs(self) -> list[BlobRef]:
        """Every distinct blob reachable from any ref, with the first commit (in
        topological order, oldest first) that added it and the path it had there."""
        if not self.has_head() and not self._repo.refs:
            return []
        out: str = self._repo.git.log(
            "--all",
            "--reverse",
            "--topo-order",
            "-m",  # merges diffed against each parent: a blob made while merging counts
            "--root",
            "--raw",
            "--no-renames",
            "--no-abbrev",
            "-z",
            "--format=%x01%H",
        )
        seen: set[str] = set()
        refs: list[BlobRef] = []
        for chunk in out.split("\x01"):
            commit, tokens = chunk[:40], chunk[40:].split("\0")
            i = 0
            while i < len(tokens):
                token = tokens[i].lstrip("\n")
                if not token.startswith(":"):
                    i += 1
                    continue
                fields = token[1:].split()
                path = tokens[i + 1] if i + 1 < len(tokens) else ""
                i += 2
                if len(fields) < 5 or fields[1] in _SKIPPED_MODES or fields[3] == _NULL_SHA:
                    continue
                sha = fields[3]
                if sha not in seen:
                    seen.add(sha)
                    refs.append(BlobRef(sha, path, commit))
        return refs

    def read_blobs(self, shas: Iterable[str]) -> Iterator[tuple[str, bytes]]:
        """The bytes of each blob, in order, through one ``git cat-file --batch``. A
        thread feeds the ids so git never waits on us to ask for the next one."""
        wanted = list(shas)
        if not wanted:
            return
        proc = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            [git.Git.GIT_PYTHON_GIT_EXECUTABLE or "git", "cat-file", "--batch"],
            cwd=self.root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        stdin, stdout = proc.stdin, proc.stdout
        if stdin is None or stdout is None:  # unreachable: both are PIPE
            raise OSError("git cat-file --batch gave no pipes")

        def feed() -> None:
            try:
                for sha in wanted:
                    stdin.write(f"{sha}\n".encode())
                stdin.close()
            except OSError:  # git exited early; the reader reports it
                pass

        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()
        try:
            for _ in wanted:
                header = stdout.readline().split()
                if len(header) != 3:
                    raise git.GitCommandError("cat-file --batch", 1, b"unexpected output")
                size = int(header[2])
                data = stdout.read(size)
                stdout.read(1)  # the newline after each object
                yield header[0].decode(), data
        finally:
            proc.kill()
            proc.wait()
            feeder.join(timeout=5)
            stdout.close()
            if not stdin.closed:
                stdin.close()


def open_repo(path: Path) -> GitRepo | None:
    """The git work tree at (or above) ``path``; ``None`` for a plain folder."""
    try:
        repo = git.Repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
    if repo.bare:
        return None
    return GitRepo(repo)

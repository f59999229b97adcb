"""Where the code under test came from: commit, branch, dirty flag (GitPython).

A baseline records it, and by default only the repository's default branch may update
a baseline, so a feature branch cannot quietly move the bar for everyone.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from launchgate.baseline.store import GitInfo

if TYPE_CHECKING:
    import git

__all__ = ["git_info", "head_commit"]


def git_info(cwd: Path, environ: Mapping[str, str]) -> GitInfo | None:
    """``None`` outside a git repository (or without git installed)."""
    try:
        import git
    except ImportError:  # GitPython imports fine but cannot find the git binary
        return None
    try:
        repo = git.Repo(cwd, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, git.GitCommandError):
        return None
    with repo:
        commit = repo.head.commit.hexsha if repo.head.is_valid() else None
        if repo.head.is_detached:
            # CI checks out a commit, not a branch: the CI names the branch.
            branch = environ.get("GITHUB_HEAD_REF") or environ.get("GITHUB_REF_NAME") or None
        else:
            branch = repo.active_branch.name
        dirty = repo.is_dirty(untracked_files=False)
        return GitInfo(
            commit=commit, branch=branch, dirty=dirty, default_branch=_default_branch(repo)
        )


def head_commit(cwd: Path, environ: Mapping[str, str]) -> str | None:
    """The commit under test, for reports: ``GITHUB_SHA`` in GitHub Actions (the commit
    the workflow runs for), else the work tree's HEAD; ``None`` outside a repository."""
    if environ.get("GITHUB_SHA"):
        return environ["GITHUB_SHA"]
    try:
        import git
    except ImportError:
        return None
    try:
        with git.Repo(cwd, search_parent_directories=True) as repo:
            return repo.head.commit.hexsha if repo.head.is_valid() else None
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, git.GitCommandError, ValueError):
        return None


def _default_branch(repo: git.Repo) -> str | None:
    import git

    try:
        ref = repo.git.symbolic_ref("refs/remotes/origin/HEAD")
        return str(ref).rsplit("/", 1)[-1]
    except git.GitCommandError:
        pass
    heads = {head.name for head in repo.heads}
    for name in ("main", "master"):
        if name in heads:
            return name
    return None

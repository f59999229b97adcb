"""Updating the stored baseline after a run: only from a passing run, by default only on
the repository's default branch, atomically and under a lock. I/O at the edge."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from launchgate import __version__
from launchgate.baseline.git import git_info
from launchgate.baseline.store import (
    add_entry,
    baseline_path,
    locked,
    read_baseline,
    write_baseline,
)
from launchgate.config.model import Config
from launchgate.probe.figures import baseline_entry
from launchgate.probe.outcome import ProbeOutcome
from launchgate.runreport import RunReport

__all__ = ["update_baseline"]


def update_baseline(
    report: RunReport,
    config: Config,
    probe: ProbeOutcome | None,
    *,
    workdir: Path,
    environ: Mapping[str, str],
    any_branch: bool = False,
) -> RunReport:
    """The report, with ``baseline.update`` saying what happened. Writes only when the
    run passed, the probe measured every route, and the branch may update. ``probe`` is
    what the run's probe check measured (``Run.outcome``); None when it measured nothing."""
    message = _update(report, config, probe, workdir, environ, any_branch)
    if report.baseline is None:
        return report
    return replace(report, baseline=replace(report.baseline, update=message))


def _update(
    report: RunReport,
    config: Config,
    probe: ProbeOutcome | None,
    workdir: Path,
    environ: Mapping[str, str],
    any_branch: bool,
) -> str:
    if report.verdict.outcome != "pass":
        return "not updated: only a passing run may update the baseline"
    if probe is None:
        return "not updated: the probe did not run"
    measurement = probe.measurement
    if any(route.successes == 0 for route in measurement.routes):
        return "not updated: a route has no successful request to record"
    git = git_info(workdir, environ)
    if not any_branch:
        allowed = list(config.baseline.branches) or (
            [git.default_branch] if git and git.default_branch else []
        )
        branch = git.branch if git else None
        if not allowed or branch not in allowed:
            shown = ", ".join(allowed) or "the default branch (unknown here)"
            return (
                f"not updated: branch {branch or '(none)'} may not update it (allowed: "
                f"{shown}; baseline.branches or --any-branch)"
            )
    folder = workdir / config.baseline.dir
    path = baseline_path(folder, config.target.environment)
    entry = baseline_entry(
        measurement,
        config_fingerprint=probe.fingerprint,
        git=git,
        launchgate_version=__version__,
    )
    with locked(path):
        # A file we cannot read raises: never overwrite what a person should look at.
        current = read_baseline(path)
        updated = add_entry(
            current, config.target.environment, entry, history=config.baseline.history
        )
        write_baseline(path, updated)
    return f"updated {path} ({len(updated.entries)} entries)"

"""``launchgate merge DIR…``: the shards of one probe read back, merged, and gated
once, delivered as any run is (junit.xml, report.json, summary.md, GitHub outputs).
I/O at the edge: finding and reading the files, the baseline; the merge and the
gates are pure (:mod:`launchgate.probe.shard_merge`, :mod:`launchgate.probe.shard_gates`).
"""

from __future__ import annotations

import dataclasses
import json
import secrets
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from launchgate import __version__
from launchgate.baseline.git import head_commit
from launchgate.baseline.store import BaselineFile, baseline_path, read_baseline
from launchgate.config.load import LoadedConfig
from launchgate.errors import BaselineError, UsageError
from launchgate.probe import record
from launchgate.probe.shard import shard_from_dict
from launchgate.probe.shard_gates import gate_merged, shard_figures
from launchgate.probe.shard_merge import LabelledShard
from launchgate.redact import Redactor
from launchgate.reports.delivery import deliver
from launchgate.reports.github_actions import GitHubActions
from launchgate.reports.writer import ensure_writable, redact_report
from launchgate.runreport import RunReport
from launchgate.severities import SeverityRules
from launchgate.verdict import decide

__all__ = ["find_shard_files", "merge_run", "read_shards"]

_PATTERN = "shard-*-of-*.json"


def find_shard_files(paths: Sequence[Path]) -> list[Path]:
    """Every shard result under the given folders (an artifact download puts each in
    a folder of its own), and any file named directly; a path that is neither is a
    usage error."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(path.rglob(_PATTERN))
        elif path.is_file():
            found.append(path)
        else:
            raise UsageError(f"{path}: no such file or folder of shard results")
    return list(dict.fromkeys(found))


def read_shards(files: Sequence[Path]) -> tuple[list[LabelledShard], str | None]:
    """The shards that could be read, and why the first that could not was not."""
    shards: list[LabelledShard] = []
    for path in files:
        try:
            data = json.loads(path.read_text("utf-8"))
            shards.append(LabelledShard(str(path), shard_from_dict(data)))
        except (OSError, ValueError) as exc:  # JSONDecodeError is a ValueError
            return shards, f"{path}: cannot read this shard result: {exc}"
    return shards, None


def merge_run(
    loaded: LoadedConfig,
    paths: Sequence[Path],
    *,
    out_dir: Path,
    redactor: Redactor,
    environ: Mapping[str, str],
    console: Console,
    workdir: Path | None = None,
    update_baseline: bool = False,
    any_branch: bool = False,
) -> int:
    config = loaded.config
    spec = config.probe
    if spec is None:
        raise UsageError(
            f"{loaded.path} has no probe: section: there is nothing to merge shards into"
        )
    for value in loaded.secret_values:
        redactor.add(value)
    ensure_writable(out_dir)
    workdir = workdir or Path.cwd()
    files = find_shard_files(paths)
    shards, unreadable = read_shards(files)
    baseline, baseline_error, path = _baseline(workdir, config.baseline.dir,
                                               config.target.environment)  # fmt: skip
    gated = gate_merged(
        shards,
        spec,
        environment=config.target.environment,
        baseline=baseline,
        baseline_error=baseline_error,
        baseline_file=path,
        unreadable=unreadable,
    )
    gate = config.gate
    rules = SeverityRules.build(gate.severities, independent=gate.independent,
                                gates_a_deploy=True)  # fmt: skip
    results = tuple(rules.apply(r) for r in gated.results)
    starts = [s.result.identity.started_at for s in shards]
    outcome = gated.outcome
    report = RunReport(
        run_id=secrets.token_hex(4),
        launchgate_version=__version__,
        target_url=shards[0].result.target if shards else "",
        config_path=loaded.path,
        environment=config.target.environment,
        started_at=min(starts) if starts else datetime.now(UTC),
        duration_s=max((s.result.measurement.duration_s for s in shards), default=0.0),
        results=results,
        verdict=decide(results, fail_on=gate.fail_on_severity),
        routes=outcome.routes if outcome else (),
        baseline=outcome.baseline if outcome else None,
        shards=shard_figures(shards),
    )
    console.print(
        f"launchgate: merged {len(shards)} shard result(s) from {len(files)} file(s)",
        markup=False,
        highlight=False,
    )
    if update_baseline:
        report = record.update_baseline(
            report, config, outcome, workdir=workdir, environ=environ, any_branch=any_branch
        )
    report = redact_report(report, redactor)
    report = _with_commit(report, workdir, environ)
    return deliver(report, out_dir, console, redactor, github=GitHubActions.from_environ(environ))


def _with_commit(report: RunReport, workdir: Path, environ: Mapping[str, str]) -> RunReport:
    return dataclasses.replace(report, commit=head_commit(workdir, environ))


def _baseline(
    workdir: Path, folder: str, environment: str
) -> tuple[BaselineFile | None, str | None, Path]:
    base = workdir / folder
    path = base / f"{environment}.json"
    try:
        path = baseline_path(base, environment)
        return read_baseline(path), None, path
    except BaselineError as exc:  # unreadable: the regression gates could not decide
        return None, str(exc), path

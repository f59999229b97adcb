"""``launchgate run --shard I/N``: one machine's share of a probe split over a CI matrix.

A shard runs what its probe needs and nothing that must happen once: readiness, the
journeys whose sessions its routes are measured with (and the journeys those start
from), then its share of the load. Webhooks, the edge and security checks, email, the
secret scan and a baseline update are left to the one unsharded run or to
``launchgate merge``. It writes its shard result (``shard-I-of-N.json``) into the
output folder, always: a shard that measured nothing says why, so the merge names
it rather than calling it missing. I/O at the edge; the shard itself is
:mod:`launchgate.probe.shard_check`.
"""

from __future__ import annotations

import dataclasses
import json
import socket
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from launchgate import __version__
from launchgate.atomic import write_atomic
from launchgate.checks.ids import PROBE_ID
from launchgate.config.load import LoadedConfig
from launchgate.engine import PlannedCheck, Run, plan_checks
from launchgate.eventloop import new_runner
from launchgate.probe.measurement import ProbeMeasurement
from launchgate.probe.settings import probe_fingerprint
from launchgate.probe.shard import (
    Shard,
    ShardIdentity,
    ShardResult,
    shard_file_name,
    shard_to_dict,
)
from launchgate.probe.shard_check import ShardOutcome, plan_shard_probe
from launchgate.redact import Redactor
from launchgate.reports.terminal import print_check
from launchgate.runplan import RunPlan

__all__ = ["ShardRun", "run_shard", "shard_host"]

EXIT_MEASURED = 0
EXIT_UNDECIDED = 3


class ShardRun(Run):
    """A :class:`Run` whose plan is the probe's prerequisites and the shard's probe."""

    def __init__(
        self,
        loaded: LoadedConfig,
        *,
        shard: Shard,
        start_at: datetime | None,
        host: str,
        target_url: str,
        redactor: Redactor,
        environ: Mapping[str, str],
        workdir: Path | None,
    ) -> None:
        self.shard = shard
        self.start_at = start_at
        self.host = host
        # gate.severities may name checks a shard does not run; the merge applies them.
        gate = loaded.config.gate.model_copy(update={"severities": {}})
        config = loaded.config.model_copy(update={"gate": gate})
        super().__init__(
            dataclasses.replace(loaded, config=config),
            target_url=target_url,
            redactor=redactor,
            environ=environ,
            workdir=workdir,
            register_secrets=False,  # the plan's redactor holds them already
        )

    def _plan(self) -> tuple[PlannedCheck, ...]:
        full = plan_checks(self.config)
        probe = next(p for p in full if p.check_id == PROBE_ID)
        by_id = {p.check_id: p for p in full}
        wanted: set[str] = set()
        todo = [*probe.needs, *probe.after]
        while todo:
            check_id = todo.pop()
            if check_id in wanted or check_id not in by_id:
                continue
            wanted.add(check_id)
            todo += [*by_id[check_id].needs, *by_id[check_id].after]
        shard_probe = plan_shard_probe(
            self.config,
            probe.needs,
            shard=self.shard,
            start_at=self.start_at,
            after=probe.after,
            host=self.host,
        )
        return (*(p for p in full if p.check_id in wanted), shard_probe)


def shard_host(environ: Mapping[str, str]) -> str:
    """Where a shard ran, as a reader of the merged report finds it again: the CI
    runner's name and OS where there is one, else the host name."""
    runner = environ.get("RUNNER_NAME")
    if runner:
        os_name = environ.get("RUNNER_OS")
        return f"{runner} ({os_name})" if os_name else runner
    return socket.gethostname()


def run_shard(plan: RunPlan, shard: Shard, start_at: datetime | None, console: Console) -> int:
    """Run the shard, print its checks, write its result; 0 when it measured its share,
    3 when it could not (the file then says why)."""
    run = ShardRun(
        plan.loaded,
        shard=shard,
        start_at=start_at,
        host=shard_host(plan.environ),
        target_url=plan.target_url,
        redactor=plan.redactor,
        environ=plan.environ,
        workdir=plan.workdir,
    )
    console.print(
        f"launchgate: shard {shard} of the probe against "
        f"{plan.redactor.redact_url(plan.target_url)} (run {run.run_id})",
        markup=False,
        highlight=False,
    )
    with new_runner() as runner:
        results = runner.run(run.execute_all())
    for result in results:
        print_check(console, result, blocking=result.status in ("failed", "error"))
    outcome = run.outcome(PROBE_ID, ShardOutcome)
    if outcome is None:
        probe = next(r for r in results if r.check_id == PROBE_ID)
        kept = _nothing_measured(plan, run, shard, probe.message)
    else:
        kept = outcome.shard
    path = plan.out_dir / shard_file_name(shard)
    text = json.dumps(shard_to_dict(kept), indent=1, allow_nan=False) + "\n"
    write_atomic(path, plan.redactor.redact(text).encode("utf-8"))
    measured = kept.error is None and not kept.measurement.invalid
    console.print(
        f"launchgate: shard {shard} {'measured its share' if measured else 'could not measure'}"
        f"; wrote {path} for launchgate merge",
        markup=False,
        highlight=False,
    )
    return EXIT_MEASURED if measured else EXIT_UNDECIDED


def _nothing_measured(plan: RunPlan, run: ShardRun, shard: Shard, why: str) -> ShardResult:
    spec = plan.config.probe
    if spec is None:  # pragma: no cover - the command refuses a config without one
        raise RuntimeError("no probe configured")
    return ShardResult(
        identity=ShardIdentity(shard, run.host, datetime.now(UTC), None),
        fingerprint=probe_fingerprint(spec),
        target=plan.redactor.redact_url(plan.target_url),
        environment=plan.config.target.environment,
        measurement=ProbeMeasurement(routes=(), duration_s=0.0, loop_lag_p99_ms=float("nan")),
        unmeasured={},
        launchgate_version=__version__,
        error=why,
    )

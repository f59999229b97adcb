"""``report.json``: the machine-readable verdict a pipeline acts on.

The shape is versioned by ``schema_version``; fields filled in only by some runs
(``routes`` and ``baseline`` by the load probe, ``hooks`` by the rollback hooks,
``shards`` by ``launchgate merge``,
``commit`` inside a repository) are always present (empty or null otherwise), so
consumers can rely on them.
Every float goes through :func:`finite`, and ``allow_nan=False`` backs it up: a NaN
in the file would make it invalid JSON for strict parsers (and ``NaN`` is not a
number any gate should compare against).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from launchgate.reports._shared import finite
from launchgate.reports.latency import route_dict
from launchgate.results import (
    CheckResult,
    CheckStatus,
    Finding,
    HookResult,
    Severity,
    ShardFigures,
    StepRecord,
)
from launchgate.runreport import RunReport
from launchgate.verdict import Verdict, ranked_findings

__all__ = ["SCHEMA_VERSION", "render_json", "report_dict"]

SCHEMA_VERSION = 1

_STATUSES: tuple[CheckStatus, ...] = ("passed", "failed", "error", "skipped")


def render_json(report: RunReport) -> str:
    return json.dumps(report_dict(report), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def report_dict(report: RunReport) -> dict[str, object]:
    verdict = report.verdict
    ranked = ranked_findings(report.results)
    return {
        "schema_version": SCHEMA_VERSION,
        "launchgate_version": report.launchgate_version,
        "run_id": report.run_id,
        "verdict": verdict.outcome,
        "rollback": verdict.rollback,
        "exit_code": verdict.exit_code,
        "reason": verdict.reason,
        "undecided": list(verdict.undecided),
        "not_selected": list(verdict.not_selected),
        "target": report.target_url,
        "environment": report.environment,
        "commit": report.commit,
        "config": str(report.config_path) if report.config_path is not None else None,
        "started_at": _utc_iso(report.started_at),
        "duration_s": _round(report.duration_s, 3),
        "checks": [_check(r, verdict) for r in report.results],
        "findings": [_finding(f, verdict, with_check=True) for f in ranked],
        "counts": {
            "status": {s: sum(r.status == s for r in report.results) for s in _STATUSES},
            "severity": {s.value: sum(f.severity is s for f in ranked) for s in Severity},
            "blocking": len(verdict.blocking),
        },
        "routes": [route_dict(r) for r in report.routes],
        "baseline": _baseline(report),
        "hooks": [_hook(h) for h in report.hooks],
        "shards": [_shard(s) for s in report.shards],
    }


def _shard(shard: ShardFigures) -> dict[str, object]:
    return {
        "shard": shard.shard,
        "host": shard.host,
        "started_at": shard.started_at,
        "clock_offset_s": _round(shard.clock_offset_s, 3),
        "requests": shard.requests,
        "rate_per_s": _round(shard.rate_per_s, 3),
        "achieved_rate_per_s": _round(shard.achieved_rate_per_s, 3),
        "client_lag_p99_ms": _round(shard.client_lag_p99_ms, 3),
        "source": shard.source,
    }


def _hook(hook: HookResult) -> dict[str, object]:
    return {
        "kind": hook.kind,
        "status": hook.status,
        "message": hook.message,
        "duration_s": _round(hook.duration_s, 3),
        "attempts": hook.attempts,
        "exit_code": hook.exit_code,
        "status_code": hook.status_code,
        "output": hook.output,
    }


def _baseline(report: RunReport) -> dict[str, object] | None:
    ref = report.baseline
    if ref is None:
        return None
    return {
        "path": ref.path,
        "environment": ref.environment,
        "created_at": ref.created_at,
        "commit": ref.commit,
        "entries": ref.entries,
        "update": ref.update or None,
        "history": [
            {
                "created_at": p.created_at,
                "commit": p.commit,
                "p95_ms": {route: round(value, 2) for route, value in p.p95_ms},
            }
            for p in ref.history
        ],
    }


def _check(result: CheckResult, verdict: Verdict) -> dict[str, object]:
    return {
        "id": result.check_id,
        "kind": result.kind,
        "title": result.title,
        "status": result.status,
        "severity": result.severity.value,
        "blocking": verdict.blames(result),
        "message": result.message,
        "duration_s": _round(result.duration_s, 3),
        "blocked_by": list(result.blocked_by),
        "findings": [_finding(f, verdict, with_check=False) for f in result.findings],
        "steps": [_step(s) for s in result.steps],
    }


def _finding(finding: Finding, verdict: Verdict, *, with_check: bool) -> dict[str, object]:
    entry: dict[str, object] = {"check": finding.check_id} if with_check else {}
    entry.update(
        severity=finding.severity.value,
        blocking=finding in verdict.blocking,
        advisory=finding.advisory,
        title=finding.title,
        detail=finding.detail,
        remedy=finding.remedy,
    )
    return entry


def _step(step: StepRecord) -> dict[str, object]:
    return {
        "name": step.name,
        "method": step.method,
        "path": step.path,
        "status_code": step.status_code,
        "elapsed_ms": _round(step.elapsed_ms, 1),
        "ok": step.ok,
        "error": step.error,
    }


def _round(value: float | None, digits: int) -> float | None:
    value = finite(value)
    return None if value is None else round(value, digits)


def _utc_iso(moment: datetime) -> str:
    # RunReport promises an aware UTC time; a naive one is read as UTC rather than as
    # the local zone of whichever machine renders the report.
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")

"""Facts -> :class:`~launchgate.audit.model.Audit`. Pure: the risk list, the
environments and the rollback path here; the map in :mod:`~launchgate.audit.mapping`,
the secrets in :mod:`~launchgate.audit.inventory`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from launchgate.audit import inventory, mapping
from launchgate.audit.facts import AuditFacts
from launchgate.audit.model import Audit, Environment, Risk, Rollback, RunInfo, Undecided
from launchgate.config.units import format_duration

__all__ = ["build_audit"]

_RANK = {"blocker": 0, "high": 1, "medium": 2}


def build_audit(facts: AuditFacts) -> Audit:
    report = facts.report
    scan_says, scan_found = inventory.scan(report)
    owners = facts.config.owners
    return Audit(
        run=_run(facts),
        risks=_risks(report),
        undecided=tuple(
            Undecided(check=str(c.get("id", "")), message=str(c.get("message", "")))
            for c in _dicts(report.get("checks"))
            if c.get("status") == "error"
        ),
        hosts=mapping.hosts(facts),
        environments=_environments(facts),
        mail=mapping.mail_sender(facts),
        payments=mapping.payments(facts),
        channels=mapping.channels(facts),
        monitoring_owner=owners.monitoring.owner if owners and owners.monitoring else "",
        secrets=inventory.secrets(facts),
        scan=scan_says,
        scan_findings=scan_found,
        rollback=_rollback(facts),
    )


def _run(facts: AuditFacts) -> RunInfo:
    report = facts.report
    return RunInfo(
        source=facts.report_source,
        run_id=str(report.get("run_id") or ""),
        verdict=str(report.get("verdict") or "unknown"),
        reason=str(report.get("reason") or ""),
        target=str(report.get("target") or ""),
        environment=str(report.get("environment") or facts.config.target.environment),
        started_at=str(report.get("started_at") or ""),
        config=facts.config_path,
    )


def _risks(report: Mapping[str, Any]) -> tuple[Risk, ...]:
    risks = [
        Risk(
            severity=str(f["severity"]),
            check=str(f.get("check", "")),
            title=str(f.get("title", "")),
            remedy=str(f.get("remedy", "")),
            blocking=bool(f.get("blocking")),
        )
        for f in _dicts(report.get("findings"))
        if f.get("severity") in _RANK
    ]
    # Stable: the report's order (the order the checks ran) within a severity.
    return tuple(sorted(risks, key=lambda r: _RANK[r.severity]))


def _environments(facts: AuditFacts) -> tuple[Environment, ...]:
    current = str(facts.report.get("environment") or facts.config.target.environment)
    target = str(facts.report.get("target") or "")
    seen = {b.environment: b for b in facts.baselines}
    names = [current, *(n for n in seen if n != current)]
    out = []
    for name in names:
        base = seen.get(name)
        if base is None:
            text = f"none yet in {facts.config.baseline.dir}/"
        elif base.problem:
            text = f"{base.path}: {base.problem}"
        else:
            text = f"{base.path}: {base.entries} entries, newest {base.latest}"
        out.append(
            Environment(
                name=name,
                url=target if name == current else "",
                baseline=text,
                current=name == current,
            )
        )
    probe = facts.config.probe
    if probe is not None and probe.control_url:
        out.append(
            Environment(
                name="control (probe.compare.url)",
                url=probe.control_url,
                baseline="compared live, no baseline",
                current=False,
            )
        )
    return tuple(out)


def _rollback(facts: AuditFacts) -> Rollback:
    config = facts.config
    hooks: list[str] = []
    on_fail = config.on_fail
    if on_fail is not None and on_fail.command is not None:
        written = mapping.written_at(facts.written, ("on_fail", "command")) or mapping.written_at(
            facts.written, ("on_fail", "command", "run")
        )
        hooks.append(
            f"runs `{written or on_fail.command.run}` in a shell (sh -c), with "
            "LAUNCHGATE_VERDICT, LAUNCHGATE_REPORT (the path of report.json) and "
            "LAUNCHGATE_FAILED_CHECKS set; it is stopped after "
            f"{format_duration(on_fail.command.timeout)}"
        )
    if on_fail is not None and on_fail.webhook is not None:
        hook = on_fail.webhook
        url = mapping.written_at(facts.written, ("on_fail", "webhook", "url"))
        signed = f", signed ({hook.signature} signature)" if hook.secret else ", unsigned"
        hooks.append(
            f"POSTs report.json to {mapping.url_shown(url, hook.url)}{signed}; up to "
            f"{hook.attempts} tries within {format_duration(hook.timeout)}"
        )
    when = (
        "They run when the gate fails or cannot decide (exit 1 or 3), never on a pass; "
        "what they did is in report.json, and it never changes the verdict."
        if hooks
        else "No rollback hook is configured (`on_fail:`): a failed gate only reports, and "
        "someone rolls back by hand."
    )
    fail_on = config.gate.fail_on
    worse = {"blocker": "A blocker", "high": "A high or blocker", "medium": "Any"}[fail_on]
    return Rollback(
        hooks=tuple(hooks),
        when=when,
        gate_command=facts.gate_command,
        fails_on=f"{worse} finding fails it (gate.fail_on: {fail_on}; exit 1), and so "
        "does a check that cannot decide (exit 3)",
    )


def _dicts(value: object) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []

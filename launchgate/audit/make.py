"""One audit from a loaded config and a run's report: gather the facts, build the
model, write the files. What ``launchgate audit`` and ``launchgate demo --audit`` share."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from launchgate.audit.build import build_audit
from launchgate.audit.facts import AuditFacts
from launchgate.audit.gather import ask_dns, baselines, uses, written_config
from launchgate.audit.model import Audit
from launchgate.audit.write import write_audit
from launchgate.config.load import LoadedConfig
from launchgate.reports.github_actions import GitHubActions
from launchgate.reports.writer import Redacts

__all__ = ["make_audit", "tally"]


def make_audit(
    loaded: LoadedConfig,
    *,
    text: str | None,
    report: Mapping[str, Any],
    report_source: str,
    gate_command: str,
    environ: Mapping[str, str],
    redactor: Redacts,
    out_dir: Path,
    config_path: str | None = None,
) -> tuple[Audit, tuple[Path, ...]]:
    """``text``: the config file as written (for naming variables instead of values)."""
    config = loaded.config
    facts = AuditFacts(
        config=config,
        config_path=config_path or str(loaded.path),
        report=report,
        report_source=report_source,
        gate_command=gate_command,
        uses=uses(loaded),
        written=written_config(text),
        dns=ask_dns(config, str(report.get("target") or "")),
        baselines=baselines(config),
        set_secrets=frozenset(name for name in config.secrets if environ.get(name)),
    )
    audit = build_audit(facts)
    return audit, write_audit(audit, out_dir, redactor, github=GitHubActions.from_environ(environ))


def tally(audit: Audit) -> str:
    """The audit's one line for the terminal."""
    counts = {s: sum(r.severity == s for r in audit.risks) for s in ("blocker", "high", "medium")}
    return ", ".join(f"{n} {s}" for s, n in counts.items())

"""The secrets inventory: every name under ``secrets:``, where the config reads it, who
owns and rotates it (``owners.secrets``), and what the secret scan found. Names and
places only: a value never enters the audit model."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from launchgate.audit.facts import AuditFacts
from launchgate.audit.model import ScanFinding, SecretEntry
from launchgate.checks.ids import SECRETS_ID

__all__ = ["scan", "secrets"]


def secrets(facts: AuditFacts) -> tuple[SecretEntry, ...]:
    config = facts.config
    owners = config.owners.secrets if config.owners else {}
    out = []
    for name in config.secrets:
        owner = owners.get(name)
        out.append(
            SecretEntry(
                name=name,
                used_at=facts.uses.get(name, ()),
                set_here=name in facts.set_secrets,
                owner=owner.owner if owner else "",
                rotate=(owner.rotate or "") if owner else "",
                note=(owner.note or "") if owner else "",
            )
        )
    return tuple(out)


def scan(report: Mapping[str, Any]) -> tuple[str, tuple[ScanFinding, ...]]:
    """What the scan says overall, and each credential it found with its status."""
    check = next((c for c in _dicts(report.get("checks")) if c.get("id") == SECRETS_ID), None)
    if check is None:
        return (
            "no secret scan ran: add `secret_scan:` to the config to look for committed "
            "credentials in the repository and its history",
            (),
        )
    status = check.get("status")
    found = tuple(
        ScanFinding(
            status="rotate" if str(f.get("remedy", "")).startswith("rotate") else "move out",
            title=str(f.get("title", "")),
            remedy=str(f.get("remedy", "")),
        )
        for f in _dicts(check.get("findings"))
    )
    if status == "passed":
        return "the secret scan found no committed credential", ()
    if status == "failed":
        rotate = sum(f.status == "rotate" for f in found)
        return f"the secret scan found {len(found)} credential(s), {rotate} to rotate now", found
    return f"the secret scan could not decide: {check.get('message', '')}", found


def _dicts(value: object) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []

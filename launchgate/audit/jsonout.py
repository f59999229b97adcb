"""``audit.json``: the same audit for machines, versioned like ``report.json``."""

from __future__ import annotations

import dataclasses
import json

from launchgate.audit.model import Audit

__all__ = ["AUDIT_SCHEMA_VERSION", "render_json"]

AUDIT_SCHEMA_VERSION = 1


def render_json(audit: Audit) -> str:
    data = {
        "schema_version": AUDIT_SCHEMA_VERSION,
        **dataclasses.asdict(audit),
        "later": [dataclasses.asdict(r) for r in audit.later],
    }
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"

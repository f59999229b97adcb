"""Severities a team sets (``gate.severities``, ``gate.independent``). Pure.

Every check ships with the severities its findings have; a team's priorities differ
(an SPF record two lines too long is not worth a rollback to one, a mixed-content
image is to another). ``gate.severities`` maps a check id, or a glob of ids, to the
severity every finding of those checks then has: in the verdict, every report and the
pytest items alike, because it is applied once, where the engine records a result.

Some checks look at what no deploy changes: the mail records (SPF, DKIM, DMARC) live
in DNS, not in the build. In a run that gates a deploy (one with app checks), their
findings are *advisory* by default (``gate.independent: report``): shown at their
severity, never the reason for a rollback. ``launchgate email`` on its own has no
deploy to roll back, and blocks as usual.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase

from launchgate.results import CheckResult, Severity

__all__ = ["INDEPENDENT_CHECKS", "SeverityRules"]

INDEPENDENT_CHECKS = ("email::*",)
"""Checks whose findings a deploy can neither cause nor fix."""

_GLOB = frozenset("*?[")


def _specificity(pattern: str) -> tuple[int, int]:
    """Exact ids first, then globs by how much of the id they spell out."""
    is_glob = any(c in _GLOB for c in pattern)
    literal = sum(1 for c in pattern if c not in "*?[]!")
    return (1 if is_glob else 0, -literal)


@dataclass(frozen=True)
class SeverityRules:
    overrides: tuple[tuple[str, Severity], ...] = ()  # most specific pattern first
    advisory: tuple[str, ...] = ()  # patterns whose findings never block

    @classmethod
    def build(
        cls, severities: Mapping[str, str], *, independent: str, gates_a_deploy: bool
    ) -> SeverityRules:
        # sorted() is stable: equally specific patterns keep the order of the file.
        ordered = sorted(severities.items(), key=lambda item: _specificity(item[0]))
        advisory = INDEPENDENT_CHECKS if gates_a_deploy and independent == "report" else ()
        return cls(tuple((p, Severity(s)) for p, s in ordered), advisory)

    def severity_for(self, check_id: str) -> Severity | None:
        return next((s for p, s in self.overrides if fnmatchcase(check_id, p)), None)

    def is_advisory(self, check_id: str) -> bool:
        return any(fnmatchcase(check_id, p) for p in self.advisory)

    def apply(self, result: CheckResult) -> CheckResult:
        """``result`` with the team's severity on it and its findings, and advisory
        findings marked so; the same object when no rule touches it."""
        severity = self.severity_for(result.check_id)
        advisory = self.is_advisory(result.check_id)
        if severity is None and not advisory:
            return result
        findings = tuple(
            dataclasses.replace(
                f,
                severity=severity or f.severity,
                advisory=advisory or f.advisory,
            )
            for f in result.findings
        )
        return dataclasses.replace(result, severity=severity or result.severity, findings=findings)

    def unmatched(self, check_ids: Iterable[str]) -> list[str]:
        """The patterns no check of the plan has: a typo ("emial::*") would otherwise
        change nothing, silently."""
        ids = list(check_ids)
        return [p for p, _ in self.overrides if not any(fnmatchcase(i, p) for i in ids)]

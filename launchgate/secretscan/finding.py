"""A found secret as it may be shown: masked, fingerprinted, with what to do about it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from launchgate.secretscan.rules import RULES

__all__ = ["DroppedCandidate", "SecretFinding", "fingerprint", "mask", "remedy"]


def fingerprint(rule_id: str, secret: str) -> str:
    """Stable for one secret under one rule wherever it appears, so one allowlist entry
    covers every copy; a truncated SHA-256 that cannot be turned back into the secret."""
    return hashlib.sha256(f"{rule_id}:{secret}".encode()).hexdigest()[:24]


def mask(secret: str) -> str:
    """The first 4 characters, then an ellipsis; fewer for a short secret, so that what
    is shown is never more than a quarter of it."""
    return secret[: min(4, len(secret) // 4)] + "…"


@dataclass(frozen=True, kw_only=True)
class SecretFinding:
    rule: str
    description: str
    file: str
    line: int
    commit: str | None  # the first commit that introduced it; None when not known/committed
    in_head: bool  # the secret is in the tree of HEAD
    fingerprint: str
    masked: str
    # The raw value: never rendered; held so outputs can register it for redaction.
    secret: str = field(repr=False, compare=False)

    @property
    def committed(self) -> bool:
        return self.commit is not None or self.in_head

    def to_json(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "description": self.description,
            "file": self.file,
            "line": self.line,
            "commit": self.commit,
            "in_head": self.in_head,
            "fingerprint": self.fingerprint,
            "secret": self.masked,
            "remedy": remedy(self),
        }


_ISSUERS = {r.rule_id: r.remedy for r in RULES if r.remedy} | {
    "kubernetes-secret": "rotate the value where it was issued, then keep the Secret out of git "
    "(Sealed Secrets, SOPS or External Secrets)",
}


@dataclass(frozen=True, kw_only=True)
class DroppedCandidate:
    """A value that looked like a credential and was judged not to be one (--explain)."""

    rule: str
    file: str
    line: int
    commit: str | None
    reason: str
    masked: str
    secret: str = field(repr=False, compare=False)  # never rendered; registered for redaction

    def to_json(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "file": self.file,
            "line": self.line,
            "commit": self.commit,
            "secret": self.masked,
            "reason": self.reason,
        }


def remedy(finding: SecretFinding) -> str:
    issuer = _ISSUERS.get(finding.rule, "replace the credential where it was issued")
    if not finding.committed:
        return (
            "not committed yet: move it out of the file (an environment variable or a secret "
            "manager) and keep the file out of git; if the file was shared anywhere, "
            f"rotate it too ({issuer})"
        )
    where = (
        "it is still in HEAD"
        if finding.in_head
        else "it is gone from HEAD but not from the history"
    )
    return (
        f"rotate it now ({issuer}): it was committed and {where}; deleting it from the tree "
        "does not un-leak it, every clone keeps it. Then read it from the environment."
    )

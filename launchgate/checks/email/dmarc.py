"""DMARC (RFC 7489): parse the ``_dmarc`` record and derive a corrected one.

Pure: record text in, the tags or the reason it does not parse out. Receivers ignore
a record that does not parse, which is the same as having none.
"""

from __future__ import annotations

from dataclasses import dataclass

from launchgate.checks.email.dkim import parse_tags

__all__ = ["DmarcRecord", "corrected_dmarc", "is_dmarc", "parse_dmarc"]

_POLICIES = ("none", "quarantine", "reject")


@dataclass(frozen=True)
class DmarcRecord:
    tags: dict[str, str]  # as written, in order

    @property
    def policy(self) -> str:
        return self.tags["p"].lower()

    @property
    def subdomain_policy(self) -> str:
        return self.tags.get("sp", self.tags["p"]).lower()

    @property
    def pct(self) -> int:
        return int(self.tags.get("pct", "100"))

    @property
    def rua(self) -> tuple[str, ...]:
        return tuple(u.strip() for u in self.tags.get("rua", "").split(",") if u.strip())


def is_dmarc(text: str) -> bool:
    return text.replace(" ", "").upper().startswith("V=DMARC1")


def parse_dmarc(text: str) -> DmarcRecord | str:
    tags = parse_tags(text)
    if isinstance(tags, str):
        return tags
    if next(iter(tags), None) != "v" or tags["v"] != "DMARC1":
        return "the record must start with v=DMARC1"
    if "p" not in tags:
        return "no p= tag: the policy is required"
    for name in ("p", "sp"):
        if name in tags and tags[name].lower() not in _POLICIES:
            return f"{name}={tags[name]}: expected one of {', '.join(_POLICIES)}"
    pct = tags.get("pct", "100")
    if not pct.isdigit() or int(pct) > 100:
        return f"pct={pct}: expected a whole number from 0 to 100"
    for uri in (u.strip() for u in tags.get("rua", "").split(",") if u.strip()):
        if not uri.lower().startswith(("mailto:", "https:")):
            return f"rua: '{uri}' is not a mailto: address"
    for name in ("adkim", "aspf"):
        if name in tags and tags[name].lower() not in ("r", "s"):
            return f"{name}={tags[name]}: expected r (relaxed) or s (strict)"
    return DmarcRecord(tags)


def corrected_dmarc(record: DmarcRecord | None, domain: str) -> str:
    """The record with every derivable problem fixed: an enforcing policy, a report
    address, no pct below 100. Other tags are kept as written."""
    tags = dict(record.tags) if record is not None else {"v": "DMARC1"}
    if tags.get("p", "none").lower() == "none":
        tags["p"] = "quarantine"
    if tags.get("sp", "").lower() == "none":
        del tags["sp"]
    if "rua" not in tags:
        tags["rua"] = f"mailto:dmarc-reports@{domain}"
    tags.pop("pct", None)
    ordered = {"v": tags.pop("v"), "p": tags.pop("p"), **tags}
    return "; ".join(f"{k}={v}" for k, v in ordered.items())

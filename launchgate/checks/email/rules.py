"""What each email record problem means for delivery, how bad it is, and what to change.

Pure: record texts (and the SPF walk) in, findings out. Each finding names the record,
says what receivers will do, and gives the corrected record where one can be derived.
"""

from __future__ import annotations

from launchgate.checks.email.dkim import MIN_BITS, RECOMMENDED_BITS, DkimProblem, parse_dkim
from launchgate.checks.email.dmarc import corrected_dmarc, is_dmarc, parse_dmarc
from launchgate.checks.email.spf import (
    LOOKUP_LIMIT,
    SpfRecord,
    SpfWalk,
    corrected_all,
    is_spf,
    merged_record,
    parse_spf,
)
from launchgate.results import Finding, Severity

__all__ = ["dkim_findings", "dmarc_findings", "spf_findings", "spf_records"]

B, H, M = Severity.BLOCKER, Severity.HIGH, Severity.MEDIUM


def spf_records(texts: list[str]) -> list[SpfRecord]:
    return [parse_spf(t) for t in texts if is_spf(t)]


def spf_findings(
    check_id: str, domain: str, texts: list[str], walk: SpfWalk | None
) -> list[Finding]:
    """``walk`` is the include walk of the one record, ``None`` when there is not one."""
    records = spf_records(texts)
    if not records:
        return [
            Finding(
                check_id=check_id,
                severity=H,
                title=f"{domain} has no SPF record: "
                "receivers cannot tell your servers from a forger's",
                remedy=f'publish one TXT record at {domain}: "v=spf1 include:<your email '
                "provider's SPF domain> ~all\" (your provider documents the include)",
            )
        ]
    if len(records) > 1:
        shown = " | ".join(r.text for r in records)
        return [
            Finding(
                check_id=check_id,
                severity=B,
                title=f"{domain} has {len(records)} SPF records: every receiver treats that as a "
                "permanent error, so SPF fails for all your mail",
                detail=shown,
                remedy=f'replace them with one TXT record: "{merged_record(records)}"',
            )
        ]
    record = records[0]
    out: list[Finding] = []
    if record.errors:
        out.append(
            Finding(
                check_id=check_id,
                severity=B,
                title=f"the SPF record of {domain} does not parse ({'; '.join(record.errors)}): "
                "receivers treat it as a permanent error",
                detail=record.text,
                remedy="fix or remove the terms named; the syntax is in RFC 7208 section 5",
            )
        )
    if walk is not None:
        out.extend(_walk_findings(check_id, domain, record, walk))
        out.extend(_all_findings(check_id, domain, record, walk))
    if any(m.name == "ptr" for m in record.mechanisms):
        out.append(
            Finding(
                check_id=check_id,
                severity=M,
                title=f"the SPF record of {domain} uses 'ptr', which RFC 7208 says not to use: "
                "slow, unreliable, and some receivers ignore it",
                detail=record.text,
                remedy="replace ptr with ip4:/ip6: networks or the provider's include",
            )
        )
    return out


def _walk_findings(check_id: str, domain: str, record: SpfRecord, walk: SpfWalk) -> list[Finding]:
    out: list[Finding] = []
    for chain in walk.loops:
        out.append(
            Finding(
                check_id=check_id,
                severity=B,
                title=f"the SPF includes of {domain} loop: {' -> '.join(chain)}; receivers stop "
                "with a permanent error",
                detail=record.text,
                remedy=f"remove the include of {chain[-1]} from {chain[-2]}'s record",
            )
        )
    for path, problem in walk.broken:
        out.append(
            Finding(
                check_id=check_id,
                severity=B,
                title=f"SPF include {path} {problem}",
                detail=record.text,
                remedy="remove that include or fix the included domain's record "
                "(a typo in a provider's include domain is the usual cause)",
            )
        )
    if walk.lookups > LOOKUP_LIMIT:
        costs = ", ".join(f"{term} {n}" for term, n in sorted(walk.by_term, key=lambda t: -t[1]))
        more = "+" if walk.truncated else ""
        out.append(
            Finding(
                check_id=check_id,
                severity=B,
                title=f"the SPF record of {domain} needs {walk.lookups}{more} DNS lookups through "
                f"its includes; the limit is {LOOKUP_LIMIT}, past it every receiver returns "
                "a permanent error",
                detail=f"lookups by term: {costs}",
                remedy="drop includes of services that no longer send for you, replace a and "
                "mx with the ip4:/ip6: networks they resolve to, or send bulk mail from a "
                "subdomain with its own SPF record",
            )
        )
    return out


def _all_findings(check_id: str, domain: str, record: SpfRecord, walk: SpfWalk) -> list[Finding]:
    out: list[Finding] = []
    ending = walk.effective_all
    if ending is None or ending.qualifier in ("+", "?"):
        what = (
            "does not end in an 'all' mechanism, so mail from any server is 'neutral'"
            if ending is None
            else f"ends in '{ending.text}', so mail from any server "
            + ("passes SPF" if ending.qualifier == "+" else "is 'neutral'")
        )
        own = record.all_term is not None or record.redirect is None
        remedy = (
            f'end it in ~all (or -all once every sender is listed): "{corrected_all(record)}"'
            if own
            else f"end the record of {record.redirect} (reached by redirect=) in ~all or -all"
        )
        out.append(
            Finding(
                check_id=check_id,
                severity=H,
                title=f"the SPF record of {domain} {what}: it does not stop forged mail",
                detail=record.text,
                remedy=remedy,
            )
        )
    all_term = record.all_term
    if all_term is not None and record.mechanisms[-1] is not all_term:
        out.append(
            Finding(
                check_id=check_id,
                severity=M,
                title=f"the SPF record of {domain} has mechanisms after '{all_term.text}'; "
                "receivers never read them",
                detail=record.text,
                remedy=f'move them before it: "{corrected_all(record, all_term.text)}"',
            )
        )
    return out


def dkim_findings(check_id: str, domain: str, selector: str, texts: list[str]) -> list[Finding]:
    name = f"{selector}._domainkey.{domain}"
    candidates = [t for t in texts if "p=" in t.replace(" ", "") or "v=DKIM1" in t]
    if not candidates:
        return [
            Finding(
                check_id=check_id,
                severity=H,
                title=f"no DKIM key at {name}: mail signed with selector '{selector}' fails DKIM",
                remedy=f"publish the TXT record your email provider gives for selector "
                f"'{selector}' at {name}, or remove the selector from the config",
            )
        ]
    out: list[Finding] = []
    if len(candidates) > 1:
        out.append(
            Finding(
                check_id=check_id,
                severity=H,
                title=f"{name} has {len(candidates)} DKIM records; receivers may pick either",
                detail=" | ".join(candidates),
                remedy="keep exactly one DKIM record per selector",
            )
        )
    parsed = parse_dkim(candidates[0])
    if isinstance(parsed, DkimProblem):
        severity = B if parsed.kind == "revoked" else H
        consequence = (
            "mail still signed with this selector fails DKIM everywhere"
            if parsed.kind == "revoked"
            else "receivers cannot verify signatures made with it"
        )
        remedy = (
            "sign with a selector whose key is published, or publish the new key here"
            if parsed.kind == "revoked"
            else f"publish the record exactly as your provider gives it at {name}"
        )
        out.append(
            Finding(
                check_id=check_id,
                severity=severity,
                title=f"the DKIM key at {name} is unusable: {parsed.message}; {consequence}",
                detail=candidates[0][:200],
                remedy=remedy,
            )
        )
        return out
    rotate = (
        f"generate a {RECOMMENDED_BITS}-bit key with your provider, publish it under a new "
        "selector, switch signing to it, then empty p= of the old one"
    )
    if parsed.key_type == "rsa" and parsed.bits < MIN_BITS:
        out.append(
            Finding(
                check_id=check_id,
                severity=H,
                title=f"the DKIM key at {name} is {parsed.bits}-bit RSA: receivers reject keys "
                f"under {MIN_BITS} bits and it can be factored",
                remedy=rotate,
            )
        )
    elif parsed.key_type == "rsa" and parsed.bits < RECOMMENDED_BITS:
        out.append(
            Finding(
                check_id=check_id,
                severity=M,
                title=f"the DKIM key at {name} is {parsed.bits}-bit RSA; {RECOMMENDED_BITS} bits "
                "is recommended",
                remedy=rotate,
            )
        )
    if parsed.sha1_only:
        out.append(
            Finding(
                check_id=check_id,
                severity=H,
                title=f"the DKIM key at {name} allows only SHA-1 (h=sha1), which receivers reject",
                remedy="remove h= (or set h=sha256) and sign with rsa-sha256",
            )
        )
    if parsed.testing:
        out.append(
            Finding(
                check_id=check_id,
                severity=M,
                title=f"the DKIM key at {name} is in testing mode (t=y): receivers treat its "
                "signatures as if the mail were unsigned",
                remedy="remove t=y once signing works",
            )
        )
    return out


def dmarc_findings(check_id: str, domain: str, texts: list[str]) -> list[Finding]:
    name = f"_dmarc.{domain}"
    records = [t for t in texts if is_dmarc(t)]
    if not records:
        return [
            Finding(
                check_id=check_id,
                severity=H,
                title=f"no DMARC record at {name}: spoofed mail from {domain} is delivered, and "
                "Gmail and Yahoo require DMARC from bulk senders",
                remedy=f'publish a TXT record at {name}: "{corrected_dmarc(None, domain)}" '
                "(start with p=none for a week of reports if you are unsure every "
                "sender passes)",
            )
        ]
    if len(records) > 1:
        return [
            Finding(
                check_id=check_id,
                severity=H,
                title=f"{name} has {len(records)} DMARC records: receivers ignore them all",
                detail=" | ".join(records),
                remedy="keep exactly one DMARC record",
            )
        ]
    parsed = parse_dmarc(records[0])
    if isinstance(parsed, str):
        return [
            Finding(
                check_id=check_id,
                severity=H,
                title=f"the DMARC record at {name} does not parse ({parsed}): receivers ignore it",
                detail=records[0],
                remedy=f'replace it with: "{corrected_dmarc(None, domain)}"',
            )
        ]
    fixed = f'corrected record: "{corrected_dmarc(parsed, domain)}"'
    out: list[Finding] = []
    if parsed.policy == "none":
        out.append(
            Finding(
                check_id=check_id,
                severity=H,
                title=f"DMARC of {domain} is p=none, monitoring only: "
                "spoofed mail is still delivered",
                detail=records[0],
                remedy=f"move to p=quarantine (then p=reject) once your reports show your "
                f"own mail passing; {fixed}",
            )
        )
    elif parsed.subdomain_policy == "none":
        out.append(
            Finding(
                check_id=check_id,
                severity=M,
                title=f"DMARC of {domain} is sp=none: mail forged from its subdomains is delivered",
                detail=records[0],
                remedy=f"remove sp=none; {fixed}",
            )
        )
    if not parsed.rua:
        out.append(
            Finding(
                check_id=check_id,
                severity=M,
                title=f"DMARC of {domain} has no rua= report address: you never learn who sends "
                "as you or whether your own mail passes",
                detail=records[0],
                remedy=f"add rua=mailto: an address you read (or a DMARC report service); {fixed}",
            )
        )
    if parsed.pct < 100:
        out.append(
            Finding(
                check_id=check_id,
                severity=M,
                title=f"DMARC of {domain} has pct={parsed.pct}: the policy applies to only "
                f"{parsed.pct}% of failing mail",
                detail=records[0],
                remedy=f"remove pct= so the policy covers all mail; {fixed}",
            )
        )
    return out

"""The map: each host with its DNS answer and who serves it, the mail sender, the
payment provider and the monitoring channels. Pure: facts in, model values out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from launchgate.audit.facts import AuditFacts, dkim_name, is_address, map_hosts, reverse_name
from launchgate.audit.model import Channel, Host, MailSender, Payment
from launchgate.audit.providers import (
    address_owner,
    hosting_by_suffix,
    mail_by_selector,
    mail_by_suffix,
)
from launchgate.checks.dns import DnsAnswer, DnsFailure
from launchgate.checks.email.spf import is_spf, parse_spf
from launchgate.config.owners_model import OwnerSpec
from launchgate.config.watch_model import SlackChannel, WebhookChannel

__all__ = ["channels", "hosts", "mail_sender", "payments", "url_shown", "written_at"]

_SCHEMES = {
    "stripe": "Stripe (Stripe-Signature webhooks)",
    "standard": "a Standard Webhooks sender (webhook-signature: Svix and the services built on it)",
}


def hosts(facts: AuditFacts) -> tuple[Host, ...]:
    owners = facts.config.owners.domains if facts.config.owners else {}
    target = str(facts.report.get("target") or "")
    out = []
    for name, roles in map_hosts(facts.config, target):
        answers = [facts.dns.get((name, t)) for t in ("A", "AAAA")]
        out.append(
            Host(
                name=name,
                roles=roles,
                answer=_answer_text(name, answers),
                served_by=_served_by(name, answers, facts),
                owner=_owner_of(name, owners),
            )
        )
    return tuple(out)


def _found(answers: list[DnsAnswer | DnsFailure | None]) -> list[DnsAnswer]:
    return [a for a in answers if isinstance(a, DnsAnswer)]


def _answer_text(name: str, answers: list[DnsAnswer | DnsFailure | None]) -> str:
    found = _found(answers)
    if not found:
        failures = [a for a in answers if isinstance(a, DnsFailure)]
        if not failures:
            return "an address, not looked up" if is_address(name) else "not asked"
        return failures[0].message
    chain = list(dict.fromkeys(c for a in found for c in a.cnames))
    records = [r for a in found for r in a.records]
    parts = [f"CNAME {' -> '.join(chain)}"] if chain else []
    return "; ".join([*parts, ", ".join(records)])


def _served_by(name: str, answers: list[DnsAnswer | DnsFailure | None], facts: AuditFacts) -> str:
    found = _found(answers)
    chain = [c for a in found for c in a.cnames]
    hit = hosting_by_suffix(chain)
    if hit:
        return f"{hit[0]} (CNAME {hit[1]})"
    addresses = [r for a in found for r in a.records] or ([name] if is_address(name) else [])
    for address in addresses:
        ptr = facts.dns.get((reverse_name(address), "PTR"))
        if isinstance(ptr, DnsAnswer):
            hit = hosting_by_suffix(ptr.records)
            if hit:
                return f"{hit[0]} (address {address} is {hit[1]})"
    for address in addresses:
        owner = address_owner(address)
        if owner:
            return f"{owner} (address {address})"
    return "not recognised" if addresses else "nobody: the name does not resolve"


def _owner_of(host: str, owners: Mapping[str, OwnerSpec]) -> str:
    """The owner of ``host`` or of its nearest parent domain in ``owners.domains``."""
    labels = host.split(".")
    for i in range(len(labels)):
        spec = owners.get(".".join(labels[i:]))
        if spec is not None:
            return spec.owner
    return ""


def mail_sender(facts: AuditFacts) -> MailSender | None:
    email = facts.config.email
    if email is None:
        return None
    domain = email.domain
    providers: dict[str, str] = {}
    spf_text, includes = _spf(facts.dns.get((domain, "TXT")))
    for include in includes:
        hit = mail_by_suffix([include])
        if hit:
            providers.setdefault(hit[0], f"SPF include:{include}")
    mx_answer = facts.dns.get((domain, "MX"))
    mx_hosts = (
        [r.split()[-1] for r in mx_answer.records] if isinstance(mx_answer, DnsAnswer) else []
    )
    for host in mx_hosts:
        hit = mail_by_suffix([host])
        if hit:
            providers.setdefault(hit[0], f"MX {host}")
    dkim = []
    for selector in email.dkim_selectors:
        answer = facts.dns.get((dkim_name(selector, domain), "TXT"))
        published = isinstance(answer, DnsAnswer)
        hit = mail_by_suffix(answer.cnames) if isinstance(answer, DnsAnswer) else None
        provider = hit[0] if hit else mail_by_selector(selector) if published else None
        if provider:
            told = f"DKIM {selector} CNAME {hit[1]}" if hit else f"DKIM selector name {selector}"
            providers.setdefault(provider, told)
        state = _dkim_state(answer)
        dkim.append(f"{selector}: {state}" + (f" ({provider})" if provider else ""))
    return MailSender(
        domain=domain,
        providers=tuple(f"{name} (from {why})" for name, why in providers.items()),
        spf=spf_text,
        mx=", ".join(mx_hosts) if mx_hosts else _failure(mx_answer, "no MX record"),
        dkim=tuple(dkim),
    )


def _spf(answer: DnsAnswer | DnsFailure | None) -> tuple[str, list[str]]:
    if not isinstance(answer, DnsAnswer):
        return _failure(answer, "no SPF record"), []
    records = [r for r in answer.records if is_spf(r)]
    if not records:
        return "no SPF record", []
    spf = parse_spf(records[0])
    names = [m.value for m in spf.mechanisms if m.name == "include"]
    return records[0], names + ([spf.redirect] if spf.redirect else [])


def _dkim_state(answer: DnsAnswer | DnsFailure | None) -> str:
    if isinstance(answer, DnsAnswer):
        via = f" via CNAME {' -> '.join(answer.cnames)}" if answer.cnames else ""
        return f"key published{via}"
    return _failure(answer, "not asked")


def _failure(answer: DnsAnswer | DnsFailure | None, default: str) -> str:
    return answer.message if isinstance(answer, DnsFailure) else default


def payments(facts: AuditFacts) -> tuple[Payment, ...]:
    return tuple(
        Payment(name=name, path=spec.path, provider=_SCHEMES.get(spec.scheme, spec.scheme))
        for name, spec in facts.config.webhooks.items()
    )


def channels(facts: AuditFacts) -> tuple[Channel, ...]:
    watch = facts.config.watch
    if watch is None:
        return ()
    out = []
    for name, spec in watch.channels.items():
        key = ("watch", "channels", name)
        if isinstance(spec, SlackChannel):
            reaches = "a Slack channel, by incoming webhook " + url_shown(
                written_at(facts.written, (*key, "url")), spec.url
            )
        elif isinstance(spec, WebhookChannel):
            reaches = "a POST of each alert as JSON to " + url_shown(
                written_at(facts.written, (*key, "url")), spec.url
            )
        else:
            reaches = f"email to {', '.join(spec.to)} via {spec.host}:{spec.port}"
        alerts = "critical only" if spec.min_severity == "critical" else "warning and critical"
        out.append(Channel(name=name, kind=spec.type, reaches=reaches, alerts=alerts))
    return tuple(out)


def written_at(written: Mapping[str, Any], key: tuple[str, ...]) -> str:
    """The value at ``key`` of the config as written, "" when it is not text."""
    node: Any = written
    for part in key:
        if not isinstance(node, Mapping) or part not in node:
            return ""
        node = node[part]
    return node if isinstance(node, str) else ""


def url_shown(written: str, url: str) -> str:
    """A URL named by the variable it comes from (``${SLACK_URL}``) when the config
    reads one, else by its host alone: the path of a webhook URL is often its secret."""
    if "${" in written:
        return f"`{written}`"
    host = urlsplit(url).hostname or "?"
    return f"{host} (the rest of the URL is not shown)"

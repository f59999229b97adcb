"""DNS lookups for the checks that ask DNS directly (edge, email), through dnspython.

Pure of policy: a lookup returns the records or a typed failure (NXDOMAIN, SERVFAIL,
timeout, no answer), and the checks decide what each means. ``nameservers`` lets a
user ask a domain's authoritative servers, so a change is checked before it propagates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import dns.asyncresolver
import dns.exception
import dns.resolver
import dns.rrset

from launchgate.config.hosts import Nameserver

__all__ = [
    "DnsAnswer",
    "DnsFailure",
    "first_address",
    "lookup",
]

DnsFailureKind = Literal["nxdomain", "servfail", "timeout", "no_answer", "no_nameservers"]


@dataclass(frozen=True)
class DnsAnswer:
    name: str
    rdtype: str
    records: tuple[str, ...]  # presentation form: "192.0.2.1", "v=spf1 -all"
    cnames: tuple[str, ...]  # the CNAME chain followed to get there, in order


@dataclass(frozen=True)
class DnsFailure:
    name: str
    rdtype: str
    kind: DnsFailureKind
    message: str  # for people: what failed, and where we asked


async def lookup(
    name: str,
    rdtype: str,
    *,
    nameservers: Sequence[Nameserver] = (),
    timeout_s: float = 5.0,
) -> DnsAnswer | DnsFailure:
    resolver = dns.asyncresolver.Resolver(configure=not nameservers)
    if nameservers:
        resolver.nameservers = [ns.address for ns in nameservers]
        resolver.nameserver_ports = {ns.address: ns.port for ns in nameservers}
        # One port per address in dnspython's model: the first given port is used
        # as the default for all, which is what a single test or authoritative server needs.
        resolver.port = nameservers[0].port
    resolver.lifetime = timeout_s
    resolver.timeout = min(timeout_s, 2.0)
    where = f" (asked {', '.join(map(str, nameservers))})" if nameservers else ""
    try:
        answer = await resolver.resolve(name, rdtype, raise_on_no_answer=True)
    except dns.resolver.NXDOMAIN:
        return DnsFailure(name, rdtype, "nxdomain", f"{name} does not exist (NXDOMAIN){where}")
    except dns.resolver.NoAnswer:
        return DnsFailure(name, rdtype, "no_answer", f"{name} has no {rdtype} record{where}")
    except dns.resolver.NoNameservers:
        return DnsFailure(
            name, rdtype, "servfail", f"no nameserver could answer for {name} (SERVFAIL){where}"
        )
    except dns.exception.Timeout:
        return DnsFailure(
            name,
            rdtype,
            "timeout",
            f"no DNS answer for {name} within {timeout_s:g}s (the resolver timed out){where}",
        )
    records = tuple(_text(rdata) for rdata in answer)
    cnames = tuple(
        str(rrset[0].target).rstrip(".")
        for rrset in answer.response.answer
        if rrset.rdtype == dns.rdatatype.CNAME
    )
    return DnsAnswer(name, rdtype, records, cnames)


async def first_address(
    host: str, *, nameservers: Sequence[Nameserver], timeout_s: float
) -> str | DnsFailure:
    """The first address these nameservers give ``host``, IPv4 first (the path most
    likely to work); AAAA is asked only when there is no A record."""
    for rdtype in ("A", "AAAA"):
        answer = await lookup(host, rdtype, nameservers=nameservers, timeout_s=timeout_s)
        if not isinstance(answer, DnsFailure):
            return answer.records[0]
        if answer.kind != "no_answer":
            return answer  # NXDOMAIN, SERVFAIL, a timeout: AAAA will not differ
    where = ", ".join(map(str, nameservers))
    return DnsFailure(
        host, "A/AAAA", "no_answer", f"{host} has no A or AAAA record (asked {where})"
    )


def _text(rdata: object) -> str:
    strings = getattr(rdata, "strings", None)
    if strings is not None:  # TXT: the strings joined, as SPF and DKIM read them
        return b"".join(strings).decode("utf-8", errors="replace")
    return str(rdata).rstrip(".")

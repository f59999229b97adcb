"""``edge::dns::<name>``: the name resolves (A/AAAA, CNAMEs followed), to what the
config expects if it says. Asked of ``edge.nameservers`` when given, so a change can
be checked at the authoritative servers before it has propagated anywhere."""

from __future__ import annotations

import asyncio
import time

from launchgate.checks.context import CheckContext
from launchgate.checks.dns import DnsAnswer, DnsFailure, lookup
from launchgate.checks.edge.issues import EdgeCheck, Issue, conclude
from launchgate.checks.edge.state import EdgeState
from launchgate.config.hosts import parse_address
from launchgate.config.model import SubdomainSpec
from launchgate.results import CheckResult, Severity

__all__ = ["check_name", "dns_issues"]

_REMEDIES = {
    "nxdomain": "create the record at your DNS provider: an A/AAAA record, or a CNAME to "
    "the host that serves it",
    "servfail": "the domain's nameservers fail to answer: check the NS delegation at the "
    "registrar and the DNSSEC records (DS/DNSKEY)",
    "timeout": "no nameserver answered: check the NS records and that the servers are reachable",
    "no_answer": "add an A (and AAAA) record, or a CNAME",
    "no_nameservers": "check edge.nameservers (or the system resolver)",
}
# Which failure explains best why a name does not resolve, when A and AAAA disagree.
_TELLING = ("servfail", "timeout", "nxdomain", "no_nameservers", "no_answer")


async def check_name(
    ctx: CheckContext, *, state: EdgeState, check: EdgeCheck, spec: SubdomainSpec
) -> CheckResult:
    started = time.perf_counter()
    network = state.network
    a, aaaa = await asyncio.gather(
        *(
            lookup(spec.name, rdtype, nameservers=network.nameservers, timeout_s=network.timeout_s)
            for rdtype in ("A", "AAAA")
        )
    )
    return conclude(ctx, check, started, dns_issues(spec, a, aaaa))


def dns_issues(
    spec: SubdomainSpec, a: DnsAnswer | DnsFailure, aaaa: DnsAnswer | DnsFailure
) -> list[Issue]:
    """Pure: the two answers judged against what the config expects."""
    answers = [r for r in (a, aaaa) if isinstance(r, DnsAnswer)]
    if not answers:
        failures = [r for r in (a, aaaa) if isinstance(r, DnsFailure)]
        worst = min(failures, key=lambda f: _TELLING.index(f.kind))
        title = worst.message
        if all(f.kind == "no_answer" for f in failures):
            title = f"{spec.name} has no A or AAAA record" + _where(worst.message)
        return [Issue(Severity.BLOCKER, title, _REMEDIES[worst.kind])]
    issues: list[Issue] = []
    found = sorted({parse_address(r) for answer in answers for r in answer.records})
    if spec.addresses:
        wanted = sorted({parse_address(x) for x in spec.addresses})
        if found != wanted:
            missing = [x for x in wanted if x not in found]
            extra = [x for x in found if x not in wanted]
            parts = [f"missing {', '.join(missing)}"] if missing else []
            parts += [f"unexpected {', '.join(extra)}"] if extra else []
            issues.append(
                Issue(
                    Severity.BLOCKER,
                    f"{spec.name} resolves to {', '.join(found)}, expected "
                    f"{', '.join(wanted)} ({'; '.join(parts)})",
                    "point the A/AAAA records at the expected addresses (and remove the old "
                    "ones), or correct the expectation in the config",
                )
            )
    if spec.cname:
        chain = [c for answer in answers for c in answer.cnames]
        if spec.cname not in chain:
            seen = f"its CNAME chain is {' -> '.join(chain)}" if chain else "it has no CNAME"
            issues.append(
                Issue(
                    Severity.BLOCKER,
                    f"{spec.name} does not point at {spec.cname}: {seen}",
                    f"set `{spec.name} CNAME {spec.cname}.` at your DNS provider",
                )
            )
    return issues


def _where(message: str) -> str:
    at = message.rfind(" (asked ")
    return message[at:] if at >= 0 else ""

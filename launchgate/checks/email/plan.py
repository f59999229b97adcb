"""The email checks as planned checks: SPF, one DKIM check per selector, DMARC.

The edge of the email package: it asks DNS (through :mod:`launchgate.checks.dns`,
at the config's nameservers if any) and hands the answers to the pure rules. A DNS
failure other than "no such record" (SERVFAIL, a timeout) is could-not-decide, never
a pass. These checks do not talk to the app, so they wait for nothing.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from functools import partial

from launchgate.checks.context import CheckContext
from launchgate.checks.dns import DnsFailure, lookup
from launchgate.checks.email.rules import dkim_findings, dmarc_findings, spf_findings, spf_records
from launchgate.checks.email.spf import TempError, walk_spf
from launchgate.checks.ids import email_dkim_id, email_id
from launchgate.checks.plan import CheckRunner, PlannedCheck
from launchgate.config.hosts import parse_nameserver
from launchgate.config.model import Config, EmailSpec
from launchgate.results import CheckResult, Finding, Severity

__all__ = ["plan_email"]


def plan_email(config: Config, base_needs: Sequence[str]) -> list[PlannedCheck]:
    spec = config.email
    if spec is None:
        return []
    domain = spec.domain
    checks = [
        PlannedCheck(
            check_id=email_id("spf"),
            kind="email",
            title=f"SPF of {domain}",
            severity=Severity.BLOCKER,
            needs=(),
            run=partial(_spf, spec=spec),
        )
    ]
    for selector in spec.dkim_selectors:
        checks.append(
            PlannedCheck(
                check_id=email_dkim_id(selector),
                kind="email",
                title=f"DKIM key {selector} of {domain}",
                severity=Severity.BLOCKER,
                needs=(),
                run=partial(_dkim, spec=spec, selector=selector),
            )
        )
    if not spec.dkim_selectors:
        checks.append(
            PlannedCheck(
                check_id=email_id("dkim"),
                kind="email",
                title=f"DKIM of {domain}",
                severity=Severity.MEDIUM,
                needs=(),
                run=_no_selectors(spec),
            )
        )
    checks.append(
        PlannedCheck(
            check_id=email_id("dmarc"),
            kind="email",
            title=f"DMARC of {domain}",
            severity=Severity.HIGH,
            needs=(),
            run=partial(_dmarc, spec=spec),
        )
    )
    return checks


async def _txt(name: str, spec: EmailSpec) -> list[str] | None:
    """The TXT strings at ``name``; ``None`` when it has none; :class:`TempError` when
    DNS could not say."""
    answer = await lookup(
        name,
        "TXT",
        nameservers=[parse_nameserver(ns) for ns in spec.nameservers],
        timeout_s=spec.timeout,
    )
    if isinstance(answer, DnsFailure):
        if answer.kind in ("nxdomain", "no_answer"):
            return None
        raise TempError(answer.message)
    return list(answer.records)


async def _spf(ctx: CheckContext, *, spec: EmailSpec) -> CheckResult:
    async def run() -> list[Finding]:
        texts = await _txt(spec.domain, spec) or []
        records = spf_records(texts)
        walk = None
        if len(records) == 1:
            walk = await walk_spf(spec.domain, records[0], partial(_txt, spec=spec))
        return spf_findings(email_id("spf"), spec.domain, texts, walk)

    return await _result(email_id("spf"), f"SPF of {spec.domain}", Severity.BLOCKER, run)


async def _dkim(ctx: CheckContext, *, spec: EmailSpec, selector: str) -> CheckResult:
    check_id = email_dkim_id(selector)

    async def run() -> list[Finding]:
        texts = await _txt(f"{selector}._domainkey.{spec.domain}", spec) or []
        return dkim_findings(check_id, spec.domain, selector, texts)

    return await _result(check_id, f"DKIM key {selector} of {spec.domain}", Severity.BLOCKER, run)


async def _dmarc(ctx: CheckContext, *, spec: EmailSpec) -> CheckResult:
    async def run() -> list[Finding]:
        texts = await _txt(f"_dmarc.{spec.domain}", spec) or []
        return dmarc_findings(email_id("dmarc"), spec.domain, texts)

    return await _result(email_id("dmarc"), f"DMARC of {spec.domain}", Severity.HIGH, run)


def _no_selectors(spec: EmailSpec) -> CheckRunner:
    async def run(ctx: CheckContext) -> CheckResult:
        finding = Finding(
            check_id=email_id("dkim"),
            severity=Severity.MEDIUM,
            title=f"DKIM of {spec.domain} not checked: no selector named (DNS cannot list them)",
            remedy="name the selectors your provider signs with under email.dkim_selectors "
            "(or --dkim-selector); the s= tag of a DKIM-Signature header in a mail you "
            "sent shows it",
        )
        return CheckResult(
            check_id=email_id("dkim"),
            kind="email",
            title=f"DKIM of {spec.domain}",
            severity=Severity.MEDIUM,
            status="failed",
            duration_s=0.0,
            findings=(finding,),
            message=finding.title,
        )

    return run


async def _result(
    check_id: str,
    title: str,
    severity: Severity,
    run: Callable[[], Awaitable[list[Finding]]],
) -> CheckResult:
    started = time.perf_counter()
    try:
        findings = await run()
    except TempError as exc:
        return CheckResult(
            check_id=check_id,
            kind="email",
            title=title,
            severity=severity,
            status="error",
            duration_s=time.perf_counter() - started,
            message=f"could not decide: {exc}",
        )
    duration = time.perf_counter() - started
    if not findings:
        return CheckResult(
            check_id=check_id,
            kind="email",
            title=title,
            severity=severity,
            status="passed",
            duration_s=duration,
        )
    ranked = sorted(findings, key=lambda f: f.severity.rank)
    more = f" (and {len(ranked) - 1} more)" if len(ranked) > 1 else ""
    return CheckResult(
        check_id=check_id,
        kind="email",
        title=title,
        severity=ranked[0].severity,
        status="failed",
        duration_s=duration,
        findings=tuple(ranked),
        message=ranked[0].title + more,
    )

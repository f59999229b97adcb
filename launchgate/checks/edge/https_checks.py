"""The checks of how customers arrive: ``edge::https`` (plain HTTP redirects to
HTTPS), ``edge::alias::<url>`` (each alias reaches the canonical URL in one permanent
redirect), ``edge::tls`` (the handshake and the certificate verify) and
``edge::certificate`` (days until it expires)."""

from __future__ import annotations

import time

from launchgate.checks.context import CheckContext
from launchgate.checks.edge.issues import EdgeCheck, Issue, conclude
from launchgate.checks.edge.redirects import Chain, follow, judge, judge_path
from launchgate.checks.edge.state import EdgeState, chain_steps
from launchgate.checks.edge.tls import TlsFacts, expiry_issues, handshake
from launchgate.config.hosts import EdgeUrl
from launchgate.results import CheckResult, Severity, StepRecord

__all__ = ["check_alias", "check_certificate", "check_https", "check_tls"]

PROBE_PATH = "/launchgate/redirect-probe"


async def check_https(ctx: CheckContext, *, state: EdgeState, check: EdgeCheck) -> CheckResult:
    started = time.perf_counter()
    canonical = state.canonical
    if canonical.scheme != "https":
        issue = Issue(
            Severity.BLOCKER,
            f"the canonical URL {canonical} is plain HTTP: logins and payments travel "
            "readable by anyone on the network",
            "serve the site over HTTPS (a free certificate from Let's Encrypt or your "
            "host/CDN), redirect http:// to it, and set edge.url to the https:// URL",
        )
        return conclude(ctx, check, started, [issue])
    issues, steps = await _arrive(ctx, state, state.http_url, plain_http=True)
    return conclude(ctx, check, started, issues, steps)


async def check_alias(
    ctx: CheckContext, *, state: EdgeState, check: EdgeCheck, alias: EdgeUrl
) -> CheckResult:
    started = time.perf_counter()
    issues, steps = await _arrive(ctx, state, alias, plain_http=False)
    return conclude(ctx, check, started, issues, steps)


async def _arrive(
    ctx: CheckContext, state: EdgeState, start: EdgeUrl, *, plain_http: bool
) -> tuple[list[Issue], list[StepRecord]]:
    """Follow ``start`` and judge it; if its root redirects well, ask once more with a
    path and query, which must be carried over to the canonical host."""
    canonical = state.canonical
    root = await follow(state.network, start, canonical, state.named_hosts)
    issues = judge(root, canonical, plain_http_of_canonical=plain_http)
    steps = list(chain_steps(ctx, root))
    if root.end != "reached" or judge_path(root, canonical):
        return issues, steps
    probe_url = start.with_path(PROBE_PATH, f"run={ctx.variables.get('run.id', 'x')}&lg=1")
    probe = await follow(state.network, probe_url, canonical, state.named_hosts)
    steps += chain_steps(ctx, probe)
    issues += _probe_issues(probe, canonical, start)
    return issues, steps


def _probe_issues(probe: Chain, canonical: EdgeUrl, start: EdgeUrl) -> list[Issue]:
    if probe.end == "reached":
        return judge_path(probe, canonical)
    first = judge(probe, canonical)
    title = first[0].title if first else f"{probe.start} does not redirect"
    return [
        Issue(
            Severity.HIGH,
            f"only the root of {start.origin} redirects; other paths do not: {title}",
            f"redirect every path of {start.origin} to {canonical.origin} with the same "
            "path and query",
            first[0].detail if first else "",
        )
    ]


async def check_tls(ctx: CheckContext, *, state: EdgeState, check: EdgeCheck) -> CheckResult:
    started = time.perf_counter()
    outcome = await handshake(state.network, state.canonical)
    if isinstance(outcome, TlsFacts):
        state.tls = outcome
        return conclude(ctx, check, started, [])
    return conclude(ctx, check, started, [outcome])


async def check_certificate(
    ctx: CheckContext, *, state: EdgeState, check: EdgeCheck
) -> CheckResult:
    started = time.perf_counter()
    facts = state.need_tls()
    issues = expiry_issues(
        facts.not_after_s,
        ctx.clock.time(),
        blocker_days=state.expiry.blocker / 86400,
        high_days=state.expiry.high / 86400,
    )
    return conclude(ctx, check, started, issues)

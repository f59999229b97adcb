"""The checks of what the canonical page serves: ``edge::page`` fetches it once, then
``edge::hsts``, ``edge::headers``, ``edge::static-cache``, ``edge::mixed-content``,
``edge::render-blocking`` and ``edge::canonical-link`` read that answer.
``edge::private-cache::<journey>`` replays a journey's GET requests with its session
and reads their caching."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from urllib.parse import urljoin

import httpx

from launchgate.checks.context import CheckContext
from launchgate.checks.edge.head import canonical_link_issues, read_head, render_blocking_issues
from launchgate.checks.edge.headers import grade_headers, grade_hsts
from launchgate.checks.edge.issues import EdgeCheck, Issue, conclude
from launchgate.checks.edge.network import Reply
from launchgate.checks.edge.pages import (
    find_assets,
    private_cache_problem,
    same_site_assets,
    static_cache_problem,
)
from launchgate.checks.edge.redirects import MAX_HOPS
from launchgate.checks.edge.state import EdgeState, reply_step
from launchgate.checks.http import TransportFailure, remedy_for, send
from launchgate.config.hosts import EdgeUrl, parse_edge_url
from launchgate.config.model import StepSpec
from launchgate.config.template import render
from launchgate.results import CheckResult, Severity, StepRecord

__all__ = [
    "MAX_ASSETS",
    "check_canonical_link",
    "check_headers",
    "check_hsts",
    "check_mixed_content",
    "check_page",
    "check_private_cache",
    "check_render_blocking",
    "check_static_cache",
]

MAX_ASSETS = 20  # static assets checked per page; enough to see a pattern
_PARALLEL = 4
_SHOWN = 5


async def check_page(ctx: CheckContext, *, state: EdgeState, check: EdgeCheck) -> CheckResult:
    """The canonical URL answers 2xx, after redirects on its own origin."""
    started = time.perf_counter()
    url, steps = state.canonical, []
    for _ in range(MAX_HOPS + 1):
        reply = await state.network.get(url, body=True)
        steps.append(reply_step(ctx, url, reply))
        if isinstance(reply, TransportFailure):
            issue = Issue(
                Severity.BLOCKER,
                f"the canonical URL {url} got no answer: {reply.cause}",
                remedy_for(reply.kind),
            )
            return conclude(ctx, check, started, [issue], steps)
        location = reply.headers.get("location")
        if 300 <= reply.status_code < 400 and location:
            try:
                nxt = parse_edge_url(urljoin(str(url), location.strip()))
            except ValueError:
                nxt = None
            if nxt is None or not nxt.same_origin(state.canonical):
                issue = Issue(
                    Severity.BLOCKER,
                    f"the canonical URL {url} redirects to {location}: it does not serve "
                    "the site itself",
                    "set edge.url to the URL that serves the site (where the redirect "
                    "ends), and list this one under edge.aliases",
                )
                return conclude(ctx, check, started, [issue], steps)
            url = nxt
            continue
        if not 200 <= reply.status_code < 300:
            issue = Issue(
                Severity.BLOCKER,
                f"the canonical URL {url} answered {reply.status_code}",
                "the site's front page must answer 200: look at the app and edge logs",
            )
            return conclude(ctx, check, started, [issue], steps)
        state.page = reply
        return conclude(ctx, check, started, [], steps)
    issue = Issue(
        Severity.BLOCKER,
        f"the canonical URL {state.canonical} redirects more than {MAX_HOPS} times",
        "fix the redirect rules of the site's own paths",
    )
    return conclude(ctx, check, started, [issue], steps)


async def check_hsts(ctx: CheckContext, *, state: EdgeState, check: EdgeCheck) -> CheckResult:
    started = time.perf_counter()
    page = state.need_page()
    return conclude(ctx, check, started, grade_hsts(page.headers.get("strict-transport-security")))


async def check_headers(ctx: CheckContext, *, state: EdgeState, check: EdgeCheck) -> CheckResult:
    started = time.perf_counter()
    return conclude(ctx, check, started, grade_headers(state.need_page().headers))


async def check_static_cache(
    ctx: CheckContext, *, state: EdgeState, check: EdgeCheck
) -> CheckResult:
    """Same-site scripts, stylesheets and images carry a cache lifetime (medium)."""
    started = time.perf_counter()
    page = state.need_page()
    assets = same_site_assets(find_assets(page.text, str(page.url)), page.url, MAX_ASSETS)
    limit = asyncio.Semaphore(_PARALLEL)

    async def head(url: EdgeUrl) -> Reply | TransportFailure:
        async with limit:
            return await state.network.get(url)

    replies = await asyncio.gather(*(head(u) for u in assets))
    uncached: list[str] = []
    broken: list[str] = []
    for url, reply in zip(assets, replies, strict=True):
        path = url.path + (f"?{url.query}" if url.query else "")
        if isinstance(reply, TransportFailure):
            broken.append(f"{path}: {reply.cause}")
        elif reply.status_code >= 400:
            broken.append(f"{path}: answered {reply.status_code}")
        elif 200 <= reply.status_code < 300:
            problem = static_cache_problem(reply.headers)
            if problem:
                uncached.append(f"{path}: {problem}")
    issues = []
    if uncached:
        issues.append(
            Issue(
                Severity.MEDIUM,
                f"{_count(uncached, 'static asset')} without a cache lifetime: "
                + _listing(uncached),
                "serve static assets with `Cache-Control: public, max-age=31536000, "
                "immutable` (with fingerprinted file names) so browsers and CDNs keep them",
                _overflow(uncached),
            )
        )
    if broken:
        issues.append(
            Issue(
                Severity.MEDIUM,
                f"{_count(broken, 'asset')} the canonical page loads could not be fetched: "
                + _listing(broken),
                "fix or remove the broken references",
                _overflow(broken),
            )
        )
    steps = [reply_step(ctx, u, r) for u, r in zip(assets, replies, strict=True)]
    return conclude(ctx, check, started, issues, steps)


async def check_mixed_content(
    ctx: CheckContext, *, state: EdgeState, check: EdgeCheck
) -> CheckResult:
    """An HTTPS page loading anything over http:// (high; blocker for scripts)."""
    started = time.perf_counter()
    page = state.need_page()
    plain = [r for r in find_assets(page.text, str(page.url)) if r.url.startswith("http://")]
    issues = []
    scripts = [r.url for r in plain if r.kind == "script"]
    others = [f"{r.url} ({r.kind})" for r in plain if r.kind != "script"]
    fix = (
        "load them over https:// (the same host usually serves both); meanwhile "
        "`Content-Security-Policy: upgrade-insecure-requests` upgrades what cannot be "
        "changed at once"
    )
    if scripts:
        issues.append(
            Issue(
                Severity.BLOCKER,
                f"the HTTPS page loads {_count(scripts, 'script')} over plain http://: "
                + _listing(scripts)
                + " (browsers block it, or anyone on the network can rewrite it)",
                fix,
                _overflow(scripts),
            )
        )
    if others:
        issues.append(
            Issue(
                Severity.HIGH,
                f"the HTTPS page loads {_count(others, 'resource')} over plain http://: "
                + _listing(others),
                fix,
                _overflow(others),
            )
        )
    return conclude(ctx, check, started, issues)


async def check_render_blocking(
    ctx: CheckContext, *, state: EdgeState, check: EdgeCheck
) -> CheckResult:
    """A third party's synchronous script in the page's <head> (medium)."""
    started = time.perf_counter()
    page = state.need_page()
    facts = read_head(page.text, str(page.url))
    issues = render_blocking_issues(facts, state.named_hosts, state.canonical.host)
    return conclude(ctx, check, started, issues)


async def check_canonical_link(
    ctx: CheckContext, *, state: EdgeState, check: EdgeCheck
) -> CheckResult:
    """The homepage's <link rel="canonical"> names the canonical host (medium)."""
    started = time.perf_counter()
    page = state.need_page()
    facts = read_head(page.text, str(page.url))
    return conclude(ctx, check, started, canonical_link_issues(facts, str(state.canonical)))


async def check_private_cache(
    ctx: CheckContext,
    *,
    check: EdgeCheck,
    journey: str,
    steps: Sequence[StepSpec],
    paths: Sequence[str],
) -> CheckResult:
    """Replay the journey's GET steps (and ``edge.private_pages``) with its session, on
    the target where the session is valid; none may be cacheable by a shared cache."""
    started = time.perf_counter()
    session = ctx.sessions.get(journey)
    if session is None:
        raise RuntimeError(f"journey {journey} passed but left no session")
    variables = {**ctx.variables, **session.captures}
    requests = [(render(s.path, variables), s.query, s.headers) for s in steps]
    requests += [(render(p, variables), {}, {}) for p in paths]
    issues: list[Issue] = []
    records: list[StepRecord] = []
    async with ctx.client(httpx.Cookies(session.cookies)) as client:
        for path, query, headers in requests:
            request = client.build_request(
                "GET",
                path,
                params={k: render(v, variables) for k, v in query.items()} or None,
                headers={k: render(v, variables) for k, v in headers.items()} or None,
            )
            shown = ctx.redactor.redact_url(path)
            outcome = await send(
                client,
                request,
                timeout_s=ctx.target.timeout,
                max_body=ctx.target.max_body,
                resolve_host=ctx.resolve_hosts,
                pinning=ctx.pinning,
            )
            if isinstance(outcome, TransportFailure):
                records.append(
                    StepRecord(
                        name=shown,
                        method="GET",
                        path=shown,
                        status_code=None,
                        elapsed_ms=outcome.elapsed_s * 1000,
                        ok=False,
                        error=outcome.cause,
                    )
                )
                issues.append(
                    Issue(
                        Severity.BLOCKER,
                        f"GET {shown} with {journey}'s session got no answer: {outcome.cause}",
                        remedy_for(outcome.kind),
                    )
                )
                continue
            problem = private_cache_problem(outcome.headers, outcome.status_code)
            records.append(
                StepRecord(
                    name=shown,
                    method="GET",
                    path=shown,
                    status_code=outcome.status_code,
                    elapsed_ms=outcome.elapsed_s * 1000,
                    ok=problem is None,
                )
            )
            if problem:
                issues.append(
                    Issue(
                        Severity.BLOCKER,
                        f"GET {shown} with {journey}'s session: {problem}; a CDN could "
                        "serve one customer's page to another",
                        "send `Cache-Control: private, no-store` on every response to a "
                        "logged-in request (and `Vary: Cookie` if anything is cached)",
                    )
                )
    return conclude(ctx, check, started, issues, records)


def _count(items: Sequence[str], noun: str) -> str:
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


def _overflow(items: Sequence[str]) -> str:
    """The whole list, as the detail, when the title could not show all of it."""
    return "\n".join(items) if len(items) > _SHOWN else ""


def _listing(items: Sequence[str]) -> str:
    shown = ", ".join(items[:_SHOWN])
    return shown + (f" and {len(items) - _SHOWN} more" if len(items) > _SHOWN else "")

"""The ``edge:`` section as planned checks, in the order a person would debug them:
names resolve, then HTTPS and its certificate, then the aliases, then what the
canonical page serves, then the caching of logged-in pages.

Dependencies, and why:

* ``edge::tls`` and ``edge::https`` need the canonical name's DNS check, unless a
  ``resolve`` override says where to connect (then DNS is not on their path).
* ``edge::page`` needs ``edge::tls`` (no page without a trusted handshake) and the
  run's readiness, because it is the app's own front page: a not-ready app must be
  reported once, by readiness, not again here. DNS, TLS, redirects and aliases do
  not wait for readiness: they are the edge's, answered by DNS, a CDN or a proxy,
  and ``launchgate edge`` has no readiness at all.
* HSTS, headers, static caching, mixed content, render-blocking scripts and the
  canonical link read the page ``edge::page`` got.
* ``edge::private-cache::<journey>`` replays a journey's requests with its session,
  on the target, so it needs that journey (which needs readiness).

Every prerequisite here fails only with blockers, so a dependent is never skipped
behind a failure that does not fail the gate (the verdict would call that undecided).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from launchgate import __version__
from launchgate.checks.edge.dns_check import check_name
from launchgate.checks.edge.https_checks import (
    check_alias,
    check_certificate,
    check_https,
    check_tls,
)
from launchgate.checks.edge.issues import EdgeCheck
from launchgate.checks.edge.network import EdgeNetwork, edge_ssl_context, is_ip
from launchgate.checks.edge.page_checks import (
    check_canonical_link,
    check_headers,
    check_hsts,
    check_mixed_content,
    check_page,
    check_private_cache,
    check_render_blocking,
    check_static_cache,
)
from launchgate.checks.edge.state import EdgeState
from launchgate.checks.ids import (
    edge_alias_id,
    edge_dns_id,
    edge_id,
    edge_private_cache_id,
    journey_id,
    url_id,
)
from launchgate.checks.plan import PlannedCheck
from launchgate.config.hosts import (
    EdgeUrl,
    ResolveOverride,
    parse_edge_url,
    parse_nameserver,
    parse_resolve,
)
from launchgate.config.model import Config, EdgeSpec, SubdomainSpec
from launchgate.config.semantics import journey_order
from launchgate.results import Severity

__all__ = ["plan_edge"]


def plan_edge(config: Config, base: Sequence[str]) -> list[PlannedCheck]:
    spec = config.edge
    if spec is None:
        return []
    state = _state(config, spec)
    canonical = state.canonical
    planned: list[PlannedCheck] = []

    def add(
        check_id: str,
        title: str,
        severity: Severity,
        needs: Sequence[str],
        runner: Callable[..., Any],
        **bound: object,
    ) -> str:
        check = EdgeCheck(check_id=check_id, title=title, severity=severity)
        run = partial(runner, check=check, **bound)
        planned.append(
            PlannedCheck(
                check_id=check_id,
                kind="edge",
                title=title,
                severity=severity,
                needs=tuple(needs),
                run=run,
            )
        )
        return check_id

    # DNS: the canonical host (with its expectations, if listed) and every subdomain.
    listed = {s.name: s for s in spec.subdomains}
    names: list[SubdomainSpec] = []
    if not is_ip(canonical.host):
        names.append(listed.pop(canonical.host, SubdomainSpec(name=canonical.host)))
    names += listed.values()
    dns_ids = {
        s.name: add(
            edge_dns_id(s.name),
            f"{s.name} resolves",
            Severity.BLOCKER,
            (),
            check_name,
            state=state,
            spec=s,
        )
        for s in names
    }

    def dns_need(url: EdgeUrl) -> tuple[str, ...]:
        if url.host not in dns_ids or state.network.overridden(url.host, url.port):
            return ()
        return (dns_ids[url.host],)

    add(
        edge_id("https"),
        "HTTPS is enforced: plain HTTP redirects to it",
        Severity.BLOCKER,
        dns_need(state.http_url) if canonical.scheme == "https" else (),
        check_https,
        state=state,
    )
    page_needs = dns_need(canonical)
    if canonical.scheme == "https":
        tls = add(
            edge_id("tls"),
            f"{canonical.host} completes a verified TLS 1.2+ handshake",
            Severity.BLOCKER,
            dns_need(canonical),
            check_tls,
            state=state,
        )
        add(
            edge_id("certificate"),
            "The certificate is not close to expiry",
            Severity.BLOCKER,
            (tls,),
            check_certificate,
            state=state,
        )
        page_needs = (tls,)
    for alias in (parse_edge_url(a) for a in spec.aliases):
        if alias == state.http_url:
            continue  # checked, more strictly, by edge::https
        add(
            edge_alias_id(alias),
            f"{url_id(alias)} redirects to the canonical URL",
            Severity.BLOCKER,
            (),
            check_alias,
            state=state,
            alias=alias,
        )
    page = add(
        edge_id("page"),
        f"{url_id(canonical)} serves the site",
        Severity.BLOCKER,
        (*base, *page_needs),
        check_page,
        state=state,
    )
    if canonical.scheme == "https":
        add(
            edge_id("hsts"),
            "HSTS is on, for long enough",
            Severity.HIGH,
            (page,),
            check_hsts,
            state=state,
        )
    add(
        edge_id("headers"),
        "Security headers are set",
        Severity.HIGH,
        (page,),
        check_headers,
        state=state,
    )
    add(
        edge_id("static-cache"),
        "Static assets are cacheable",
        Severity.MEDIUM,
        (page,),
        check_static_cache,
        state=state,
    )
    if canonical.scheme == "https":
        add(
            edge_id("mixed-content"),
            "The HTTPS page loads nothing over plain HTTP",
            Severity.BLOCKER,
            (page,),
            check_mixed_content,
            state=state,
        )
    add(
        edge_id("render-blocking"),
        "No third-party script blocks rendering",
        Severity.MEDIUM,
        (page,),
        check_render_blocking,
        state=state,
    )
    add(
        edge_id("canonical-link"),
        "The homepage names its canonical URL",
        Severity.MEDIUM,
        (page,),
        check_canonical_link,
        state=state,
    )
    for journey in _private_journeys(config, spec):
        steps = [s for s in config.journeys[journey].steps if s.method == "GET"]
        if config.journeys[journey].session is None:
            steps = []  # not logged in by a session of its own: only the listed pages
        add(
            edge_private_cache_id(journey),
            f"Pages behind {journey}'s session are never publicly cacheable",
            Severity.BLOCKER,
            (*base, journey_id(journey)),
            check_private_cache,
            journey=journey,
            steps=tuple(steps),
            paths=tuple(spec.private_pages.get(journey, ())),
        )
    return planned


def _private_journeys(config: Config, spec: EdgeSpec) -> list[str]:
    """Journeys that start from a session, and those named in private_pages."""
    return [
        name
        for name in journey_order(config)
        if config.journeys[name].session is not None or name in spec.private_pages
    ]


def _state(config: Config, spec: EdgeSpec) -> EdgeState:
    canonical = parse_edge_url(spec.url)
    aliases = [parse_edge_url(a) for a in spec.aliases]
    http_url = next(
        (a for a in aliases if a.scheme == "http" and a.host == canonical.host),
        EdgeUrl("http", canonical.host, 80, "/", ""),
    )
    bundles = [
        (key, path)
        for key, path in (
            ("target.ca_bundle", config.target.ca_bundle),
            ("edge.ca_bundle", spec.ca_bundle),
        )
        if path
    ]
    network = EdgeNetwork(
        ssl_context=edge_ssl_context(bundles),
        timeout_s=spec.timeout if spec.timeout is not None else config.target.timeout,
        max_body=config.target.max_body,
        # One resolver for the run: target.resolve/nameservers apply here too, and the
        # edge's own keys, as before, win for what they name.
        overrides=_overrides(config.target.resolve, spec.resolve),
        nameservers=[parse_nameserver(n) for n in spec.nameservers or config.target.nameservers],
        user_agent=f"launchgate/{__version__} (edge check)",
    )
    named = {canonical.host, *(a.host for a in aliases), *(s.name for s in spec.subdomains)}
    return EdgeState(canonical, http_url, network, frozenset(named), spec.cert_expiry)


def _overrides(target: list[str], edge: list[str]) -> list[ResolveOverride]:
    merged = {(o.host, o.port): o for o in map(parse_resolve, target)}
    merged.update({(o.host, o.port): o for o in map(parse_resolve, edge)})
    return list(merged.values())

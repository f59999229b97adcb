"""Redirect chains: follow one hop at a time, then judge the chain.

Following is bounded three ways: at most :data:`MAX_HOPS` redirects, a URL seen
twice is a loop and stops at once, and a hop to a host the config does not name is
not followed (it is reported; no request goes there). Every request is bounded by
the network's timeout, so a chain ends whatever the servers do.

Judging is pure (:func:`judge`): an alias must reach the canonical URL in exactly one
permanent redirect that keeps the path and query.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urljoin

from launchgate.checks.edge.issues import Issue
from launchgate.checks.edge.network import EdgeNetwork
from launchgate.checks.http import TransportFailure, remedy_for
from launchgate.config.hosts import EdgeUrl, parse_edge_url
from launchgate.results import Severity

__all__ = ["MAX_HOPS", "Chain", "Hop", "follow", "judge", "judge_path"]

MAX_HOPS = 10
PERMANENT = frozenset({301, 308})
TEMPORARY = frozenset({302, 303, 307})
_REDIRECTS = PERMANENT | TEMPORARY

End = Literal["reached", "answered", "loop", "too_long", "failed", "left", "bad_location"]


@dataclass(frozen=True)
class Hop:
    url: EdgeUrl
    status_code: int
    location: EdgeUrl | None  # where it redirects to, resolved; None if it does not
    elapsed_s: float


@dataclass(frozen=True)
class Chain:
    start: EdgeUrl
    hops: tuple[Hop, ...]  # every answer received, in order
    end: End
    failure: TransportFailure | None = None  # for "failed"
    bad_location: str = ""  # for "bad_location": the Location header as sent

    @property
    def redirects(self) -> int:
        return sum(h.location is not None for h in self.hops)


async def follow(
    network: EdgeNetwork, start: EdgeUrl, canonical: EdgeUrl, named_hosts: Collection[str]
) -> Chain:
    """Follow redirects from ``start`` until one lands on the canonical origin."""
    hops: list[Hop] = []
    seen = {str(start)}
    url = start
    while True:
        reply = await network.get(url)
        if isinstance(reply, TransportFailure):
            return Chain(start, tuple(hops), "failed", failure=reply)
        location = reply.headers.get("location")
        if reply.status_code not in _REDIRECTS or not location:
            hops.append(Hop(url, reply.status_code, None, reply.elapsed_s))
            return Chain(start, tuple(hops), "answered")
        try:
            target = parse_edge_url(urljoin(str(url), location.strip()))
        except ValueError:
            hops.append(Hop(url, reply.status_code, None, reply.elapsed_s))
            return Chain(start, tuple(hops), "bad_location", bad_location=location)
        hops.append(Hop(url, reply.status_code, target, reply.elapsed_s))
        if target.same_origin(canonical):
            return Chain(start, tuple(hops), "reached")
        if str(target) in seen:
            return Chain(start, tuple(hops), "loop")
        if len(hops) >= MAX_HOPS:
            return Chain(start, tuple(hops), "too_long")
        if target.host not in named_hosts:
            return Chain(start, tuple(hops), "left")
        seen.add(str(target))
        url = target


def _trail(chain: Chain) -> str:
    steps = [f"{h.url} -> {h.status_code}" for h in chain.hops]
    if chain.hops and chain.hops[-1].location is not None:
        steps.append(str(chain.hops[-1].location))
    return "\n".join(steps)


def _serve_redirect(start: EdgeUrl, canonical: EdgeUrl) -> str:
    return (
        f"answer every request to {start.origin} with `301 Moved Permanently` (or 308) "
        f"and `Location: {canonical.origin}<same path and query>`"
    )


def judge(
    chain: Chain, canonical: EdgeUrl, *, plain_http_of_canonical: bool = False
) -> list[Issue]:
    """What is wrong with this chain. For ``http://`` of the canonical host, serving
    content is a blocker (HTTPS not enforced) and not answering at all is high: the
    customer who types the bare name, as most do, gets a connection error."""
    start = chain.start
    fix = _serve_redirect(start, canonical)
    trail = _trail(chain)
    if chain.end == "failed":
        failure = chain.failure or TransportFailure(kind="other", cause="no answer", elapsed_s=0.0)
        if not chain.hops and plain_http_of_canonical and failure.kind == "refused":
            return [
                Issue(
                    Severity.HIGH,
                    f"{start.origin} does not answer: people who type the address "
                    "without https:// get an error",
                    f"listen on port {start.port} and {fix}",
                )
            ]
        where = str(chain.hops[-1].location) if chain.hops else str(start)
        return [
            Issue(
                Severity.HIGH,
                f"{start} does not reach the canonical URL: {where} failed: {failure.cause}",
                remedy_for(failure.kind) or fix,
                trail,
            )
        ]
    if chain.end == "loop":
        return [Issue(Severity.BLOCKER, f"{start} redirects in a loop", fix, trail)]
    if chain.end == "too_long":
        return [
            Issue(
                Severity.BLOCKER,
                f"{start} redirects more than {MAX_HOPS} times without reaching {canonical.origin}",
                fix,
                trail,
            )
        ]
    if chain.end == "bad_location":
        return [
            Issue(
                Severity.HIGH,
                f"{start} redirects to an unusable Location: {chain.bad_location!r}",
                fix,
                trail,
            )
        ]
    if chain.end == "left":
        last = chain.hops[-1].location
        return [
            Issue(
                Severity.HIGH,
                f"{start} redirects to {last}, a host the config does not name, "
                f"instead of {canonical.origin}",
                fix + " (or list that host as the canonical URL)",
                trail,
            )
        ]
    if chain.end == "answered":
        return _answered(chain, canonical, fix, trail, plain_http_of_canonical)
    return _reached(chain, canonical, fix, trail, plain_http_of_canonical)


def _answered(
    chain: Chain, canonical: EdgeUrl, fix: str, trail: str, plain_http: bool
) -> list[Issue]:
    last = chain.hops[-1]
    start = chain.start
    if chain.redirects:
        return [
            Issue(
                Severity.HIGH,
                f"{start} ends at {last.url} ({last.status_code}), not at {canonical.origin}",
                fix,
                trail,
            )
        ]
    if 200 <= last.status_code < 300 and plain_http:
        return [
            Issue(
                Severity.BLOCKER,
                f"{start} serves the site over plain HTTP ({last.status_code}) instead "
                "of redirecting to HTTPS",
                fix,
                trail,
            )
        ]
    if 200 <= last.status_code < 300:
        return [
            Issue(
                Severity.HIGH,
                f"{start} serves the site itself ({last.status_code}): a duplicate of "
                f"{canonical.origin}",
                fix,
                trail,
            )
        ]
    return [
        Issue(
            Severity.HIGH,
            f"{start} answers {last.status_code} instead of redirecting to {canonical.origin}",
            fix,
            trail,
        )
    ]


def _reached(
    chain: Chain, canonical: EdgeUrl, fix: str, trail: str, plain_http: bool
) -> list[Issue]:
    issues: list[Issue] = []
    start = chain.start
    first = chain.hops[0]
    if plain_http and first.location is not None and first.location.scheme != "https":
        issues.append(
            Issue(
                Severity.HIGH,
                f"{start} redirects to {first.location}, still plain HTTP",
                f"redirect straight to {canonical.origin}",
                trail,
            )
        )
    if chain.redirects > 1:
        issues.append(
            Issue(
                Severity.HIGH,
                f"{start} takes {chain.redirects} redirects to reach {canonical.origin}",
                f"redirect in one hop: {fix}",
                trail,
            )
        )
    temporary = sorted({h.status_code for h in chain.hops if h.status_code in TEMPORARY})
    if temporary:
        codes = ", ".join(map(str, temporary))
        issues.append(
            Issue(
                Severity.MEDIUM,
                f"{start} redirects with a temporary status ({codes}): browsers and search "
                "engines keep coming back to the old address",
                "use 301 (or 308) for a move that is meant to last",
                trail,
            )
        )
    issues.extend(judge_path(chain, canonical))
    return issues


def judge_path(chain: Chain, canonical: EdgeUrl) -> list[Issue]:
    """A chain that reached the canonical origin must land on the same path and query
    (the root of an alias may also land on the canonical URL's own path)."""
    if chain.end != "reached":
        return []
    start = chain.start
    landed = chain.hops[-1].location
    if landed is None:
        return []
    wanted = {(start.path, start.query)}
    if (start.path, start.query) == ("/", ""):
        wanted.add((canonical.path, canonical.query))
    if (landed.path, landed.query) in wanted:
        return []
    return [
        Issue(
            Severity.HIGH,
            f"{start} lands on {landed}: the path and query are not kept, so deep links "
            "through this address break",
            f"redirect to {canonical.origin} + the requested path and query",
            _trail(chain),
        )
    ]

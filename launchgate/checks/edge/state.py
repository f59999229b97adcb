"""What the edge checks of one run share: the parsed section, the network, and what an
earlier check learned (the TLS facts, the canonical page) for the checks that need it.

One :class:`EdgeState` per plan, so per run; the engine runs a check only after the
checks it needs have passed, so a reader always finds what its prerequisite stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from launchgate.checks.context import CheckContext
from launchgate.checks.edge.network import EdgeNetwork, Reply
from launchgate.checks.edge.redirects import Chain
from launchgate.checks.edge.tls import TlsFacts
from launchgate.checks.http import TransportFailure
from launchgate.config.hosts import EdgeUrl
from launchgate.config.model import CertExpirySpec
from launchgate.results import StepRecord

__all__ = ["EdgeState", "chain_steps", "reply_step"]


@dataclass
class EdgeState:
    canonical: EdgeUrl
    http_url: EdgeUrl  # plain http:// of the canonical host
    network: EdgeNetwork
    named_hosts: frozenset[str]  # hosts a redirect may be followed to
    expiry: CertExpirySpec = field(default_factory=CertExpirySpec)
    tls: TlsFacts | None = None  # set by edge::tls
    page: Reply | None = None  # set by edge::page: the canonical page, final answer

    def need_page(self) -> Reply:
        if self.page is None:  # only if a check ran without its prerequisite
            raise RuntimeError("edge::page has not stored the canonical page")
        return self.page

    def need_tls(self) -> TlsFacts:
        if self.tls is None:
            raise RuntimeError("edge::tls has not stored the handshake")
        return self.tls


def reply_step(ctx: CheckContext, url: EdgeUrl, outcome: Reply | TransportFailure) -> StepRecord:
    shown = ctx.redactor.redact_url(str(url))
    if isinstance(outcome, TransportFailure):
        return StepRecord(
            name=f"GET {shown}",
            method="GET",
            path=shown,
            status_code=None,
            elapsed_ms=outcome.elapsed_s * 1000,
            ok=False,
            error=ctx.redactor.redact(outcome.cause),
        )
    return StepRecord(
        name=f"GET {shown}",
        method="GET",
        path=shown,
        status_code=outcome.status_code,
        elapsed_ms=outcome.elapsed_s * 1000,
        ok=outcome.status_code < 400,
    )


def chain_steps(ctx: CheckContext, chain: Chain) -> Sequence[StepRecord]:
    steps = []
    for hop in chain.hops:
        shown = ctx.redactor.redact_url(str(hop.url))
        steps.append(
            StepRecord(
                name=f"GET {shown}",
                method="GET",
                path=shown,
                status_code=hop.status_code,
                elapsed_ms=hop.elapsed_s * 1000,
                ok=hop.status_code < 400,
            )
        )
    if chain.failure is not None:
        failed = chain.hops[-1].location if chain.hops else chain.start
        if failed is not None:
            steps.append(reply_step(ctx, failed, chain.failure))
    return steps

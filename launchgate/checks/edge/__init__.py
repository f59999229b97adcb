"""Edge readiness: DNS, canonical redirects, HTTPS and certificates, security and cache
headers, mixed content. :func:`plan_edge` is the planner the engine registers."""

from launchgate.checks.edge.plan import plan_edge

__all__ = ["plan_edge"]

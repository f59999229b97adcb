"""When the probe's errors are the app refusing it, not failing under it. Every probe
request answered 401 or 403 while the journeys passed means the probe lacks what the
journeys had (credentials, a protection-bypass header) or something in front of the
app blocks it; "collapsing under load, look at its capacity" would send the user to
the wrong place."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["REFUSED_REMEDY", "refusal"]

_REFUSALS = {
    401: "401 Unauthorized",
    403: "403 Forbidden",
    407: "407 Proxy Authentication Required",
}

REFUSED_REMEDY = (
    "the probe sends the route's headers, target.headers and the URL's user:password, "
    "as the journeys do: give the credentials the app expects there (basic auth in the "
    "URL, a deployment-protection bypass header), and check that nothing in front of "
    "the app (a WAF, a bot filter) refuses the probe's User-Agent or rate"
)


def refusal(route: str, errors: Mapping[str, int]) -> str | None:
    """A sentence when at least half of a route's failed requests were refusals, else
    None (``errors``: cause -> count, as the probe records them)."""
    total = sum(errors.values())
    refused = {code: errors.get(f"status {code}", 0) for code in _REFUSALS}
    count = sum(refused.values())
    if total == 0 or 2 * count < total:
        return None
    code = max(refused, key=lambda c: refused[c])
    return (
        f"the app refused the probe's requests: {count} of the {total} failed requests "
        f"to {route} answered {_REFUSALS[code] if count == refused[code] else '401/403'}"
    )

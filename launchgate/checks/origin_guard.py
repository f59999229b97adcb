"""The redirect rule for a client handed to user code (the pytest fixtures' client).

A test may call ``client.get(..., follow_redirects=True)``; httpx then follows by
itself and strips only Authorization on the way to another host. An httpx request
hook runs before every request it sends, redirects included, so this one applies the
rule of :mod:`launchgate.checks.redirect_policy` there: a request off the target's
origin keeps only the safelisted headers (no configured headers, Authorization or
cookies), and one that would carry a body there is refused.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from launchgate.checks.redirect_policy import SAFE_HEADERS, same_origin, shown

__all__ = ["OffOriginBody", "origin_guard"]


class OffOriginBody(httpx.RequestError):
    """A body would have gone to another origin than the target's."""


def origin_guard(target_url: str) -> Callable[[httpx.Request], None]:
    target = httpx.URL(target_url)

    def guard(request: httpx.Request) -> None:
        if same_origin(request.url, target):
            return
        if request.read():
            raise OffOriginBody(
                f"refused to send the {request.method} body to {shown(request.url)}: "
                f"another origin than the target's ({shown(target)})",
                request=request,
            )
        for name in {k.lower() for k in request.headers}:
            if name not in SAFE_HEADERS and name != "host":
                del request.headers[name]

    return guard

"""What follows a redirect: the next request, or a refusal with its reason.

A pure function of the request just sent and the redirect that answered it. The rule:

- **Same origin** (scheme, host and port all equal, on every hop so far): what httpx
  does, kept as it was. 303, 302 (but HEAD) and 301 after POST become a GET without
  the body; 307 and 308 resend the method and the body. Every header goes on; the
  caller adds the cookie jar's cookies.
- **Another origin**: only :data:`SAFE_HEADERS` go on. Configured target headers,
  Authorization, cookies and bodies never do: they were meant for the target, and
  whoever answers the redirect chooses where they would go. A 307 or 308 that would
  resend a body there is refused, since dropping the body silently would send a
  different request than the journey describes. Once a chain has left the origin it
  stays stripped, even if it comes back.
- **https → http**: a downgrade, flagged for the caller to report. It is a hop to
  another origin (the scheme differs), so nothing secret goes over it.

httpx itself strips only Authorization on a cross-origin hop; that is why journeys
follow redirects through this policy, one hop at a time, instead of httpx's loop.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

__all__ = [
    "MAX_REDIRECTS",
    "REDIRECT_CODES",
    "SAFE_HEADERS",
    "Follow",
    "Refuse",
    "Sent",
    "next_hop",
    "same_origin",
    "shown",
]

MAX_REDIRECTS = 10
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
SAFE_HEADERS = frozenset({"user-agent", "accept", "accept-language", "accept-encoding"})
"""Headers that say nothing about who is asking: the only ones sent to another origin."""

# Recomputed for every hop (by httpx from the URL and the body, and from the cookie
# jar for the URL), so never carried over from the previous request.
_RECOMPUTED = frozenset({"content-length", "transfer-encoding", "cookie"})
_BODY_HEADERS = frozenset({"content-type", "content-encoding"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Sent:
    """A request as sent on one hop. ``trusted``: every hop so far stayed on the
    origin of the first, so the target's credentials and cookies may go with it."""

    method: str
    url: httpx.URL
    headers: tuple[tuple[str, str], ...]  # names in lower case
    body: bytes = b""
    trusted: bool = True


@dataclass(frozen=True)
class Follow:
    """Send ``request`` next; with the jar's cookies only when it is trusted."""

    request: Sent
    downgrade: bool  # https -> http: a finding for the caller


@dataclass(frozen=True)
class Refuse:
    reason: str  # a sentence for the step's failure


def next_hop(previous: Sent, status_code: int, location: str) -> Follow | Refuse:
    """The request that follows ``previous`` after a ``status_code`` to ``location``
    (a status in :data:`REDIRECT_CODES` with a Location header)."""
    url = _resolve(previous.url, location)
    if isinstance(url, Refuse):
        return url
    method = _method(previous.method, status_code)
    keeps_body = method == previous.method
    body = previous.body if keeps_body else b""
    trusted = previous.trusted and same_origin(previous.url, url)
    if not trusted and body:
        return Refuse(
            f"refused to resend the {previous.method} body to {shown(url)}: "
            f"a {status_code} to another origin"
        )
    headers = tuple(
        (name, value)
        for name, value in previous.headers
        if name not in _RECOMPUTED
        and (keeps_body or name not in _BODY_HEADERS)
        and (trusted or name in SAFE_HEADERS)
    )
    downgrade = previous.url.scheme == "https" and url.scheme == "http"
    return Follow(Sent(method, url, headers, body, trusted), downgrade)


def same_origin(a: httpx.URL, b: httpx.URL) -> bool:
    return _origin(a) == _origin(b)


def shown(url: httpx.URL) -> str:
    """The URL without its query and fragment, which may carry tokens."""
    return str(url.copy_with(query=None, fragment=None))


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port or _DEFAULT_PORTS.get(url.scheme)


def _method(method: str, status_code: int) -> str:
    # httpx's (and the browsers') rule, kept so a same-origin journey behaves as before.
    if status_code in (302, 303) and method != "HEAD":
        return "GET"
    if status_code == 301 and method == "POST":
        return "GET"
    return method


def _resolve(base: httpx.URL, location: str) -> httpx.URL | Refuse:
    try:
        url = httpx.URL(location.strip())
        if url.scheme and url.scheme not in _DEFAULT_PORTS:
            return Refuse(f"the redirect goes to a {url.scheme}: URL, which is not followed")
        if url.scheme and not url.host:  # "https:/path": httpx reads it as on this host
            url = url.copy_with(host=base.host)
        if url.is_relative_url:
            url = base.join(url)
    except httpx.InvalidURL as exc:
        return Refuse(f"the redirect's Location is not a usable URL ({exc})")
    return url

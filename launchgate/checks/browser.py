"""The headers a browser adds when it submits a form: ``Origin`` and ``Referer``.

Frameworks read them as part of their CSRF defence on unsafe methods. Django over
HTTPS refuses a POST that carries neither ("CSRF verification failed … Referer checking
failed - no Referer"), Flask-WTF does the same under ``WTF_CSRF_SSL_STRICT`` (its
default), and Rails compares ``Origin`` when ``forgery_protection_origin_check`` is on.
A gate that leaves them out fails a correct app, so a journey's unsafe steps send them
as a browser would, unless the step (or ``target.headers``) sets them itself.
"""

from __future__ import annotations

from collections.abc import Iterable

import httpx

from launchgate.config.template import TARGET_NAMES

__all__ = ["UNSAFE_METHODS", "browser_headers", "origin_of", "target_variables"]

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _host(url: httpx.URL) -> str:
    host = url.host
    host = f"[{host}]" if ":" in host else host  # an IPv6 literal, as a Host header writes it
    # httpx reports a scheme's default port as None, as the WHATWG URL rules do.
    return f"{host}:{url.port}" if url.port is not None else host


def _bare(url: httpx.URL) -> str:
    """The URL without user:password and fragment, which a browser never sends."""
    return origin_of(url) + url.raw_path.decode("ascii")


def origin_of(url: httpx.URL) -> str:
    """``scheme://host[:port]``: an origin as a browser serialises it."""
    return f"{url.scheme}://{_host(url)}"


def target_variables(base_url: str) -> dict[str, str]:
    """``target.url`` (without user:password and without a trailing slash),
    ``target.origin`` and ``target.host`` (host and port, as in the Host header)."""
    try:
        url = httpx.URL(base_url)
    except httpx.InvalidURL:
        url = httpx.URL()
    if not url.host:
        return dict.fromkeys(TARGET_NAMES, "")
    return {
        "target.url": _bare(url).rstrip("/"),
        "target.origin": origin_of(url),
        "target.host": _host(url),
    }


def browser_headers(
    method: str, url: httpx.URL, page: httpx.URL | None, given: Iterable[str]
) -> dict[str, str]:
    """What a browser would add to ``method url`` submitted from ``page`` (the last page
    a GET of the same journey fetched, if any), leaving out any header in ``given``.

    The Referer follows the default policy, strict-origin-when-cross-origin: the whole
    page URL to its own origin, only its origin to another one, nothing from https to
    plain http; never its fragment or a user:password."""
    if method.upper() not in UNSAFE_METHODS:
        return {}
    taken = {name.lower() for name in given}
    headers: dict[str, str] = {}
    if "origin" not in taken:
        headers["origin"] = origin_of(url)
    if "referer" not in taken and page is not None:
        referer = _referer(page, url)
        if referer:
            headers["referer"] = referer
    return headers


def _referer(page: httpx.URL, url: httpx.URL) -> str:
    if page.scheme == "https" and url.scheme != "https":
        return ""
    if origin_of(page) == origin_of(url):
        return _bare(page)
    return origin_of(page) + "/"

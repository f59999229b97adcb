"""One request, bounded in time and size, turned into a value: an Exchange or a failure.

httpx timeouts are per operation, so a server that drips a byte just under the read
timeout would keep a request alive forever (encode/httpx#1450). We put one asyncio
timeout around the whole request, body included, and stop reading at a size cap, so
every request ends within its limit whatever the server does.

Redirects are followed here, one hop at a time, through
:mod:`launchgate.checks.redirect_policy`, not by httpx: httpx would send configured
headers, and a 307's body, to whatever host a Location names.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import re
import socket
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import httpx

from launchgate.checks.bounded_body import (
    ACCEPT_ENCODING,
    BodyTooLarge,
    UnsupportedEncoding,
    read_bounded,
)
from launchgate.checks.dns import DnsFailure
from launchgate.checks.pinning import PinnedDnsError, Pinning
from launchgate.checks.redirect_policy import (
    MAX_REDIRECTS,
    REDIRECT_CODES,
    Follow,
    Sent,
    next_hop,
    shown,
)
from launchgate.config.units import format_duration
from launchgate.redact import cut

__all__ = [
    "Exchange",
    "FailureKind",
    "TransportFailure",
    "body_excerpt",
    "dns_cause",
    "remedy_for",
    "send",
]

FailureKind = Literal[
    "refused",
    "timeout",
    "dns",
    "tls",
    "reset",
    "protocol",
    "redirects",
    "redirect_refused",
    "too_large",
    "other",
]


@dataclass(frozen=True, kw_only=True)
class Exchange:
    """A complete answer: what a check's expectations look at."""

    method: str
    url: str  # the final URL, after any redirects followed
    status_code: int
    reason: str
    headers: httpx.Headers
    body: bytes
    elapsed_s: float  # from just before sending to the last body byte
    set_cookies: Mapping[str, str] = field(default_factory=dict)
    # "https://a/login -> http://a/home" when a redirect followed went from https to
    # plain http: a finding, whatever the final answer.
    downgrade: str = ""

    @property
    def text(self) -> str:
        charset = _charset(self.headers.get("content-type", "")) or "utf-8"
        try:
            return self.body.decode(charset, errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")


@dataclass(frozen=True, kw_only=True)
class TransportFailure:
    """No usable answer, with the cause in words a user can act on."""

    kind: FailureKind
    cause: str
    elapsed_s: float


async def _resolve(host: str, port: int, pinning: Pinning | None) -> str | None:
    """Why ``host`` does not resolve where the request will connect, or None."""
    if pinning is not None:
        where = await pinning.address(host, port)
        if isinstance(where, DnsFailure):
            return where.message
        if where is not None:
            return None
    try:
        await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return dns_cause(host, exc)
    return None


async def send(
    client: httpx.AsyncClient,
    request: httpx.Request,
    *,
    timeout_s: float,
    max_body: int,
    follow_redirects: bool = False,
    resolve_host: bool = True,
    pinning: Pinning | None = None,
) -> Exchange | TransportFailure:
    """One request, ended by ``timeout_s`` whatever the server does.

    ``resolve_host``: look the host name up first, under the same limit, so that a
    resolver that fails or never answers is named as DNS, not as a slow app (httpx
    resolves inside its connect step and cannot tell the two apart). Off for test
    transports that never touch the network. ``pinning`` (target.resolve,
    target.nameservers): ask it first instead, for the same reason; its answer is
    kept, so the pinned transport's connect does not ask again.
    """
    started = time.perf_counter()
    response: httpx.Response | None = None
    set_cookies: dict[str, str] = {}
    hops: _Hops | None = None
    host = request.url.host
    port = request.url.port or (443 if request.url.scheme == "https" else 80)
    asked = ""
    if pinning is not None and pinning.nameservers:
        asked = f" (asked {', '.join(map(str, pinning.nameservers))})"
    phase = "resolve" if (resolve_host or pinning) and _is_name(host) else "request"
    try:
        async with asyncio.timeout(timeout_s):
            if phase == "resolve":
                failure = await _resolve(host, port, pinning)
                if failure is not None:
                    return TransportFailure(kind="dns", cause=failure, elapsed_s=_since(started))
                phase = "request"
            hops = _Hops(client) if follow_redirects else None
            while True:
                # Never httpx's own following: see the module docstring.
                response = await client.send(request, stream=True, follow_redirects=False)
                set_cookies.update(_set_cookies(response))
                if hops is None or not _is_redirect(response):
                    break
                await response.aclose()
                nxt = await hops.next(response)
                if isinstance(nxt, TransportFailure):
                    return TransportFailure(
                        kind=nxt.kind, cause=nxt.cause, elapsed_s=_since(started)
                    )
                request = nxt
            body = await read_bounded(response, max_body)
    except BodyTooLarge:
        return TransportFailure(
            kind="too_large",
            cause=f"the response body is larger than {max_body} bytes (target.max_body); "
            "stopped reading",
            elapsed_s=_since(started),
        )
    except UnsupportedEncoding as exc:
        return TransportFailure(
            kind="protocol",
            cause=f"the response uses content-encoding {exc} although only {ACCEPT_ENCODING} "
            "was accepted",
            elapsed_s=_since(started),
        )
    except TimeoutError:
        if phase == "resolve":
            return TransportFailure(
                kind="dns",
                cause=f"DNS resolution of {host} got no answer within {format_duration(timeout_s)} "
                f"(the resolver did not respond){asked}",
                elapsed_s=_since(started),
            )
        return TransportFailure(
            kind="timeout",
            cause=f"no complete answer within {format_duration(timeout_s)}",
            elapsed_s=_since(started),
        )
    except httpx.HTTPError as exc:
        kind, cause = describe_error(exc)
        return TransportFailure(kind=kind, cause=cause, elapsed_s=time.perf_counter() - started)
    except httpx.InvalidURL as exc:
        # httpx resolves every redirect's Location, followed or not, and raises this
        # (not an HTTPError) for one like "javascript:x": the target's fault.
        cause = f"the answer's Location header is not a usable URL ({exc})"
        return TransportFailure(kind="protocol", cause=cause, elapsed_s=_since(started))
    finally:
        if response is not None:
            await response.aclose()
    elapsed = time.perf_counter() - started
    return Exchange(
        method=request.method,
        url=str(response.url),
        status_code=response.status_code,
        reason=response.reason_phrase,
        headers=response.headers,
        body=body,
        elapsed_s=elapsed,
        set_cookies=set_cookies,
        downgrade=hops.downgrade if hops is not None else "",
    )


def _is_redirect(response: httpx.Response) -> bool:
    return response.status_code in REDIRECT_CODES and "location" in response.headers


class _Hops:
    """One request's redirect chain: builds each next request from the policy's
    decision, counts hops, remembers the first downgrade."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client
        self._count = 0
        self._sent: Sent | None = None
        self.downgrade = ""

    async def next(self, response: httpx.Response) -> httpx.Request | TransportFailure:
        request = response.request
        if self._sent is None:
            body = await request.aread()
            self._sent = Sent(
                request.method, request.url, tuple(request.headers.multi_items()), body
            )
        if self._count == MAX_REDIRECTS:
            return TransportFailure(
                kind="redirects",
                cause=f"redirect loop: more than {MAX_REDIRECTS} redirects",
                elapsed_s=0.0,
            )
        decision = next_hop(self._sent, response.status_code, response.headers["location"])
        if not isinstance(decision, Follow):
            return TransportFailure(kind="redirect_refused", cause=decision.reason, elapsed_s=0.0)
        self._count += 1
        sent = self._sent = decision.request
        if decision.downgrade and not self.downgrade:
            self.downgrade = f"{shown(request.url)} -> {shown(sent.url)}"
        return httpx.Request(
            sent.method,
            sent.url,
            headers=list(sent.headers),
            content=sent.body or None,
            # The jar sends each cookie only to its own domain; a hop off the
            # target's origin gets none at all.
            cookies=self._client.cookies if sent.trusted else None,
            extensions={k: v for k, v in request.extensions.items() if k == "timeout"},
        )


_REMEDIES: dict[str, str] = {
    "refused": "nothing listens at the target: is the app running, on this port?",
    "timeout": "the app did not answer in time: look for a hang or a slow dependency",
    "tls": "fix the certificate, or give target.ca_bundle for a private CA",
    "dns": "check the DNS records of the host (and that the URL is right)",
    "redirects": "the route redirects in a loop: check the redirect rules",
    "redirect_refused": "redirect within the target's own origin (a 303 if the next page "
    "is fetched with GET); credentials and bodies are never sent to another one",
    "too_large": "the answer is larger than target.max_body: raise it if that is expected",
    "reset": "the server dropped the connection: look for a crash or a proxy limit",
}


def remedy_for(kind: str) -> str:
    """What to do about a failure of this kind; empty when we cannot tell."""
    return _REMEDIES.get(kind, "")


def _since(started: float) -> float:
    return time.perf_counter() - started


def _is_name(host: str) -> bool:
    """A host name to resolve, as opposed to an IP literal."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return bool(host)
    return False


_EAI_NODATA = getattr(socket, "EAI_NODATA", None)


def dns_cause(host: str, exc: socket.gaierror) -> str:
    """Name a resolver error by its code, not by the platform's English message."""
    detail = exc.strerror or str(exc)
    if exc.errno == socket.EAI_NONAME:
        return f"the host name {host} does not resolve (NXDOMAIN: {detail})"
    if exc.errno == socket.EAI_AGAIN:
        return (
            f"the DNS resolver failed for {host} (SERVFAIL or no answer: {detail}); "
            "resolution may work again later"
        )
    if _EAI_NODATA is not None and exc.errno == _EAI_NODATA:
        return f"the host name {host} has no address records (A/AAAA) ({detail})"
    return f"DNS resolution of {host} failed ({detail})"


def _set_cookies(response: httpx.Response) -> dict[str, str]:
    cookies: dict[str, str] = {}
    for history in (*response.history, response):
        for header in history.headers.get_list("set-cookie"):
            name, _, rest = header.partition("=")
            cookies[name.strip()] = rest.split(";", 1)[0].strip()
    return cookies


def describe_error(exc: httpx.HTTPError) -> tuple[FailureKind, str]:
    """Name the cause the way a person debugging a deploy would say it."""
    root = _root_cause(exc)
    if isinstance(exc, httpx.TooManyRedirects):
        return "redirects", "redirect loop: more than 10 redirects"
    if isinstance(root, ssl.SSLCertVerificationError):
        reason = root.verify_message or root.reason or str(root)
        return "tls", f"TLS certificate not trusted: {reason}"
    if isinstance(root, ssl.SSLError):
        return "tls", f"TLS handshake failed: {root.reason or root}"
    if isinstance(exc, httpx.ConnectTimeout):
        return "timeout", "connection attempt timed out"
    if isinstance(exc, httpx.TimeoutException):
        return "timeout", "timed out waiting for the server"
    if isinstance(exc, httpx.ConnectError):
        if isinstance(root, PinnedDnsError):
            return "dns", str(root)
        if isinstance(root, ConnectionRefusedError) or _errno(root) == errno.ECONNREFUSED:
            return "refused", "connection refused (nothing is listening there)"
        text = str(root) or str(exc)
        if (
            "Name or service not known" in text
            or "nodename nor servname" in text
            or ("getaddrinfo" in text)
        ):
            return "dns", f"the host name does not resolve ({text})"
        return "other", f"could not connect: {text}"
    if isinstance(exc, httpx.ReadError | httpx.WriteError):
        if isinstance(root, ConnectionResetError) or _errno(root) == errno.ECONNRESET:
            return "reset", "the connection was reset by the server"
        return "reset", f"the connection failed mid-request: {root or exc}"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "protocol", f"the server broke the HTTP exchange: {exc}"
    if isinstance(exc, httpx.DecodingError):
        return "protocol", f"the response body could not be decoded: {exc}"
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return "other", f"unusable URL: {exc}"
    return "other", f"{type(exc).__name__}: {exc}"


def _root_cause(exc: BaseException) -> BaseException:
    seen: set[int] = set()
    while exc.__cause__ is not None or exc.__context__ is not None:
        nxt = exc.__cause__ or exc.__context__
        if nxt is None or id(nxt) in seen:
            break
        seen.add(id(nxt))
        exc = nxt
    return exc


def _errno(exc: BaseException) -> int | None:
    return exc.errno if isinstance(exc, OSError) else None


_CHARSET = re.compile(r"charset=([\w.-]+)", re.IGNORECASE)


def _charset(content_type: str) -> str | None:
    m = _CHARSET.search(content_type)
    return m.group(1) if m else None


_TAGS = re.compile(r"<(script|style|head)\b.*?</\1>|<[^>]+>", re.IGNORECASE | re.DOTALL)
_SPACE = re.compile(r"\s+")


def body_excerpt(
    exchange: Exchange, limit: int = 300, *, redact: Callable[[str], str] | None = None
) -> str:
    """A short, readable excerpt of the body (HTML reduced to its text).

    ``redact`` (the run's redactor) masks the whole text before it is cut: cut first, a
    secret at the edge would leave its first half, which no mask recognises."""
    text = exchange.text
    if "html" in exchange.headers.get("content-type", ""):
        text = _TAGS.sub(" ", text)
    text = _SPACE.sub(" ", text).strip()
    if redact is not None:
        text = redact(text)
    return cut(text, limit)

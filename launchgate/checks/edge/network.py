"""How the edge checks reach a host: one bounded request, addressed like curl.

The address to connect to comes from a ``resolve`` override (``HOST:PORT:ADDRESS``),
else from the configured nameservers, else from the system resolver. Whichever it
is, the real host name goes in the ``Host`` header and in TLS SNI, and the
certificate is verified for that name, so a new origin is checked exactly as
customers will reach it once DNS points there.

Each request gets a client of its own: httpx pools connections by the address it
connects to, and a connection opened for one name must never carry a request for
another name whose certificate was not checked.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import certifi
import httpx

from launchgate.checks.bounded_body import (
    ACCEPT_ENCODING,
    BodyTooLarge,
    UnsupportedEncoding,
    read_bounded,
)
from launchgate.checks.dns import DnsFailure, first_address
from launchgate.checks.http import TransportFailure, describe_error, dns_cause
from launchgate.config.hosts import EdgeUrl, Nameserver, ResolveOverride
from launchgate.config.units import format_duration
from launchgate.errors import UsageError

__all__ = ["EdgeNetwork", "Reply", "edge_ssl_context", "is_ip"]


@dataclass(frozen=True)
class Reply:
    """An answer from the edge. ``body`` is empty unless it was asked for."""

    url: EdgeUrl  # the URL asked for, by name (never the address connected to)
    status_code: int
    headers: httpx.Headers
    body: bytes
    elapsed_s: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def edge_ssl_context(bundles: Sequence[tuple[str, str]]) -> ssl.SSLContext:
    """The public roots plus each ``(config key, PEM file)`` given; a bad file is a
    usage error naming the key. TLS 1.2 is the floor, as in today's browsers."""
    context = ssl.create_default_context(cafile=certifi.where())
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    for key, path in bundles:
        try:
            context.load_verify_locations(cafile=path)
        except (OSError, ssl.SSLError) as exc:
            raise UsageError(f"{key} {path}: {exc}") from None
    return context


class EdgeNetwork:
    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext,
        timeout_s: float,
        max_body: int,
        overrides: Sequence[ResolveOverride] = (),
        nameservers: Sequence[Nameserver] = (),
        user_agent: str = "launchgate",
    ) -> None:
        self.ssl_context = ssl_context
        self.timeout_s = timeout_s
        self.max_body = max_body
        self.overrides: Mapping[tuple[str, int], str] = {
            (o.host, o.port): o.address for o in overrides
        }
        self.nameservers = tuple(nameservers)
        self.user_agent = user_agent
        self._answers: dict[str, str | DnsFailure] = {}

    def overridden(self, host: str, port: int) -> bool:
        return (host, port) in self.overrides

    async def address(self, host: str, port: int) -> str | DnsFailure | None:
        """Where to connect for ``host:port``: an address, a DNS failure, or None for
        "let the system resolver decide" (it then tries every address it gets)."""
        override = self.overrides.get((host, port))
        if override is not None:
            return override
        if is_ip(host) or not self.nameservers:
            return None
        if host not in self._answers:
            self._answers[host] = await self._ask_nameservers(host)
        return self._answers[host]

    async def _ask_nameservers(self, host: str) -> str | DnsFailure:
        return await first_address(host, nameservers=self.nameservers, timeout_s=self.timeout_s)

    async def get(
        self, url: EdgeUrl, *, headers: Mapping[str, str] | None = None, body: bool = False
    ) -> Reply | TransportFailure:
        """``GET url`` without following redirects, ended by ``timeout_s`` whatever the
        server does; the body is read (up to ``max_body``) only when asked for."""
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.timeout_s):
                where = await self.address(url.host, url.port)
                if isinstance(where, DnsFailure):
                    return TransportFailure(
                        kind="dns", cause=where.message, elapsed_s=_since(started)
                    )
                if where is None and not is_ip(url.host):
                    failure = await self._system_lookup(url, started)
                    if failure is not None:
                        return failure
                return await self._request(url, where, headers or {}, body, started)
        except TimeoutError:
            cause = f"no complete answer within {format_duration(self.timeout_s)}"
            return TransportFailure(kind="timeout", cause=cause, elapsed_s=_since(started))

    async def _system_lookup(self, url: EdgeUrl, started: float) -> TransportFailure | None:
        # httpx resolves inside its connect step and would call a DNS failure a
        # connection error; asking first names it.
        try:
            await asyncio.get_running_loop().getaddrinfo(
                url.host, url.port, type=socket.SOCK_STREAM
            )
        except socket.gaierror as exc:
            return TransportFailure(
                kind="dns", cause=dns_cause(url.host, exc), elapsed_s=_since(started)
            )
        return None

    async def _request(
        self,
        url: EdgeUrl,
        where: str | None,
        headers: Mapping[str, str],
        body: bool,
        started: float,
    ) -> Reply | TransportFailure:
        connect = url if where is None else _at_address(url, where)
        extensions = {"sni_hostname": url.host} if where is not None else {}
        async with httpx.AsyncClient(
            verify=self.ssl_context,
            timeout=self.timeout_s,
            trust_env=False,  # a proxy from the environment is not the edge we check
            follow_redirects=False,
        ) as client:
            request = client.build_request(
                "GET",
                str(connect),
                headers={
                    "host": url.netloc,
                    "user-agent": self.user_agent,
                    "accept-encoding": ACCEPT_ENCODING,
                    **headers,
                },
                extensions=extensions,
            )
            try:
                response = await client.send(request, stream=True)
            except httpx.HTTPError as exc:
                kind, cause = describe_error(exc)
                return TransportFailure(kind=kind, cause=cause, elapsed_s=_since(started))
            try:
                data = await read_bounded(response, self.max_body) if body else b""
            except BodyTooLarge:
                cause = f"the body is larger than {self.max_body} bytes (target.max_body)"
                return TransportFailure(kind="too_large", cause=cause, elapsed_s=_since(started))
            except UnsupportedEncoding as exc:
                return TransportFailure(
                    kind="protocol", cause=f"unsupported encoding {exc}", elapsed_s=_since(started)
                )
            except httpx.HTTPError as exc:
                kind, cause = describe_error(exc)
                return TransportFailure(kind=kind, cause=cause, elapsed_s=_since(started))
            finally:
                await response.aclose()
        return Reply(url, response.status_code, response.headers, data, _since(started))


def _at_address(url: EdgeUrl, address: str) -> EdgeUrl:
    return EdgeUrl(url.scheme, address, url.port, url.path, url.query)


def _since(started: float) -> float:
    return time.perf_counter() - started

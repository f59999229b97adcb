"""Where the app checks connect: ``target.resolve`` (curl's ``HOST:PORT:ADDRESS``), else
``target.nameservers``, else the system resolver.

Only the TCP connect goes to the pinned address. The URL keeps the name, so the
``Host`` header, TLS SNI, certificate verification and the cookie jar all stay under
the name: a new origin is tested exactly as customers will reach it after the DNS
cutover. httpx gets this through an httpcore network backend (the connect step is
the only place that sees an address); the probe's own client asks :meth:`Pinning.address`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import httpcore
import httpx

from launchgate.checks.dns import DnsFailure, first_address
from launchgate.config.hosts import Nameserver, ResolveOverride, parse_nameserver, parse_resolve

__all__ = ["PinnedDnsError", "Pinning", "pinned_transport"]


class PinnedDnsError(OSError):
    """The name did not resolve where the config said to ask; ``describe_error`` finds
    it as the root cause of httpx's ConnectError and names it as DNS."""


class Pinning:
    """One resolver for the run: answers are asked once per name and kept."""

    def __init__(
        self,
        overrides: Sequence[ResolveOverride] = (),
        nameservers: Sequence[Nameserver] = (),
        *,
        timeout_s: float = 5.0,
    ) -> None:
        self.overrides: Mapping[tuple[str, int], str] = {
            (o.host, o.port): o.address for o in overrides
        }
        self.nameservers = tuple(nameservers)
        self.timeout_s = timeout_s
        self._answers: dict[str, str] = {}

    @classmethod
    def from_config(
        cls, resolve: Iterable[str], nameservers: Iterable[str], *, timeout_s: float
    ) -> Pinning | None:
        """None when nothing is pinned: the system resolver, as before."""
        overrides = [parse_resolve(text) for text in resolve]
        servers = [parse_nameserver(text) for text in nameservers]
        if not overrides and not servers:
            return None
        return cls(overrides, servers, timeout_s=timeout_s)

    async def address(self, host: str, port: int) -> str | DnsFailure | None:
        """An address, a DNS failure, or None for "let the system resolver decide"."""
        override = self.overrides.get((host, port))
        if override is not None:
            return override
        if _is_ip(host) or not self.nameservers:
            return None
        known = self._answers.get(host)
        if known is not None:
            return known
        answer = await self._ask(host)
        if not isinstance(answer, DnsFailure):  # a failure is asked again: readiness waits
            self._answers[host] = answer
        return answer

    async def _ask(self, host: str) -> str | DnsFailure:
        return await first_address(host, nameservers=self.nameservers, timeout_s=self.timeout_s)

    async def connect_address(self, host: str, port: int) -> str:
        """The address to connect to; raises :class:`PinnedDnsError` naming the cause."""
        where = await self.address(host, port)
        if isinstance(where, DnsFailure):
            raise PinnedDnsError(where.message)
        if where is not None:
            return where
        if not _is_ip(host):
            try:  # asked first so that a failure is named as DNS, not as a refusal
                await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
            except socket.gaierror as exc:
                raise PinnedDnsError(f"{host} does not resolve ({exc.strerror or exc})") from None
        return host


class _PinnedBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, pinning: Pinning) -> None:
        self._pinning = pinning
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            address = await self._pinning.connect_address(host, port)
        except PinnedDnsError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        # httpcore keeps `host` as the origin: start_tls still sends SNI for the
        # name and the certificate is verified for it.
        return await self._inner.connect_tcp(address, port, timeout, local_address, socket_options)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return await self._inner.connect_unix_socket(path, timeout, socket_options)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def pinned_transport(pinning: Pinning, verify: ssl.SSLContext | bool) -> httpx.AsyncHTTPTransport:
    """An httpx transport whose connections go where ``pinning`` says."""
    transport = httpx.AsyncHTTPTransport(verify=verify)
    context = transport._pool._ssl_context  # httpx's own context from `verify`
    # httpx has no public hook for the network backend; the pool it builds is
    # replaced by the same pool with ours (httpcore's public constructor).
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=context, network_backend=_PinnedBackend(pinning)
    )
    return transport


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True

"""The TLS handshake of the canonical host, and what its certificate says.

A handshake of our own rather than httpx's, so that the negotiated protocol and the
verified certificate's dates can be read, and so that each way it can fail is named:
refused, no handshake answer, no TLS at all, an old protocol, and each reason the
certificate does not verify (expired, not yet valid, another name, self-signed, an
issuer nobody trusts).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from launchgate.checks.dns import DnsFailure
from launchgate.checks.edge.issues import Issue
from launchgate.checks.edge.network import EdgeNetwork
from launchgate.config.hosts import EdgeUrl
from launchgate.config.units import format_duration
from launchgate.results import Severity

__all__ = [
    "BLOCKER_DAYS",
    "HIGH_DAYS",
    "TlsFacts",
    "expiry_issues",
    "handshake",
    "verify_issue",
]

BLOCKER_DAYS = 7
HIGH_DAYS = 21
_MODERN = frozenset({"TLSv1.2", "TLSv1.3"})
_RENEW = (
    "renew the certificate now, and automate renewal (ACME: certbot, your host's or "
    "CDN's managed certificates) so it never gets this close again"
)


@dataclass(frozen=True)
class TlsFacts:
    version: str  # "TLSv1.3"
    not_after_s: float  # the certificate's notAfter, seconds since the epoch
    elapsed_s: float


# OpenSSL verify codes -> (what it means, what to do). The codes are stable across
# OpenSSL versions; their English messages are not.
_VERIFY: dict[int, tuple[str, str]] = {
    10: ("the certificate has expired", _RENEW),
    9: (
        "the certificate is not valid yet",
        "check the server's clock and the certificate's start date; reissue it if "
        "it was dated in the future",
    ),
    62: (
        "the certificate is not valid for {host}",
        "issue a certificate whose names (SAN) include {host}, or fix which "
        "certificate this host name is served with",
    ),
    64: (
        "the certificate is not valid for the address {host}",
        "issue a certificate that names this address, or use a host name",
    ),
    18: (
        "the certificate is self-signed",
        "serve a certificate from a public CA (Let's Encrypt is free), or give your "
        "private CA with edge.ca_bundle",
    ),
    19: (
        "the certificate chain ends in an untrusted self-signed root",
        "serve a chain that leads to a public CA, or give the private root with edge.ca_bundle",
    ),
    20: (
        "the certificate's issuer is not trusted (an unknown CA, or a missing "
        "intermediate certificate)",
        "serve the full chain (leaf plus intermediates), or give a private root with "
        "edge.ca_bundle",
    ),
    2: (
        "the certificate's issuer could not be found (a missing intermediate certificate)",
        "serve the full chain: the leaf followed by its intermediate certificates",
    ),
}


def verify_issue(error: ssl.SSLCertVerificationError, host: str) -> Issue:
    words = error.verify_message or error.reason or str(error)
    meaning, remedy = _VERIFY.get(
        error.verify_code or -1,
        ("the certificate does not verify: {words}", "fix the certificate chain"),
    )
    return Issue(
        Severity.BLOCKER,
        meaning.format(host=host, words=words),
        remedy.format(host=host),
        f"OpenSSL: {words}",
    )


_OLD_PROTOCOL = {"TLSV1_ALERT_PROTOCOL_VERSION", "UNSUPPORTED_PROTOCOL", "NO_PROTOCOLS_AVAILABLE"}


def _handshake_issue(error: ssl.SSLError, url: EdgeUrl) -> Issue:
    reason = error.reason or str(error)
    if reason in _OLD_PROTOCOL:
        return Issue(
            Severity.BLOCKER,
            f"{url.host} offers no TLS 1.2 or newer",
            "enable TLS 1.2 and 1.3 on the server or CDN; browsers refuse anything older",
            f"OpenSSL: {reason}",
        )
    if reason == "WRONG_VERSION_NUMBER":
        return Issue(
            Severity.BLOCKER,
            f"port {url.port} of {url.host} does not speak TLS (plain HTTP there?)",
            "serve HTTPS on this port, with a certificate for the host",
            f"OpenSSL: {reason}",
        )
    return Issue(
        Severity.BLOCKER,
        f"the TLS handshake with {url.host} failed: {reason}",
        "check the server's TLS configuration (certificate, key, protocols, ciphers)",
        f"OpenSSL: {error}",
    )


async def handshake(network: EdgeNetwork, url: EdgeUrl) -> TlsFacts | Issue:
    """Connect and complete a verified TLS handshake within the network's timeout."""
    started = time.perf_counter()
    limit = format_duration(network.timeout_s)
    phase = "resolve"
    writer: asyncio.StreamWriter | None = None
    try:
        async with asyncio.timeout(network.timeout_s):
            where = await network.address(url.host, url.port)
            if isinstance(where, DnsFailure):
                return Issue(Severity.BLOCKER, where.message, "fix the DNS records of the host")
            phase = "connect"
            _, writer = await asyncio.open_connection(where or url.host, url.port)
            phase = "handshake"
            await writer.start_tls(network.ssl_context, server_hostname=url.host)
            tls = writer.get_extra_info("ssl_object")
            version = tls.version() or "unknown"
            cert = tls.getpeercert() or {}
    except TimeoutError:
        if phase == "handshake":
            title = f"{url.host} accepted the connection but never completed a TLS handshake"
            return Issue(
                Severity.BLOCKER,
                f"{title} (no answer within {limit})",
                "check the TLS listener: a hung process, a firewall or a proxy that "
                "swallows the handshake",
            )
        return Issue(
            Severity.BLOCKER,
            f"no connection to {url.host}:{url.port} within {limit} ({phase})",
            "check that the host is up and that the port is open to the internet",
        )
    except ssl.SSLCertVerificationError as exc:
        return verify_issue(exc, url.host)
    except ssl.SSLError as exc:
        return _handshake_issue(exc, url)
    except ConnectionRefusedError:
        return Issue(
            Severity.BLOCKER,
            f"connection refused on {url.host}:{url.port}: nothing serves HTTPS there",
            "start the HTTPS listener (or open the port on the firewall/load balancer)",
        )
    except OSError as exc:
        return Issue(
            Severity.BLOCKER,
            f"could not complete a TLS connection to {url.host}:{url.port}: {exc}",
            "check that the host is up and serves HTTPS on this port",
        )
    finally:
        if writer is not None:
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 1.0)
    if version not in _MODERN:
        return Issue(
            Severity.BLOCKER,
            f"{url.host} negotiated {version}, older than TLS 1.2",
            "disable TLS 1.0 and 1.1; enable TLS 1.2 and 1.3",
        )
    not_after = cert.get("notAfter")
    if not isinstance(not_after, str):
        raise RuntimeError("the verified certificate has no notAfter date")
    return TlsFacts(version, ssl.cert_time_to_seconds(not_after), time.perf_counter() - started)


def expiry_issues(
    not_after_s: float,
    now_s: float,
    *,
    blocker_days: float = BLOCKER_DAYS,
    high_days: float = HIGH_DAYS,
) -> list[Issue]:
    """Blocker under ``blocker_days`` (7), high under ``high_days`` (21); nothing
    otherwise (``edge.cert_expiry``)."""
    days = (not_after_s - now_s) / 86400
    date = datetime.fromtimestamp(not_after_s, UTC).strftime("%Y-%m-%d %H:%M UTC")
    if days >= max(high_days, blocker_days):
        return []
    severity = Severity.BLOCKER if days < blocker_days else Severity.HIGH
    left = f"{days:.1f} days" if days < 2 else f"{round(days)} days"
    return [Issue(severity, f"the certificate expires in {left} ({date})", _RENEW)]

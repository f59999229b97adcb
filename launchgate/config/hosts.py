"""Host names, edge URLs, nameserver addresses and curl-style ``HOST:PORT:ADDRESS``
overrides, parsed once.

Pure and dependency-free, so the config models validate with them (a bad value is a
config error with a line number) and the edge checks use the very same parsing.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = [
    "EdgeUrl",
    "Nameserver",
    "ResolveOverride",
    "default_port",
    "parse_address",
    "parse_edge_url",
    "parse_host_name",
    "parse_nameserver",
    "parse_resolve",
    "parse_target_url",
]

# RFC 1123 labels; underscores are allowed because DKIM selectors and some CNAME
# targets (``_acme-challenge``) carry them.
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")


TARGET_URL_HELP = "expected an http:// or https:// URL with a host"


def parse_target_url(text: str) -> str:
    """The base URL of the app under test, as given; ``ValueError`` unless it is an
    http(s) URL with a host (``127.0.0.1:8000`` reads as a scheme and a path)."""
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises for a port that is not a number
    except ValueError:
        raise ValueError(TARGET_URL_HELP) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(TARGET_URL_HELP)
    return text


def parse_host_name(text: str) -> str:
    """A DNS name in lower case without the trailing dot; ``ValueError`` otherwise."""
    name = text.strip().lower().rstrip(".")
    if not name or len(name) > 253:
        raise ValueError("expected a host name such as api.example.com")
    try:
        ipaddress.ip_address(name)
    except ValueError:
        pass
    else:
        raise ValueError("expected a host name, not an IP address")
    try:
        ascii_name = name.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValueError("not a valid host name") from None
    if not all(_LABEL.match(label) for label in ascii_name.split(".")):
        raise ValueError("not a valid host name")
    return ascii_name


def parse_address(text: str) -> str:
    """An IPv4 or IPv6 address (brackets allowed), in its canonical form."""
    raw = text.strip()
    if raw.startswith("[") and raw.endswith("]"):
        raw = raw[1:-1]
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        raise ValueError("expected an IP address such as 203.0.113.7") from None


def default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


@dataclass(frozen=True)
class EdgeUrl:
    """An http(s) URL split into what the edge checks compare."""

    scheme: str  # "http" or "https"
    host: str  # lower case, IDNA-encoded
    port: int  # explicit or the scheme's default
    path: str  # "/" when empty
    query: str  # without the "?"

    @property
    def origin(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        if self.port == default_port(self.scheme):
            return f"{self.scheme}://{host}"
        return f"{self.scheme}://{host}:{self.port}"

    @property
    def netloc(self) -> str:
        """What goes in the ``Host`` header."""
        return self.origin.split("://", 1)[1]

    def __str__(self) -> str:
        return self.origin + self.path + (f"?{self.query}" if self.query else "")

    def with_path(self, path: str, query: str = "") -> EdgeUrl:
        return EdgeUrl(self.scheme, self.host, self.port, path or "/", query)

    def same_origin(self, other: EdgeUrl) -> bool:
        return (self.scheme, self.host, self.port) == (other.scheme, other.host, other.port)


def parse_edge_url(text: str) -> EdgeUrl:
    """``http://`` or ``https://`` with a host; no credentials, no fragment."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("expected an http:// or https:// URL with a host")
    if parts.username is not None or parts.password is not None:
        raise ValueError("an edge URL must not carry a user name or password")
    if parts.fragment:
        raise ValueError("an edge URL has no #fragment")
    host = parts.hostname
    try:
        host = str(ipaddress.ip_address(host))
    except ValueError:
        host = parse_host_name(host)
    return EdgeUrl(
        parts.scheme,
        host,
        port if port is not None else default_port(parts.scheme),
        parts.path or "/",
        parts.query,
    )


@dataclass(frozen=True)
class ResolveOverride:
    """Connect to ``address`` for ``host:port``; the name still goes in SNI and Host."""

    host: str
    port: int
    address: str

    def __str__(self) -> str:
        address = f"[{self.address}]" if ":" in self.address else self.address
        return f"{self.host}:{self.port}:{address}"


def parse_resolve(text: str) -> ResolveOverride:
    """curl's ``--resolve`` syntax: ``example.com:443:203.0.113.7`` or
    ``example.com:443:[2001:db8::7]``."""
    host, sep1, rest = text.strip().partition(":")
    port, sep2, address = rest.partition(":")
    if not (sep1 and sep2 and host and port and address):
        raise ValueError("expected HOST:PORT:ADDRESS such as example.com:443:203.0.113.7")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(
            f"bad port {port!r}: expected HOST:PORT:ADDRESS with a port from 1 to 65535"
        )
    return ResolveOverride(parse_host_name(host), int(port), parse_address(address))


@dataclass(frozen=True)
class Nameserver:
    address: str
    port: int = 53

    def __str__(self) -> str:
        return self.address if self.port == 53 else f"{self.address}:{self.port}"


def parse_nameserver(text: str) -> Nameserver:
    """``1.1.1.1``, ``127.0.0.1:5353``, ``[::1]:5353`` or ``::1``."""
    text = text.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest.removeprefix(":")
        return Nameserver(host, _nameserver_port(port, text) if port else 53)
    if text.count(":") == 1:
        host, port = text.split(":")
        return Nameserver(host, _nameserver_port(port, text))
    if not text:
        raise ValueError("expected a nameserver address such as 1.1.1.1 or 127.0.0.1:5353")
    return Nameserver(text)


def _nameserver_port(text: str, whole: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ValueError(f"bad port in nameserver {whole!r}: expected IP[:PORT]")
    return int(text)

"""What an audit is built from, gathered at the edge (:mod:`launchgate.audit.gather`)
and handed to the pure builder as one frozen value; and which names the map asks
DNS about (:func:`map_hosts`), the one list the gatherer and the builder share."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import dns.reversename

from launchgate.checks.dns import DnsAnswer, DnsFailure
from launchgate.config.hosts import parse_edge_url
from launchgate.config.model import Config

__all__ = [
    "AuditFacts",
    "BaselineInfo",
    "DnsKey",
    "dkim_name",
    "is_address",
    "map_hosts",
    "reverse_name",
]

DnsKey = tuple[str, str]  # (name, record type)


@dataclass(frozen=True)
class BaselineInfo:
    environment: str
    path: str
    entries: int
    latest: str  # when the newest entry was recorded
    problem: str = ""  # why the file could not be read; "" when it could


@dataclass(frozen=True)
class AuditFacts:
    config: Config
    config_path: str
    report: Mapping[str, Any]  # report.json's shape
    report_source: str  # "this run", or the file it was read from
    gate_command: str
    # The variables each config key was interpolated from: secret name -> keys.
    uses: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # The config as written (``${NAME}`` not yet replaced): hooks and channel URLs are
    # shown this way, naming the variable instead of a value that may be secret.
    written: Mapping[str, Any] = field(default_factory=dict)
    dns: Mapping[DnsKey, DnsAnswer | DnsFailure] = field(default_factory=dict)
    baselines: tuple[BaselineInfo, ...] = ()
    set_secrets: frozenset[str] = frozenset()


def is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def reverse_name(address: str) -> str:
    """The PTR name of an address (``7.113.0.203.in-addr.arpa``); "" for a host name."""
    if not is_address(address):
        return ""
    return str(dns.reversename.from_address(address).to_text(omit_final_dot=True))


def dkim_name(selector: str, domain: str) -> str:
    return f"{selector}._domainkey.{domain}"


def map_hosts(config: Config, target_url: str) -> list[tuple[str, tuple[str, ...]]]:
    """Every host name the map shows, with its roles, in the order a reader meets them:
    the canonical domain, its aliases, the subdomains, then the app's own URL."""
    roles: dict[str, list[str]] = {}

    def add(host: str, role: str) -> None:
        if host and role not in roles.setdefault(host, []):
            roles[host].append(role)

    edge = config.edge
    if edge is not None:
        add(parse_edge_url(edge.url).host, "canonical")
        for alias in edge.aliases:
            add(parse_edge_url(alias).host, "alias")
        for sub in edge.subdomains:
            add(sub.name, "subdomain")
    if target_url:
        add((urlsplit(target_url).hostname or "").lower(), "app (target URL)")
    return [(host, tuple(r)) for host, r in roles.items()]

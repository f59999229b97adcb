"""The edge: section: what it accepts, and every mistake located by file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from launchgate.config import parse_config
from launchgate.config.hosts import (
    EdgeUrl,
    ResolveOverride,
    parse_address,
    parse_edge_url,
    parse_host_name,
    parse_resolve,
)
from launchgate.errors import ConfigError

FILE = Path("launchgate.yml")
EDGE = """\
edge:
  url: https://example.com
"""
JOURNEYS = """\
journeys:
  login:
    steps:
      - path: /login
        capture: {token: {header: X-Token}}
  account:
    session: login
    steps:
      - path: /account
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(text, FILE, {})
    return [str(p) for p in info.value.problems]


def test_an_edge_section_alone_is_something_to_check():
    config = parse_config(EDGE, FILE, {}).config
    assert config.edge is not None
    assert config.edge.url == "https://example.com"
    assert config.journeys == {}


def test_every_key():
    text = EDGE + (
        "  aliases: [http://example.com, 'https://www.example.com']\n"
        "  subdomains:\n"
        "    - api.example.com\n"
        "    - {name: app.example.com, cname: lb.host.net}\n"
        "    - {name: mail.example.com, addresses: ['192.0.2.1', '2001:db8::1']}\n"
        "  nameservers: ['1.1.1.1', '127.0.0.1:5353', '[::1]:53']\n"
        "  resolve: ['example.com:443:203.0.113.7', 'example.com:80:[2001:db8::7]']\n"
        "  ca_bundle: ca.pem\n"
        "  timeout: 3s\n"
        "  private_pages: {login: ['/billing', '/t/{{ token }}']}\n"
        "  cert_expiry: {blocker: 14d, high: 30d}\n"
    )
    edge = parse_config(text + JOURNEYS, FILE, {}).config.edge
    assert edge is not None
    assert [s.name for s in edge.subdomains] == [
        "api.example.com",
        "app.example.com",
        "mail.example.com",
    ]
    assert edge.subdomains[1].cname == "lb.host.net"
    assert edge.timeout == 3.0
    assert edge.private_pages == {"login": ["/billing", "/t/{{ token }}"]}
    assert (edge.cert_expiry.blocker, edge.cert_expiry.high) == (14 * 86400, 30 * 86400)


@pytest.mark.parametrize(
    ("line", "where", "message"),
    [
        ("  aliases: [ftp://example.com]", "3: edge.aliases[0]", "expected an http:// or https://"),
        ("  aliases: ['https://u:p@example.com']", "3: edge.aliases[0]", "user name or password"),
        ("  subdomains: ['a..b']", "3: edge.subdomains[0].name", "not a valid host name"),
        (
            "  subdomains: [{name: a.com, addresses: [x]}]",
            "3: edge.subdomains[0].addresses[0]",
            "IP address",
        ),
        (
            "  subdomains: [{name: a.com, cnam: b.com}]",
            "3: edge.subdomains[0].cnam",
            "did you mean 'cname'",
        ),
        ("  nameservers: ['1.1.1.1:99999']", "3: edge.nameservers[0]", "bad port"),
        ("  resolve: ['example.com:443']", "3: edge.resolve[0]", "HOST:PORT:ADDRESS"),
        ("  resolve: ['example.com:0:1.2.3.4']", "3: edge.resolve[0]", "bad port"),
        ("  resolve: ['example.com:443:not-an-ip']", "3: edge.resolve[0]", "IP address"),
        ("  alias: [http://example.com]", "3: edge.alias", "did you mean 'aliases'"),
        ("  timeout: soon", "3: edge.timeout", "duration"),
        (
            "  cert_expiry: {blocker: 30d, high: 14d}",
            "3: edge.cert_expiry",
            "blocker must not be longer than high",
        ),
        ("  cert_expiry: {blocker: a week}", "3: edge.cert_expiry.blocker", "7d"),
    ],
)
def test_each_mistake_names_its_line_and_key(line, where, message):
    (problem,) = problems(EDGE + line + "\n")
    assert problem.startswith(f"launchgate.yml:{where}:"), problem
    assert message in problem


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ("  aliases: ['https://example.com/']\n", "cannot be the canonical URL itself"),
        ("  aliases: [http://a.com, 'http://a.com/']\n", "the same URL as aliases[0]"),
        (
            "  resolve: ['a.com:443:1.2.3.4', 'A.com:443:1.2.3.5']\n",
            "a.com:443 is already overridden by resolve[0]",
        ),
        ("  subdomains: [a.com, {name: a.com}]\n", "a.com is already listed at [0]"),
        ("  private_pages: {nobody: [/x]}\n", "no journey named 'nobody'"),
        ("  private_pages: {account: ['/{{ missing }}']}\n", "unknown variable {{ missing }}"),
    ],
)
def test_rules_the_schema_cannot_say(lines, message):
    found = problems(EDGE + lines + JOURNEYS)
    assert any(message in p for p in found), found


def test_parsers():
    assert parse_edge_url("HTTPS://WWW.Example.COM") == EdgeUrl(
        "https", "www.example.com", 443, "/", ""
    )
    url = parse_edge_url("http://example.com:8080/a?b=1")
    assert (url.origin, url.netloc, str(url)) == (
        "http://example.com:8080",
        "example.com:8080",
        "http://example.com:8080/a?b=1",
    )
    assert parse_edge_url("https://[::1]:8443/").origin == "https://[::1]:8443"
    assert parse_resolve("Example.com:443:[2001:db8::7]") == ResolveOverride(
        "example.com", 443, "2001:db8::7"
    )
    assert str(ResolveOverride("a.com", 443, "::1")) == "a.com:443:[::1]"
    assert parse_host_name("bücher.example.") == "xn--bcher-kva.example"
    assert parse_address(" 192.0.2.1 ") == "192.0.2.1"
    for bad in ("", "-a.com", "a_b..com", "1.2.3.4", "x" * 64 + ".com"):
        with pytest.raises(ValueError, match="host name"):
            parse_host_name(bad)

"""How the edge reaches a host: resolve overrides connect to the given address with
the real name in SNI and Host; nameservers are asked instead of the system resolver;
every failure is a named value, within the timeout."""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from launchgate.checks.edge.network import EdgeNetwork, Reply, edge_ssl_context
from launchgate.checks.http import TransportFailure
from launchgate.config.hosts import parse_edge_url, parse_nameserver, parse_resolve
from launchgate.errors import UsageError
from tests.checks.edge.world import serving
from tests.dns_server import DnsServer
from tests.servers import MisbehavingServer, echo_headers

pytestmark = [pytest.mark.timeout(30), pytest.mark.asyncio]

NAME = "shop.example.test"
UNRESOLVABLE = "launchgate-edge.invalid"  # .invalid never resolves (RFC 6761)


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def context(ca: trustme.CA, tmp_path: Path) -> ssl.SSLContext:
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    return edge_ssl_context([("edge.ca_bundle", str(bundle))])


@pytest.fixture
def echo(ca: trustme.CA) -> Iterator[MisbehavingServer]:
    with MisbehavingServer(echo_headers(), tls=serving(ca.issue_cert(NAME))) as server:
        yield server


def network(context: ssl.SSLContext, **kwargs: object) -> EdgeNetwork:
    return EdgeNetwork(ssl_context=context, timeout_s=2.0, max_body=65536, **kwargs)  # type: ignore[arg-type]


async def test_an_override_connects_there_with_the_name_in_sni_and_host(context, echo):
    override = parse_resolve(f"{NAME}:{echo.port}:127.0.0.1")
    net = network(context, overrides=[override])

    reply = await net.get(parse_edge_url(f"https://{NAME}:{echo.port}/path?q=1"), body=True)

    assert isinstance(reply, Reply), reply
    assert reply.status_code == 200
    assert f"host: {NAME}:{echo.port}" in reply.text  # Host: the name, not the address
    assert str(reply.url) == f"https://{NAME}:{echo.port}/path?q=1"
    assert echo.requests[0].path == "/path?q=1"


async def test_the_certificate_is_verified_for_the_name_not_the_address(ca, context):
    with MisbehavingServer(echo_headers(), tls=serving(ca.issue_cert("other.test"))) as other:
        net = network(context, overrides=[parse_resolve(f"{NAME}:{other.port}:127.0.0.1")])
        reply = await net.get(parse_edge_url(f"https://{NAME}:{other.port}/"))

    assert isinstance(reply, TransportFailure)
    assert reply.kind == "tls"
    assert f"not valid for '{NAME}'" in reply.cause
    assert other.requests == []


async def test_an_override_is_per_port(context, echo):
    net = network(context, overrides=[parse_resolve(f"{UNRESOLVABLE}:1:127.0.0.1")])
    reply = await net.get(parse_edge_url(f"https://{UNRESOLVABLE}:{echo.port}/"))
    assert isinstance(reply, TransportFailure)
    assert reply.kind in ("dns", "timeout")
    assert echo.requests == []


async def test_nameservers_are_asked_instead_of_the_system_resolver(context, echo):
    zone = f"{NAME}. 60 IN A 127.0.0.1\n"
    with DnsServer(zone) as dns:
        net = network(context, nameservers=[parse_nameserver(dns.address)])
        reply = await net.get(parse_edge_url(f"https://{NAME}:{echo.port}/"), body=True)
        missing = await net.get(parse_edge_url(f"https://nope.example.test:{echo.port}/"))
        asked = list(dns.resolver.queries)

    assert isinstance(reply, Reply) and reply.status_code == 200, reply
    assert f"host: {NAME}:{echo.port}" in reply.text
    assert (NAME, "A") in asked
    assert isinstance(missing, TransportFailure)
    assert missing.kind == "dns"
    assert "NXDOMAIN" in missing.cause and dns.address in missing.cause


async def test_a_silent_nameserver_ends_within_the_timeout(context):
    with DnsServer("", silent=[NAME]) as dns:
        net = network(context, nameservers=[parse_nameserver(dns.address)])
        started = time.monotonic()
        reply = await net.get(parse_edge_url(f"https://{NAME}/"))
        elapsed = time.monotonic() - started

    assert isinstance(reply, TransportFailure)
    assert reply.kind in ("dns", "timeout")
    assert elapsed < 2.0 + 2.0  # the timeout, plus a margin for a busy machine


async def test_a_bad_ca_bundle_is_a_usage_error_naming_the_key(tmp_path):
    with pytest.raises(UsageError, match=r"edge\.ca_bundle .*missing\.pem"):
        edge_ssl_context([("edge.ca_bundle", str(tmp_path / "missing.pem"))])

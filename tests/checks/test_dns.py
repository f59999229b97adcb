"""DNS lookups against a real DNS server on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from launchgate.checks.dns import DnsAnswer, DnsFailure, lookup
from launchgate.config.hosts import Nameserver, parse_nameserver
from tests.dns_server import DnsServer

ZONE = """
example.test.      300 IN A     192.0.2.10
example.test.      300 IN TXT   "v=spf1 -all"
www.example.test.  300 IN CNAME example.test.
"""


@pytest.fixture(scope="module")
def nameserver() -> Iterator[Nameserver]:
    with DnsServer(ZONE, servfail=["broken.example.test"], silent=["slow.example.test"]) as dns:
        yield parse_nameserver(dns.address)


@pytest.mark.asyncio
async def test_a_record_and_a_cname_chain(nameserver):
    answer = await lookup("www.example.test", "A", nameservers=[nameserver])
    assert answer == DnsAnswer("www.example.test", "A", ("192.0.2.10",), ("example.test",))


@pytest.mark.asyncio
async def test_txt_records_read_as_text(nameserver):
    answer = await lookup("example.test", "TXT", nameservers=[nameserver])
    assert isinstance(answer, DnsAnswer)
    assert answer.records == ("v=spf1 -all",)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("name", "rdtype", "kind", "phrase"),
    [
        ("nope.example.test", "A", "nxdomain", "does not exist (NXDOMAIN)"),
        ("broken.example.test", "A", "servfail", "SERVFAIL"),
        ("slow.example.test", "A", "timeout", "timed out"),
        ("example.test", "AAAA", "no_answer", "has no AAAA record"),
    ],
)
async def test_each_failure_is_named(nameserver, name, rdtype, kind, phrase):
    failure = await lookup(name, rdtype, nameservers=[nameserver], timeout_s=0.5)
    assert isinstance(failure, DnsFailure)
    assert failure.kind == kind
    assert phrase in failure.message
    assert str(nameserver) in failure.message  # says where it asked


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("1.1.1.1", Nameserver("1.1.1.1", 53)),
        ("127.0.0.1:5353", Nameserver("127.0.0.1", 5353)),
        ("[::1]:5353", Nameserver("::1", 5353)),
        ("::1", Nameserver("::1", 53)),
    ],
)
def test_nameserver_forms(text, parsed):
    assert parse_nameserver(text) == parsed


@pytest.mark.parametrize("bad", ["", "1.1.1.1:x", "1.1.1.1:70000"])
def test_bad_nameservers(bad):
    with pytest.raises(ValueError, match="nameserver"):
        parse_nameserver(bad)

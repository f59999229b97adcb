"""The demo's own nameserver answers for its public names like an authoritative one,
and the settings that hand the HTTPS listener to the app are checked up front."""

from __future__ import annotations

import pytest

from launchgate.checks.dns import DnsAnswer, DnsFailure, lookup
from launchgate.config.hosts import parse_nameserver
from launchgate.demo import DemoSettings
from launchgate.demo.nameserver import DemoNameserver

RECORDS = {
    "demo.launchgate.test": ("A", "127.0.0.1"),
    "www.demo.launchgate.test": ("CNAME", "demo.launchgate.test."),
    "api.demo.launchgate.test": ("A", "127.0.0.1"),
}


@pytest.mark.asyncio
@pytest.mark.timeout(30)
async def test_answers_follow_cnames_and_refuse_unknown_names():
    with DemoNameserver(RECORDS) as dns:
        ns = [parse_nameserver(dns.address)]
        www = await lookup("www.demo.launchgate.test", "A", nameservers=ns, timeout_s=2)
        cname = await lookup("www.demo.launchgate.test", "CNAME", nameservers=ns, timeout_s=2)
        nope = await lookup("nope.demo.launchgate.test", "A", nameservers=ns, timeout_s=2)
        no_aaaa = await lookup("api.demo.launchgate.test", "AAAA", nameservers=ns, timeout_s=2)

    assert www == DnsAnswer(
        "www.demo.launchgate.test", "A", ("127.0.0.1",), ("demo.launchgate.test",)
    )
    assert isinstance(cname, DnsAnswer) and cname.records == ("demo.launchgate.test",)
    assert isinstance(nope, DnsFailure) and nope.kind == "nxdomain"
    assert isinstance(no_aaaa, DnsFailure) and no_aaaa.kind == "no_answer"


def test_stop_ends_the_thread_and_closes_the_port():
    dns = DemoNameserver(RECORDS)
    dns.start()
    dns.stop()
    assert not dns._thread.is_alive()
    assert dns._sock.fileno() == -1


def test_an_https_listener_needs_its_certificate_and_key():
    with pytest.raises(ValueError, match="LAUNCHGATE_DEMO_TLS_FD needs"):
        DemoSettings.from_env({"LAUNCHGATE_DEMO_TLS_FD": "7"})
    settings = DemoSettings.from_env(
        {
            "LAUNCHGATE_DEMO_TLS_FD": "7",
            "LAUNCHGATE_DEMO_TLS_CERT": "c.pem",
            "LAUNCHGATE_DEMO_TLS_KEY": "k.pem",
            "LAUNCHGATE_DEMO_PUBLIC_HOST": "Shop.Test",
        }
    )
    assert settings.tls_fd == 7
    assert settings.public_hosts == {"shop.test", "www.shop.test"}

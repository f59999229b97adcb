"""target.resolve and target.nameservers, for real: the demo's own gate against its
HTTPS listener, whose certificate names only the public host, reached by that name
at a pinned address (TLS verified, the session kept under the name); and a name the
DNS server cannot answer for, which skips the app checks because of it."""

from __future__ import annotations

import dataclasses
import io
import json
import socket
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from launchgate.checks.edge.plan import _state as edge_state
from launchgate.checks.pinning import Pinning
from launchgate.config.hosts import parse_nameserver, parse_resolve
from launchgate.config.load import parse_config
from launchgate.demo import DemoServer
from launchgate.errors import ConfigError
from launchgate.gate import run_gate
from launchgate.probe.h1client import H1Origin, ProbeHTTPError, encode_request
from launchgate.redact import Redactor
from launchgate.runplan import prepare
from tests.demo.gating import DEMO_CONFIG
from tests.dns_server import DnsServer

pytestmark = pytest.mark.timeout(180)


def pinned_gate(
    server: DemoServer, out: Path, target: dict[str, Any], *, probe: bool = False
) -> tuple[int, dict[str, Any]]:
    """The demo's config at https://PUBLIC_HOST:PORT with ``target`` keys added; no
    edge (its own resolve keys are tested elsewhere) and, unless asked, no probe."""
    loaded = parse_config(DEMO_CONFIG.read_text(), DEMO_CONFIG, server.gate_environ())
    config = loaded.config
    url = f"https://{server.public_host}:{server.https_port}"
    new_target = config.target.model_copy(
        update={"url": url, "ca_bundle": str(server.ca_bundle), **target}
    )
    assert config.readiness is not None
    # A failure is waited out for readiness.timeout: short, since none will clear here.
    readiness = config.readiness.model_copy(update={"timeout": 2.0})
    update: dict[str, Any] = {"target": new_target, "edge": None, "readiness": readiness}
    if not probe:
        update["probe"] = None
    loaded = dataclasses.replace(loaded, config=config.model_copy(update=update))
    plan = prepare(loaded, url=url, environ={}, redactor=Redactor([server.password]), out_dir=out)
    code = run_gate(plan, Console(file=io.StringIO(), width=200))
    return code, json.loads((out / "report.json").read_text())


def statuses(report: dict[str, Any]) -> dict[str, str]:
    return {c["id"]: c["status"] for c in report["checks"]}


def test_a_pinned_run_passes_with_tls_verified_and_keeps_the_session(
    demo_server: Callable[..., DemoServer], tmp_path: Path
) -> None:
    server = demo_server()
    pin = f"{server.public_host}:{server.https_port}:127.0.0.1"

    code, report = pinned_gate(server, tmp_path, {"resolve": [pin]})

    found = statuses(report)
    assert code == 0, report
    assert found["readiness"] == "passed"
    # The dashboard journey reuses the login's session: its cookies were stored
    # under the name, not the address connected to.
    assert found["journey::dashboard"] == "passed"
    assert all(status == "passed" for status in found.values()), found


def test_a_pinned_run_still_verifies_the_certificate(
    demo_server: Callable[..., DemoServer], tmp_path: Path
) -> None:
    server = demo_server()
    pin = f"{server.public_host}:{server.https_port}:127.0.0.1"
    # Without the demo's CA the same pinned run is refused: TLS was verified above.
    code, report = pinned_gate(server, tmp_path, {"resolve": [pin], "ca_bundle": None})

    assert code != 0
    readiness = {c["id"]: c for c in report["checks"]}["readiness"]
    assert readiness["status"] == "failed"
    assert "TLS certificate not trusted" in readiness["message"]


def test_target_nameservers_resolve_the_name(
    demo_server: Callable[..., DemoServer], tmp_path: Path
) -> None:
    server = demo_server()
    zone = f"{server.public_host}. 60 IN A 127.0.0.1"
    with DnsServer(zone) as dns:
        code, report = pinned_gate(server, tmp_path, {"nameservers": [dns.address]})
        asked = {name for name, _ in dns.resolver.queries}

    assert code == 0, report
    assert statuses(report)["journey::dashboard"] == "passed"
    assert server.public_host in asked


@pytest.mark.parametrize("failure", ["nxdomain", "servfail"])
def test_an_unresolved_name_skips_the_app_checks_because_of_it(
    demo_server: Callable[..., DemoServer], tmp_path: Path, failure: str
) -> None:
    server = demo_server()
    zone = "other.example. 60 IN A 127.0.0.1"
    servfail = [server.public_host] if failure == "servfail" else []
    cause = "NXDOMAIN" if failure == "nxdomain" else "SERVFAIL"
    with DnsServer(zone, servfail=servfail) as dns:
        code, report = pinned_gate(server, tmp_path, {"nameservers": [dns.address]}, probe=True)

    assert code != 0
    checks = {c["id"]: c for c in report["checks"]}
    readiness = checks["readiness"]
    assert readiness["status"] == "failed"
    assert cause in readiness["message"]
    assert "does not resolve" in readiness["message"]
    app = [c for id_, c in checks.items() if id_ != "readiness" and c["kind"] != "email"]
    assert app
    for check in app:
        assert check["status"] == "skipped", check
        assert cause in check["message"], check  # skipped *because* of the DNS failure
    assert checks["probe"]["status"] == "skipped"  # never a probe at an unresolved target


def test_a_nameserver_that_never_answers_is_named_as_dns_not_as_a_slow_app(
    demo_server: Callable[..., DemoServer], tmp_path: Path
) -> None:
    server = demo_server()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:  # bound, never read
        silent.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{silent.getsockname()[1]}"
        code, report = pinned_gate(server, tmp_path, {"nameservers": [address]}, probe=True)

    assert code != 0
    checks = {c["id"]: c for c in report["checks"]}
    readiness = checks["readiness"]
    assert readiness["status"] == "failed"
    assert f"DNS resolution of {server.public_host} got no answer" in readiness["message"]
    assert f"(asked {address})" in readiness["message"]
    assert "no complete answer" not in readiness["message"]
    assert checks["probe"]["status"] == "skipped"


def test_a_second_entry_for_the_same_host_and_port_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "launchgate.yml"
    path.write_text(
        "version: 1\ntarget:\n  url: https://app.launch.example\n  resolve:\n"
        "    - app.launch.example:443:127.0.0.1\n    - app.launch.example:443:127.0.0.2\n"
    )
    with pytest.raises(ConfigError) as raised:
        parse_config(path.read_text(), path, {})
    text = str(raised.value)
    assert "target.resolve" in text
    assert "already overridden by resolve[0]" in text


def test_a_bad_resolve_entry_names_file_line_and_key(tmp_path: Path) -> None:
    path = tmp_path / "launchgate.yml"
    path.write_text(
        "version: 1\ntarget:\n  url: https://app.launch.example\n  resolve:\n"
        "    - app.launch.example:443\n"
    )
    with pytest.raises(ConfigError) as raised:
        parse_config(path.read_text(), path, {})
    text = str(raised.value)
    assert str(path) in text
    assert ":5" in text or "line 5" in text
    assert "target.resolve" in text


@pytest.mark.asyncio
async def test_the_probe_client_connects_to_the_pinned_address_by_name(
    demo_server: Callable[..., DemoServer],
) -> None:
    server = demo_server()
    host, port = server.public_host, server.https_port
    context = ssl.create_default_context(cafile=str(server.ca_bundle))
    request = encode_request("GET", "/healthz", f"{host}:{port}", ())
    pinned = H1Origin(
        host,
        port,
        ssl_context=context,
        max_body=65536,
        pinning=Pinning([parse_resolve(f"{host}:{port}:127.0.0.1")]),
    )
    try:
        response = await pinned.request(request)
    finally:
        pinned.close()
    assert response.status == 200  # SNI and the certificate check were for the name

    with DnsServer("other.example. 60 IN A 127.0.0.1") as dns:
        unresolved = H1Origin(
            host,
            port,
            ssl_context=context,
            max_body=65536,
            pinning=Pinning(nameservers=[parse_nameserver(dns.address)], timeout_s=2.0),
        )
        with pytest.raises(ProbeHTTPError, match="NXDOMAIN"):
            await unresolved.request(request)


def test_the_edge_uses_the_target_pins_and_its_own_keys_win(tmp_path: Path) -> None:
    path = tmp_path / "launchgate.yml"
    path.write_text(
        "version: 1\n"
        "target:\n  url: https://app.launch.example\n"
        "  resolve: [app.launch.example:443:127.0.0.1, app.launch.example:80:127.0.0.1]\n"
        "  nameservers: [127.0.0.1:5353]\n"
        "edge:\n  url: https://app.launch.example\n"
        "  resolve: [app.launch.example:80:127.0.0.9]\n"
    )
    config = parse_config(path.read_text(), path, {}).config
    assert config.edge is not None
    network = edge_state(config, config.edge).network

    assert network.overrides == {
        ("app.launch.example", 443): "127.0.0.1",  # from target.resolve
        ("app.launch.example", 80): "127.0.0.9",  # edge.resolve wins for its HOST:PORT
    }
    assert [str(ns) for ns in network.nameservers] == ["127.0.0.1:5353"]

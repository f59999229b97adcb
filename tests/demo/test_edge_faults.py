"""The demo's edge, gated for real: HTTPS under public names with a throwaway CA,
its own nameserver, one canonical host, and the six edge faults, each caught by the
check that owns it."""

from __future__ import annotations

import json
import ssl

import httpx
import pytest

from launchgate.cli import main
from tests.conftest import SMALL_SEED
from tests.demo.gating import gate

pytestmark = pytest.mark.timeout(120)


FAULTS = {
    "no-hsts": ({"edge::hsts"}, "high"),
    "public-dashboard-cache": ({"edge::private-cache::dashboard"}, "blocker"),
    "http-no-redirect": ({"edge::https"}, "blocker"),
    "mixed-content": ({"edge::mixed-content"}, "blocker"),
    "cert-expiring": ({"edge::certificate"}, "blocker"),
    # Medium, and blocking: the demo's gate fails on any finding (gate.fail_on: medium).
    "render-blocking-script": ({"edge::render-blocking"}, "medium"),
}


def test_the_clean_demo_passes_every_edge_check(demo_server, tmp_path):
    server = demo_server()
    code, report, terminal = gate(server, tmp_path)

    assert code == 0, terminal
    edge = {c["id"]: c["status"] for c in report["checks"] if c["kind"] == "edge"}
    assert set(edge.values()) == {"passed"}
    host = server.public_host
    assert {
        f"edge::dns::{host}",
        "edge::https",
        "edge::tls",
        "edge::certificate",
        f"edge::alias::https://www.{host}:{server.https_port}",
        f"edge::alias::http://www.{host}:{server.http_port}",
        "edge::page",
        "edge::hsts",
        "edge::headers",
        "edge::static-cache",
        "edge::mixed-content",
        "edge::render-blocking",
        "edge::canonical-link",
        "edge::private-cache::dashboard",
    } <= set(edge)
    assert report["findings"] == []


@pytest.mark.parametrize("fault", list(FAULTS))
def test_each_edge_fault_is_caught_by_its_check(demo_server, tmp_path, fault):
    caught, severity = FAULTS[fault]
    server = demo_server([fault])
    code, report, terminal = gate(server, tmp_path)

    assert code == 1, terminal
    assert report["verdict"] == "fail"
    blocking = {f["check"] for f in report["findings"] if f["blocking"]}
    assert caught <= blocking
    for check_id in caught:
        (check,) = [c for c in report["checks"] if c["id"] == check_id]
        assert check["status"] == "failed"
        assert {f["severity"] for f in check["findings"]} == {severity}
        assert f"✗ {check_id}" in terminal
    # Only the edge is broken: every journey and webhook still passes.
    others = {c["status"] for c in report["checks"] if c["kind"] != "edge"}
    assert others == {"passed"}
    if fault == "http-no-redirect":  # the www alias over http serves a copy too
        assert blocking == caught | {
            f"edge::alias::http://www.{server.public_host}:{server.http_port}"
        }
    else:
        assert blocking == caught


def test_the_demo_edge_answers_like_a_real_one(demo_server):
    """One canonical HTTPS address: http:// and www are sent there in one 301 that keeps
    the path and query; HSTS only over HTTPS; the origin at 127.0.0.1 is served as is."""
    server = demo_server()
    host, https, http = server.public_host, server.https_port, server.http_port
    trust = ssl.create_default_context(cafile=str(server.ca_bundle))
    with httpx.Client(verify=trust, trust_env=False, timeout=10) as client:
        for name in (host, f"www.{host}"):
            response = client.get(
                f"http://127.0.0.1:{http}/pricing?x=1", headers={"Host": f"{name}:{http}"}
            )
            assert response.status_code == 301
            assert response.headers["location"] == f"https://{host}:{https}/pricing?x=1"
            assert "strict-transport-security" not in response.headers
        origin = client.get(f"http://127.0.0.1:{http}/pricing")
        assert origin.status_code == 200
        assert "strict-transport-security" not in origin.headers
        # Over HTTPS, by name (SNI), through the demo's own CA.
        for name, status in ((host, 200), (f"www.{host}", 301)):
            request = client.build_request(
                "GET",
                f"https://127.0.0.1:{https}/",
                headers={"Host": f"{name}:{https}"},
                extensions={"sni_hostname": name},
            )
            page = client.send(request)
            assert page.status_code == status
            assert page.headers["strict-transport-security"].startswith("max-age=63072000")


def test_launchgate_demo_catches_an_expiring_certificate(tmp_path, capsys, fast_demo_env):
    out = tmp_path / "out"
    code = main(["demo", "--fault", "cert-expiring", "--out", str(out)], dict(fast_demo_env))

    terminal = capsys.readouterr().out
    assert code == 1, terminal
    assert "✗ edge::certificate" in terminal
    assert "the certificate expires in 3 days" in terminal
    report = json.loads((out / "report.json").read_text())
    assert [f["check"] for f in report["findings"]] == ["edge::certificate"]


def test_the_small_seed_is_what_these_tests_use():
    assert SMALL_SEED["users"] < 100  # keeps each demo start well under a second

"""TLS, against real HTTPS servers on loopback with certificates from trustme.

A certificate the gate cannot trust fails readiness as a blocker whose cause names the
problem in OpenSSL's own words, and nothing else is sent: no journey, no credential
reaches a server whose identity was not proven.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress
import json
import re
import secrets
import ssl
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from launchgate.cli import main
from launchgate.config.load import LoadedConfig, parse_config
from launchgate.engine import Run
from launchgate.results import Severity
from tests.servers import MisbehavingServer, answer, ok, redirect, routes, server_pool

pytestmark = pytest.mark.timeout(60)

DEADLINE_S = 10.0
MARGIN_S = 5.0


def gate_config(ca_bundle: Path | None, journeys: str | None = None) -> str:
    bundle = f"  ca_bundle: {ca_bundle}\n" if ca_bundle is not None else ""
    return (
        "target:\n  timeout: 1s\n  deadline: 10s\n"
        + bundle
        + "readiness:\n  timeout: 1s\n  interval: 50ms\n  request_timeout: 500ms\n"
        + (journeys or "journeys:\n  home:\n    steps:\n      - path: /\n")
    )


def load(text: str) -> LoadedConfig:
    return parse_config(text, Path("launchgate.yml"), {})


async def run_all(loaded: LoadedConfig, url: str) -> tuple[Run, float]:
    run = Run(loaded, target_url=url)
    started = time.monotonic()
    await run.execute_all()
    return run, time.monotonic() - started


def serving(leaf: trustme.LeafCert) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    leaf.configure_cert(context)
    return context


def self_signed(folder: Path) -> ssl.SSLContext:
    """A leaf certificate for 127.0.0.1 that signs itself: what `openssl req -x509` makes."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "self-signed.pem", folder / "self-signed.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_bundle(ca: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "private-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture
def serve() -> Iterator[Callable[..., MisbehavingServer]]:
    with server_pool() as start:
        yield start


@dataclasses.dataclass(frozen=True)
class BadCertificate:
    context: ssl.SSLContext
    host: str = "127.0.0.1"  # the name the gate uses for the target
    with_ca_bundle: bool = True  # give the test CA as target.ca_bundle


def _days(n: int) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(days=n)


BAD_CERTIFICATES: dict[str, tuple[Callable[[trustme.CA, Path], BadCertificate], str]] = {
    # id: (how to make it, the phrase OpenSSL uses for it)
    "untrusted-root": (
        lambda ca, _: BadCertificate(serving(ca.issue_cert("127.0.0.1")), with_ca_bundle=False),
        r"unable to get local issuer certificate",
    ),
    "wrong-host-name": (
        lambda ca, _: BadCertificate(serving(ca.issue_cert("other.example")), host="localhost"),
        r"Hostname mismatch",
    ),
    "wrong-host-ip": (
        lambda ca, _: BadCertificate(serving(ca.issue_cert("other.example"))),
        r"IP address mismatch",
    ),
    "expired": (
        lambda ca, _: BadCertificate(
            serving(ca.issue_cert("127.0.0.1", not_before=_days(-30), not_after=_days(-1)))
        ),
        r"certificate has expired",
    ),
    "not-yet-valid": (
        lambda ca, _: BadCertificate(
            serving(ca.issue_cert("127.0.0.1", not_before=_days(1), not_after=_days(30)))
        ),
        r"certificate is not yet valid",
    ),
    "self-signed": (
        lambda _, folder: BadCertificate(self_signed(folder)),
        r"self[- ]signed certificate",  # OpenSSL 3 spells it with a hyphen, 1.1 without
    ),
}


@pytest.mark.asyncio
async def test_a_valid_certificate_from_a_private_ca_passes(
    serve: Callable[..., MisbehavingServer], ca: trustme.CA, ca_bundle: Path
) -> None:
    server = serve(ok(), tls=serving(ca.issue_cert("127.0.0.1")))

    run, _ = await run_all(load(gate_config(ca_bundle)), server.url)

    assert run.results["readiness"].status == "passed"
    assert run.results["journey::home"].status == "passed"
    verdict = run.report().verdict
    assert (verdict.outcome, verdict.exit_code) == ("pass", 0)
    assert {r.route for r in server.requests} == {"/healthz", "/"}


@pytest.mark.asyncio
@pytest.mark.parametrize("case", list(BAD_CERTIFICATES))
async def test_an_untrustworthy_certificate_fails_readiness_and_nothing_is_sent(
    serve: Callable[..., MisbehavingServer],
    ca: trustme.CA,
    ca_bundle: Path,
    tmp_path: Path,
    case: str,
) -> None:
    make, phrase = BAD_CERTIFICATES[case]
    bad = make(ca, tmp_path)
    server = serve(ok(), tls=bad.context)
    loaded = load(gate_config(ca_bundle if bad.with_ca_bundle else None))

    run, elapsed = await run_all(loaded, server.url_for(bad.host))

    readiness = run.results["readiness"]
    assert readiness.status == "failed"
    assert readiness.severity is Severity.BLOCKER
    assert "TLS certificate not trusted" in readiness.message
    assert re.search(phrase, readiness.message), readiness.message
    others = [p for c, (_, p) in BAD_CERTIFICATES.items() if c != case]
    assert not [p for p in others if re.search(p, readiness.message)], "causes must be distinct"
    for result in run.results.values():
        if result.check_id != "readiness":
            assert (result.status, result.blocked_by) == ("skipped", ("readiness",))
    assert server.requests == []  # no HTTP request, so no credential, reached it
    assert run.report().verdict.outcome == "fail"
    assert elapsed < DEADLINE_S + MARGIN_S


@pytest.mark.asyncio
async def test_authorization_is_not_sent_over_an_https_to_http_redirect(
    serve: Callable[..., MisbehavingServer], ca: trustme.CA, ca_bundle: Path
) -> None:
    token = "lgtest" + secrets.token_hex(16)
    plain = serve(answer(200, "landed"))
    secure = serve(
        routes({"/healthz": answer(200, "ok"), "/go": redirect(f"{plain.url}/landing")}),
        tls=serving(ca.issue_cert("127.0.0.1")),
    )
    journeys = (
        "journeys:\n  account:\n    steps:\n      - path: /go\n        follow_redirects: true\n"
        f'        headers: {{Authorization: "Bearer {token}"}}\n'
    )

    run, _ = await run_all(load(gate_config(ca_bundle, journeys)), secure.url)

    assert secure.requests[-1].headers["authorization"] == f"Bearer {token}"
    assert [r.route for r in plain.requests] == ["/landing"]
    assert "authorization" not in plain.requests[0].headers
    assert token not in repr(run.results)


def test_the_cli_exits_1_with_a_rollback_for_an_expired_certificate(
    serve: Callable[..., MisbehavingServer], ca: trustme.CA, ca_bundle: Path, tmp_path: Path
) -> None:
    leaf = ca.issue_cert("127.0.0.1", not_before=_days(-30), not_after=_days(-1))
    server = serve(ok(), tls=serving(leaf))
    config = tmp_path / "launchgate.yml"
    config.write_text(gate_config(ca_bundle), encoding="utf-8")
    out = tmp_path / "out"

    code = main(["run", "--config", str(config), "--url", server.url, "--out", str(out)], {})

    assert code == 1
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert (report["verdict"], report["rollback"]) == ("fail", True)
    readiness = next(c for c in report["checks"] if c["id"] == "readiness")
    assert "certificate has expired" in readiness["message"]
    assert server.requests == []


def test_the_cli_refuses_a_missing_ca_bundle_as_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "launchgate.yml"
    config.write_text(gate_config(tmp_path / "no-such-ca.pem"), encoding="utf-8")

    code = main(
        ["run", "--config", str(config), "--url", "https://127.0.0.1:9", "--out", str(tmp_path)],
        {},
    )

    assert code == 2
    assert "target.ca_bundle" in capsys.readouterr().err

"""A small internet on loopback for the edge tests.

A nameserver (``tests.dns_server``) answers for ``example.test`` and its names; an
HTTPS server (``tests.servers``) plays the site under its canonical name and its
``www`` alias, with a certificate from a throwaway CA (trustme); a plain-HTTP server
plays the ``http://`` front. Every part can be misconfigured through :class:`Rules`
or the certificate, one thing at a time, and the edge config to check it is written
by :meth:`World.config`. Servers listen from construction: nothing to wait for.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
import ssl
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import trustme
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from launchgate.config.load import LoadedConfig, parse_config
from launchgate.engine import Run
from tests.dns_server import DnsServer
from tests.servers import Connection, MisbehavingServer, Request

CANONICAL = "example.test"
WWW = "www.example.test"
ELSEWHERE = "elsewhere.test"

ZONE = f"""
{CANONICAL}.        60 IN A     127.0.0.1
{WWW}.              60 IN CNAME {CANONICAL}.
api.{CANONICAL}.    60 IN A     127.0.0.1
app.{CANONICAL}.    60 IN CNAME lb.hosting.test.
lb.hosting.test.    60 IN A     127.0.0.1
old.{CANONICAL}.    60 IN A     192.0.2.1
{ELSEWHERE}.        60 IN A     127.0.0.1
"""
SERVFAIL = f"broken.{CANONICAL}"
SILENT = f"slow.{CANONICAL}"

GOOD_HEADERS: dict[str, str] = {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
}
# A well-made homepage names its canonical URL (the edge::canonical-link check).
CANONICAL_LINK = f'<link rel="canonical" href="https://{CANONICAL}/">'
PAGE = (
    "<!doctype html><html><head><title>Example</title>"
    '<link rel="stylesheet" href="/static/app.css"><script src="/static/app.js"></script>'
    + CANONICAL_LINK
    + '</head><body><h1>Example</h1><img src="/static/logo.png" '
    'srcset="/static/logo@2x.png 2x" alt=""></body></html>'
)


@dataclass
class Rules:
    """How the site behaves; read per request, so a test may change it at any time."""

    headers: dict[str, str | None] = field(default_factory=dict)  # None removes one
    page: str = PAGE
    page_status: int = 200
    asset_cache: str | None = "public, max-age=31536000, immutable"
    # permanent | temporary | two-hops | loop | long-chain | duplicate | drops-path |
    # elsewhere | only-root
    www: str = "permanent"
    http: str = "redirect"  # redirect | serve | temporary | via-http


def _days(n: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(days=n)


def serving(leaf: trustme.LeafCert) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    leaf.configure_cert(context)
    return context


def self_signed(folder: Path, name: str) -> ssl.SSLContext:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_days(-1))
        .not_valid_after(_days(90))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
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


CERTIFICATES = (
    "valid",
    "expired",
    "not-yet-valid",
    "wrong-host",
    "expiring-3-days",
    "expiring-15-days",
    "self-signed",
    "old-tls",
)


def certificate(kind: str, ca: trustme.CA, folder: Path) -> ssl.SSLContext:
    names = (CANONICAL, WWW, ELSEWHERE)
    if kind == "valid":
        return serving(ca.issue_cert(*names))
    if kind == "expired":
        return serving(ca.issue_cert(*names, not_before=_days(-60), not_after=_days(-1)))
    if kind == "not-yet-valid":
        return serving(ca.issue_cert(*names, not_before=_days(2), not_after=_days(90)))
    if kind == "wrong-host":
        return serving(ca.issue_cert("other.test"))
    if kind == "expiring-3-days":
        return serving(ca.issue_cert(*names, not_before=_days(-80), not_after=_days(3)))
    if kind == "expiring-15-days":
        return serving(ca.issue_cert(*names, not_before=_days(-80), not_after=_days(15)))
    if kind == "self-signed":
        return self_signed(folder, CANONICAL)
    if kind == "old-tls":  # a server stuck on TLS 1.1 (allowed only at security level 0)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ca.issue_cert(*names).configure_cert(context)
        context.set_ciphers("DEFAULT:@SECLEVEL=0")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            context.minimum_version = ssl.TLSVersion.TLSv1
            context.maximum_version = ssl.TLSVersion.TLSv1_1
        return context
    raise ValueError(kind)


class Tarpit:
    """Accepts TCP connections and never says a word (no TLS handshake, no HTTP); or,
    given ``answer``, reads whatever comes and answers that, as a plain HTTP server
    answers a TLS ClientHello with a 400."""

    def __init__(self, answer: bytes | None = None) -> None:
        self._answer = answer
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.port: int = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._held.append(conn)
            if self._answer is not None:
                conn.settimeout(5)
                with contextlib.suppress(OSError):
                    conn.recv(4096)
                    conn.sendall(self._answer)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        for conn in self._held:
            conn.close()
        self._listener.close()


class World:
    def __init__(self, folder: Path, *, cert: str = "valid", tls: str = "https") -> None:
        self.rules = Rules()
        self.ca = trustme.CA()
        self.ca_file = folder / "ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_file))
        self._stack = contextlib.ExitStack()
        self.dns = self._stack.enter_context(DnsServer(ZONE, servfail=[SERVFAIL], silent=[SILENT]))
        self.tarpit: Tarpit | None = None
        if tls in ("tarpit", "plain"):
            answer = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
            self.tarpit = Tarpit(answer if tls == "plain" else None)
            self._stack.callback(self.tarpit.stop)
            self.https_port = self.tarpit.port
        else:
            context = certificate(cert, self.ca, folder) if tls == "https" else None
            self.site = self._stack.enter_context(MisbehavingServer(self._site, tls=context))
            self.https_port = self.site.port
        self.front = self._stack.enter_context(MisbehavingServer(self._front))
        self.http_port = self.front.port

    def close(self) -> None:
        self._stack.close()

    # -- URLs ---------------------------------------------------------------------------

    @property
    def canonical(self) -> str:
        return f"https://{CANONICAL}:{self.https_port}"

    def https(self, host: str) -> str:
        return f"https://{host}:{self.https_port}"

    def http(self, host: str) -> str:
        return f"http://{host}:{self.http_port}"

    def config(self, *, aliases: list[str] | None = None, **edge: Any) -> str:
        """A launchgate.yml with only an edge section for this world."""
        section: dict[str, Any] = {
            "url": self.canonical,
            "aliases": (
                aliases
                if aliases is not None
                else [self.http(CANONICAL), self.https(WWW), self.http(WWW)]
            ),
            "nameservers": [self.dns.address],
            "ca_bundle": str(self.ca_file),
            "timeout": "1s",
            **edge,
        }
        data = {
            "target": {"url": self.canonical, "timeout": "1s", "deadline": "20s"},
            "readiness": None,
            "edge": section,
        }
        return yaml.safe_dump(data, sort_keys=False)

    # -- the HTTPS site -----------------------------------------------------------------

    def _site(self, conn: Connection, request: Request) -> None:
        host = request.headers.get("host", "").rsplit(":", 1)[0]
        if host == CANONICAL:
            self._canonical(conn, request)
        elif host == WWW:
            self._www(conn, request)
        else:
            conn.respond(421, b"misdirected")

    def _canonical(self, conn: Connection, request: Request) -> None:
        rules = self.rules
        if request.route.startswith("/static/"):
            asset = [("Content-Type", "text/plain")]
            if rules.asset_cache is not None:
                asset.append(("Cache-Control", rules.asset_cache))
            conn.respond(200, b"asset", asset)
            return
        headers = dict(GOOD_HEADERS)
        for name, value in rules.headers.items():
            headers.pop(name, None)
            if value is not None:
                headers[name] = value
        conn.respond(rules.page_status, rules.page.encode(), list(headers.items()))

    def _www(self, conn: Connection, request: Request) -> None:
        mode = self.rules.www
        here = self.https(WWW)
        target = self.canonical + request.path
        if mode == "permanent":
            _redirect(conn, 301, target)
        elif mode == "temporary":
            _redirect(conn, 302, target)
        elif mode == "two-hops":
            _redirect(conn, 301, self.http(CANONICAL) + request.path)
        elif mode == "loop":
            _redirect(conn, 301, here + ("/b" if request.route == "/a" else "/a"))
        elif mode == "long-chain":
            n = int(request.route.removeprefix("/hop/")) if "/hop/" in request.route else 0
            _redirect(conn, 301, f"{here}/hop/{n + 1}")
        elif mode == "duplicate":
            conn.respond(200, PAGE.encode(), list(GOOD_HEADERS.items()))
        elif mode == "drops-path":
            _redirect(conn, 301, self.canonical + "/")
        elif mode == "elsewhere":
            _redirect(conn, 301, f"https://{ELSEWHERE}:{self.https_port}/")
        elif mode == "only-root":
            if request.route == "/":
                _redirect(conn, 301, target)
            else:
                conn.respond(404, b"not found")
        else:
            raise ValueError(mode)

    # -- the plain-HTTP front -----------------------------------------------------------

    def _front(self, conn: Connection, request: Request) -> None:
        host = request.headers.get("host", "").rsplit(":", 1)[0]
        mode = self.rules.http if host == CANONICAL else "redirect"
        target = self.canonical + request.path
        if mode == "redirect":
            _redirect(conn, 301, target)
        elif mode == "temporary":
            _redirect(conn, 302, target)
        elif mode == "serve":
            conn.respond(200, PAGE.encode(), [("Content-Type", "text/html")])
        elif mode == "via-http":
            _redirect(conn, 301, self.http(WWW) + request.path)
        else:
            raise ValueError(mode)


def _redirect(conn: Connection, code: int, location: str) -> None:
    conn.respond(code, b"", [("Location", location)])


@contextlib.contextmanager
def world(folder: Path, **kwargs: Any) -> Iterator[World]:
    w = World(folder, **kwargs)
    try:
        yield w
    finally:
        w.close()


def load(text: str) -> LoadedConfig:
    return parse_config(text, Path("launchgate.yml"), {})


async def run_edge(text: str, *, target_url: str | None = None) -> tuple[Run, float]:
    """Run every check of the config; the run and how long it took."""
    loaded = load(text)
    run = Run(loaded, target_url=target_url or loaded.config.target.url or "")
    started = time.monotonic()
    await run.execute_all()
    return run, time.monotonic() - started


def failures(run: Run) -> dict[str, set[str]]:
    """check id -> the severities of its findings, for every check that failed."""
    return {
        cid: {f.severity.value for f in r.findings}
        for cid, r in run.results.items()
        if r.status == "failed"
    }


def errors(run: Run) -> dict[str, str]:
    return {cid: r.message for cid, r in run.results.items() if r.status == "error"}

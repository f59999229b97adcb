"""Fixtures shared by the whole suite: a clean environment and real demo servers."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from launchgate.demo import DemoServer

# Imported before any test runs, so that pytester's sys.modules snapshot keeps them.
# A test using pytester that imports a module first (httpx imports httpcore on its
# first request, the demo imports trustme on its first certificate) has it removed
# again at teardown; the next import then makes new classes while older objects keep
# the old ones: httpx stops recognising httpcore's errors (a raw ConnectError escapes
# every `except httpx.HTTPError`), and cryptography's Rust bindings reject the new
# key classes ("curve must be an EllipticCurve instance"). The list is what a
# pytester test of the demo imported first (tests/test_plugin.py).
_IMPORTED_FIRST_BY_PYTESTER_TESTS = (
    "certifi",
    "cryptography.hazmat.backends.openssl.backend",
    "cryptography.hazmat.primitives.asymmetric.ec",
    "cryptography.hazmat.primitives.asymmetric.rsa",
    "cryptography.x509",
    "dns.rdtypes.ANY.CNAME",
    "dns.rdtypes.IN.A",
    "h11",
    "httpcore",
    "httpcore._backends.anyio",
    "httpcore._backends.sync",
    "trustme",
)
for _name in _IMPORTED_FIRST_BY_PYTESTER_TESTS:
    importlib.import_module(_name)

# Proxy and TLS settings from the machine running the suite must not change what it
# sees (httpx's own suite does the same with its `clean_environ` fixture).
_ENVIRONMENT_NOISE = (
    *("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"),
    *("http_proxy", "https_proxy", "all_proxy", "no_proxy"),
    *("SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"),
)

# Small seeds keep a server start well under a second; the code paths are the same.
SMALL_SEED: dict[str, Any] = {"users": 30, "invoices_per_user": 3}
READY_TIMEOUT_S = 30.0
REQUEST_TIMEOUT_S = 10.0
_CSRF_INPUT = re.compile(r'<input type="hidden" name="csrf_token" value="([^"]+)">')


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _ENVIRONMENT_NOISE:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def fast_demo_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment for `launchgate demo` runs in tests: a shorter load probe (still over
    its 200-sample minimum) and one calibration cache shared by the whole session."""
    return {
        "LAUNCHGATE_DEMO_PROBE_RATE": "30/s",
        "LAUNCHGATE_DEMO_PROBE_DURATION": "8s",
        "LAUNCHGATE_CACHE_DIR": str(tmp_path_factory.mktemp("launchgate-cache")),
    }


@pytest.fixture
def demo_server() -> Iterator[Callable[..., DemoServer]]:
    """A factory: ``demo_server(faults=[...], **DemoServer kwargs)`` returns a started,
    ready server; every server it made is stopped at teardown."""
    started: list[DemoServer] = []

    def start(faults: Iterable[str] = (), **kwargs: Any) -> DemoServer:
        server = DemoServer(faults, **{**SMALL_SEED, **kwargs})
        started.append(server)
        server.start()
        server.wait_ready(timeout_s=READY_TIMEOUT_S)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def clean_demo() -> Iterator[DemoServer]:
    """One demo server without faults for read-mostly tests; tests that write use
    fresh emails and event ids, so they do not see each other's data."""
    with DemoServer(users=50, invoices_per_user=5) as server:
        yield server


DEMO_SENTINEL = "Sentinel-Demo-Password-0042"
"""The demo password of every `launchgate demo` run below: tests search all output for it."""


@dataclass(frozen=True)
class DemoRun:
    """One `launchgate demo [--fault F] [--compare] --debug` in a child process, as a user
    runs it."""

    result: subprocess.CompletedProcess[str]
    out: Path  # its output folder

    @property
    def terminal(self) -> str:
        return self.result.stdout + self.result.stderr


@pytest.fixture(scope="session")
def demo_runs(
    tmp_path_factory: pytest.TempPathFactory, fast_demo_env: dict[str, str]
) -> Callable[..., DemoRun]:
    """``demo_runs(fault, compare=False)``: the run for that fault (None: clean), gated
    against a live control with ``compare``, made once per session and shared by every
    test that reads it (each run costs a demo start and a probe)."""
    runs: dict[tuple[str | None, bool], DemoRun] = {}

    def run(fault: str | None, compare: bool = False) -> DemoRun:
        key = (fault, compare)
        if key not in runs:
            name = f"demo-{fault or 'clean'}" + ("-compare" if compare else "")
            folder = tmp_path_factory.mktemp(name)
            env = {k: v for k, v in os.environ.items() if not k.startswith("LAUNCHGATE_")}
            env.update(fast_demo_env)
            env["LAUNCHGATE_DEMO_PASSWORD"] = DEMO_SENTINEL
            args = ["demo", "--debug", "--out", str(folder / "out")]
            args += ["--fault", fault] if fault else []
            args += ["--compare"] if compare else []
            result = subprocess.run(
                [sys.executable, "-m", "launchgate.cli", *args],
                capture_output=True,
                text=True,
                timeout=180,
                env=env,
                cwd=folder,
                check=False,
            )
            runs[key] = DemoRun(result, folder / "out")
        return runs[key]

    return run


class DemoBrowser:
    """An httpx client that keeps cookies and knows the demo's forms."""

    def __init__(self, server: DemoServer) -> None:
        self.server = server
        # trust_env=False: even a proxy a test sets on purpose never sees loopback traffic.
        self.client = httpx.Client(
            base_url=server.url,
            timeout=REQUEST_TIMEOUT_S,
            follow_redirects=False,
            trust_env=False,
        )

    def csrf_token(self, path: str) -> str:
        """GET a form page and return its hidden token (the cookie is kept)."""
        response = self.client.get(path)
        assert response.status_code == 200, response.text
        match = _CSRF_INPUT.search(response.text)
        assert match, f"no csrf_token input on {path}"
        return match.group(1)

    def signup(self, email: str, password: str) -> httpx.Response:
        token = self.csrf_token("/signup")
        return self.client.post(
            "/signup", data={"email": email, "password": password, "csrf_token": token}
        )

    def login(self, email: str, password: str) -> httpx.Response:
        token = self.csrf_token("/login")
        return self.client.post(
            "/login", data={"email": email, "password": password, "csrf_token": token}
        )


@pytest.fixture
def browser() -> Iterator[Callable[[DemoServer], DemoBrowser]]:
    """A factory of :class:`DemoBrowser`, one cookie jar each, closed at teardown."""
    made: list[DemoBrowser] = []

    def make(server: DemoServer) -> DemoBrowser:
        made.append(DemoBrowser(server))
        return made[-1]

    yield make
    for b in made:
        b.client.close()

"""Run the demo app under a real uvicorn process on a free loopback port.

No port race: the parent binds ``127.0.0.1:0`` and listens, then hands the listening
socket to uvicorn (``--fd``), so nothing else can take the port between choosing it
and serving on it. The child's output goes to files in a private temp directory,
never to the terminal; the tail of stderr is quoted when the server fails to start.

The child's environment is the parent's without proxy variables and without any
inherited ``LAUNCHGATE_DEMO_*`` (a fault left in a shell must not leak into a run),
plus the settings chosen here. The runner parses that exact environment with
:meth:`DemoSettings.from_env`, so the email and secrets it reports are the ones the
app uses.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import site
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType

import httpx

import launchgate
from launchgate.demo.certs import DemoCertificates, write_certificates
from launchgate.demo.faults import validate_faults
from launchgate.demo.nameserver import DemoNameserver
from launchgate.demo.settings import ENV_PREFIX, DemoSettings

__all__ = ["PROXY_VARIABLES", "DemoServer"]

logger = logging.getLogger(__name__)

PROXY_VARIABLES = frozenset(
    name
    for base in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")
    for name in (base, base.lower())
)
_OUTPUT_CAP_BYTES = 1024 * 1024  # what output() keeps after stop(): the tail
_STDERR_TAIL_LINES = 20
_POLL_TIMEOUT_S = 1.0
_POLL_INTERVAL_S = 0.05


def _source_root() -> str | None:
    """The folder to put on the child's PYTHONPATH so that it imports this very
    launchgate (a source checkout run in place); None when it lives in a site-packages
    folder, which the child, the same interpreter, finds anyway. Putting site-packages
    on PYTHONPATH would move it ahead of the standard library."""
    root = Path(launchgate.__file__).resolve().parent.parent
    site_dirs = [*site.getsitepackages(), site.getusersitepackages()]
    return None if any(root == Path(d).resolve() for d in site_dirs) else str(root)


class DemoServer:
    """The demo app on ``http://127.0.0.1:<free port>`` in a uvicorn subprocess.

    It is also its own edge: the same app serves HTTPS on a second free port
    (:attr:`https_port`, for :attr:`public_host`: ``demo.launchgate.test`` by default)
    with a certificate from a throwaway CA (:attr:`ca_bundle`), and a nameserver in
    this process (:attr:`nameserver`) answers for the public names.
    :meth:`gate_environ` gives the variables the demo's ``launchgate.yml`` reads.

    ``with DemoServer(faults=["login-500"]) as server:`` starts it and waits until
    ``/healthz`` answers; leaving the block stops it. ``start()``, ``wait_ready()`` and
    ``stop()`` are there for callers that need the steps apart.
    """

    def __init__(
        self,
        faults: Iterable[str] = (),
        *,
        password: str | None = None,
        extra_env: Mapping[str, str] | None = None,
        users: int | None = None,
        invoices_per_user: int | None = None,
        admin_token: str | None = None,
        port: int = 0,
    ) -> None:
        if isinstance(faults, str):  # "login-500" would otherwise iterate as letters
            raise TypeError("faults must be a list of fault names, not one string")
        chosen = validate_faults(faults)  # ValueError naming the valid faults, up front
        extra = dict(extra_env or {})
        if password is None:
            password = extra.get(ENV_PREFIX + "PASSWORD") or secrets.token_urlsafe(16)
        if admin_token is None:
            # Always an admin endpoint, with a token of its own: tests and
            # `launchgate demo --serve` switch faults through it (admin.py).
            admin_token = extra.get(ENV_PREFIX + "ADMIN_TOKEN") or secrets.token_urlsafe(24)
        explicit = {ENV_PREFIX + "PASSWORD": password, ENV_PREFIX + "ADMIN_TOKEN": admin_token}
        if chosen:
            explicit[ENV_PREFIX + "FAULTS"] = ",".join(sorted(chosen))
        if users is not None:
            explicit[ENV_PREFIX + "USERS"] = str(users)
        if invoices_per_user is not None:
            explicit[ENV_PREFIX + "INVOICES_PER_USER"] = str(invoices_per_user)
        self._settings_env = {**extra, **explicit}  # explicit arguments win
        # Refuses a bad value (USERS=abc, a malformed secret) before anything starts.
        self._settings = DemoSettings.from_env(self._settings_env)
        self._proc: subprocess.Popen[bytes] | None = None
        self._pid: int | None = None  # kept after stop(), so callers can check it is gone
        self._sock: socket.socket | None = None
        self._tls_sock: socket.socket | None = None
        self._tmp: Path | None = None
        self._port: int | None = None
        self._requested_port = port
        self._https_port: int | None = None
        self._certs: DemoCertificates | None = None
        self._dns: DemoNameserver | None = None
        self._output_after_stop = ""

    # -- what callers need to talk to the demo ---------------------------------------

    @property
    def url(self) -> str:
        if self._port is None:
            raise RuntimeError("the demo server has not been started")
        return f"http://127.0.0.1:{self._port}"

    # -- the edge: HTTPS under public names, a CA and a nameserver of the demo's own --

    @property
    def public_host(self) -> str:
        return self._settings.public_host

    @property
    def https_port(self) -> int:
        if self._https_port is None:
            raise RuntimeError("the demo server has not been started")
        return self._https_port

    @property
    def http_port(self) -> int:
        if self._port is None:
            raise RuntimeError("the demo server has not been started")
        return self._port

    @property
    def ca_bundle(self) -> Path:
        if self._certs is None:
            raise RuntimeError("the demo server has not been started")
        return self._certs.ca_bundle

    @property
    def nameserver(self) -> str:
        if self._dns is None:
            raise RuntimeError("the demo server has not been started")
        return self._dns.address

    def gate_environ(self) -> dict[str, str]:
        """The variables the demo's launchgate.yml reads, as this server answers them."""
        return {
            "LAUNCHGATE_URL": self.url,
            "LAUNCHGATE_DEMO_PASSWORD": self.password,
            "LAUNCHGATE_DEMO_WEBHOOK_SECRET": self.webhook_secret,
            "LAUNCHGATE_DEMO_PUBLIC_HOST": self.public_host,
            "LAUNCHGATE_DEMO_HTTP_PORT": str(self.http_port),
            "LAUNCHGATE_DEMO_HTTPS_PORT": str(self.https_port),
            "LAUNCHGATE_DEMO_CA_BUNDLE": str(self.ca_bundle),
            "LAUNCHGATE_DEMO_NAMESERVER": self.nameserver,
            "LAUNCHGATE_DEMO_LOG": str(self.log_path),
        }

    @property
    def log_path(self) -> Path:
        """The app's log file (``launchgate.demo.applog``), removed by :meth:`stop`."""
        if self._tmp is None:
            raise RuntimeError("the demo server has not been started")
        return self._tmp / "app.log"

    @property
    def pid(self) -> int:
        if self._pid is None:
            raise RuntimeError("the demo server has not been started")
        return self._pid

    @property
    def password(self) -> str:
        return self._settings.password

    @property
    def email(self) -> str:
        return self._settings.email

    @property
    def webhook_secret(self) -> str:
        return self._settings.webhook_secret

    @property
    def standard_secret(self) -> str:
        return self._settings.standard_secret

    @property
    def faults(self) -> frozenset[str]:
        """The faults it was started with; :meth:`set_fault` changes the live set."""
        return self._settings.faults

    @property
    def admin_token(self) -> str:
        token = self._settings.admin_token
        if token is None:  # unreachable: __init__ always sets one
            raise RuntimeError("the demo server has no admin token")
        return token

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def set_fault(self, name: str, on: bool, *, timeout_s: float = 10.0) -> frozenset[str]:
        """Switch a fault on or off in the running app (its admin endpoint); return
        the faults now on."""
        validate_faults([name])
        with httpx.Client(trust_env=False, timeout=timeout_s) as client:
            response = client.request(
                "PUT" if on else "DELETE",
                f"{self.url}/admin/faults/{name}",
                headers={"Authorization": f"Bearer {self.admin_token}"},
            )
        if response.status_code != 200:
            raise RuntimeError(f"the admin endpoint answered {response.status_code}")
        return frozenset(response.json()["on"])

    def __repr__(self) -> str:  # secrets stay out, as in DemoSettings
        where = self.url if self._port is not None else "not started"
        return f"DemoServer({where}, faults={sorted(self.faults)!r})"

    # -- lifecycle --------------------------------------------------------------------

    def start(self) -> None:
        """Spawn uvicorn on a freshly bound loopback socket; returns without waiting."""
        if self._pid is not None:
            raise RuntimeError("a DemoServer starts once; make a new one to start again")
        self._tmp = Path(tempfile.mkdtemp(prefix="launchgate-demo-"))
        try:
            self._spawn(self._tmp)
        except BaseException:
            self.stop()
            raise
        logger.info("demo server starting on %s (pid %d)", self.url, self.pid)

    def _spawn(self, tmp: Path) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock = sock
        # uvicorn wraps an --fd socket as AF_UNIX, so asyncio never sets TCP_NODELAY on
        # the connections it accepts, and Nagle plus delayed ACKs then add ~40 ms to
        # every response. Accepted sockets inherit the option from the listener.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(("127.0.0.1", self._requested_port))
        sock.listen(128)
        self._port = sock.getsockname()[1]
        fd = sock.fileno()
        tls_fd = self._prepare_edge(tmp)
        argv = [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "launchgate.demo.app:create_app",
            "--fd",
            str(fd),
            "--log-level",
            "warning",
            "--no-access-log",
        ]
        with (tmp / "stdout.log").open("wb") as out, (tmp / "stderr.log").open("wb") as err:
            self._proc = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
                argv,
                pass_fds=(fd, tls_fd),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                env=self._child_env(tmp, tls_fd),
                # An empty working directory: `python -m` puts it first on sys.path,
                # and the caller's directory may hold anything.
                cwd=tmp,
            )
        self._pid = self._proc.pid
        # The child holds its own copy now. Closing ours ties the port's life to the
        # child: if it dies, connections are refused at once instead of queueing.
        sock.close()
        self._sock = None
        if self._tls_sock is not None:
            self._tls_sock.close()
            self._tls_sock = None

    def _prepare_edge(self, tmp: Path) -> int:
        """Certificates, the HTTPS listening socket (its fd for the child) and the
        nameserver of the demo's public names."""
        host = self.public_host
        names = (host, f"www.{host}", f"api.{host}")
        self._certs = write_certificates(tmp, names, expiring="cert-expiring" in self.faults)
        tls_sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._tls_sock = tls_sock
        tls_sock.bind(("127.0.0.1", 0))
        tls_sock.listen(128)
        self._https_port = tls_sock.getsockname()[1]
        self._dns = DemoNameserver(
            {
                host: ("A", "127.0.0.1"),
                f"www.{host}": ("CNAME", f"{host}."),
                f"api.{host}": ("A", "127.0.0.1"),
            }
        )
        self._dns.start()
        return tls_sock.fileno()

    def _child_env(self, tmp: Path, tls_fd: int) -> dict[str, str]:
        env = {
            name: value
            for name, value in os.environ.items()
            if name not in PROXY_VARIABLES and not name.startswith(ENV_PREFIX)
        }
        source_root = _source_root()
        if source_root is not None:
            env["PYTHONPATH"] = os.pathsep.join(filter(None, (source_root, env.get("PYTHONPATH"))))
        env[ENV_PREFIX + "DB"] = str(tmp / "demo.sqlite3")  # removed with tmp by stop()
        env[ENV_PREFIX + "LOG"] = str(tmp / "app.log")  # the app's log, for the log check
        env.update(self._settings_env)
        if self._certs is not None:
            env[ENV_PREFIX + "TLS_FD"] = str(tls_fd)
            env[ENV_PREFIX + "TLS_CERT"] = str(self._certs.cert)
            env[ENV_PREFIX + "TLS_KEY"] = str(self._certs.key)
        return env

    def wait_ready(self, timeout_s: float = 30.0) -> None:
        """Poll ``/healthz`` until it answers 200; ``RuntimeError`` if the process exits
        or ``timeout_s`` passes first."""
        proc = self._proc
        if proc is None:
            raise RuntimeError("the demo server has not been started")
        deadline = time.monotonic() + timeout_s
        last_problem = "no answer yet"
        # trust_env=False: a proxy from the environment must never see loopback traffic.
        with httpx.Client(trust_env=False, timeout=_POLL_TIMEOUT_S) as client:
            while True:
                code = proc.poll()
                if code is not None:
                    raise RuntimeError(
                        f"the demo server exited with code {code} before it was ready"
                        f"{self._stderr_tail()}"
                    )
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise RuntimeError(
                        f"the demo server was not ready within {timeout_s:g} s"
                        f" ({last_problem}){self._stderr_tail()}"
                    )
                try:
                    response = client.get(
                        f"{self.url}/healthz", timeout=min(_POLL_TIMEOUT_S, remaining)
                    )
                except httpx.TransportError as exc:
                    last_problem = f"{type(exc).__name__}: {exc}"
                else:
                    if response.status_code == 200:
                        return
                    last_problem = f"/healthz answered {response.status_code}"
                time.sleep(min(_POLL_INTERVAL_S, max(deadline - time.monotonic(), 0)))

    def stop(self, timeout_s: float = 5.0) -> None:
        """Terminate the process (SIGTERM, then SIGKILL after ``timeout_s``), close the
        socket, remove the temp files. Safe to call more than once."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()  # SIGTERM to proc.pid; Popen never signals a reaped pid
            try:
                proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                logger.warning("demo server pid %d ignored SIGTERM; killing it", proc.pid)
                proc.kill()
                proc.wait(timeout=timeout_s)
        for sock in (self._sock, self._tls_sock):
            if sock is not None:
                sock.close()
        self._sock = self._tls_sock = None
        if self._dns is not None:
            self._dns.stop()
            self._dns = None
        if self._tmp is not None:
            self._output_after_stop = self.output()
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def output(self) -> str:
        """The child's captured stdout and stderr so far (after ``stop()``: their tail)."""
        if self._tmp is None:
            return self._output_after_stop
        parts = []
        for name in ("stdout.log", "stderr.log"):
            try:
                with (self._tmp / name).open("rb") as f:
                    f.seek(0, os.SEEK_END)
                    f.seek(max(f.tell() - _OUTPUT_CAP_BYTES, 0))
                    parts.append(f.read().decode("utf-8", "replace"))
            except FileNotFoundError:
                continue
        return "".join(parts)

    def _stderr_tail(self) -> str:
        if self._tmp is None:
            return ""
        try:
            text = (self._tmp / "stderr.log").read_text("utf-8", "replace")
        except FileNotFoundError:
            return ""
        lines = text.strip().splitlines()[-_STDERR_TAIL_LINES:]
        return "; last lines of its stderr:\n" + "\n".join(lines) if lines else ""

    def __enter__(self) -> DemoServer:
        self.start()
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

"""The recipe apps in a real server process each: uvicorn on a loopback socket bound
here (handed over with ``--fd``, so no other process can take the port in between),
optionally over HTTPS with a trustme certificate, stopped by its pid."""

from __future__ import annotations

import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

import httpx
import trustme

REPO = Path(__file__).resolve().parents[2]
READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0

# The account each app starts with, for the recipes' login journey; the password is
# the one the recipe reads from LAUNCHGATE_PASSWORD.
USERNAME = "launchgate"
PASSWORD = "Recipe-Gate-Password-0815"


def _python_env(extra: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(REPO), env.get("PYTHONPATH"))))
    env.update(extra)
    return env


class AppServer:
    """``uvicorn APP`` on ``127.0.0.1:<free port>``; ``tls=True`` serves HTTPS with a
    certificate for 127.0.0.1 from a CA of its own (``ca_bundle``)."""

    def __init__(
        self,
        app: str,
        workdir: Path,
        *,
        ready_path: str,
        env: Mapping[str, str] | None = None,
        tls: bool = False,
        factory: bool = False,
        before: Sequence[str] = (),
    ) -> None:
        self.workdir = workdir
        self._app = app
        self._ready_path = ready_path
        self._factory = factory
        self._before = tuple(before)
        self._env = _python_env(
            {
                "RECIPE_SECRET_KEY": "recipe-tests-only-" + os.urandom(8).hex(),
                "RECIPE_USERNAME": USERNAME,
                "RECIPE_PASSWORD": PASSWORD,
                **(env or {}),
            }
        )
        self._tls = tls
        self.ca_bundle: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"{'https' if self._tls else 'http'}://127.0.0.1:{self.port}"

    def __enter__(self) -> AppServer:
        try:
            self._start()
            self._wait_ready()
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

    def _start(self) -> None:
        if self._before:
            # Setup as a team runs it before the server (migrations, the first account).
            setup = subprocess.run(
                [sys.executable, "-m", *self._before],
                env=self._env,
                cwd=self.workdir,
                timeout=READY_TIMEOUT_S,
                capture_output=True,
                text=True,
            )
            if setup.returncode != 0:
                raise RuntimeError(f"{' '.join(self._before)} failed:\n{setup.stderr[-4000:]}")
        argv = [sys.executable, "-m", "uvicorn", self._app, "--log-level", "warning"]
        if self._factory:
            argv.append("--factory")
        if self._tls:
            argv += self._certificates()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        with sock:
            sock.bind(("127.0.0.1", 0))
            sock.listen(128)
            self.port = sock.getsockname()[1]
            argv += ["--fd", str(sock.fileno())]
            with (self.workdir / "server.log").open("wb") as log:
                self._proc = subprocess.Popen(
                    argv,
                    pass_fds=(sock.fileno(),),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=self._env,
                    cwd=self.workdir,
                )

    def _certificates(self) -> list[str]:
        ca = trustme.CA()
        leaf = ca.issue_cert("127.0.0.1", "localhost")
        self.ca_bundle = self.workdir / "ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_bundle))
        cert, key = self.workdir / "cert.pem", self.workdir / "key.pem"
        leaf.cert_chain_pems[0].write_to_path(str(cert))
        leaf.private_key_pem.write_to_path(str(key))
        return ["--ssl-certfile", str(cert), "--ssl-keyfile", str(key)]

    def _wait_ready(self) -> None:
        assert self._proc is not None
        verify: ssl.SSLContext | bool = (
            ssl.create_default_context(cafile=str(self.ca_bundle)) if self.ca_bundle else True
        )
        deadline = time.monotonic() + READY_TIMEOUT_S
        with httpx.Client(verify=verify, trust_env=False, timeout=5.0) as client:
            while time.monotonic() < deadline:
                if self._proc.poll() is not None:
                    raise RuntimeError(f"{self._app} exited early:\n{self.log()}")
                try:
                    if client.get(self.url + self._ready_path).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
        raise RuntimeError(f"{self._app} was not ready in {READY_TIMEOUT_S:.0f} s:\n{self.log()}")

    def log(self) -> str:
        path = self.workdir / "server.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def stop(self) -> None:
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=STOP_TIMEOUT_S)

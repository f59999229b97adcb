"""Plant secrets everywhere a gate sees them, then search every byte it wrote.

Hurl's own suite runs at the highest verbosity with every report format and greps all
files for the planted secret; this is that test. A secret must not appear raw, URL-
encoded, JSON-escaped or base64-encoded in the terminal or in any output file, whether
the run passes, fails or crashes.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from launchgate.cli import main
from tests.conftest import DEMO_SENTINEL

SECRETS = {
    "API_TOKEN": "S3ntinel-Api-Token-9931",
    "APP_PASSWORD": "pa$$ w0rd&=Sentinel+/x",
    "CARD_NUMBER": "4242424242424242",
    "QUERY_TOKEN": "Sentinel_Query_T0ken",
    "URL_PASSWORD": "Sentinel-Url-Pass",
}
COOKIE_SECRET = "Sentinel-Cookie-Value-5521"


def forms(secret: str) -> set[str]:
    """The shapes a secret takes on its way into logs and reports."""
    return {
        secret,
        quote(secret, safe=""),
        quote_plus(secret),
        json.dumps(secret)[1:-1],
        base64.b64encode(secret.encode()).decode().rstrip("="),
        base64.urlsafe_b64encode(secret.encode()).decode().rstrip("="),
        base64.b64encode(f"user:{secret}".encode()).decode().rstrip("=")[8:],
    }


def assert_nowhere(secrets: list[str], texts: dict[str, str]) -> None:
    for secret in secrets:
        for form in forms(secret):
            for where, text in texts.items():
                assert form not in text, f"{form!r} (from a planted secret) leaked into {where}"


def written(out: Path) -> dict[str, str]:
    return {str(p): p.read_text(errors="replace") for p in sorted(out.rglob("*")) if p.is_file()}


class _Echo(BaseHTTPRequestHandler):
    """Answers 500 and reflects everything it received, as a crashing app's error page
    might; also sets a session cookie. The worst case for a gate's failure excerpts."""

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length).decode(errors="replace")
        echo = {"path": self.path, "headers": dict(self.headers), "body": body}
        payload = json.dumps(echo).encode()
        self.send_response(500)
        self.send_header("content-type", "application/json")
        self.send_header("set-cookie", f"sid={COOKIE_SECRET}; HttpOnly; Path=/")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:
        if self.path == "/healthz":
            self.send_response(200)
            self.send_header("content-length", "2")
            self.send_header("set-cookie", f"sid={COOKIE_SECRET}; Path=/")
            self.end_headers()
            self.wfile.write(b"ok")
            return
        self._answer()

    do_POST = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def echo_server() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


CONFIG = """\
secrets: [API_TOKEN, APP_PASSWORD, CARD_NUMBER, QUERY_TOKEN, URL_PASSWORD]
readiness: {timeout: 5s, interval: 50ms}
journeys:
  session:
    steps:
      - path: /healthz
        capture: {sid: {cookie: sid}}
  checkout:
    session: session
    steps:
      - name: pay
        method: POST
        path: /pay
        query: {token: "${QUERY_TOKEN}"}
        headers: {Authorization: "Bearer ${API_TOKEN}", X-Session: "{{ sid }}"}
        form: {password: "${APP_PASSWORD}", card: "${CARD_NUMBER}", email: "{{ run.email }}"}
        expect: {status: 200}
"""


def test_a_failing_run_leaks_nothing_even_when_the_app_echoes_it_all(
    tmp_path: Path, echo_server: int, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "launchgate.yml").write_text(CONFIG)
    out = tmp_path / "out"
    url = f"http://user:{SECRETS['URL_PASSWORD']}@127.0.0.1:{echo_server}"
    code = main(
        [
            "run",
            "--config",
            str(tmp_path / "launchgate.yml"),
            "--url",
            url,
            "--out",
            str(out),
            "--debug",
        ],
        environ=SECRETS,
    )
    captured = capsys.readouterr()
    assert code == 1  # the app answered 500: the gate failed, as it should
    report = json.loads((out / "report.json").read_text())
    (checkout,) = [c for c in report["checks"] if c["id"] == "journey::checkout"]
    assert "answered 500" in checkout["message"]
    assert "[redacted]" in checkout["findings"][0]["detail"]  # the echo was there, masked
    texts = {"stdout": captured.out, "stderr": captured.err, **written(out)}
    assert_nowhere([*SECRETS.values(), COOKIE_SECRET], texts)


def test_a_crashing_check_leaks_nothing(
    tmp_path: Path,
    echo_server: int,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import launchgate.checks.journeys

    async def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"boom while holding {SECRETS['API_TOKEN']} and {COOKIE_SECRET}")

    monkeypatch.setattr(launchgate.checks.journeys, "run_journey", crash)
    (tmp_path / "launchgate.yml").write_text(CONFIG)
    out = tmp_path / "out"
    code = main(
        [
            "run",
            "--config",
            str(tmp_path / "launchgate.yml"),
            "--url",
            f"http://127.0.0.1:{echo_server}",
            "--out",
            str(out),
            "--debug",
        ],
        environ=SECRETS,
    )
    captured = capsys.readouterr()
    assert code == 3  # could not decide: fail closed
    report = json.loads((out / "report.json").read_text())
    assert report["verdict"] == "error" and report["rollback"] is True
    # The cookie was learnt at run time; the crash message mentions it after that.
    texts = {"stdout": captured.out, "stderr": captured.err, **written(out)}
    assert_nowhere([SECRETS["API_TOKEN"]], texts)


@pytest.mark.parametrize("fault", [None, "login-500", "signup-broken", "flaky-5xx"])
def test_the_demo_password_never_shows(fault: str | None, demo_runs) -> None:
    """Every shared demo run plants DEMO_SENTINEL as the demo customer's password and runs
    with --debug; passing, failing and probing, it shows up nowhere."""
    run = demo_runs(fault)
    assert run.result.returncode == (0 if fault is None else 1), run.terminal
    texts = {"stdout": run.result.stdout, "stderr": run.result.stderr, **written(run.out)}
    assert_nowhere([DEMO_SENTINEL], texts)

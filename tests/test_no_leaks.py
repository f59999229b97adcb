"""Plant secrets everywhere a gate sees them, then search every byte it wrote.

Hurl's own suite runs at the highest verbosity with every report format and greps all
files for the planted secret; this is that test. A secret must not appear raw, URL-
encoded, JSON-escaped or base64-encoded in the terminal or in any output file, whether
the run passes, fails or crashes.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from launchgate.cli import main
from tests.conftest import DEMO_SENTINEL
from tests.servers import handler_server

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
    with handler_server(_Echo) as port:
        yield port


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


@pytest.mark.parametrize(
    ("fault", "compare"),
    [(None, False), ("login-500", False), ("signup-broken", False), ("flaky-5xx", False),
     (None, True), ("missing-index", True)],
)  # fmt: skip
def test_the_demo_password_never_shows(fault: str | None, compare: bool, demo_runs) -> None:
    """Every shared demo run plants DEMO_SENTINEL as the demo customer's password and runs
    with --debug; passing, failing, probing and logging in on a control, it shows up
    nowhere."""
    run = demo_runs(fault, compare)
    assert run.result.returncode == (0 if fault is None else 1), run.terminal
    texts = {"stdout": run.result.stdout, "stderr": run.result.stderr, **written(run.out)}
    assert_nowhere([DEMO_SENTINEL], texts)


# -- every channel, every outcome: launchgate as a user runs it ---------------------------

ENV_KEY = "Canary-Env Key/7+x"  # a `secrets:` variable, sent as X-Api-Key
BEARER = "Canary.Bearer+Tok/3n="  # handed out by /login, captured as `bearer`
APP_COOKIE = "Canary-Cookie_V4lue.x"  # set by /login
URL_PASS = "Canary-Url-P4ss"  # in --url http://user:…@host
QUERY_TOKEN = "Canary Query/T0ken+x"  # written literally in a step's path
QUERY_CODE = "Canary-C0de/x y"  # another one, under another secret-looking name
QUERY_KEY = "Canary-Api/Key 9"  # a literal value in a step's `query:`
FORM_PASS = "Canary Pa55w0rd&=/!"  # a literal password form field
CARD = "4000 0566 5566 5556"  # Luhn-valid (a Visa test number), in the app's answer
CANARIES = [ENV_KEY, BEARER, APP_COOKIE, URL_PASS, QUERY_TOKEN, QUERY_CODE, QUERY_KEY, FORM_PASS]
CANARIES += [CARD]
CANARIES += [CARD.replace(" ", "")]
ORDER_ID = "4000056655665557"  # looks like a card but fails the Luhn check: kept
RUNNER = Path(__file__).with_name("leak_runner.py")


def every_form(secret: str) -> set[str]:
    """:func:`forms`, and the form an HTTP client gives a value written in a URL."""
    return forms(secret) | {quote(secret, safe="-._~!$&'()*+,;=:@/?")}


class _App(BaseHTTPRequestHandler):
    """Logs a user in (a bearer token in the JSON, a session cookie) and echoes what it
    got back on /echo, with a card number: the worst an app can do to a gate."""

    protocol_version = "HTTP/1.1"

    def _route(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length).decode(errors="replace")
        path = self.path.partition("?")[0]
        if path == "/healthz":
            self._send(200, {"ok": True})
        elif path == "/login":
            self._send(200, {"access_token": BEARER}, f"sid={APP_COOKIE}; HttpOnly; Path=/")
        else:  # /echo answers 200, /echo/broken 500
            echo = {
                "path": self.path,
                "card": CARD,
                "order": ORDER_ID,
                "body": body,
                **{h: self.headers.get(h) for h in ("cookie", "authorization", "x-api-key")},
                "ref": self.headers.get("x-ref"),
            }
            self._send(500 if path.endswith("/broken") else 200, echo)

    def _send(self, code: int, document: object, cookie: str | None = None) -> None:
        payload = json.dumps(document).encode()
        self.send_response(code)
        self.send_header("content-type", "application/json")
        if cookie:
            self.send_header("set-cookie", cookie)
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _route

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def app_port() -> Iterator[int]:
    with handler_server(_App) as port:
        yield port


MATRIX_CONFIG = """\
secrets: [LG_CANARY_KEY]
readiness: {timeout: 5s, interval: 50ms}
journeys:
  account:
    steps:
      - name: log in
        method: POST
        path: /login
        query: {api_key: "QUERY_KEY"}
        form: {email: "{{ run.email }}", password: "FORM_PASS"}
        capture: {bearer: {json: $.access_token}}
        expect: {status: 200}
      - name: echo
        method: POST
        path: "ECHO_PATH?token=QUERY_TOKEN&page=2&code=QUERY_CODE"
        headers: {X-Api-Key: "${LG_CANARY_KEY}", X-Ref: "Bearer {{ bearer }}"}
        form: {password: "FORM_PASS", note: hello}
        expect: {status: 200}
"""

EXIT = {"pass": 0, "fail": 1, "crash": 3}
MODES = {  # (launchgate flags, inside GitHub Actions)
    "plain": ([], False),
    "debug": (["--debug"], False),
    "github": ([], True),
    "debug-github": (["--debug"], True),
    "wire-github": (["--debug-wire"], True),
}


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("outcome", sorted(EXIT))
def test_no_canary_shows_on_any_channel(
    outcome: str, mode: str, app_port: int, tmp_path: Path
) -> None:
    flags, github = MODES[mode]
    config = MATRIX_CONFIG.replace("ECHO_PATH", "/echo/broken" if outcome == "fail" else "/echo")
    literals = {"FORM_PASS": FORM_PASS, "QUERY_TOKEN": QUERY_TOKEN, "QUERY_CODE": QUERY_CODE}
    for name, value in {**literals, "QUERY_KEY": QUERY_KEY}.items():
        config = config.replace(name, value)
    (tmp_path / "launchgate.yml").write_text(config)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAUNCHGATE_", "GITHUB_"))}
    env["LG_CANARY_KEY"] = ENV_KEY
    gh_files = {
        "GITHUB_OUTPUT": tmp_path / "gh-output",
        "GITHUB_STEP_SUMMARY": tmp_path / "gh-summary",
    }
    if github:
        env["GITHUB_ACTIONS"] = "true"
        env.update({name: str(path) for name, path in gh_files.items()})
    url = f"http://lg-user:{URL_PASS}@127.0.0.1:{app_port}"
    run = subprocess.run(
        [sys.executable, str(RUNNER), outcome, "run", "--url", url, "--out", "out", *flags],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert run.returncode == EXIT[outcome], run.stdout + run.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    (journey,) = [c for c in report["checks"] if c["id"] == "journey::account"]
    if outcome == "fail":
        detail = journey["findings"][0]["detail"]
        assert "[redacted]" in detail and ORDER_ID in detail  # the echo is there, masked
    if outcome == "crash":
        assert "launchgate bug while reading" in journey["message"]
    masks = [line for line in run.stdout.splitlines() if line.startswith("::add-mask::")]
    terminal = "\n".join(line for line in run.stdout.splitlines() if line not in masks)
    if github:  # every secret learnt on the wire is registered with the runner
        for value in (QUERY_TOKEN, QUERY_CODE, QUERY_KEY, BEARER, APP_COOKIE, ENV_KEY, FORM_PASS):
            assert f"::add-mask::{value}" in masks, value
        assert all(path.exists() for path in gh_files.values())
    if flags:  # --debug really logged; wire logs only when asked for by name
        assert "DEBUG " in run.stderr
        assert ("DEBUG httpcore" in run.stderr) == ("--debug-wire" in flags)
    texts = {"stdout": terminal, "stderr": run.stderr, **written(tmp_path / "out")}
    texts.update({name: p.read_text() for name, p in gh_files.items() if p.exists()})
    for secret in CANARIES:
        for form in every_form(secret):
            for where, text in texts.items():
                assert form not in text, f"{form!r} (from {secret!r}) leaked into {where}"

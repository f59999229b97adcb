"""Log records reach the terminal redacted, whoever logs them; wire logs only on request."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from launchgate.cli import main
from launchgate.redact import MASK, Redactor
from launchgate.redact.logs import WIRE_LOGGERS, RedactingFormatter, logging_to, mask_wire_text
from tests.servers import handler_server

COOKIE = "Log-Cookie-Value-8812"

# What httpcore, httpx and hpack print at DEBUG/INFO, as of httpcore 1.0 / httpx 0.28.
HTTPCORE_LINE = (
    "receive_response_headers.complete return_value=(b'HTTP/1.1', 200, b'OK', "
    f"[(b'Content-Type', b'text/html'), (b'Set-Cookie', b'sid={COOKIE}; Path=/'), "
    "(b'Authorization', b'Bearer Tok-in-a-log'), (b'content-length', b'2')])"
)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            HTTPCORE_LINE,
            "receive_response_headers.complete return_value=(b'HTTP/1.1', 200, b'OK', "
            f"[(b'Content-Type', b'text/html'), (b'Set-Cookie', b'{MASK}'), "
            f"(b'Authorization', b'{MASK}'), (b'content-length', b'2')])",
        ),
        (
            'GET https://bob:Pw-9@app.test/cb?code=C0de&page=2 "HTTP/1.1 200 OK"',
            f'GET https://bob:{MASK}@app.test/cb?code={MASK}&page=2 "HTTP/1.1 200 OK"',
        ),
        (
            "Decoded (b'set-cookie', b'sid=abc'), total consumed 20 bytes",
            f"Decoded (b'set-cookie', b'{MASK}'), total consumed 20 bytes",
        ),
        (
            "headers={'cookie': 'sid=abc', \"x-api-key\": \"k-123\", 'accept': '*/*'}",
            f"headers={{'cookie': '{MASK}', \"x-api-key\": \"{MASK}\", 'accept': '*/*'}}",
        ),
        (
            "> Cookie: sid=abc\n< Set-Cookie: a=b\nhost: x",
            f"> Cookie: {MASK}\n< Set-Cookie: {MASK}\nhost: x",
        ),
        (
            "error: the app answered 500 for /page?id=7",
            "error: the app answered 500 for /page?id=7",
        ),
    ],
)
def test_mask_wire_text_masks_credentials_by_position(line: str, expected: str) -> None:
    assert mask_wire_text(line) == expected


def test_the_formatter_redacts_arguments_and_tracebacks() -> None:
    redactor = Redactor(["Known-Secret-77"])
    try:
        raise RuntimeError("boom with Known-Secret-77 and card 4242 4242 4242 4242")
    except RuntimeError:
        exc_info = sys.exc_info()
    record = logging.getLogger("some.library").makeRecord(
        "some.library", logging.DEBUG, __file__, 1, "got %s", (HTTPCORE_LINE,), exc_info
    )
    text = RedactingFormatter(redactor).format(record)
    assert "Known-Secret-77" not in text and COOKIE not in text and "4242 4242" not in text
    assert "Traceback" in text and f"boom with {MASK} and card {MASK}" in text


def test_wire_loggers_stay_quiet_under_debug_and_levels_are_restored() -> None:
    stream = io.StringIO()
    before = {name: logging.getLogger(name).level for name in ("", *WIRE_LOGGERS)}
    with logging_to(stream, Redactor(), debug=True):
        logging.getLogger("httpcore.http11").debug("wire line %s", HTTPCORE_LINE)
        logging.getLogger("hpack.hpack").debug("Decoded %s", COOKIE)
        logging.getLogger("launchgate.engine").debug("own line")
    assert stream.getvalue() == "DEBUG launchgate.engine: own line\n"
    assert {name: logging.getLogger(name).level for name in before} == before
    assert not [
        h for h in logging.getLogger().handlers if isinstance(h.formatter, RedactingFormatter)
    ]


def test_wire_loggers_speak_on_request_redacted() -> None:
    stream = io.StringIO()
    with logging_to(stream, Redactor(), debug=True, wire=True):
        logging.getLogger("httpcore.http11").debug("%s", HTTPCORE_LINE)
    assert "Set-Cookie', b'[redacted]'" in stream.getvalue()
    assert COOKIE not in stream.getvalue()


class _SetsCookie(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("set-cookie", f"sid={COOKIE}; HttpOnly; Path=/")
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def cookie_app() -> Iterator[int]:
    with handler_server(_SetsCookie) as port:
        yield port


@pytest.mark.parametrize("flag", ["--debug", "--debug-wire"])
def test_debug_never_prints_the_cookie_the_app_sets(
    flag: str, cookie_app: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "launchgate.yml").write_text(
        "readiness: {timeout: 5s}\njourneys:\n  home: {steps: [{path: /}]}\n"
    )
    args = ["run", "--config", str(tmp_path / "launchgate.yml"), "--out", str(tmp_path / "out")]
    code = main([*args, "--url", f"http://127.0.0.1:{cookie_app}", flag], environ={})
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "DEBUG " in captured.err
    assert COOKIE not in captured.out + captured.err
    assert ("set-cookie', b'[redacted]'" in captured.err) == (flag == "--debug-wire")


def test_a_crash_outside_any_check_prints_no_credential_it_quotes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import launchgate.commands.run as run_command

    def crash(args: object, io: object) -> int:
        raise RuntimeError("GET https://bob:Pw-Crash-1@app.test/cb?token=Tok-Crash-2 failed")

    monkeypatch.setattr(run_command, "handle", crash)
    assert main(["run", "--debug"], environ={}) == 3
    err = capsys.readouterr().err
    assert "Traceback" in err and "launchgate crashed" in err
    assert "Pw-Crash-1" not in err and "Tok-Crash-2" not in err

"""The log check on real files and real commands: what it finds, where, in which
form, what it shows of the line, and that a log it cannot read is never a pass."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import sys
from pathlib import Path
from urllib.parse import quote_plus

import httpx
import pytest

from launchgate.checks.context import CheckContext
from launchgate.checks.logs import plan_logs
from launchgate.checks.plan import Measured
from launchgate.clock import SystemClock
from launchgate.config.load import parse_config
from launchgate.config.model import TargetSpec
from launchgate.redact import MASK, Redactor
from launchgate.results import CheckResult, Severity

pytestmark = pytest.mark.timeout(60)

COOKIE = "Zk3b9QqL2xN8vR4tYw7pHs1m"  # a session id, as the app set it
PASSWORD = 'pa/ss"word-ä+1!'  # JSON, URL and base64 forms all differ from the raw one
EMAIL = "launchgate-ab12cd34@example.com"

JOURNEY = """\
journeys:
  signup:
    steps:
      - method: POST
        path: /signup
        form: {email: "{{ run.email }}", password: "{{ run.password }}"}
"""


def config_text(sources: str, extra: str = "") -> str:
    return f"target: {{url: 'http://127.0.0.1:9'}}\n{JOURNEY}logs:\n  sources:\n{sources}{extra}"


def no_client(cookies: httpx.Cookies | None) -> httpx.AsyncClient:
    raise AssertionError("the log check talks to no app")


class Harness:
    """The log check of a config, started as a run starts, run as the run ends."""

    def __init__(self, text: str, tmp_path: Path, *, password: str = PASSWORD) -> None:
        loaded = parse_config(text, Path("launchgate.yml"), {})
        self.config = loaded.config
        self.redactor = Redactor()
        self.redactor.describe(password, "the throwaway signup password ({{ run.password }})")
        self.redactor.learn_headers([("set-cookie", f"lg_session={COOKIE}; Path=/; HttpOnly")])
        self.ctx = CheckContext(
            base_url="http://127.0.0.1:9",
            target=TargetSpec(),
            redactor=self.redactor,
            variables={"run.email": EMAIL, "run.password": password, "run.id": "ab12cd34"},
            clock=SystemClock(),
            make_client=no_client,
            environ=dict(os.environ),
            workdir=tmp_path,
        )
        (self.planned,) = plan_logs(self.config, ())

    def start(self) -> None:
        assert self.planned.on_start is not None
        self.planned.on_start(self.ctx)

    def finish(self) -> CheckResult:
        async def run() -> CheckResult | Measured:
            return await self.planned.run(self.ctx)

        result = asyncio.run(run())
        assert isinstance(result, CheckResult)
        return result


def shown(result: CheckResult) -> str:
    """Everything of the result a report prints."""
    parts = [result.message, *(f"{f.title} {f.detail} {f.remedy}" for f in result.findings)]
    return "\n".join(parts)


def assert_never_shows(result: CheckResult, *values: str) -> None:
    text = shown(result)
    for value in values:
        for form in (value, quote_plus(value), json.dumps(value)[1:-1]):
            assert form not in text


# -- files -----------------------------------------------------------------------------


def test_a_plain_log_printing_the_session_cookie_is_a_blocker_naming_the_line(tmp_path):
    log = tmp_path / "app.log"
    log.write_text("GET /healthz 200\n")
    h = Harness(config_text(f"    - file: {log}\n"), tmp_path)
    h.start()
    with log.open("a") as f:
        f.write("GET / 200\n")
        f.write(f'GET /dashboard 200 headers: cookie="lg_session={COOKIE}"\n')
    result = h.finish()

    assert result.status == "failed"
    (finding,) = result.findings
    assert finding.severity is Severity.BLOCKER
    assert finding.title == f"your logs print the cookie lg_session: line 3 of {log}"
    assert f"lg_session={MASK}" in finding.detail
    assert_never_shows(result, COOKIE)


def test_a_json_lines_log_is_searched_in_the_json_url_and_base64_forms(tmp_path):
    log = tmp_path / "app.jsonl"
    h = Harness(config_text(f"    - {log}\n"), tmp_path)  # a bare string is a file
    h.start()
    basic = base64.b64encode(f"user:{PASSWORD}".encode()).decode()
    lines = [
        {"msg": "request", "path": "/"},
        {"msg": "login", "form": {"password": PASSWORD}},  # JSON-escaped: \/ \" \u00e4
        {"msg": "body", "raw": f"email=x&password={quote_plus(PASSWORD)}"},
        {"msg": "auth", "authorization": f"Basic {basic}"},
    ]
    log.write_text("".join(json.dumps(line) + "\n" for line in lines))
    result = h.finish()

    assert result.status == "failed"
    (finding,) = result.findings  # one finding per value and file, with the count
    assert finding.title.startswith("your logs print the throwaway signup password")
    assert f"line 2 of {log}" in finding.title
    assert "(and on 2 more lines)" in finding.detail
    assert_never_shows(result, PASSWORD, basic)


def test_only_the_run_window_counts_and_a_rotated_file_is_followed(tmp_path):
    log = tmp_path / "app.log"
    # Written before the run: another run's password is not this run's to report.
    log.write_text(f"old password={PASSWORD}\n")
    h = Harness(config_text(f"    - file: {log}\n"), tmp_path)
    h.start()
    with log.open("a") as f:
        f.write(f"login password={PASSWORD}\n")
    log.rename(tmp_path / "app.log.1")  # logrotate, during the run
    log.write_text("GET / 200\n")
    result = h.finish()

    assert result.status == "failed"
    (finding,) = result.findings
    assert finding.title.endswith(f"line 2 of {tmp_path / 'app.log.1'}")


def test_a_clean_log_passes(tmp_path):
    log = tmp_path / "app.log"
    h = Harness(config_text(f"    - file: {log}\n"), tmp_path)
    log.write_text("")
    h.start()
    log.write_text("GET / 200\nPOST /login 303\nGET /dashboard 200\n")
    assert h.finish().status == "passed"


def test_the_signup_address_is_personal_data_a_high_finding(tmp_path):
    log = tmp_path / "app.log"
    log.write_text("")
    h = Harness(config_text(f"    - file: {log}\n"), tmp_path)
    h.start()
    log.write_text(f"new account for {EMAIL}\n")
    result = h.finish()

    assert result.status == "failed"
    (finding,) = result.findings
    assert finding.severity is Severity.HIGH
    assert "signup email address" in finding.title
    assert_never_shows(result, EMAIL)


def test_a_missing_file_is_could_not_decide(tmp_path):
    h = Harness(config_text(f"    - file: {tmp_path / 'nowhere.log'}\n"), tmp_path)
    h.start()
    result = h.finish()
    assert result.status == "error"
    assert "no file matches" in result.message


def test_more_than_max_size_unread_is_could_not_decide_unless_a_leak_was_found(tmp_path):
    log = tmp_path / "app.log"
    log.write_text("")
    h = Harness(config_text(f"    - file: {log}\n", "  max_size: 1KB\n"), tmp_path)
    h.start()
    log.write_text("GET / 200\n" * 200)
    result = h.finish()
    assert result.status == "error"
    assert "raise logs.max_size" in result.message

    log.write_text("")
    h = Harness(config_text(f"    - file: {log}\n", "  max_size: 1KB\n"), tmp_path)
    h.start()
    log.write_text(f"password={PASSWORD}\n" + "GET / 200\n" * 200)
    result = h.finish()
    assert result.status == "failed"
    assert "raise logs.max_size" in result.message


# -- commands ----------------------------------------------------------------------------


def python(code: str) -> str:
    return f"{sys.executable} -c {json.dumps(code)}"


def test_a_command_source_is_searched_and_gets_the_run_start(tmp_path):
    log = tmp_path / "container.log"
    log.write_text(f"GET / 200\nAuthorization: Bearer x cookie lg_session={COOKIE}\n")
    # Like `docker logs --since {{ run.started_unix }}`: it fails unless given a number.
    code = "import sys; assert sys.argv[1].isdigit(); sys.stdout.write(open(sys.argv[2]).read())"
    command = python(code) + " {{ run.started_unix }} " + str(log)
    h = Harness(config_text(f"    - command: {json.dumps(command)}\n"), tmp_path)
    h.start()
    result = h.finish()

    assert result.status == "failed", result.message
    (finding,) = result.findings
    assert finding.title.startswith("your logs print the cookie lg_session: line 2 of the output")
    assert_never_shows(result, COOKIE)


def test_a_failing_command_is_could_not_decide(tmp_path):
    command = python(f"import sys; print('no such container; password={PASSWORD}'); sys.exit(3)")
    h = Harness(config_text(f"    - command: {json.dumps(command)}\n"), tmp_path)
    h.start()
    result = h.finish()
    # Its output is searched (and the leak found) even though it failed.
    assert result.status == "failed"
    assert "exited with status 3" in result.message
    assert_never_shows(result, PASSWORD)

    command = python("import sys; print('Error: no such container'); sys.exit(1)")
    h = Harness(config_text(f"    - command: {json.dumps(command)}\n"), tmp_path)
    h.start()
    result = h.finish()
    assert result.status == "error"
    assert "exited with status 1: Error: no such container" in result.message


def test_a_command_that_outlives_its_timeout_is_could_not_decide(tmp_path):
    command = python("import time; print('GET / 200', flush=True); time.sleep(30)")
    h = Harness(
        config_text(f"    - command: {json.dumps(command)}\n      timeout: 0.5s\n"), tmp_path
    )
    h.start()
    result = h.finish()
    assert result.status == "error"
    assert "killed after" in result.message and "logs.sources[0].timeout" in result.message


def test_nothing_to_look_for_is_could_not_decide(tmp_path):
    log = tmp_path / "app.log"
    log.write_text("")
    text = "target: {url: 'http://127.0.0.1:9'}\njourneys:\n  home:\n    steps:\n"
    text += f"      - path: /\nlogs:\n  sources:\n    - file: {log}\n"
    h = Harness(text, tmp_path)
    h.redactor = Redactor()
    h.ctx.redactor = h.redactor
    h.start()
    result = h.finish()
    assert result.status == "error"
    assert "no secret to look for" in result.message

"""`launchgate run` inside GitHub Actions (``GITHUB_ACTIONS=true``): masks first, then
the folded check lines, the annotations, the step outputs and the step summary.

In process through :func:`launchgate.cli.main`, against real apps on loopback; the
runner's files are temporary files, as the runner's are."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from launchgate.cli import _RedactingStream, main
from launchgate.redact import Redactor
from tests.servers import Connection, MisbehavingServer, Request, answer, routes
from tests.test_no_leaks import forms

TOKEN = "Gh-Planted-T0ken%&,:value"
COOKIE = "Cookie-Learnt-At-Run-Time-77"
PASSWORD = "Gh-Planted-Pa55word-1234"


def _reflect(conn: Connection, request: Request) -> None:
    """A broken app that echoes what it got (the token) and sets a session cookie."""
    body = json.dumps({"error": "boom", "headers": dict(request.headers)}).encode()
    conn.respond(500, body, [("Content-Type", "application/json"), ("Set-Cookie", f"sid={COOKIE}")])


@pytest.fixture
def app() -> Iterator[MisbehavingServer]:
    with MisbehavingServer(routes({"/ok": answer(200, "fine"), "/broken": _reflect})) as server:
        yield server


CONFIG = """\
secrets: [API_TOKEN, APP_PASSWORD]
readiness: null
journeys:
  home:
    steps:
      - path: /ok
  account:
    steps:
      - path: {path}
        headers: {{authorization: "Bearer ${{API_TOKEN}}"}}
        expect: {{status: 200}}
      - path: /ok
        method: POST
        form: {{password: "${{APP_PASSWORD}}"}}
"""


class Runner:
    """The files a GitHub runner hands a step, and one gate run in it."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path
        self.output = tmp_path / "github_output"
        self.summary = tmp_path / "step_summary.md"
        self.output.write_text("")
        self.summary.write_text("## an earlier step's summary\n")

    def environ(self, **extra: str) -> dict[str, str]:
        return {
            "PATH": os.environ["PATH"],
            "GITHUB_ACTIONS": "true",
            "GITHUB_OUTPUT": str(self.output),
            "GITHUB_STEP_SUMMARY": str(self.summary),
            "GITHUB_SHA": "feedface" * 5,
            "API_TOKEN": TOKEN,
            "APP_PASSWORD": PASSWORD,
            **extra,
        }

    def run(
        self, url: str, path: str, capsys: pytest.CaptureFixture[str], **extra: str
    ) -> tuple[int, list[str], str]:
        cfg = self.tmp / "launchgate.yml"
        cfg.write_text(CONFIG.format(path=path))
        argv = ["run", "--config", str(cfg), "--url", url, "--out", str(self.tmp / "out")]
        code = main(argv, environ=self.environ(**extra))
        captured = capsys.readouterr()
        return code, captured.out.splitlines(), captured.err

    def outputs(self) -> dict[str, str]:
        return dict(line.split("=", 1) for line in self.output.read_text().splitlines())


def test_masks_come_first_and_the_secret_is_nowhere_else(
    tmp_path: Path, app: MisbehavingServer, capsys: pytest.CaptureFixture[str]
) -> None:
    runner = Runner(tmp_path)
    code, lines, err = runner.run(app.url, "/broken", capsys)
    assert code == 1
    masks = [line for line in lines if line.startswith("::add-mask::")]
    first_other = next(i for i, line in enumerate(lines) if not line.startswith("::add-mask::"))
    # The config's secrets are registered before the first line of anything else; the
    # cookie the app set is registered when it arrives, before it could be printed.
    assert "::add-mask::Gh-Planted-T0ken%25&,:value" in lines[:first_other]
    assert f"::add-mask::{PASSWORD}" in lines[:first_other]
    assert f"::add-mask::{COOKIE}" in masks
    assert lines.index(f"::add-mask::{COOKIE}") > first_other
    elsewhere = {
        "the other log lines": "\n".join(line for line in lines if line not in masks),
        "stderr": err,
        "the outputs file": runner.output.read_text(),
        "the step summary": runner.summary.read_text(),
        **{p.name: p.read_text() for p in (tmp_path / "out").iterdir()},
    }
    for secret in (TOKEN, PASSWORD, COOKIE):
        for form in forms(secret):
            for where, text in elsewhere.items():
                assert form not in text, f"{form!r} leaked into {where}"


def test_a_failing_run_annotates_the_check_and_sets_the_outputs(
    tmp_path: Path, app: MisbehavingServer, capsys: pytest.CaptureFixture[str]
) -> None:
    runner = Runner(tmp_path)
    code, lines, _ = runner.run(app.url, "/broken", capsys)
    assert code == 1
    errors = [line for line in lines if line.startswith("::error ")]
    assert len(errors) == 1
    assert errors[0].startswith("::error title=launchgate blocker%3A journey%3A%3Aaccount::")
    assert "answered 500, expected 200" in errors[0]
    outputs = runner.outputs()
    assert outputs == {
        "verdict": "fail",
        "rollback": "true",
        "report": str((tmp_path / "out" / "report.json").resolve()),
        "summary": str((tmp_path / "out" / "summary.md").resolve()),
        "reason": outputs["reason"],
    }
    assert outputs["reason"].startswith("blocker: journey::account: step 1/2")
    summary = runner.summary.read_text()
    assert summary.startswith("## an earlier step's summary\n\n## launchgate: FAIL")
    assert summary.endswith((tmp_path / "out" / "summary.md").read_text())
    assert "commit feedfacefeed" in summary


def test_a_passing_run_folds_its_check_lines_and_says_pass(
    tmp_path: Path, app: MisbehavingServer, capsys: pytest.CaptureFixture[str]
) -> None:
    runner = Runner(tmp_path)
    code, lines, _ = runner.run(app.url, "/ok", capsys)
    assert code == 0
    start = next(i for i, line in enumerate(lines) if line.startswith("::group::"))
    assert lines[start] == f"::group::launchgate: 2 checks of {app.url}"
    end = lines.index("::endgroup::")
    assert any(line.startswith("✓ journey::home") for line in lines[start:end])
    assert lines[-1] == "PASS (exit 0)"  # no annotation on a clean pass
    assert runner.outputs()["verdict"] == "pass"
    assert runner.outputs()["rollback"] == "false"


def test_outside_github_actions_no_command_and_no_file(
    tmp_path: Path, app: MisbehavingServer, capsys: pytest.CaptureFixture[str]
) -> None:
    runner = Runner(tmp_path)
    code, lines, _ = runner.run(app.url, "/broken", capsys, GITHUB_ACTIONS="")
    assert code == 1
    assert not [line for line in lines if line.startswith("::")]
    assert runner.output.read_text() == ""
    assert runner.summary.read_text() == "## an earlier step's summary\n"


def test_an_unwritable_outputs_file_is_never_a_pass(
    tmp_path: Path, app: MisbehavingServer, capsys: pytest.CaptureFixture[str]
) -> None:
    runner = Runner(tmp_path)
    code, lines, _ = runner.run(app.url, "/ok", capsys, GITHUB_OUTPUT=str(tmp_path))
    assert code == 3
    assert any("could not write GitHub's step outputs" in line for line in lines)
    assert "::error title=launchgate could not decide::" in "\n".join(lines)


def test_a_config_error_is_annotated_on_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("launchgate.yml").write_text("target:\n  url: http://127.0.0.1:9\n  timeot: 1s\n")
    code = main(["run"], environ=Runner(tmp_path).environ())
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out.startswith(
        "::error title=invalid launchgate config,file=launchgate.yml,line=3::target.timeot: "
        "unknown key 'timeot'"
    )
    assert "error: launchgate.yml:3: target.timeot" in captured.err


# -- the pieces: the redactor's listener and the one way past the redacting stream -------


def test_the_redactor_tells_a_listener_of_each_secret_once() -> None:
    heard: list[str] = []
    redactor = Redactor(["known-before-1"])
    redactor.on_add(heard.append)
    redactor.add("learnt-later-2")
    redactor.add("learnt-later-2")  # again: nothing new
    redactor.add("abc")  # too short to mask: never registered, never announced
    assert heard == ["known-before-1", "learnt-later-2"]


def test_masks_start_a_line_and_only_masks_pass_unredacted() -> None:
    raw = io.StringIO()
    redactor = Redactor()
    stream = _RedactingStream(raw, redactor)
    redactor.on_add(stream.write_masks)
    stream.write("checking secret-value-9 ")  # a partial line, held back
    redactor.add("secret-value-9")
    stream.write("now\n")
    *masks, line = raw.getvalue().splitlines()
    assert "::add-mask::secret-value-9" in masks  # with its encoded forms
    assert all(m.startswith("::add-mask::") for m in masks)
    assert line == "checking [redacted] now"
    stream.write("partial")
    stream.flush()  # the partial line reaches the stream: the next mask starts a new line
    redactor.add("another-secret-8")
    after = raw.getvalue().splitlines()[len(masks) + 1 :]
    assert after[0] == "partial"
    assert "::add-mask::another-secret-8" in after[1:]

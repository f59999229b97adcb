"""The probe sends what the journeys send: target.headers and the URL's user info.
A staging site behind basic auth or a protection header must not read as a target
collapsing under load (every journey passed, every probe request answered 401)."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from launchgate.checks.ids import PROBE_ID
from launchgate.config import parse_config
from launchgate.engine import Run
from launchgate.probe.refusal import REFUSED_REMEDY, refusal
from tests.recipes.servers import AppServer

USER, PASSWORD = "staging", "Sentinel-Staging-Pass-7731"
BASIC = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()

CONFIG = """\
target:
  url: {url}
  {headers}
readiness: {{path: /healthz}}
journeys:
  home:
    steps:
      - path: /
        expect: {{status: 200, body_contains: welcome}}
probe:
  rate: 40/s
  duration: 2s
  warmup: 200ms
  ramp: 100ms
  routes:
    home:
      path: /
      {route_headers}
  gates: {{min_samples: 40}}
"""


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    workdir = tmp_path_factory.mktemp("guarded")
    with AppServer(
        "tests.probe.guarded_app:app",
        workdir,
        ready_path="/healthz",
        env={"GUARD_AUTHORIZATION": BASIC},
    ) as server:
        yield server


def config(url: str, *, headers: str = "", route_headers: str = "") -> str:
    return CONFIG.format(url=url, headers=headers, route_headers=route_headers)


async def gated(text: str, workdir: Path) -> Run:
    loaded = parse_config(text, Path("launchgate.yml"), {})
    assert loaded.config.target.url is not None
    run = Run(loaded, target_url=loaded.config.target.url, workdir=workdir, environ={})
    await run.execute_all()
    return run


def with_user_info(url: str) -> str:
    return url.replace("http://", f"http://{USER}:{PASSWORD}@")


@pytest.mark.asyncio
async def test_the_probe_sends_target_headers_as_the_journeys_do(guarded, tmp_path):
    text = config(guarded.url, headers=f'headers: {{Authorization: "{BASIC}"}}')
    run = await gated(text, tmp_path)
    assert run.results["journey::home"].status == "passed"
    probe = run.results[PROBE_ID]
    assert probe.status == "passed", probe.message
    assert run.results["probe::home::errors"].message.startswith("0.00% errors")
    assert run.report().verdict.outcome == "pass"


@pytest.mark.asyncio
async def test_the_url_user_info_is_sent_as_basic_auth_by_the_probe_too(guarded, tmp_path):
    run = await gated(config(with_user_info(guarded.url)), tmp_path)
    assert run.results[PROBE_ID].status == "passed", run.results[PROBE_ID].message
    assert run.report().verdict.outcome == "pass"


def test_the_url_password_never_reaches_an_output(guarded, tmp_path):
    (tmp_path / "launchgate.yml").write_text(config(with_user_info(guarded.url)))
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAUNCHGATE_")}
    done = subprocess.run(
        [sys.executable, "-m", "launchgate.cli", "run", "--debug", "--out", "out"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    forms = (PASSWORD, BASIC.removeprefix("Basic "), base64.b64encode(PASSWORD.encode()).decode())
    outputs = {"terminal": done.stdout + done.stderr}
    outputs |= {str(p): p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.is_file()}
    outputs.pop(str(tmp_path / "launchgate.yml"))
    assert any(name.endswith("report.json") for name in outputs)
    leaks = [(name, form) for name, text in outputs.items() for form in forms if form in text]
    assert leaks == []


@pytest.mark.asyncio
async def test_a_route_header_wins_and_a_refusal_is_named_not_read_as_collapse(guarded, tmp_path):
    text = config(
        guarded.url,
        headers=f'headers: {{Authorization: "{BASIC}"}}',
        route_headers='headers: {Authorization: "Bearer stale-token"}',
    )
    run = await gated(text, tmp_path)
    assert run.results["journey::home"].status == "passed"
    probe = run.results[PROBE_ID]
    assert probe.status == "failed"
    (first, *_) = probe.findings
    assert first.title.startswith("the app refused the probe's requests")
    assert "401 Unauthorized" in first.title
    assert "collapsed" not in first.title
    assert first.remedy == REFUSED_REMEDY
    errors = run.results["probe::home::errors"]
    assert errors.status == "failed"
    assert errors.findings[0].remedy == REFUSED_REMEDY
    assert run.report().verdict.outcome == "fail"


@pytest.mark.asyncio
async def test_an_accept_encoding_in_target_headers_the_probe_cannot_decode_is_refused(
    guarded, tmp_path
):
    text = config(guarded.url, headers="headers: {Accept-Encoding: br}")
    run = await gated(text, tmp_path)
    probe = run.results[PROBE_ID]
    assert probe.status == "error"
    assert probe.message.startswith("target.headers: Accept-Encoding asks for br")


def test_refusal_needs_half_the_failures_to_be_401_or_403():
    assert refusal("home", {}) is None
    assert refusal("home", {"status 500": 3, "status 401": 2}) is None
    assert refusal("home", {"status 500": 2, "status 403": 2}) == (
        "the app refused the probe's requests: 2 of the 4 failed requests to home "
        "answered 403 Forbidden"
    )
    mixed = refusal("home", {"status 401": 3, "status 403": 1})
    assert mixed is not None
    assert mixed.endswith("4 of the 4 failed requests to home answered 401/403")

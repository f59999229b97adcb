"""``launchgate watch --once`` as a scheduled job runs it: a new process each time
(here: a new call of the CLI's ``main``), the incident state in a file between them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from launchgate.cli import main
from launchgate.demo import DemoServer
from launchgate.watch.statefile import StateLock, load_state
from tests.watch.harness import DEMO_JOURNEYS
from tests.watch.receivers import WebhookReceiver

DEMO_PASSWORD = "demo-Password-once-1234"
HOOK_SECRET = "once-hook-Secret-2718"

CONFIG = (
    """
version: 1
secrets: [LAUNCHGATE_DEMO_PASSWORD, ALERT_SECRET]
"""
    + DEMO_JOURNEYS
    + """
watch:
  checks:
    login: {journey: login}
  channels:
    hook:
      type: webhook
      url: ${HOOK_URL}
      secret: ${ALERT_SECRET}
      signature: sha256
      retry: {attempts: 3, backoff: 10ms}
"""
)


@pytest.fixture
def demo(demo_server: Callable[..., DemoServer]) -> DemoServer:
    return demo_server(password=DEMO_PASSWORD)


class Once:
    def __init__(self, tmp_path: Path, demo: DemoServer, receiver: WebhookReceiver) -> None:
        self.config = tmp_path / "launchgate.yml"
        self.config.write_text(CONFIG)
        self.state = tmp_path / "watch" / "state.json"
        self.demo = demo
        self.env = {
            "LAUNCHGATE_DEMO_PASSWORD": DEMO_PASSWORD,
            "ALERT_SECRET": HOOK_SECRET,
            "HOOK_URL": receiver.url,
        }
        self.history = tmp_path / "history.jsonl"

    def __call__(self, *extra: str) -> int:
        argv = ["watch", "--once", "--config", str(self.config), "--url", self.demo.url]
        argv += ["--state", str(self.state), "--history", str(self.history), *extra]
        return main(argv, environ=self.env)


def test_three_scheduled_runs_up_down_down_alert_once(
    demo: DemoServer, receivers: Callable[..., WebhookReceiver], tmp_path: Path
) -> None:
    receiver = receivers()
    once = Once(tmp_path, demo, receiver)
    assert once() == 0  # up
    demo.set_fault("login-500", True)
    assert once() == 0  # down, once: not yet an incident
    assert receiver.all() == []
    assert once() == 1  # down twice: the incident opens, one alert, exit 1
    assert once() == 1  # still down: no second alert
    assert [b["kind"] for b in receiver.accepted_json()] == ["down"]
    demo.set_fault("login-500", False)
    assert once() == 1
    assert once() == 0
    assert [b["kind"] for b in receiver.accepted_json()] == ["down", "recovered"]
    lines = once.history.read_text().splitlines()
    assert [json.loads(line)["ok"] for line in lines] == [True, False, False, False, True, True]


def test_an_undelivered_alert_exits_3_and_is_delivered_by_the_next_run(
    demo: DemoServer,
    receivers: Callable[..., WebhookReceiver],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    receiver = receivers((503, 503, 503))  # down for the three tries of one run
    once = Once(tmp_path, demo, receiver)
    demo.set_fault("login-500", True)
    assert once() == 0
    assert once() == 3  # the alert could not be delivered: the job fails loudly
    assert "not delivered" in capsys.readouterr().out
    assert [a.kind for a in load_state(once.state).pending["hook"]] == ["down"]
    assert once() == 1  # the next run delivers it, and only it
    assert [b["kind"] for b in receiver.accepted_json()] == ["down"]
    assert load_state(once.state).pending["hook"] == []


def test_a_second_watcher_on_the_same_state_is_refused(
    demo: DemoServer,
    receivers: Callable[..., WebhookReceiver],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    once = Once(tmp_path, demo, receivers())
    lock = StateLock(once.state)
    lock.acquire()
    try:
        assert once() == 2
    finally:
        lock.release()
    assert "another launchgate watch is using" in capsys.readouterr().err


def test_a_corrupt_state_file_is_refused_not_replaced(
    demo: DemoServer,
    receivers: Callable[..., WebhookReceiver],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    once = Once(tmp_path, demo, receivers())
    once.state.parent.mkdir(parents=True)
    once.state.write_text('{"version": 1, "checks": {"login": {"status": "sideways"')
    assert once() == 3
    assert "is unusable" in capsys.readouterr().err
    assert once.state.read_text().endswith('"sideways"')  # left for a person to look at


@pytest.mark.parametrize(
    ("snippet", "message"),
    [
        (
            "watch:\n  checks:\n    x: {journey: nope}\n",
            "watch.checks.x.journey: no journey named 'nope'",
        ),
        (
            "watch:\n  checks:\n    login: {path: /login}\n",
            "a path check cannot share its name with the journey 'login'",
        ),
        (
            "watch:\n  channels:\n    h: {type: webhook, url: 'http://x', secret: literal-secret,"
            " signature: sha256}\n",
            "watch.channels.h.secret: take it from an environment variable listed under secrets:",
        ),
        (
            "watch:\n  channels:\n    m: {type: email, host: h, from: a@b.c, to: [d@e.f], "
            "security: none, username: u, password: p}\n",
            "a password is never sent without TLS",
        ),
        ("watch:\n  channels:\n    h: {type: pager, url: x}\n", "watch.channels.h"),
        ("watch:\n  flapping: {window: 5, start: 6, stop: 1}\n", "expected stop < start < window"),
    ],
)
def test_config_mistakes_exit_2_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], snippet: str, message: str
) -> None:
    config = tmp_path / "launchgate.yml"
    config.write_text("version: 1\nsecrets: [PW]\n" + DEMO_JOURNEYS + snippet)
    code = main(
        ["watch", "--once", "--config", str(config), "--url", "http://127.0.0.1:9"],
        environ={"LAUNCHGATE_DEMO_PASSWORD": "x" * 10, "PW": "y" * 10},
    )
    assert code == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_bad_flags_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "launchgate.yml"
    config.write_text("version: 1\n" + DEMO_JOURNEYS)
    env = {"LAUNCHGATE_DEMO_PASSWORD": "x" * 10}
    base = ["watch", "--config", str(config), "--url", "http://127.0.0.1:9"]
    assert main([*base, "--every", "soon"], environ=env) == 2
    assert main([*base, "--once", "--log", "x.log"], environ=env) == 2
    assert main([*base, "--every", "0s"], environ=env) == 2
    err = capsys.readouterr().err
    assert "--every: expected a duration" in err
    assert "--log follows a log as it grows" in err

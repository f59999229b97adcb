"""The watcher against the real demo app, switching faults on and off through its
admin endpoint, with real receivers on every channel: a Slack-compatible webhook, a
signed generic webhook and SMTP (aiosmtpd, STARTTLS, AUTH). Rounds are called one by
one, so "after N rounds" is exact and nothing waits for an interval."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, quote_plus

import httpx
import pytest

from launchgate.demo import DemoServer
from launchgate.watch.statefile import load_state
from tests.watch.conftest import SMTP_USER
from tests.watch.harness import DEMO_JOURNEYS, Harness, make_watcher
from tests.watch.receivers import SmtpServer, WebhookReceiver

HOOK_SECRET = "alert-hook-Secret-0451"
SMTP_PASSWORD = "smtp-Password-5150"
DEMO_PASSWORD = "demo-Password-sentinel-8086"
PLANTED = "planted-Token-7e57ab1e"

CONFIG = (
    """
version: 1
target: {timeout: 5s}
secrets: [LAUNCHGATE_DEMO_PASSWORD, ALERT_SECRET, SMTP_PASSWORD, PLANTED]
"""
    + DEMO_JOURNEYS
    + """
watch:
  interval: 10ms
  deadline: 30s
  failures: 2
  successes: 2
  checks:
    homepage: {path: /, expect: {status: 200}}
    login: {journey: login}
    dashboard: {journey: dashboard}
  channels:
    slack:
      type: slack
      url: ${SLACK_URL}
      retry: {attempts: 3, backoff: 10ms}
    hook:
      type: webhook
      url: ${HOOK_URL}
      secret: ${ALERT_SECRET}
      signature: sha256
      retry: {attempts: 3, backoff: 10ms}
    mail:
      type: email
      host: 127.0.0.1
      port: ${SMTP_PORT}
      username: alerts@launchgate.test
      password: ${SMTP_PASSWORD}
      from: launchgate@shop.example
      to: [oncall@shop.example]
      ca_bundle: ${SMTP_CA}
      retry: {attempts: 3, backoff: 10ms}
"""
)


def environ(slack: WebhookReceiver, hook: WebhookReceiver, smtp: SmtpServer) -> dict[str, str]:
    return {
        "LAUNCHGATE_DEMO_PASSWORD": DEMO_PASSWORD,
        "ALERT_SECRET": HOOK_SECRET,
        "SMTP_PASSWORD": SMTP_PASSWORD,
        "PLANTED": PLANTED,
        "SLACK_URL": slack.url,
        "HOOK_URL": hook.url,
        "SMTP_PORT": str(smtp.port),
        "SMTP_CA": smtp.ca_pem,
    }


@pytest.fixture
def demo(demo_server: Callable[..., DemoServer]) -> DemoServer:
    assert SMTP_USER == "alerts@launchgate.test"
    return demo_server(password=DEMO_PASSWORD)


async def rounds(h: Harness, n: int) -> None:
    for _ in range(n):
        await h.watcher.run_round()


async def set_fault(server: DemoServer, on: bool) -> None:
    await asyncio.to_thread(server.set_fault, "login-500", on)


def kinds(receiver: WebhookReceiver, key: str) -> list[str]:
    return [
        (body[key] if key in body else body["text"].split(":")[0])
        for body in receiver.accepted_json()
    ]


@pytest.mark.asyncio
async def test_an_outage_alerts_once_per_channel_and_recovers_once(
    demo: DemoServer,
    receivers: Callable[..., WebhookReceiver],
    smtp_servers: Callable[..., SmtpServer],
    tmp_path: Path,
) -> None:
    slack = receivers((500, 500))  # a channel that fails twice, then accepts
    hook = receivers()
    smtp = smtp_servers(SMTP_PASSWORD)
    async with httpx.AsyncClient(trust_env=False) as client:
        h = make_watcher(CONFIG, environ(slack, hook, smtp), client, tmp_path, target_url=demo.url)
        await rounds(h, 2)
        assert "login ok" in h.said[-1] and h.watcher.outbox.pending_count() == 0
        assert hook.all() == [] and smtp.messages == [] and slack.all() == []

        await set_fault(demo, True)
        report = await h.watcher.run_round()  # one failed round: nobody is paged
        assert report.alerts == []
        report = await h.watcher.run_round()  # the second: one alert
        assert [a.kind for a in report.alerts] == ["down"]
        assert report.pending == 0
        await rounds(h, 3)  # still down: no more alerts
        assert len(hook.accepted()) == len(slack.accepted()) == len(smtp.messages) == 1

        await set_fault(demo, False)
        report = await h.watcher.run_round()
        assert report.alerts == []  # one good round is not yet a recovery
        report = await h.watcher.run_round()
        assert [a.kind for a in report.alerts] == ["recovered"]
        await rounds(h, 2)

    assert [b["kind"] for b in hook.accepted_json()] == ["down", "recovered"]
    assert [b["subject"] for b in hook.accepted_json()] == ["login", "login"]
    assert len(slack.all()) == 4  # two refusals, then the alert and the recovery
    assert [b["text"].split(":")[0] for b in slack.accepted_json()] == ["CRITICAL", "RECOVERED"]
    subjects = [m["Subject"] for m in smtp.messages]
    assert len(subjects) == 2
    assert subjects[0].startswith("[launchgate] CRITICAL: login is DOWN since")
    assert subjects[1].startswith("[launchgate] RECOVERED: login is back up after")

    down = hook.accepted_json()[0]
    assert down["severity"] == "critical"
    assert down["status_code"] == 500
    assert "answered 500, expected 303" in down["problem"]
    assert down["latency_ms"] is not None
    recovered = hook.accepted_json()[1]
    assert recovered["outage_s"] > 0 and recovered["since"] == down["since"]

    # The dashboard starts from login's session: not run while login is down, and it
    # never raised an alert of its own.
    assert "dashboard not run" in h.text()
    state = load_state(tmp_path / "state.json")
    assert state.checks["login"].status == "up" and not state.checks["login"].incident_open
    assert state.pending == {"slack": [], "hook": [], "mail": []}
    history = [json.loads(line) for line in (tmp_path / "history.jsonl").read_text().splitlines()]
    assert len(history) == 3 * 11
    assert {r["check"] for r in history} == {"homepage", "login", "dashboard"}


@pytest.mark.asyncio
async def test_a_single_failed_round_pages_nobody(
    demo: DemoServer,
    receivers: Callable[..., WebhookReceiver],
    smtp_servers: Callable[..., SmtpServer],
    tmp_path: Path,
) -> None:
    slack, hook, smtp = receivers(), receivers(), smtp_servers(SMTP_PASSWORD)
    async with httpx.AsyncClient(trust_env=False) as client:
        h = make_watcher(CONFIG, environ(slack, hook, smtp), client, tmp_path, target_url=demo.url)
        await rounds(h, 1)
        await set_fault(demo, True)
        await rounds(h, 1)
        await set_fault(demo, False)
        await rounds(h, 3)
    assert "login FAILED" in h.text()
    assert slack.all() == hook.all() == [] and smtp.messages == []


def forms(secret: str) -> list[str]:
    encoded = base64.b64encode(secret.encode()).decode()
    return [secret, quote(secret), quote_plus(secret), json.dumps(secret)[1:-1], encoded[:16]]


@pytest.mark.asyncio
async def test_a_planted_secret_appears_in_no_alert(
    demo: DemoServer,
    receivers: Callable[..., WebhookReceiver],
    smtp_servers: Callable[..., SmtpServer],
    tmp_path: Path,
) -> None:
    # A check whose failure message quotes a secret, and an expectation on the login
    # password: whatever the failing text holds, no alert may carry it.
    config = CONFIG.replace(
        "    homepage: {path: /, expect: {status: 200}}",
        "    homepage: {path: /, expect: {body_contains: '${PLANTED}'}}\n"
        "    pricing: {path: '/pricing?token=${PLANTED}', expect: {status: 418}}",
    )
    slack, hook, smtp = receivers(), receivers(), smtp_servers(SMTP_PASSWORD)
    async with httpx.AsyncClient(trust_env=False) as client:
        h = make_watcher(config, environ(slack, hook, smtp), client, tmp_path, target_url=demo.url)
        await set_fault(demo, True)
        await rounds(h, 3)
        await set_fault(demo, False)
        await rounds(h, 2)
    alerts = sorted((b["subject"], b["kind"]) for b in hook.accepted_json())
    assert alerts == [
        ("homepage", "down"),
        ("login", "down"),
        ("login", "recovered"),
        ("pricing", "down"),
    ]
    outputs = {
        "slack": "\n".join(r.body.decode() for r in slack.all()),
        "hook": "\n".join(r.body.decode() + json.dumps(dict(r.headers)) for r in hook.all()),
        "mail": "\n".join(raw.decode("utf-8", "replace") for raw in smtp.recorder.raw),
        "terminal": h.text(),
        "state": (tmp_path / "state.json").read_text(),
        "history": (tmp_path / "history.jsonl").read_text(),
    }
    assert "body does not contain '[redacted]'" in outputs["hook"]
    for secret in (PLANTED, DEMO_PASSWORD, HOOK_SECRET, SMTP_PASSWORD):
        for where, text in outputs.items():
            for form in forms(secret):
                assert form not in text, f"{where} shows a form of a secret: {form!r}"


@pytest.mark.asyncio
async def test_the_rounds_counter_counts_and_every_channel_has_a_dropped_sample(
    demo: DemoServer,
    receivers: Callable[..., WebhookReceiver],
    smtp_servers: Callable[..., SmtpServer],
    tmp_path: Path,
) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    slack, hook, smtp = receivers(), receivers(), smtp_servers(SMTP_PASSWORD)
    async with httpx.AsyncClient(trust_env=False) as client:
        h = make_watcher(CONFIG, environ(slack, hook, smtp), client, tmp_path, target_url=demo.url)
        port = h.watcher.metrics.serve(0)
        try:
            await rounds(h, 4)
            text = (await client.get(f"http://127.0.0.1:{port}/metrics", timeout=10)).text
        finally:
            h.watcher.metrics.close()
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    assert samples[("launchgate_watch_rounds_total", ())] == 4
    for channel in ("slack", "hook", "mail"):
        key = ("launchgate_watch_alerts_dropped_total", (("channel", channel),))
        assert samples[key] == 0

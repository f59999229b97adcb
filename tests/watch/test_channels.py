"""Channels against real receivers on loopback: retries, pending alerts, signatures,
Slack's shape, SMTP with STARTTLS and AUTH (aiosmtpd, trustme certificate)."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable
from dataclasses import replace

import httpx
import pytest

from launchgate.config.watch_model import (
    EmailChannel,
    RetrySpec,
    SlackChannel,
    WebhookChannel,
)
from launchgate.redact import Redactor
from launchgate.signing import verify
from launchgate.watch.alerts import Alert
from launchgate.watch.channels import Channel, EmailSender, SlackSender, WebhookSender
from launchgate.watch.metrics import WatchMetrics
from launchgate.watch.outbox import Outbox
from launchgate.watch.statefile import WatchState
from tests.servers import MisbehavingServer, answer, closed_port, redirect
from tests.watch.conftest import SMTP_USER
from tests.watch.receivers import SmtpServer, WebhookReceiver

FAST = RetrySpec(attempts=3, backoff=0.01, max_backoff=0.05)
STANDARD_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

ALERT = Alert(
    alert_id="login-1700000000000/down",
    kind="down",
    subject="login",
    title="The demo customer can log in",
    severity="critical",
    since=1_700_000_000.0,
    at=1_700_000_060.0,
    target="http://127.0.0.1:8000",
    status_code=500,
    latency_ms=9.0,
    problem="answered 500, expected 303",
)


def outbox(channels: list[Channel], said: list[str] | None = None) -> Outbox:
    lines = said if said is not None else []
    return Outbox(channels, WatchState(), max_pending=50, metrics=WatchMetrics(), say=lines.append)


def webhook(
    client: httpx.AsyncClient, url: str, *, retry: RetrySpec = FAST, **kw: object
) -> WebhookSender:
    spec = WebhookChannel.model_validate({"type": "webhook", "url": url, "retry": retry, **kw})
    return WebhookSender("hook", spec, client, Redactor())


def sample(metrics: WatchMetrics, name: str, labels: dict[str, str]) -> float:
    value = metrics.registry.get_sample_value(name, labels)
    return 0.0 if value is None else value


@pytest.mark.asyncio
async def test_a_channel_that_fails_twice_then_accepts_delivers_the_alert_once(
    receivers: Callable[..., WebhookReceiver],
) -> None:
    receiver = receivers((500, 500))
    async with httpx.AsyncClient(trust_env=False) as client:
        box = outbox([webhook(client, receiver.url)])
        box.add(ALERT)
        assert await box.flush() == 0
    assert len(receiver.all()) == 3
    (delivered,) = receiver.accepted_json()
    assert delivered["id"] == ALERT.alert_id
    # every try carried the same id: a receiver that saw an earlier one can dedupe
    assert {r.headers["x-launchgate-alert-id"] for r in receiver.all()} == {ALERT.alert_id}
    m = box.metrics
    assert sample(m, "launchgate_watch_alerts_sent_total", {"channel": "hook", "kind": "down"}) == 1
    assert sample(m, "launchgate_watch_alert_delivery_failures_total", {"channel": "hook"}) == 2


@pytest.mark.asyncio
async def test_a_channel_that_stays_down_keeps_alerts_pending_in_order(
    receivers: Callable[..., WebhookReceiver],
) -> None:
    receiver = receivers((503,) * 4)
    said: list[str] = []
    recovered = replace(ALERT, kind="recovered", alert_id="login-1700000000000/recovered")
    async with httpx.AsyncClient(trust_env=False) as client:
        box = outbox(
            [webhook(client, receiver.url, retry=FAST.model_copy(update={"attempts": 2}))], said
        )
        box.add(ALERT)
        box.add(recovered)
        assert await box.flush() == 2  # two tries of the first alert, both refused
        assert any("pending, retried next round" in line for line in said)
        assert await box.flush() == 2  # still down: nothing lost, nothing reordered
        assert await box.flush() == 0  # it answers again
    kinds = [body["kind"] for body in receiver.accepted_json()]
    assert kinds == ["down", "recovered"]


@pytest.mark.asyncio
async def test_a_channel_that_refuses_connections_never_raises_nor_leaks_its_url() -> None:
    url = f"http://127.0.0.1:{closed_port()}/services/T000/B000/XXXXSECRETPATH"
    said: list[str] = []
    async with httpx.AsyncClient(trust_env=False) as client:
        spec = SlackChannel(type="slack", url=url, retry=FAST)
        box = outbox([SlackSender("team", spec, client, Redactor([url]))], said)
        box.add(ALERT)
        assert await box.flush() == 1
    assert "XXXXSECRETPATH" not in "\n".join(said)


@pytest.mark.asyncio
@pytest.mark.parametrize("code", [302, 307])
async def test_a_channel_never_follows_a_redirect_even_on_a_following_client(
    code: int, caplog: pytest.LogCaptureFixture
) -> None:
    token = "lgtok" + "9f8e7d6c5b4a"
    with (
        MisbehavingServer(answer(200, "thanks"), host="127.0.0.2") as other,
        MisbehavingServer(redirect(f"{other.url}/collect", code)) as channel,
    ):
        async with httpx.AsyncClient(trust_env=False, follow_redirects=True) as client:
            hook = webhook(
                client, f"{channel.url}/alerts", headers={"Authorization": f"Bearer {token}"}
            )
            box = outbox([hook])
            box.add(ALERT)
            assert await box.flush() == 1  # still pending: a redirect is not a delivery
        assert other.requests == []
        assert [r.route for r in channel.requests] == ["/alerts"] * FAST.attempts
    assert f"answered {code}" in caplog.text


@pytest.mark.asyncio
async def test_standard_webhooks_signature_verifies(
    receivers: Callable[..., WebhookReceiver],
) -> None:
    receiver = receivers()
    async with httpx.AsyncClient(trust_env=False) as client:
        box = outbox([webhook(client, receiver.url, secret=STANDARD_SECRET)])
        box.add(ALERT)
        await box.flush()
    (request,) = receiver.accepted()
    assert request.headers["webhook-id"] == ALERT.alert_id
    now = int(request.headers["webhook-timestamp"])
    result = verify("standard", STANDARD_SECRET, request.body, request.headers, now=now)
    assert result.ok
    forged = verify("standard", "whsec_" + "A" * 32, request.body, request.headers, now=now)
    assert not forged.ok


@pytest.mark.asyncio
async def test_sha256_signature_covers_timestamp_and_body(
    receivers: Callable[..., WebhookReceiver],
) -> None:
    receiver = receivers()
    secret = "any text at all, not base64"
    async with httpx.AsyncClient(trust_env=False) as client:
        box = outbox([webhook(client, receiver.url, secret=secret, signature="sha256")])
        box.add(ALERT)
        await box.flush()
    (request,) = receiver.accepted()
    timestamp = request.headers["x-launchgate-timestamp"]
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + request.body, hashlib.sha256)
    assert request.headers["x-launchgate-signature"] == "sha256=" + expected.hexdigest()
    assert secret not in request.body.decode()


@pytest.mark.asyncio
async def test_slack_message_shape(receivers: Callable[..., WebhookReceiver]) -> None:
    receiver = receivers()
    async with httpx.AsyncClient(trust_env=False) as client:
        spec = SlackChannel(type="slack", url=receiver.url, retry=FAST)
        box = outbox([SlackSender("team", spec, client, Redactor())])
        box.add(ALERT)
        await box.flush()
    (body,) = receiver.accepted_json()
    assert body["text"].startswith("CRITICAL: login is DOWN since")
    assert body["blocks"][0]["type"] == "header"
    assert receiver.accepted()[0].headers["content-type"] == "application/json"


@pytest.mark.asyncio
async def test_min_severity_filters_per_channel(receivers: Callable[..., WebhookReceiver]) -> None:
    receiver = receivers()
    async with httpx.AsyncClient(trust_env=False) as client:
        box = outbox([webhook(client, receiver.url, min_severity="critical")])
        box.add(replace(ALERT, severity="warning", alert_id="w/down"))
        box.add(ALERT)
        await box.flush()
    assert [b["id"] for b in receiver.accepted_json()] == [ALERT.alert_id]


@pytest.mark.asyncio
async def test_too_many_pending_drops_the_oldest_loudly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with httpx.AsyncClient(trust_env=False) as client:
        sender = webhook(client, f"http://127.0.0.1:{closed_port()}/hook")
        box = Outbox([sender], WatchState(), max_pending=2, metrics=WatchMetrics(), say=print)
        with caplog.at_level(logging.ERROR):
            for i in range(3):
                box.add(replace(ALERT, alert_id=f"a{i}/down"))
    assert [a.alert_id for a in box.state.pending["hook"]] == ["a1/down", "a2/down"]
    assert "dropped undelivered alert a0/down" in caplog.text
    assert sample(box.metrics, "launchgate_watch_alerts_dropped_total", {"channel": "hook"}) == 1


def email_spec(server: SmtpServer, password: str, **kw: object) -> EmailChannel:
    return EmailChannel.model_validate(
        {
            "type": "email",
            "host": "127.0.0.1",
            "port": server.port,
            "username": SMTP_USER,
            "password": password,
            "from": "launchgate@shop.example",
            "to": ["oncall@shop.example", "founder@shop.example"],
            "ca_bundle": server.ca_pem,
            "retry": FAST,
            **kw,
        }
    )


@pytest.mark.asyncio
async def test_email_over_starttls_with_credentials(
    smtp_servers: Callable[..., SmtpServer],
) -> None:
    password = "smtp-Password-planted-42"
    server = smtp_servers(password)
    box = outbox([EmailSender("mail", email_spec(server, password), Redactor([password]))])
    box.add(ALERT)
    assert await box.flush() == 0
    (message,) = server.messages
    assert server.recorder.tls_seen == [True]
    assert server.recorder.logins == [SMTP_USER]
    assert (
        message["Subject"] == "[launchgate] CRITICAL: login is DOWN since 2023-11-14 22:13:20 UTC"
    )
    assert message["To"] == "oncall@shop.example, founder@shop.example"
    assert message["Message-ID"] == "<login-1700000000000.down@launchgate>"
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    assert b"answered 500, expected 303" in body
    assert password.encode() not in server.recorder.raw[0]


@pytest.mark.asyncio
async def test_email_retried_after_a_temporary_failure_arrives_once(
    smtp_servers: Callable[..., SmtpServer],
) -> None:
    password = "smtp-Password-planted-43"
    server = smtp_servers(password, fail_first=2)
    box = outbox([EmailSender("mail", email_spec(server, password), Redactor([password]))])
    box.add(ALERT)
    assert await box.flush() == 0
    assert len(server.messages) == 1


@pytest.mark.asyncio
async def test_email_with_wrong_credentials_stays_pending(
    smtp_servers: Callable[..., SmtpServer], caplog: pytest.LogCaptureFixture
) -> None:
    server = smtp_servers("the-right-password")
    wrong = "the-Wrong-password-77"
    box = outbox([EmailSender("mail", email_spec(server, wrong), Redactor([wrong]))])
    box.add(ALERT)
    with caplog.at_level(logging.WARNING):
        assert await box.flush() == 1
    assert server.messages == []
    assert "refused the credentials (535)" in caplog.text
    assert wrong not in caplog.text


@pytest.mark.asyncio
async def test_email_refuses_a_server_without_starttls(
    smtp_servers: Callable[..., SmtpServer], caplog: pytest.LogCaptureFixture
) -> None:
    password = "smtp-Password-never-in-clear"
    server = smtp_servers(password, starttls=False)  # offers no STARTTLS at all
    box = outbox([EmailSender("mail", email_spec(server, password), Redactor([password]))])
    box.add(ALERT)
    with caplog.at_level(logging.WARNING):
        assert await box.flush() == 1  # pending, not sent in clear, not a crash
    assert server.messages == [] and server.recorder.logins == []
    assert "does not offer STARTTLS; refusing to send in clear" in caplog.text


@pytest.mark.asyncio
async def test_overflow_drops_an_incident_whole_never_an_orphan_recovery(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with httpx.AsyncClient(trust_env=False) as client:
        sender = webhook(client, f"http://127.0.0.1:{closed_port()}/hook")
        box = Outbox([sender], WatchState(), max_pending=2, metrics=WatchMetrics(), say=print)
        with caplog.at_level(logging.ERROR):
            box.add(replace(ALERT, alert_id="a-1/down"))
            box.add(replace(ALERT, alert_id="b-2/down"))
            box.add(replace(ALERT, kind="recovered", alert_id="a-1/recovered"))
    assert [a.alert_id for a in box.state.pending["hook"]] == ["b-2/down"]
    assert "a-1/recovered (recovered) with the rest of its incident" in caplog.text
    assert sample(box.metrics, "launchgate_watch_alerts_dropped_total", {"channel": "hook"}) == 2

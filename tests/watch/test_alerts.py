"""What alerts say, per channel; and that redaction reaches every rendering."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

from launchgate.redact import Redactor
from launchgate.watch.alerts import (
    Alert,
    alert_text,
    format_outage,
    headline,
    redact_alert,
    slack_payload,
    webhook_payload,
)

SECRET = "planted-Secret-9f8e7d"

DOWN = Alert(
    alert_id="login-1700000000000/down",
    kind="down",
    subject="login",
    title="The demo customer can log in",
    severity="critical",
    since=1_700_000_000.0,
    at=1_700_000_120.0,
    target="https://shop.example",
    status_code=500,
    latency_ms=12.4,
    problem="step 2/2 'submit the login form' answered 500, expected 303",
    detail="POST /login -> 500 Internal Server Error (3 ms)",
)


def test_down_alert_says_what_since_severity_status_latency_and_expectation() -> None:
    text = alert_text(DOWN)
    assert headline(DOWN) == "CRITICAL: login is DOWN since 2023-11-14 22:13:20 UTC"
    for part in (
        "The demo customer can log in",
        "https://shop.example",
        "since: 2023-11-14 22:13:20 UTC",
        "status 500, 12 ms",
        "failing: step 2/2 'submit the login form' answered 500, expected 303",
        "POST /login -> 500",
        "login-1700000000000/down",
    ):
        assert part in text


def test_recovery_names_the_outage() -> None:
    recovered = Alert(
        **{**DOWN.__dict__, "kind": "recovered", "alert_id": "x/recovered", "outage_s": 725.0}
    )
    assert headline(recovered) == "RECOVERED: login is back up after 12m 5s (was CRITICAL)"
    assert "outage: 12m 5s" in alert_text(recovered)
    assert "it was failing with:" in alert_text(recovered)


def test_format_outage() -> None:
    assert format_outage(3.25) == "3.2s"
    assert format_outage(59.6) == "1m 0s"
    assert format_outage(3725) == "1h 2m 5s"


def test_slack_payload_has_text_and_blocks() -> None:
    payload = slack_payload(DOWN)
    assert payload["text"] == headline(DOWN)
    types = [b["type"] for b in payload["blocks"]]
    assert types == ["header", "section", "section", "context"]
    fields = " ".join(f["text"] for f in payload["blocks"][1]["fields"])
    assert "critical" in fields and "status 500, 12 ms" in fields


def test_slack_escapes_its_control_characters() -> None:
    alert = Alert(**{**DOWN.__dict__, "problem": "body contains <script> & more"})
    section = slack_payload(alert)["blocks"][2]["text"]["text"]
    assert "&lt;script&gt; &amp; more" in section


def test_webhook_payload_is_typed() -> None:
    body = webhook_payload(DOWN)
    assert body["type"] == "launchgate.alert"
    assert body["id"] == DOWN.alert_id
    assert body["status_code"] == 500
    assert body["since"] == "2023-11-14T22:13:20.000+00:00"
    assert json.loads(json.dumps(body)) == body


def test_redaction_reaches_every_field_and_rendering() -> None:
    planted = Alert(
        **{
            **DOWN.__dict__,
            "title": f"title {SECRET}",
            "problem": f"body does not contain '{SECRET}'",
            "detail": f"GET /x?token={quote(SECRET)} body: {json.dumps(SECRET)}",
            "target": f"https://user:{SECRET}@shop.example",
        }
    )
    clean = redact_alert(planted, Redactor([SECRET]))
    rendered = [
        alert_text(clean),
        json.dumps(slack_payload(clean)),
        json.dumps(webhook_payload(clean)),
    ]
    encoded = base64.b64encode(SECRET.encode()).decode()
    for text in rendered:
        assert SECRET not in text
        assert quote(SECRET) not in text
        assert encoded[:12] not in text
        assert "[redacted]" in text

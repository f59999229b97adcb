"""Redact first, then cut: a secret echoed by a failing page at any offset around an
excerpt's cut shows in no output of the gate (report.json, junit.xml, summary.md) nor
of the watcher's channels (Slack, webhook, email text), not even its first 8
characters, and the cut never splits a ``[redacted]`` marker."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from launchgate.config.load import parse_config
from launchgate.engine import Run
from launchgate.redact import MASK, Redactor
from launchgate.reports.json_report import render_json
from launchgate.reports.junit import render_junit
from launchgate.reports.markdown import render_summary
from launchgate.watch.alerts import Alert, alert_text, redact_alert, slack_payload, webhook_payload

CANARY = "RawCanarySecret0123456789abcdef"  # 31 characters, like the one in issue 18
CUT = 300  # body_excerpt's limit for a journey's answer
SENT = "you sent /echo "  # what the echo app says before the padding


def echo(padding: int) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, text=SENT + "x" * padding + CANARY + " and the rest")

    return httpx.MockTransport(handler)


def leaks(text: str) -> list[str]:
    found = [CANARY[:k] for k in range(8, len(CANARY) + 1) if CANARY[:k] in text]
    found += [MASK[:k] + "…" for k in range(1, len(MASK)) if MASK[:k] + "…" in text]
    return found


@pytest.mark.asyncio
@pytest.mark.parametrize("start", range(CUT - 40, CUT + 11))
async def test_a_secret_at_every_offset_around_the_cut_shows_nowhere(start: int) -> None:
    loaded = parse_config(
        "readiness: null\nsecrets: [S]\njourneys:\n  j: {steps: [{path: /echo}]}\n",
        Path("launchgate.yml"),
        {"S": CANARY},
    )
    run = Run(loaded, target_url="http://app.test", transport=echo(start - len(SENT)))
    try:
        await run.execute_all()
        report = run.report()
    finally:
        run.close()
    finding = run.results["journey::j"].findings[0]
    assert "body: " in finding.detail  # the excerpt is there, so the test can fail
    alert = redact_alert(
        Alert(
            alert_id="j-1/down",
            kind="down",
            subject="j",
            title="j",
            severity="critical",
            since=0.0,
            at=0.0,
            target="http://app.test",
            problem=finding.title,
            detail=finding.detail,
        ),
        Redactor([CANARY]),
    )
    outputs = {
        "detail": finding.detail,
        "report.json": json.dumps(json.loads(render_json(report)), ensure_ascii=False),
        "junit.xml": render_junit(report),
        "summary.md": render_summary(report),
        "slack": json.dumps(slack_payload(alert), ensure_ascii=False),
        "webhook": json.dumps(webhook_payload(alert), ensure_ascii=False),
        "email": alert_text(alert),
    }
    assert {name: leaks(text) for name, text in outputs.items() if leaks(text)} == {}

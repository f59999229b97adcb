"""What an alert says, and how each channel renders it. Pure: values in, text out.

An alert says what is wrong, since when, how bad, the last status and latency and the
failing expectation, and never a secret: :func:`redact_alert` masks every text field
with the run's :class:`~launchgate.redact.Redactor` before any rendering, and every
channel redacts its final bytes once more (belt and braces: a renderer that someday
adds a field cannot leak through it).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from typing import Any, Literal

from launchgate.config.watch_model import AlertSeverity
from launchgate.redact import Redactor, cut

__all__ = [
    "SEVERITY_RANK",
    "Alert",
    "AlertKind",
    "alert_text",
    "format_outage",
    "format_time",
    "headline",
    "redact_alert",
    "slack_payload",
    "webhook_payload",
]

AlertKind = Literal["down", "flapping", "recovered", "burst", "subsided"]
SEVERITY_RANK: dict[AlertSeverity, int] = {"critical": 0, "warning": 1}
_OPENING = frozenset({"down", "flapping", "burst"})


@dataclass(frozen=True)
class Alert:
    alert_id: str  # stable across retries and restarts: receivers may deduplicate on it
    kind: AlertKind
    subject: str  # the watch check or log rule: "login", "logs:errors"
    title: str  # for people: "The demo customer can log in"
    severity: AlertSeverity
    since: float  # unix seconds: when the incident started
    at: float  # when this alert was raised
    target: str  # the watched app, redacted
    status_code: int | None = None
    latency_ms: float | None = None
    problem: str = ""  # the failing expectation, one line
    detail: str = ""  # what was sent and what came back
    outage_s: float | None = None  # recovered, subsided: how long it lasted
    count: int | None = None  # log alerts: lines in the window
    window_s: float | None = None  # log alerts: the window

    @property
    def opening(self) -> bool:
        return self.kind in _OPENING


def redact_alert(alert: Alert, redactor: Redactor) -> Alert:
    """The alert with every text field masked (URLs with their query secrets too)."""
    changes: dict[str, Any] = {}
    for f in fields(alert):
        value = getattr(alert, f.name)
        if isinstance(value, str) and f.name not in ("kind", "severity"):
            changes[f.name] = (
                redactor.redact_url(value) if f.name == "target" else redactor.redact(value)
            )
    return replace(alert, **changes)


def format_time(unix_s: float) -> str:
    return datetime.fromtimestamp(unix_s, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _iso(unix_s: float) -> str:
    return datetime.fromtimestamp(unix_s, UTC).isoformat(timespec="milliseconds")


def format_outage(seconds: float) -> str:
    """``3725.4`` -> ``"1h 2m 5s"``; under ten seconds keeps one decimal."""
    if seconds < 10:
        return f"{seconds:.1f}s"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h"] if hours else []
    if hours or minutes:
        parts.append(f"{minutes}m")
    parts.append(f"{secs}s")
    return " ".join(parts)


def headline(alert: Alert) -> str:
    """One line: the Slack fallback text, the email subject, the terminal line."""
    level = alert.severity.upper()
    since = format_time(alert.since)
    outage = format_outage(alert.outage_s) if alert.outage_s is not None else "?"
    match alert.kind:
        case "down":
            return f"{level}: {alert.subject} is DOWN since {since}"
        case "flapping":
            return f"{level}: {alert.subject} is FLAPPING (failing on and off) since {since}"
        case "recovered":
            return f"RECOVERED: {alert.subject} is back up after {outage} (was {level})"
        case "burst":
            return f"{level}: {alert.title} since {since}"
        case "subsided":
            return f"RECOVERED: {alert.title} subsided after {outage}"


def alert_text(alert: Alert) -> str:
    """The whole alert as plain text: the email body, the terminal block."""
    lines = [headline(alert), f"what: {alert.title} ({alert.subject}) on {alert.target}"]
    lines.append(f"since: {format_time(alert.since)}")
    if alert.outage_s is not None:
        lines.append(f"outage: {format_outage(alert.outage_s)}, back at {format_time(alert.at)}")
    if alert.count is not None and alert.window_s is not None:
        lines.append(f"count: {alert.count} in the last {format_outage(alert.window_s)}")
    last = _last(alert)
    if last:
        lines.append(f"last {'failed ' if not alert.opening else ''}check: {last}")
    if alert.problem:
        label = "failing" if alert.opening else "it was failing with"
        lines.append(f"{label}: {alert.problem}")
    if alert.detail:
        lines += ["", alert.detail]
    lines += ["", f"alert id: {alert.alert_id}"]
    return "\n".join(lines)


def _last(alert: Alert) -> str:
    parts = []
    if alert.status_code is not None:
        parts.append(f"status {alert.status_code}")
    elif alert.problem and alert.kind in ("down", "flapping", "recovered"):
        parts.append("no answer")
    if alert.latency_ms is not None:
        parts.append(f"{alert.latency_ms:.0f} ms")
    return ", ".join(parts)


def slack_payload(alert: Alert) -> dict[str, Any]:
    """A Slack incoming-webhook message: ``text`` (notifications, fallbacks) plus blocks."""
    facts = [
        ("Severity", alert.severity),
        ("Since", format_time(alert.since)),
    ]
    if alert.outage_s is not None:
        facts.append(("Outage", format_outage(alert.outage_s)))
    last = _last(alert)
    if last:
        facts.append(("Last check", last))
    if alert.count is not None:
        facts.append(("Count", str(alert.count)))
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": cut(headline(alert), 150)}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"*{_mrkdwn(alert.title)}* on {alert.target}"},
            "fields": [{"type": "mrkdwn", "text": f"*{k}*\n{_mrkdwn(v)}"} for k, v in facts],
        },
    ]
    if alert.problem:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _code(alert.problem)}})
    footer = {"type": "mrkdwn", "text": f"launchgate · {alert.alert_id}"}
    blocks.append({"type": "context", "elements": [footer]})
    return {"text": headline(alert), "blocks": blocks}


def _mrkdwn(text: str) -> str:
    # Slack's three control characters; anything else is shown as written.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _code(text: str) -> str:
    return "```" + cut(_mrkdwn(text).replace("```", "'''"), 2900) + "```"


def webhook_payload(alert: Alert) -> dict[str, Any]:
    """The generic webhook body: every field, typed, plus the rendered text."""
    return {
        "type": "launchgate.alert",
        "id": alert.alert_id,
        "kind": alert.kind,
        "subject": alert.subject,
        "title": alert.title,
        "severity": alert.severity,
        "since": _iso(alert.since),
        "at": _iso(alert.at),
        "target": alert.target,
        "status_code": alert.status_code,
        "latency_ms": alert.latency_ms,
        "problem": alert.problem,
        "detail": alert.detail,
        "outage_s": alert.outage_s,
        "count": alert.count,
        "window_s": alert.window_s,
        "text": alert_text(alert),
    }

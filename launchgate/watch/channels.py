"""Alert channels: a Slack-compatible incoming webhook, a generic signed webhook, email.

Each sender delivers one alert or raises :class:`DeliveryError` saying why; retrying,
backing off and keeping the alert pending is the outbox's job (``outbox.py``). Every
body is built from an already-redacted alert and redacted once more as bytes on the
way out. Channel URLs are registered as secrets by the watcher (a Slack webhook URL is
a credential), so an error message names the channel, never its URL.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re
import smtplib
import ssl
import time
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formatdate
from typing import Protocol

import certifi
import httpx

from launchgate import __version__
from launchgate.config.watch_model import EmailChannel, SlackChannel, WebhookChannel
from launchgate.redact import Redactor, cut
from launchgate.retry_after import parse_retry_after
from launchgate.signing import standard_headers
from launchgate.watch.alerts import Alert, alert_text, headline, slack_payload, webhook_payload

__all__ = [
    "Channel",
    "DeliveryError",
    "EmailSender",
    "SlackSender",
    "WebhookSender",
    "sha256_signature",
]

log = logging.getLogger(__name__)

_MAX_RETRY_AFTER_S = 3600.0


class DeliveryError(Exception):
    """An alert did not reach its channel; ``retry_after_s`` if the channel asked."""

    def __init__(self, message: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class Channel(Protocol):
    name: str

    @property
    def spec(self) -> SlackChannel | WebhookChannel | EmailChannel: ...

    async def send(self, alert: Alert) -> None: ...


def sha256_signature(secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>``: signing the time as
    well as the body lets a receiver refuse a replayed alert."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


class _HttpSender:
    def __init__(self, name: str, client: httpx.AsyncClient, redactor: Redactor) -> None:
        self.name = name
        self._client = client
        self._redactor = redactor

    async def _post(self, url: str, body: bytes, headers: dict[str, str]) -> None:
        request = self._client.build_request(
            "POST",
            url,
            content=body,
            headers={
                "content-type": "application/json",
                "user-agent": f"launchgate/{__version__} (watch)",
                **headers,
            },
        )
        try:
            # Streamed and closed unread: only the status matters, and a receiver that
            # answers with a huge body must not cost memory.
            # Never redirected, whatever client was passed in: the signed alert and
            # the channel's headers go only to the URL the config names.
            response = await self._client.send(request, stream=True, follow_redirects=False)
            await response.aclose()
        except httpx.HTTPError as exc:
            # The exception text may quote the URL, which is a credential for Slack.
            raise DeliveryError(f"no answer: {type(exc).__name__}") from None
        if not 200 <= response.status_code < 300:
            raise DeliveryError(
                f"answered {response.status_code} {response.reason_phrase}",
                retry_after_s=parse_retry_after(
                    response.headers.get("retry-after"), cap_s=_MAX_RETRY_AFTER_S
                ),
            )

    def _body(self, payload: object) -> bytes:
        return self._redactor.redact(json.dumps(payload, ensure_ascii=False)).encode()


class SlackSender(_HttpSender):
    def __init__(
        self, name: str, spec: SlackChannel, client: httpx.AsyncClient, redactor: Redactor
    ) -> None:
        super().__init__(name, client, redactor)
        self._spec = spec

    @property
    def spec(self) -> SlackChannel:
        return self._spec

    async def send(self, alert: Alert) -> None:
        await self._post(self._spec.url, self._body(slack_payload(alert)), {})


class WebhookSender(_HttpSender):
    def __init__(
        self,
        name: str,
        spec: WebhookChannel,
        client: httpx.AsyncClient,
        redactor: Redactor,
        *,
        now: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(name, client, redactor)
        self._spec = spec
        self._now = now

    @property
    def spec(self) -> WebhookChannel:
        return self._spec

    async def send(self, alert: Alert) -> None:
        body = self._body(webhook_payload(alert))
        headers = dict(self._spec.headers)
        headers["x-launchgate-alert-id"] = alert.alert_id
        secret = self._spec.secret
        if secret is not None:
            timestamp = int(self._now())
            if self._spec.signature == "standard":
                # webhook-id is the alert id: a receiver that dedupes on it sees a
                # retried alert once, even if an earlier try reached it unanswered.
                headers.update(standard_headers(secret, alert.alert_id, body, timestamp))
            else:
                headers["x-launchgate-timestamp"] = str(timestamp)
                headers["x-launchgate-signature"] = sha256_signature(secret, timestamp, body)
        await self._post(self._spec.url, body, headers)


class EmailSender:
    """SMTP with STARTTLS (or implicit TLS); credentials only ever over TLS.

    smtplib is blocking, so a delivery runs on a worker thread with a socket timeout on
    every operation; the outbox's own deadline bounds the whole delivery.
    """

    def __init__(self, name: str, spec: EmailChannel, redactor: Redactor) -> None:
        self.name = name
        self._spec = spec
        self._redactor = redactor

    @property
    def spec(self) -> EmailChannel:
        return self._spec

    def message(self, alert: Alert) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self._spec.sender
        msg["To"] = ", ".join(self._spec.to)
        msg["Subject"] = self._redactor.redact(f"[launchgate] {headline(alert)}")
        msg["Date"] = formatdate(alert.at, usegmt=True)
        # Stable across retries, so a mail system that saw a try already can drop it.
        msg["Message-ID"] = f"<{re.sub(r'[^A-Za-z0-9.-]', '.', alert.alert_id)}@launchgate>"
        msg["X-Launchgate-Alert-Id"] = alert.alert_id
        msg.set_content(self._redactor.redact(alert_text(alert)) + "\n")
        return msg

    async def send(self, alert: Alert) -> None:
        message = self.message(alert)
        await asyncio.to_thread(self._send_blocking, message)

    def _context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=certifi.where())
        if self._spec.ca_bundle:
            try:
                context.load_verify_locations(cafile=self._spec.ca_bundle)
            except (OSError, ssl.SSLError) as exc:
                bundle = self._spec.ca_bundle
                raise DeliveryError(f"cannot load ca_bundle {bundle}: {exc}") from None
        return context

    def _send_blocking(self, message: EmailMessage) -> None:
        spec = self._spec
        try:
            smtp: smtplib.SMTP
            if spec.security == "tls":
                smtp = smtplib.SMTP_SSL(
                    spec.host, spec.port, timeout=spec.timeout, context=self._context()
                )
            else:
                smtp = smtplib.SMTP(spec.host, spec.port, timeout=spec.timeout)
            with smtp:
                smtp.ehlo()
                if spec.security == "starttls":
                    if not smtp.has_extn("starttls"):
                        raise DeliveryError(
                            "the server does not offer STARTTLS; refusing to send in clear"
                        )
                    smtp.starttls(context=self._context())
                    smtp.ehlo()
                if spec.username is not None and spec.password is not None:
                    smtp.login(spec.username, spec.password)
                refused = smtp.send_message(message)
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(f"the server refused the credentials ({exc.smtp_code})") from None
        except smtplib.SMTPResponseException as exc:
            raw = exc.smtp_error
            text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
            text = cut(self._redactor.redact(text), 200)
            raise DeliveryError(f"the server answered {exc.smtp_code} {text}") from None
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(f"every recipient was refused ({len(exc.recipients)})") from None
        except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
            text = self._redactor.redact(str(exc))
            raise DeliveryError(f"{type(exc).__name__}: {text}") from None
        if refused:
            # Some got it, some did not. Counted as delivered: a resend would page the
            # others twice. Said loudly instead.
            log.error(
                "channel %s: the alert reached some recipients, but %s refused it",
                self.name,
                ", ".join(refused),
            )

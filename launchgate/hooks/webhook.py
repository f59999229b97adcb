"""The rollback webhook: POST report.json to a deploy system, signed, retried, bounded.

Every try carries the same ``webhook-id`` (and ``X-Launchgate-Run-Id``), so a receiver
that saw an earlier try whose answer was lost rolls back once. Retried only when a retry
can help: no answer, 408, 429 (honouring ``Retry-After``) or 5xx; never redirected, so
a signed report never goes to a host the config does not name. The URL is registered as
a secret (a deploy-hook URL often is one), so messages name "the webhook", never it.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import certifi
import httpx

from launchgate.config.hooks_model import WebhookHook
from launchgate.config.units import format_duration
from launchgate.redact import Redactor
from launchgate.results import HookResult, HookStatus
from launchgate.retry_after import parse_retry_after
from launchgate.signing import standard_headers

__all__ = ["post_webhook", "sha256_signature"]

FIRST_BACKOFF_S = 0.5  # doubles after each try
_MAX_RETRY_AFTER_S = 60.0
_RETRYABLE = frozenset({408, 429})


def sha256_signature(secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>``, as watch's webhook
    channel signs: signing the time as well lets a receiver refuse a replay."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


@dataclass(frozen=True)
class _Try:
    ok: bool
    reason: str
    status_code: int | None = None
    retry: bool = False
    retry_after_s: float | None = None


async def post_webhook(
    hook: WebhookHook,
    body: bytes,
    *,
    message_id: str,
    user_agent: str,
    redactor: Redactor,
    transport: httpx.AsyncBaseTransport | None = None,
    now: Callable[[], float] = time.time,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    first_backoff_s: float = FIRST_BACKOFF_S,
) -> HookResult:
    started = time.perf_counter()
    tries: list[_Try] = []  # answered (or failed) tries
    sent = 0  # tries begun, one perhaps still waiting when the timeout struck

    def result(status: HookStatus, message: str) -> HookResult:
        last = tries[-1] if tries else None
        return HookResult(
            kind="webhook",
            status=status,
            message=redactor.redact(message),
            duration_s=time.perf_counter() - started,
            attempts=sent,
            status_code=last.status_code if last else None,
        )

    def count() -> str:
        return f"{sent} {'try' if sent == 1 else 'tries'}"

    try:
        verify = _ssl_context(hook.ca_bundle)
    except (OSError, ssl.SSLError) as exc:
        return result("failed", f"cannot load on_fail.webhook.ca_bundle: {exc}")
    try:
        async with asyncio.timeout(hook.timeout), _client(verify, hook, transport) as client:
            backoff = first_backoff_s
            while True:
                sent += 1
                attempt = await _try(client, hook, body, message_id, user_agent, int(now()))
                tries.append(attempt)
                if attempt.ok:
                    return result("ok", f"{attempt.reason} ({count()})")
                if not attempt.retry or len(tries) >= hook.attempts:
                    return result("failed", f"{attempt.reason} ({count()})")
                await sleep(attempt.retry_after_s if attempt.retry_after_s is not None else backoff)
                backoff *= 2
    except TimeoutError:
        last = f"; last: {tries[-1].reason}" if tries else ", no answer"
        limit = format_duration(hook.timeout)
        return result(
            "timeout", f"no success within {limit} (on_fail.webhook.timeout, {count()}{last})"
        )


def _ssl_context(ca_bundle: str | None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=certifi.where())
    if ca_bundle:
        context.load_verify_locations(cafile=ca_bundle)
    return context


def _client(
    verify: ssl.SSLContext, hook: WebhookHook, transport: httpx.AsyncBaseTransport | None
) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=transport,
        verify=verify,
        timeout=httpx.Timeout(hook.timeout),
        follow_redirects=False,
        # Proxies from the environment would see a signed report of the deploy.
        trust_env=False,
    )


async def _try(
    client: httpx.AsyncClient,
    hook: WebhookHook,
    body: bytes,
    message_id: str,
    user_agent: str,
    timestamp: int,
) -> _Try:
    headers = {
        "content-type": "application/json",
        "user-agent": user_agent,
        "x-launchgate-run-id": message_id,
        **hook.headers,
    }
    if hook.secret is not None:
        if hook.signature == "standard":
            headers.update(standard_headers(hook.secret, message_id, body, timestamp))
        else:
            headers["x-launchgate-timestamp"] = str(timestamp)
            headers["x-launchgate-signature"] = sha256_signature(hook.secret, timestamp, body)
    request = client.build_request("POST", hook.url, content=body, headers=headers)
    try:
        # Streamed and closed unread: only the status matters, and a receiver that
        # answers with a huge body must not cost memory.
        response = await client.send(request, stream=True)
        await response.aclose()
    except httpx.HTTPError as exc:
        # The exception text may quote the URL, which may be a credential.
        return _Try(False, f"no answer: {type(exc).__name__}", retry=True)
    code = response.status_code
    answered = f"answered {code} {response.reason_phrase}".rstrip()
    if 200 <= code < 300:
        return _Try(True, answered, code)
    if 300 <= code < 400:
        answered += " (not followed: a signed report goes only to the configured URL)"
    retry = code in _RETRYABLE or code >= 500
    return _Try(
        False,
        answered,
        code,
        retry=retry,
        retry_after_s=parse_retry_after(
            response.headers.get("retry-after"), cap_s=_MAX_RETRY_AFTER_S
        )
        if retry
        else None,
    )

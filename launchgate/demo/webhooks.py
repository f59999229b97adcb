"""The billing webhook receivers: Stripe-style and Standard Webhooks.

Order of defences: bounded body, then signature and timestamp (``signatures.py``), then
the body, then replay. An unauthenticated caller therefore never learns whether an
event id was seen, and a replay is refused only after it proved to be genuine.
"""

from __future__ import annotations

import json
import time
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from launchgate.demo.context import faults_of, settings_of, store_of
from launchgate.demo.settings import standard_secret_key
from launchgate.demo.signatures import (
    SignatureError,
    StandardMessage,
    verify_standard,
    verify_stripe,
)

__all__ = ["MAX_WEBHOOK_BYTES", "standard_webhook", "stripe_webhook"]

MAX_WEBHOOK_BYTES = 256 * 1024


class _TooLarge(Exception):
    pass


async def stripe_webhook(request: Request) -> Response:
    try:
        body = await _read_body(request)
    except _TooLarge:
        return _error(413, "body too large", "too-large")
    if faults_of(request).is_on("webhook-unsigned"):
        return JSONResponse({"received": True})
    header = request.headers.get("stripe-signature")
    secret = settings_of(request).webhook_secret
    try:
        verify_stripe(header, body, secret, now=time.time())
    except SignatureError as exc:
        return _error(400, str(exc), exc.reason)
    event = _json_object(body)
    event_id = None if event is None else event.get("id")
    if event is None or not isinstance(event_id, str) or not event_id:
        return _error(400, "body must be a JSON object with a string id", "malformed-body")
    return await _record(request, f"stripe:{event_id}", event)


async def standard_webhook(request: Request) -> Response:
    try:
        body = await _read_body(request)
    except _TooLarge:
        return _error(413, "body too large", "too-large")
    if faults_of(request).is_on("webhook-unsigned"):
        return JSONResponse({"received": True})
    message = StandardMessage(
        id=request.headers.get("webhook-id"),
        timestamp=request.headers.get("webhook-timestamp"),
        signature=request.headers.get("webhook-signature"),
    )
    key = standard_secret_key(settings_of(request).standard_secret)
    try:
        verify_standard(message, body, key, now=time.time())
    except SignatureError as exc:
        return _error(400, str(exc), exc.reason)
    event = _json_object(body)
    if event is None:
        return _error(400, "body must be a JSON object", "malformed-body")
    return await _record(request, f"standard:{message.id}", event)


async def _record(request: Request, key: str, event: dict[str, Any]) -> Response:
    event_type = event.get("type")
    fresh = await run_in_threadpool(
        store_of(request).record_webhook_event,
        key,
        event_type if isinstance(event_type, str) else None,
        int(time.time()),
    )
    if not fresh:
        return JSONResponse({"error": "duplicate event"}, status_code=409)
    return JSONResponse({"received": True})


async def _read_body(request: Request) -> bytes:
    """The raw body, refusing early (by Content-Length) or while streaming past the cap."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_WEBHOOK_BYTES:
        raise _TooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_WEBHOOK_BYTES:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        parsed = json.loads(body)
    except ValueError:  # also UnicodeDecodeError
        return None
    return parsed if isinstance(parsed, dict) else None


def _error(status_code: int, message: str, reason: str) -> Response:
    return JSONResponse({"error": message, "reason": reason}, status_code=status_code)

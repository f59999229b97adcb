"""Webhook signature verification, as a receiver: pure functions of headers, body and clock.

The demo plays an *independent* receiver: this code shares nothing with the gate's own
signer, so a bug on one side cannot cancel out a bug on the other. The clock is a
parameter (``now``, unix seconds), so the schemes' published test vectors, whose
timestamps are long past, can be checked exactly.

* Stripe: ``Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>...]``; HMAC-SHA256 keyed with
  the whole secret string over ``b"<t>." + body``.
* Standard Webhooks: ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature:
  v1,<base64>[ v1,<base64>...]``; HMAC-SHA256 keyed with the base64 key after
  ``whsec_`` over ``b"<id>.<timestamp>." + body``.

Several signatures may be sent during a secret rotation; one valid signature suffices.
Every comparison is constant-time. The signature is checked before the timestamp, so
an unauthenticated caller learns nothing about the receiver's clock.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "TOLERANCE_S",
    "RejectReason",
    "SignatureError",
    "StandardMessage",
    "verify_standard",
    "verify_stripe",
]

TOLERANCE_S = 300
"""Both schemes' default: a timestamp more than 5 minutes from now, either way, is refused."""

RejectReason = Literal[
    "missing-header", "malformed-header", "bad-signature", "stale-timestamp", "future-timestamp"
]


class SignatureError(Exception):
    """The request is not a genuine, fresh webhook; ``reason`` says which defence refused."""

    def __init__(self, reason: RejectReason, message: str) -> None:
        self.reason: RejectReason = reason
        super().__init__(message)


@dataclass(frozen=True)
class StandardMessage:
    """The three Standard Webhooks headers, as received (None when absent)."""

    id: str | None
    timestamp: str | None
    signature: str | None


def verify_stripe(
    header: str | None, body: bytes, secret: str, *, now: float, tolerance_s: int = TOLERANCE_S
) -> int:
    """Verify a ``Stripe-Signature`` header; the signed timestamp, or ``SignatureError``."""
    if not header:
        raise SignatureError("missing-header", "missing Stripe-Signature header")
    timestamp_text, candidates = _parse_stripe_header(header)
    signed = timestamp_text.encode("ascii") + b"." + body
    expected = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected.encode("ascii"), c) for c in candidates):
        raise SignatureError("bad-signature", "no v1 signature matches the payload")
    timestamp = int(timestamp_text)
    _check_timestamp(timestamp, now, tolerance_s)
    return timestamp


def verify_standard(
    message: StandardMessage,
    body: bytes,
    key: bytes,
    *,
    now: float,
    tolerance_s: int = TOLERANCE_S,
) -> int:
    """Verify Standard Webhooks headers with the decoded ``key``; the timestamp, or
    ``SignatureError``."""
    msg_id, timestamp_text, signatures = message.id, message.timestamp, message.signature
    if not msg_id or not timestamp_text or not signatures:
        missing = [
            name
            for name, value in (
                ("webhook-id", msg_id),
                ("webhook-timestamp", timestamp_text),
                ("webhook-signature", signatures),
            )
            if not value
        ]
        raise SignatureError("missing-header", f"missing header(s): {', '.join(missing)}")
    if not _is_unix_seconds(timestamp_text):
        raise SignatureError("malformed-header", "webhook-timestamp is not unix seconds")
    candidates = [
        encoded
        for version, _, encoded in (part.partition(",") for part in signatures.split())
        if version == "v1"
    ]
    if not candidates:
        raise SignatureError("malformed-header", "webhook-signature has no v1,<base64> value")
    signed = f"{msg_id}.{timestamp_text}.".encode() + body
    expected = hmac.new(key, signed, hashlib.sha256).digest()
    if not any(hmac.compare_digest(expected, _b64decode(c)) for c in candidates):
        raise SignatureError("bad-signature", "no v1 signature matches the payload")
    timestamp = int(timestamp_text)
    _check_timestamp(timestamp, now, tolerance_s)
    return timestamp


def _parse_stripe_header(header: str) -> tuple[str, list[bytes]]:
    timestamps: list[str] = []
    candidates: list[bytes] = []
    for item in header.split(","):
        name, sep, value = item.strip().partition("=")
        if not sep:
            raise SignatureError("malformed-header", "Stripe-Signature items must be key=value")
        if name == "t":
            timestamps.append(value)
        elif name == "v1":
            candidates.append(value.encode("utf-8"))
        # Other schemes (v0, a future v2) are ignored, as Stripe's libraries do.
    if len(timestamps) != 1 or not _is_unix_seconds(timestamps[0]):
        raise SignatureError("malformed-header", "Stripe-Signature needs exactly one t=<unix>")
    if not candidates:
        raise SignatureError("malformed-header", "Stripe-Signature has no v1 signature")
    return timestamps[0], candidates


def _check_timestamp(timestamp: int, now: float, tolerance_s: int) -> None:
    if now - timestamp > tolerance_s:
        raise SignatureError("stale-timestamp", f"timestamp is more than {tolerance_s} s old")
    if timestamp - now > tolerance_s:
        raise SignatureError(
            "future-timestamp", f"timestamp is more than {tolerance_s} s in the future"
        )


def _is_unix_seconds(text: str) -> bool:
    # ASCII digits only: str.isdigit() also accepts other scripts' digits and "²".
    return 0 < len(text) <= 12 and text.isascii() and text.isdigit()


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return b""  # never equal to a 32-byte digest

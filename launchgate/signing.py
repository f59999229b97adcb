"""Webhook signature schemes, so the gate can play the payment provider.

The billing-callback check signs requests exactly as Stripe or a Standard Webhooks
sender would, then sees whether the app's receiver tells a genuine callback from a
forged, altered, stale or replayed one. :func:`verify` is the receiver side, for our
own tests and for users' hand-written ones.

* Stripe: ``Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>``;
  several ``v1`` values while a secret is being rolled.
* Standard Webhooks: ``webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<t>." + body)>``
  where ``key`` is the base64-decoded secret after an optional ``whsec_`` prefix;
  several space-separated signatures while a secret is being rolled.

Pure functions of values: the clock comes in as ``timestamp``/``now`` (unix seconds).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "DEFAULT_TOLERANCE_S",
    "Reason",
    "SchemeName",
    "VerifyResult",
    "sign",
    "standard_headers",
    "standard_signature",
    "stripe_headers",
    "stripe_signature",
    "verify",
]

SchemeName = Literal["stripe", "standard"]
Reason = Literal[
    "ok",
    "missing_header",
    "malformed_header",
    "bad_signature",
    "stale_timestamp",
    "future_timestamp",
]

DEFAULT_TOLERANCE_S = 300
"""Stripe's default. A timestamp exactly this many seconds away is accepted; one more is not."""

_STANDARD_PREFIX = "whsec_"
_HEX = re.compile(r"[0-9a-fA-F]+")
_UNIX_TIME = re.compile(r"[0-9]{1,15}")  # not \d: that also matches non-ASCII digits


@dataclass(frozen=True)
class VerifyResult:
    """Whether a signed request would be accepted, and if not, the first reason why."""

    ok: bool
    reason: Reason

    def __post_init__(self) -> None:
        if self.ok != (self.reason == "ok"):
            raise ValueError(f"VerifyResult(ok={self.ok}) contradicts reason {self.reason!r}")


def stripe_signature(secret: str, payload: bytes, timestamp: int) -> str:
    """Hex HMAC-SHA256 of ``"<timestamp>." + payload``, keyed with the secret as is."""
    signed = f"{timestamp}.".encode() + payload
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def stripe_headers(
    secret: str, payload: bytes, timestamp: int, *, extra_signatures: Sequence[str] = ()
) -> dict[str, str]:
    """The ``Stripe-Signature`` header; ``extra_signatures`` are further hex ``v1`` values,
    as Stripe sends while a secret is rolled (or a forged one next to a genuine one)."""
    for extra in extra_signatures:
        if not _HEX.fullmatch(extra):
            raise ValueError("extra Stripe signatures must be hexadecimal HMAC digests")
    signatures = [stripe_signature(secret, payload, timestamp), *extra_signatures]
    return {"Stripe-Signature": f"t={timestamp}," + ",".join(f"v1={s}" for s in signatures)}


def standard_signature(secret: str, msg_id: str, payload: bytes, timestamp: int) -> str:
    """``"v1,<base64>"``: HMAC-SHA256 of ``"<msg_id>.<timestamp>." + payload``."""
    signed = f"{msg_id}.{timestamp}.".encode() + payload
    digest = hmac.new(_standard_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def standard_headers(secret: str, msg_id: str, payload: bytes, timestamp: int) -> dict[str, str]:
    """The three Standard Webhooks headers; ``webhook-id`` is what receivers dedupe on."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": standard_signature(secret, msg_id, payload, timestamp),
    }


def sign(
    scheme: SchemeName, secret: str, payload: bytes, *, timestamp: int, msg_id: str
) -> dict[str, str]:
    """The headers a sender of ``scheme`` attaches; Stripe carries no id header
    (its event id is in the body), so ``msg_id`` is used by the Standard scheme only."""
    if scheme == "stripe":
        return stripe_headers(secret, payload, timestamp)
    if scheme == "standard":
        return standard_headers(secret, msg_id, payload, timestamp)
    raise ValueError(
        f"unknown webhook signature scheme {scheme!r}; expected 'stripe' or 'standard'"
    )


def verify(
    scheme: SchemeName,
    secret: str,
    payload: bytes,
    headers: Mapping[str, str],
    *,
    now: int,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
) -> VerifyResult:
    """Check a request as a careful receiver would.

    Header names are case-insensitive; any one matching ``v1`` signature is enough; the
    comparison is constant-time. The signature is checked before the timestamp, so
    ``stale_timestamp`` and ``future_timestamp`` mean "authentic, but outside
    ``now ± tolerance_s``" (both edges inclusive). Unlike Stripe's own libraries we also
    reject timestamps from the future, as Standard Webhooks does: a receiver that
    accepts them accepts a pre-signed replay. Replays within the window are the
    caller's to detect, by event id.

    Raises ``ValueError`` for a Standard secret that is not base64 (a config mistake,
    not a property of the request).
    """
    if tolerance_s < 0:
        raise ValueError(f"tolerance_s must be >= 0, got {tolerance_s}")
    lowered = {name.lower(): value for name, value in headers.items()}
    if scheme == "stripe":
        return _verify_stripe(secret, payload, lowered, now, tolerance_s)
    if scheme == "standard":
        return _verify_standard(secret, payload, lowered, now, tolerance_s)
    raise ValueError(
        f"unknown webhook signature scheme {scheme!r}; expected 'stripe' or 'standard'"
    )


def _verify_stripe(
    secret: str, payload: bytes, headers: dict[str, str], now: int, tolerance_s: int
) -> VerifyResult:
    header = headers.get("stripe-signature", "").strip()
    if not header:
        return _result("missing_header")
    timestamps: list[str] = []
    candidates: list[str] = []
    for item in header.split(","):
        key, eq, value = item.strip().partition("=")
        if not eq:
            return _result("malformed_header")
        if key == "t":
            timestamps.append(value)
        elif key == "v1" and value:
            candidates.append(value)
    if len(timestamps) != 1 or not _UNIX_TIME.fullmatch(timestamps[0]) or not candidates:
        return _result("malformed_header")
    timestamp = int(timestamps[0])
    expected = stripe_signature(secret, payload, timestamp).encode()
    matched = _any_equal(expected, [c.encode("utf-8", "replace") for c in candidates])
    return _check_time(timestamp, now, tolerance_s) if matched else _result("bad_signature")


def _verify_standard(
    secret: str, payload: bytes, headers: dict[str, str], now: int, tolerance_s: int
) -> VerifyResult:
    key = _standard_key(secret)  # a bad secret raises whatever the request looks like
    msg_id = headers.get("webhook-id", "").strip()
    raw_timestamp = headers.get("webhook-timestamp", "").strip()
    header = headers.get("webhook-signature", "").strip()
    if not (msg_id and raw_timestamp and header):
        return _result("missing_header")
    if not _UNIX_TIME.fullmatch(raw_timestamp):
        return _result("malformed_header")
    candidates: list[bytes] = []
    for item in header.split():
        version, comma, value = item.partition(",")
        if not comma:
            return _result("malformed_header")
        if version == "v1":
            decoded = _b64decode(value)
            candidates.append(decoded if decoded is not None else b"")
    if not candidates:
        return _result("malformed_header")  # only other schemes (v1a, v2): nothing we check
    timestamp = int(raw_timestamp)
    signed = f"{msg_id}.{timestamp}.".encode() + payload
    expected = hmac.new(key, signed, hashlib.sha256).digest()
    matched = _any_equal(expected, candidates)
    return _check_time(timestamp, now, tolerance_s) if matched else _result("bad_signature")


def _standard_key(secret: str) -> bytes:
    encoded = secret.removeprefix(_STANDARD_PREFIX)
    key = _b64decode(encoded)
    if not key:
        # Never echo the secret: this message can reach a CI log.
        raise ValueError(
            "the Standard Webhooks secret is not valid base64 after its optional "
            "'whsec_' prefix; copy the signing secret exactly as the provider shows it"
        )
    return key


def _b64decode(value: str) -> bytes | None:
    """Strict base64, tolerating missing padding as the reference libraries do."""
    try:
        return base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def _any_equal(expected: bytes, candidates: Sequence[bytes]) -> bool:
    """Constant-time per candidate, and every candidate compared (no early exit)."""
    matched = False
    for candidate in candidates:
        matched |= hmac.compare_digest(expected, candidate)
    return matched


def _check_time(timestamp: int, now: int, tolerance_s: int) -> VerifyResult:
    if now - timestamp > tolerance_s:
        return _result("stale_timestamp")
    if timestamp - now > tolerance_s:
        return _result("future_timestamp")
    return _result("ok")


def _result(reason: Reason) -> VerifyResult:
    return VerifyResult(ok=reason == "ok", reason=reason)

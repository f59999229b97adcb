"""``Retry-After`` (RFC 9110 §10.2.3), read one way everywhere: the probe's 429
pauses, the on-fail webhook's retries and watch's alert channels."""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime

__all__ = ["parse_retry_after"]


def parse_retry_after(value: str | None, *, cap_s: float, now: float | None = None) -> float | None:
    """Seconds to wait, from delay-seconds or an HTTP date, clamped to ``[0, cap_s]``
    so a hostile or confused server cannot park us; ``None`` when absent or unreadable
    (the caller's own backoff applies)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text).timestamp()
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        seconds = when - (time.time() if now is None else now)
    if seconds != seconds:  # NaN: "nan" parses as a float
        return None
    return min(max(seconds, 0.0), cap_s)

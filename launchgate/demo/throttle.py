"""The demo's brute-force protection: failed logins counted per account and per client
address, in a sliding window; past either limit, logins for that account (or from that
address) are answered 429 with ``Retry-After`` until the oldest failure ages out.

Only failures count, and only those the app verified (a password checked and found
wrong): a login that succeeds, or one refused here unchecked, adds nothing. So the
demo's own journeys, the probe (which logs in once, through the login journey) and
``launchgate watch`` (which only ever logs in with the right password) can never trip
it. The gate's burst (``security::login-rate-limit``) guesses at its run's own fresh
account: it meets the account limit after :data:`ACCOUNT_LIMIT` failures and stops
there, so one gate run adds that many failures to its address. The address limit is
:data:`ADDRESS_LIMIT`, ten gate runs' worth within one window, far more than anything
the demo's tests or walkthroughs send to one server.

The ``no-login-rate-limit`` fault switches the whole thing off.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

__all__ = ["ACCOUNT_LIMIT", "ADDRESS_LIMIT", "WINDOW_S", "LoginThrottle"]

ACCOUNT_LIMIT = 5  # failed logins per account per window; the next is refused
ADDRESS_LIMIT = 50  # failed logins from one client address per window
WINDOW_S = 60.0
_MAX_KEYS = 10_000  # a spray of made-up emails must not grow memory without bound


class LoginThrottle:
    """Thread-safe; ``clock`` is injected so tests step time instead of sleeping."""

    def __init__(
        self,
        *,
        account_limit: int = ACCOUNT_LIMIT,
        address_limit: int = ADDRESS_LIMIT,
        window_s: float = WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limits = {"account": account_limit, "address": address_limit}
        self._window_s = window_s
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: dict[tuple[str, str], deque[float]] = {}

    def retry_after(self, account: str, address: str) -> int | None:
        """Seconds until a login for ``account`` from ``address`` may be tried again,
        or None when it may be tried now."""
        now = self._clock()
        waits = []
        with self._lock:
            for key in (("account", account), ("address", address)):
                if key not in self._failures:
                    continue
                times = self._recent(key, now)
                if len(times) >= self._limits[key[0]]:
                    waits.append(times[0] + self._window_s - now)
        if not waits:
            return None
        return max(1, math.ceil(max(waits)))

    def failed(self, account: str, address: str) -> None:
        now = self._clock()
        with self._lock:
            if len(self._failures) >= _MAX_KEYS:
                self._prune(now)
            for key in (("account", account), ("address", address)):
                self._recent(key, now).append(now)

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= now - self._window_s:
            times.popleft()
        return times

    def _prune(self, now: float) -> None:
        for key in list(self._failures):
            if not self._recent(key, now):
                del self._failures[key]
        while len(self._failures) >= _MAX_KEYS:  # all recent: drop the oldest keys
            del self._failures[next(iter(self._failures))]

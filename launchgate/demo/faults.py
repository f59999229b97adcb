"""The launch defects the demo can inject, and the live set of those switched on.

A fault is registered here only once the gate can catch it: ``launchgate demo --fault
NAME`` promises that the gate fails, so a name it cannot yet catch is refused rather
than accepted and silently passed. :data:`CAUGHT_BY` names, for each, the check that
must fail; ``benchmarks/demo_faults.py`` counts how often it does.

Each fault's effect is sized to hold on a fast machine and a slow one, far from the
gate's thresholds rather than just past them: ``dashboard-slow`` sleeps, so its p95
is at least the sleep on any machine; ``missing-index`` turns each dashboard's four
index lookups into four scans of a table sized for the machine (``sizing.py``,
``microcache.py``); ``flaky-5xx`` fails ten times the error budget (see
``middleware.py`` for the odds of a miss).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from launchgate.checks.ids import (
    LOGS_ID,
    edge_id,
    edge_private_cache_id,
    journey_id,
    probe_gate_id,
    security_id,
    webhook_id,
)

__all__ = ["CAUGHT_BY", "FAULTS", "FaultSet", "parse_faults", "validate_faults"]

FAULTS: Mapping[str, str] = MappingProxyType(
    {
        "login-500": "POST /login answers 500 Internal Server Error",
        "signup-broken": "POST /signup answers 200 'Account created' but creates no account",
        "webhook-unsigned": (
            "both billing webhooks skip signature, timestamp and replay checks and accept anything"
        ),
        "dashboard-slow": "GET /dashboard waits 600 ms first (p95 >= 600 ms on any machine)",
        "missing-index": (
            "the invoices(user_id, created_at) index is dropped at startup, so each "
            "dashboard not served from its 0.2 s cache scans every invoice four times: "
            "p95 tens of ms slower, still under 500 ms"
        ),
        "flaky-5xx": "about 10% of requests (all but /healthz) answer 503",
        "no-hsts": "HTTPS responses carry no Strict-Transport-Security header",
        "public-dashboard-cache": "the dashboard answers Cache-Control: public, max-age=300",
        "http-no-redirect": "plain http:// serves the site instead of redirecting to HTTPS",
        "mixed-content": "the home page loads a script over plain http://",
        "cert-expiring": "the HTTPS certificate expires in 3 days",
        "no-login-rate-limit": (
            "POST /login never slows down or locks out a guesser: any number of wrong "
            "passwords per account and per address are answered 401"
        ),
        "render-blocking-script": (
            "the home page's <head> loads a third-party script without async or defer"
        ),
        "log-leaks-token": (
            "the app's log prints every request's Authorization and Cookie headers"
        ),
        "log-leaks-password": "the app's log prints the login form, password included",
    }
)
"""Fault name -> one line saying what breaks, for ``--help`` and error messages."""

CAUGHT_BY: Mapping[str, str] = MappingProxyType(
    {
        "login-500": journey_id("login"),
        "signup-broken": journey_id("signup"),
        "webhook-unsigned": webhook_id("billing", "forged"),
        "dashboard-slow": probe_gate_id("dashboard", "p95"),
        "missing-index": probe_gate_id("dashboard", "regression"),
        # The homepage: the dashboard's probe route needs a login, which a 503 can fail.
        "flaky-5xx": probe_gate_id("home", "errors"),
        "no-hsts": edge_id("hsts"),
        "public-dashboard-cache": edge_private_cache_id("dashboard"),
        "http-no-redirect": edge_id("https"),
        "mixed-content": edge_id("mixed-content"),
        "cert-expiring": edge_id("certificate"),
        "no-login-rate-limit": security_id("login-rate-limit"),
        # Medium: it blocks because the demo's gate fails on medium (launchgate.yml).
        "render-blocking-script": edge_id("render-blocking"),
        "log-leaks-token": LOGS_ID,
        "log-leaks-password": LOGS_ID,
    }
)
"""Fault name -> the id of the check of the demo's gate that fails, blocking, when the
fault is on: what ``launchgate demo --fault NAME`` promises."""


def validate_faults(names: Iterable[str]) -> frozenset[str]:
    """The names as a set, or ``ValueError`` naming the unknown ones and the valid ones."""
    chosen = frozenset(names)
    unknown = sorted(chosen - FAULTS.keys())
    if unknown:
        raise ValueError(
            f"unknown demo fault(s): {', '.join(unknown)}; "
            f"valid faults are: {', '.join(sorted(FAULTS))}"
        )
    return chosen


def parse_faults(text: str) -> frozenset[str]:
    """Parse ``LAUNCHGATE_DEMO_FAULTS``: comma-separated names, blanks and spaces ignored."""
    return validate_faults(part.strip() for part in text.split(",") if part.strip())


class FaultSet:
    """The faults switched on right now, shared by every request of one app.

    Handlers ask per request (``faults.is_on("login-500")``), so a fault toggled while
    the app runs takes effect on the next request. The set is replaced as a whole under
    a lock, so a reader on another thread always sees a consistent snapshot.
    """

    def __init__(self, names: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._active = validate_faults(names)

    def is_on(self, name: str) -> bool:
        # An unregistered name here is a typo in a handler: fail loudly rather than
        # have a fault that can never trigger.
        if name not in FAULTS:
            raise KeyError(f"{name!r} is not a registered demo fault")
        return name in self._active

    def enable(self, name: str) -> None:
        with self._lock:
            self._active = self._active | validate_faults([name])

    def disable(self, name: str) -> None:
        validate_faults([name])
        with self._lock:
            self._active = self._active - {name}

    def names(self) -> frozenset[str]:
        return self._active

    def __repr__(self) -> str:
        return f"FaultSet({sorted(self._active)!r})"

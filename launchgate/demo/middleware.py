"""Security headers on every response, as a small pure ASGI middleware.

Pure ASGI rather than ``BaseHTTPMiddleware``: it only edits the response start message,
so it adds no task per request and never buffers a body. A header the route already
set (a stricter ``Cache-Control``, say) is left as the route set it.
"""

from __future__ import annotations

import random

from starlette.datastructures import MutableHeaders
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "FLAKY_RATE",
    "HSTS",
    "SECURITY_HEADERS",
    "FlakyMiddleware",
    "SecurityHeadersMiddleware",
]

# The flaky-5xx fault: ten times the demo's 1 % error budget. The probe sends 240
# measured requests per route (20/s for 12 s); the gate fails a route at 3 errors or
# more, so it misses the fault with probability P(Binomial(240, 0.10) <= 2) = 4.0e-9
# per run (at 5 %, as before, it was 4.2e-4: one run in 2,400). Even at the 200
# samples a decided p95 needs, the miss is 1.9e-7 (tests/demo/test_fault_effects.py).
FLAKY_RATE = 0.10

SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    # The pages load only their own stylesheet: no script, no inline style.
    ("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; base-uri 'self'"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
)
# Strict-Transport-Security goes on HTTPS responses only: browsers ignore it over
# plain HTTP (RFC 6797, section 8.1), and it says nothing there.
HSTS = ("Strict-Transport-Security", "max-age=63072000; includeSubDomains")


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        added = SECURITY_HEADERS
        if scope["scheme"] == "https" and not scope["app"].state.faults.is_on("no-hsts"):
            added = (*added, HSTS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in added:
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


class FlakyMiddleware:
    """The ``flaky-5xx`` fault: answer 503 to a few percent of requests. /healthz is
    spared, as a load balancer's check often is, which is why such faults ship."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._random = random.Random()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["path"] != "/healthz"
            and scope["app"].state.faults.is_on("flaky-5xx")
            and self._random.random() < FLAKY_RATE
        ):
            response = PlainTextResponse("Service Unavailable", status_code=503)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

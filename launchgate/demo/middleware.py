"""Security headers on every response, as a small pure ASGI middleware.

Pure ASGI rather than ``BaseHTTPMiddleware``: it only edits the response start message,
so it adds no task per request and never buffers a body. A header the route already
set (a stricter ``Cache-Control``, say) is left as the route set it.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["HSTS", "SECURITY_HEADERS", "SecurityHeadersMiddleware"]

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

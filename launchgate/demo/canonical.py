"""The demo's edge rules, as a pure ASGI middleware: one canonical HTTPS address.

Requests that name a public host (``demo.launchgate.test`` or its ``www``) are sent
to ``https://demo.launchgate.test:<https port>`` with one ``301`` that keeps the path
and query, unless they already arrived there. Requests to any other host (the gate's
own target, ``127.0.0.1``) are served as they are: that is the origin behind the edge.
The ``http-no-redirect`` fault serves plain HTTP instead of redirecting it.
"""

from __future__ import annotations

from starlette.responses import RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from launchgate.demo.faults import FaultSet
from launchgate.demo.settings import DemoSettings

__all__ = ["CanonicalHostMiddleware"]


class CanonicalHostMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        target = _redirect_target(scope) if scope["type"] == "http" else None
        if target is None:
            await self.app(scope, receive, send)
            return
        await RedirectResponse(target, status_code=301)(scope, receive, send)


def _redirect_target(scope: Scope) -> str | None:
    state = scope["app"].state
    settings: DemoSettings = state.settings
    faults: FaultSet = state.faults
    https_port: int | None = getattr(state, "https_port", None)
    host = _host(scope)
    if https_port is None or host not in settings.public_hosts:
        return None
    canonical = f"https://{settings.public_host}:{https_port}"
    if scope["scheme"] == "https":
        if host == settings.public_host:
            return None
    elif faults.is_on("http-no-redirect"):
        return None
    # raw_path keeps the percent-encoding the client sent; uvicorn leaves the query out.
    raw: bytes = scope.get("raw_path") or scope["path"].encode("utf-8")
    query: bytes = scope.get("query_string", b"")
    return canonical + raw.decode("latin-1") + (f"?{query.decode('latin-1')}" if query else "")


def _host(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"host":
            text: str = value.decode("latin-1").strip().lower()
            return text if text.endswith("]") else text.rsplit(":", 1)[0]
    return ""

"""The demo's own log file: one line per request, as an access log writes it, and
the two ways a real app leaks credentials into its logs, as faults.

``log-leaks-token`` adds the request's ``Authorization`` and ``Cookie`` headers to
each line (a debugging aid left on); ``log-leaks-password`` writes the login form as
it came (``POST /login form: email=…&password=…``). The clean log holds the method,
path and status only: no query string, no header, no body, so nothing secret.

Written line by line and flushed, under a lock (requests are served from several
threads): the gate's log check reads the file while the server keeps running.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["AccessLogMiddleware", "AppLog"]


class AppLog:
    """Appends lines to the demo's log file; does nothing without one."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()

    def write(self, text: str) -> None:
        if self.path is None:
            return
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        with self._lock, self.path.open("a", encoding="utf-8") as f:
            f.write(f"{stamp} {text}\n")

    def login_form(self, form: Mapping[str, str]) -> None:
        """The ``log-leaks-password`` fault: the login form, URL-encoded as it came."""
        self.write(f"POST /login form: {urlencode(form)}")


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = scope["app"].state if scope["type"] == "http" else None
        log = getattr(state, "applog", None)
        if not isinstance(log, AppLog) or log.path is None:
            await self.app(scope, receive, send)
            return
        leaky = state is not None and state.faults.is_on("log-leaks-token")

        async def logged(message: Message) -> None:
            if message["type"] == "http.response.start":
                line = f"{scope['method']} {scope['path']} {message['status']}"
                if leaky:
                    headers = {
                        k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]
                    }
                    shown = " ".join(
                        f'{name}="{headers[name]}"'
                        for name in ("authorization", "cookie")
                        if name in headers
                    )
                    line += f" headers: {shown}" if shown else ""
                log.write(line)
            await send(message)

        await self.app(scope, receive, logged)

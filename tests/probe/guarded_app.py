"""A staging site behind a guard: every path but ``/healthz`` answers 401 unless the
request carries ``Authorization`` equal to ``$GUARD_AUTHORIZATION``, as a site behind
basic auth or a deployment-protection header does."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

EXPECTED = os.environ.get("GUARD_AUTHORIZATION", "").encode()


async def app(scope: Scope, receive: Any, send: Send) -> None:
    if scope["type"] != "http":
        return
    given = dict(scope["headers"]).get(b"authorization", b"")
    allowed = scope["path"] == "/healthz" or (EXPECTED and given == EXPECTED)
    await send(
        {
            "type": "http.response.start",
            "status": 200 if allowed else 401,
            "headers": [
                (b"content-type", b"text/plain"),
                (b"www-authenticate", b'Basic realm="staging"'),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b"welcome" if allowed else b"no"})

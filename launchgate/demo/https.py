"""The demo's HTTPS listener: a second uvicorn server inside the app's own process.

The same app object, so the same database, sessions and live faults serve both
plain HTTP (the gate's target, and the public ``http://`` that must redirect) and
HTTPS (the canonical public site). It starts from the app's lifespan on a listening
socket the runner passed down (``LAUNCHGATE_DEMO_TLS_FD``), so the port was chosen
without a race, like the plain one.

``Server.startup`` / ``shutdown`` rather than ``serve``: ``serve`` installs signal
handlers, which would take SIGTERM away from the outer server that owns the process.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp

__all__ = ["serve_https"]


@asynccontextmanager
async def serve_https(app: ASGIApp, fd: int, cert: Path, key: Path) -> AsyncIterator[int]:
    """Serve ``app`` over TLS on the listening socket ``fd``; yields its port."""
    sock = socket.socket(fileno=fd)  # family and type read from the descriptor
    port: int = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        ssl_certfile=str(cert),
        ssl_keyfile=str(key),
        lifespan="off",  # the outer server runs the app's lifespan, once
        log_config=None,  # keep the outer server's logging as it is
        log_level="warning",
        access_log=False,
        proxy_headers=False,  # the scheme is what this socket serves: https
        timeout_graceful_shutdown=2,
    )
    config.load()
    server = uvicorn.Server(config)
    server.lifespan = config.lifespan_class(config)
    await server.startup(sockets=[sock])
    try:
        yield port
    finally:
        await server.shutdown(sockets=[sock])

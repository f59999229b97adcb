"""The demo subscription dashboard: ``create_app()`` builds the Starlette app.

Served by uvicorn as a factory (``uvicorn --factory launchgate.demo.app:create_app``).
Settings are read from the environment once, here; the database is created and seeded
at startup and, when it lives in a temp directory of its own, removed at shutdown.

``app.state`` holds ``settings`` (:class:`DemoSettings`), ``faults`` (the live
:class:`FaultSet`, read by handlers on every request), ``throttle`` (the failed
logins, :class:`LoginThrottle`), ``applog`` (its log file, :class:`AppLog`) and, once
started, ``store``
and, when the runner handed over an HTTPS listener, ``https_port``.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import tempfile
from collections.abc import AsyncIterator, Mapping
from contextlib import ExitStack, asynccontextmanager, closing
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from launchgate.demo import admin, views, webhooks
from launchgate.demo.applog import AccessLogMiddleware, AppLog
from launchgate.demo.canonical import CanonicalHostMiddleware
from launchgate.demo.context import settings_of, store_of
from launchgate.demo.db import Store, connect, drop_invoice_index
from launchgate.demo.faults import FaultSet
from launchgate.demo.https import serve_https
from launchgate.demo.middleware import FlakyMiddleware, SecurityHeadersMiddleware
from launchgate.demo.seed import prepare_database
from launchgate.demo.settings import DemoSettings
from launchgate.demo.throttle import LoginThrottle

__all__ = ["create_app"]

logger = logging.getLogger(__name__)

_NO_STORE = {"Cache-Control": "no-store"}


def create_app(environ: Mapping[str, str] | None = None) -> Starlette:
    """Build the demo app from ``environ`` (default: ``os.environ``).

    Raises ``ValueError`` for a bad setting (an unknown fault, say), so a misconfigured
    server fails at startup instead of serving something other than what was asked.
    """
    settings = DemoSettings.from_env(os.environ if environ is None else environ)
    app = Starlette(
        routes=_ROUTES,
        # Outermost first: the edge's redirects carry the security headers too; the
        # flaky-5xx fault sits innermost, where the app itself would fail.
        middleware=[
            Middleware(AccessLogMiddleware),
            Middleware(SecurityHeadersMiddleware),
            Middleware(CanonicalHostMiddleware),
            Middleware(FlakyMiddleware),
        ],
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.faults = FaultSet(settings.faults)
    app.state.throttle = LoginThrottle()
    app.state.applog = AppLog(settings.log_path)
    return app


@asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    settings: DemoSettings = app.state.settings
    with ExitStack() as cleanup:
        path = settings.db_path
        if path is None:
            # A temp directory of our own, so the WAL and shared-memory files SQLite
            # keeps next to the database are removed with it.
            scratch = cleanup.enter_context(
                tempfile.TemporaryDirectory(prefix="launchgate-demo-db-")
            )
            path = Path(scratch) / "demo.sqlite3"
        await run_in_threadpool(
            prepare_database,
            path,
            email=settings.email,
            password=settings.password,
            users=settings.users,
            invoices_per_user=settings.invoices_per_user,
        )
        if app.state.faults.is_on("missing-index"):
            await run_in_threadpool(_drop_index, path)
        app.state.store = Store(path)
        if settings.faults:
            logger.warning("demo faults injected: %s", ", ".join(sorted(settings.faults)))
        if settings.tls_fd is None or settings.tls_cert is None or settings.tls_key is None:
            yield
            return
        async with serve_https(app, settings.tls_fd, settings.tls_cert, settings.tls_key) as port:
            app.state.https_port = port
            yield


def _drop_index(path: Path) -> None:
    with closing(connect(path)) as conn:
        drop_invoice_index(conn)
        conn.commit()


async def healthz(request: Request) -> Response:
    try:
        await run_in_threadpool(store_of(request).ping)
    except sqlite3.Error as exc:
        logger.warning("health check failed: %s", exc)
        return JSONResponse({"status": "unavailable"}, status_code=503, headers=_NO_STORE)
    return JSONResponse({"status": "ok"}, headers=_NO_STORE)


async def version(request: Request) -> Response:
    return JSONResponse({"version": settings_of(request).version}, headers=_NO_STORE)


_ROUTES = [
    Route("/", views.home, methods=["GET"]),
    Route("/pricing", views.pricing, methods=["GET"]),
    Route("/static/app.css", views.stylesheet, methods=["GET"]),
    Route("/signup", views.signup_page, methods=["GET"]),
    Route("/signup", views.signup, methods=["POST"]),
    Route("/login", views.login_page, methods=["GET"]),
    Route("/login", views.login, methods=["POST"]),
    Route("/logout", views.logout, methods=["POST"]),
    Route("/dashboard", views.dashboard, methods=["GET"]),
    Route("/api/me", views.api_me, methods=["GET"]),
    Route("/webhooks/billing", webhooks.stripe_webhook, methods=["POST"]),
    Route("/webhooks/standard", webhooks.standard_webhook, methods=["POST"]),
    Route("/healthz", healthz, methods=["GET"]),
    Route("/version", version, methods=["GET"]),
    Route("/admin/faults", admin.faults_list, methods=["GET"]),
    Route("/admin/faults/{name}", admin.fault_switch, methods=["PUT", "DELETE"]),
]

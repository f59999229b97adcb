"""The demo's pages and account routes: home, pricing, signup, login, dashboard, logout.

Anything that blocks (SQLite, scrypt) runs in Starlette's threadpool, so one slow
login never stalls the event loop for every other request.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import time
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from launchgate.demo import pages
from launchgate.demo.context import applog_of, faults_of, settings_of, store_of, throttle_of
from launchgate.demo.db import Store, User
from launchgate.demo.forms import (
    CSRF_FIELD,
    SESSION_COOKIE,
    FormTooLarge,
    csrf_matches,
    delete_cookie,
    new_csrf_token,
    read_form,
    set_cookie,
    set_csrf_cookie,
)
from launchgate.demo.passwords import hash_password, verify_password

__all__ = [
    "api_me",
    "burn_cpu",
    "dashboard",
    "home",
    "login",
    "login_page",
    "logout",
    "pricing",
    "signup",
    "signup_page",
    "stylesheet",
]

logger = logging.getLogger(__name__)

SESSION_TTL_S = 12 * 3600
DASHBOARD_INVOICES = 20
DASHBOARD_SLOW_S = 0.6  # the dashboard-slow fault: well over the 500 ms p95 target
MIN_PASSWORD = 8
MAX_PASSWORD = 1024  # scrypt reads it all; no reason to accept a megabyte
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PUBLIC = {"Cache-Control": "no-cache"}
_NO_STORE = {"Cache-Control": "no-store"}  # pages that carry a CSRF token
_PRIVATE = {"Cache-Control": "private, no-store"}  # never cached by a shared cache


_INSECURE_SCRIPT = "http://cdn.demo.launchgate.test/analytics.js"  # the mixed-content fault
# The render-blocking-script fault: a third party's (example.net is reserved for
# documentation, RFC 2606), so the page waits on a host the site does not run.
_BLOCKING_SCRIPT = "https://cdn.example.net/chat-widget.js"
_PUBLIC_CACHE = {"Cache-Control": "public, max-age=300"}  # the public-dashboard-cache fault


async def home(request: Request) -> Response:
    faults = faults_of(request)
    page = pages.home(
        canonical=_canonical_url(request, "/"),
        insecure_script=_INSECURE_SCRIPT if faults.is_on("mixed-content") else None,
        blocking_script=_BLOCKING_SCRIPT if faults.is_on("render-blocking-script") else None,
    )
    return HTMLResponse(page, headers=_PUBLIC)


async def pricing(request: Request) -> Response:
    return HTMLResponse(
        pages.pricing(canonical=_canonical_url(request, "/pricing")), headers=_PUBLIC
    )


def _canonical_url(request: Request, path: str) -> str:
    """The page on the canonical host, as the edge's redirects name it (canonical.py),
    whichever name or address the request came in by."""
    port: int | None = getattr(request.app.state, "https_port", None)
    host = settings_of(request).public_host
    return f"https://{host}:{port}{path}" if port is not None else f"https://{host}{path}"


async def stylesheet(request: Request) -> Response:
    # The one static asset: cacheable by anyone, as static assets should be.
    return Response(
        pages.STYLESHEET,
        media_type="text/css",
        headers={"Cache-Control": "public, max-age=86400"},
    )


async def signup_page(request: Request) -> Response:
    return _form_page(pages.signup_form)


async def login_page(request: Request) -> Response:
    return _form_page(pages.login_form)


async def signup(request: Request) -> Response:
    form = await _checked_form(request)
    if isinstance(form, Response):
        return form
    token = form[CSRF_FIELD]
    email = form.get("email", "").strip().lower()
    password = form.get("password", "")
    problem = _signup_problem(email, password)
    if problem:
        return _html(pages.signup_form(token, email=email, error=problem), 422, _NO_STORE)
    if faults_of(request).is_on("signup-broken"):
        return _html(pages.account_created(email), 200, _NO_STORE)  # and nothing is stored
    created = await run_in_threadpool(_create_user, store_of(request), email, password)
    if not created:
        error = "An account with this email already exists."
        return _html(pages.signup_form(token, email=email, error=error), 409, _NO_STORE)
    return _html(pages.account_created(email), 200, _NO_STORE)


async def login(request: Request) -> Response:
    if faults_of(request).is_on("login-500"):
        error = pages.error_page("Internal Server Error", "Something went wrong.")
        return _html(error, 500, _NO_STORE)
    form = await _checked_form(request)
    if isinstance(form, Response):
        return form
    if faults_of(request).is_on("log-leaks-password"):
        applog_of(request).login_form(form)
    email = form.get("email", "").strip().lower()
    address = request.client.host if request.client else "unknown"
    throttle = None if faults_of(request).is_on("no-login-rate-limit") else throttle_of(request)
    wait_s = throttle.retry_after(email, address) if throttle is not None else None
    if wait_s is not None:
        # Refused before the password is checked: a guess made now learns nothing.
        message = "Too many failed logins. Wait a minute and try again."
        page = pages.login_form(form[CSRF_FIELD], email=email, error=message)
        return _html(page, 429, {**_NO_STORE, "Retry-After": str(wait_s)})
    store = store_of(request)
    user_id = await run_in_threadpool(_authenticate, store, email, form.get("password", ""))
    if user_id is None:
        if throttle is not None:
            throttle.failed(email, address)
        error = "Invalid email or password"
        page = pages.login_form(form[CSRF_FIELD], email=email, error=error)
        return _html(page, 401, _NO_STORE)
    session = await run_in_threadpool(store.create_session, user_id, int(time.time()))
    response = RedirectResponse("/dashboard", status_code=303, headers=_NO_STORE)
    set_cookie(response, SESSION_COOKIE, session)
    return response


async def dashboard(request: Request) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    now = int(time.time())
    data = None
    if token:
        data = await run_in_threadpool(
            store_of(request).dashboard,
            token,
            not_before=now - SESSION_TTL_S,
            since=now - 365 * 86400,
            limit=DASHBOARD_INVOICES,
        )
    if data is None:
        return RedirectResponse("/login", status_code=303, headers=_PRIVATE)
    if faults_of(request).is_on("dashboard-slow"):
        await asyncio.sleep(DASHBOARD_SLOW_S)  # a slow dependency, not a busy CPU
    work_ms = settings_of(request).dashboard_work_ms
    if work_ms > 0:
        await run_in_threadpool(burn_cpu, work_ms / 1000.0)
    cache = _PUBLIC_CACHE if faults_of(request).is_on("public-dashboard-cache") else _PRIVATE
    return _html(pages.dashboard(data), 200, cache)


async def api_me(request: Request) -> Response:
    user = await _current_user(request)
    if user is None:
        return JSONResponse({"error": "not logged in"}, status_code=401, headers=_PRIVATE)
    count = await run_in_threadpool(store_of(request).invoice_count, user.id)
    body = {"email": user.email, "plan": user.plan, "invoice_count": count}
    return JSONResponse(body, headers=_PRIVATE)


async def logout(request: Request) -> Response:
    # No CSRF token here: the session cookie is SameSite=Lax, so a cross-site POST does
    # not carry it, and the worst a forged logout can do is log someone out.
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await run_in_threadpool(store_of(request).delete_session, token)
    response = RedirectResponse("/", status_code=303, headers=_PRIVATE)
    delete_cookie(response, SESSION_COOKIE)
    return response


def burn_cpu(seconds: float) -> None:
    """Spin until this thread has used ``seconds`` of CPU (not of wall time): a fixed
    amount of work, which takes longer when the machine is busy, as a real page does.
    Benchmark-only: see ``DemoSettings.dashboard_work_ms``."""
    until = time.thread_time() + seconds
    while time.thread_time() < until:
        pass


def _form_page(render: Callable[[str], str]) -> Response:
    token = new_csrf_token()
    response = HTMLResponse(render(token), headers=_NO_STORE)
    set_csrf_cookie(response, token)
    return response


async def _checked_form(request: Request) -> dict[str, str] | Response:
    """The posted form when its CSRF token matches the cookie; else the error response."""
    try:
        form = await read_form(request)
    except FormTooLarge:
        return _html(pages.error_page("Payload Too Large", "The form is too large."), 413)
    if not csrf_matches(request, form):
        message = "The form's security token is missing or stale. Reload the page and retry."
        return _html(pages.error_page("Forbidden", message), 403, _NO_STORE)
    return form


def _signup_problem(email: str, password: str) -> str | None:
    if len(email) > 254 or not _EMAIL.fullmatch(email):
        return "Enter a valid email address."
    if len(password) < MIN_PASSWORD:
        return f"The password must have at least {MIN_PASSWORD} characters."
    if len(password) > MAX_PASSWORD:
        return f"The password must have at most {MAX_PASSWORD} characters."
    return None


def _create_user(store: Store, email: str, password: str) -> bool:
    return store.create_user(email, hash_password(password), "trial", int(time.time()))


def _authenticate(store: Store, email: str, password: str) -> int | None:
    credentials = store.credentials(email)
    if credentials is None:
        # Spend the same scrypt time as for a real user, so response time does not
        # reveal which emails have an account.
        verify_password(password, _unknown_user_hash())
        return None
    if len(password) > MAX_PASSWORD or not verify_password(password, credentials.password_hash):
        return None
    return credentials.user_id


@functools.cache
def _unknown_user_hash() -> str:
    return hash_password("launchgate-demo-unknown-user")


async def _current_user(request: Request) -> User | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    not_before = int(time.time()) - SESSION_TTL_S
    return await run_in_threadpool(store_of(request).session_user, token, not_before=not_before)


def _html(content: str, status_code: int, headers: dict[str, str] | None = None) -> Response:
    return HTMLResponse(content, status_code=status_code, headers=headers)

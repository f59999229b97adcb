"""What a bounded number of GETs to one host tell about an app: its homepage, health
and version routes, login and signup forms, a page behind the login, and (for an API)
its OpenAPI document. Only GETs: inspecting an app must not change it."""

from __future__ import annotations

import json
import ssl
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from launchgate.initfrom.html import Form, Parsed, parse

MAX_REQUESTS = 40
MAX_HOPS = 5
HEALTH_PATHS = ("/healthz", "/health", "/up", "/api/health", "/status")
VERSION_PATHS = ("/version", "/api/version", "/__version__")
LOGIN_PATHS = (
    "/login", "/accounts/login/", "/signin", "/users/sign_in", "/auth/login", "/user/login",
)  # fmt: skip
SIGNUP_PATHS = (
    "/signup", "/accounts/signup/", "/register", "/users/sign_up", "/auth/register",
    "/join", "/accounts/register/",
)  # fmt: skip
PROTECTED_PATHS = (
    "/dashboard", "/dashboard/", "/account", "/account/", "/accounts/profile/", "/profile",
    "/app", "/me", "/settings",
)  # fmt: skip
_LOGIN_WORDS = ("login", "log-in", "signin", "sign_in", "sign-in")
_SIGNUP_WORDS = ("signup", "sign_up", "sign-up", "register", "join")


class Unreachable(Exception):
    """The homepage itself could not be fetched: nothing else is worth trying."""


@dataclass(frozen=True)
class Page:
    path: str
    status: int
    location: str | None  # a same-origin redirect's path (with query), if any
    offsite: str | None  # a redirect to another origin, as written
    text: str
    cookies: tuple[str, ...]
    content_type: str

    @property
    def parsed(self) -> Parsed:
        return parse(self.text) if "html" in self.content_type else Parsed("", ())


@dataclass(frozen=True)
class FoundForm:
    page: Page
    form: Form
    post_path: str | None  # None: its action leaves the host


@dataclass
class Findings:
    base: str
    requests: int = 0
    home: Page | None = None
    home_problem: str | None = None
    health: str | None = None
    version: str | None = None
    login: FoundForm | None = None
    signup: FoundForm | None = None
    protected: str | None = None
    openapi: dict[str, Any] | None = None
    cookies: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class _Fetcher:
    def __init__(self, base: str, client: httpx.Client, findings: Findings) -> None:
        self._base = base
        self._origin = _origin(base)
        self._client = client
        self._f = findings

    def get(self, path: str, *, first: bool = False) -> Page | None:
        """One GET, redirects not followed; None once the budget is spent or on a
        transport error (a single route may reset a connection; the app is up), except
        for the ``first`` request, whose failure means the app cannot be reached."""
        if self._f.requests >= MAX_REQUESTS:
            return None
        self._f.requests += 1
        try:
            resp = self._client.get(self._base + path)
            text = resp.text
        except httpx.HTTPError as exc:
            if first:
                raise Unreachable(_transport_cause(exc)) from None
            return None
        location = offsite = None
        if resp.is_redirect and "location" in resp.headers:
            absolute = urljoin(self._base + path, resp.headers["location"])
            if _origin(absolute) == self._origin:
                parts = urlsplit(absolute)
                location = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            else:
                offsite = absolute
        for name in resp.cookies:
            if name not in self._f.cookies:
                self._f.cookies.append(name)
        kind = resp.headers.get("content-type", "")
        return Page(path, resp.status_code, location, offsite, text, tuple(resp.cookies), kind)

    def follow(self, path: str, *, first: bool = False) -> tuple[Page | None, str | None]:
        """GET with same-origin redirects followed a few hops: the final page, or why not."""
        seen = [path]
        for hop in range(MAX_HOPS):
            page = self.get(seen[-1], first=first and hop == 0)
            if page is None or page.location is None:
                if page is not None and page.offsite:
                    return page, f"redirects off this host to {page.offsite}"
                return page, None
            if page.location in seen:
                return page, "redirects in a loop: " + " → ".join([*seen, page.location])
            seen.append(page.location)
        return None, f"redirects more than {MAX_HOPS} times: " + " → ".join(seen)


def inspect(url: str, *, verify: ssl.SSLContext | bool, timeout_s: float = 10.0) -> Findings:
    base = url.rstrip("/")
    findings = Findings(base)
    with httpx.Client(
        verify=verify, timeout=timeout_s, follow_redirects=False, trust_env=False
    ) as client:
        fetch = _Fetcher(base, client, findings)
        findings.home, findings.home_problem = fetch.follow("/", first=True)
        _look_around(fetch, findings)
    return findings


def _look_around(fetch: _Fetcher, f: Findings) -> None:
    links = _links(f.home.text if f.home else "")
    for path in HEALTH_PATHS:
        page = fetch.get(path)
        if page is not None and page.status == 200:
            f.health = path
            break
    for path in VERSION_PATHS:
        page = fetch.get(path)
        if page is not None and page.status == 200 and "html" not in page.content_type:
            f.version = path
            break
    home_forms = _password_forms(f.home) if f.home else []
    f.login = _find(fetch, _ordered(links, _LOGIN_WORDS, LOGIN_PATHS), signup=False)
    if f.login is None and home_forms:
        f.login = home_forms[0]
    f.signup = _find(fetch, _ordered(links, _SIGNUP_WORDS, SIGNUP_PATHS), signup=True)
    if f.login is None:
        page = fetch.get("/openapi.json")
        if page is not None and page.status == 200:
            try:
                doc = json.loads(page.text)
            except ValueError:
                doc = None
            if isinstance(doc, dict) and isinstance(doc.get("paths"), dict):
                f.openapi = doc
        return
    login_path = f.login.page.path
    for path in _ordered(links, (), PROTECTED_PATHS):
        page = fetch.get(path)
        if page is None:
            break
        target = (page.location or "").split("?")[0]
        if page.status in (301, 302, 303, 307) and target == login_path:
            f.protected = path
            break


def _find(fetch: _Fetcher, paths: list[str], *, signup: bool) -> FoundForm | None:
    for path in paths:
        page, _problem = fetch.follow(path)
        if page is None or page.status != 200:
            continue
        forms = _password_forms(page)
        # A signup form asks for the password twice or sits on a signup route; a login
        # form on a signup route is not one.
        for found in forms:
            twice = len(found.form.of_kind("password")) > 1
            if signup or not twice:
                return found
    return None


def _password_forms(page: Page) -> list[FoundForm]:
    out = []
    for form in page.parsed.forms:
        if form.method != "POST" or not form.of_kind("password"):
            continue
        out.append(FoundForm(page, form, _action_path(page, form)))
    return out


def _action_path(page: Page, form: Form) -> str | None:
    if not form.action:
        return page.path
    absolute = urljoin("http://h" + page.path, form.action)
    if _origin(absolute) != "http://h":
        return None
    parts = urlsplit(absolute)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _ordered(links: list[str], words: tuple[str, ...], common: tuple[str, ...]) -> list[str]:
    """Routes the homepage links to that look right first, then the common ones."""
    linked = [p for p in links if any(w in p.lower() for w in words)] if words else []
    return list(dict.fromkeys([*linked, *common]))


def _links(text: str) -> list[str]:
    import re

    out = []
    for href in re.findall(r"""<a\s[^>]*href=["']([^"'#?]+)""", text, re.IGNORECASE):
        if href.startswith("/") and not href.startswith("//"):
            out.append(href)
    return out


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _transport_cause(exc: httpx.HTTPError) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ConnectError) and "refused" in text.lower():
        return "connection refused (is the app running, on this port?)"
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return "its certificate is not trusted (a private CA? pass --ca-bundle)"
    if isinstance(exc, httpx.TimeoutException):
        return "no answer in time"
    return text

"""Form posts: bounded reading, the double-submit CSRF token, and cookie headers.

Double submit: rendering a form sets a random token both in a cookie and in a hidden
field; a post is accepted only when the two agree. A cross-site page can make the
browser send the cookie but cannot read it to fill in the field.
"""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

__all__ = [
    "CSRF_COOKIE",
    "CSRF_FIELD",
    "MAX_FORM_BYTES",
    "SESSION_COOKIE",
    "FormTooLarge",
    "csrf_matches",
    "delete_cookie",
    "new_csrf_token",
    "read_form",
    "set_cookie",
    "set_csrf_cookie",
]

CSRF_COOKIE = "lg_csrf"
CSRF_FIELD = "csrf_token"
SESSION_COOKIE = "lg_session"
MAX_FORM_BYTES = 16 * 1024  # an email, a password and a token; anything bigger is abuse


class FormTooLarge(Exception):
    """The declared body is over :data:`MAX_FORM_BYTES`."""


async def read_form(request: Request) -> dict[str, str]:
    """The form's text fields (files are ignored); ``FormTooLarge`` before reading a
    body that declares itself too large."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        raise FormTooLarge
    async with request.form(max_files=0, max_fields=20, max_part_size=MAX_FORM_BYTES) as form:
        return {key: value for key, value in form.items() if isinstance(value, str)}


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def set_csrf_cookie(response: Response, token: str) -> None:
    # HttpOnly: the page carries the token in its form, no script needs the cookie.
    set_cookie(response, CSRF_COOKIE, token, samesite="Strict")


def csrf_matches(request: Request, form: dict[str, str]) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    field = form.get(CSRF_FIELD, "")
    if not cookie or not field:
        return False
    return hmac.compare_digest(cookie.encode("utf-8"), field.encode("utf-8"))


def set_cookie(response: Response, name: str, value: str, *, samesite: str = "Lax") -> None:
    """Add ``Set-Cookie: name=value; HttpOnly; SameSite=...; Path=/``.

    Written by hand because Starlette spells the attribute ``SameSite=lax``; browsers
    accept either, but the canonical spelling is what people grep for. No ``Secure``:
    the demo serves plain HTTP on loopback. Values are ``token_urlsafe`` output, which
    needs no quoting.
    """
    response.headers.append("set-cookie", f"{name}={value}; HttpOnly; SameSite={samesite}; Path=/")


def delete_cookie(response: Response, name: str) -> None:
    response.headers.append("set-cookie", f"{name}=; Max-Age=0; HttpOnly; SameSite=Lax; Path=/")

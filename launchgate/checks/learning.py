"""Teach the redactor every secret a request carries or a response sets, on the wire.

A check knows some of its secrets (a ``secrets:`` variable, a password field it
rendered), but not all: a literal ``?token=`` in a configured path, a cookie the app
sets on a redirect hop, a header a target sends by default. httpx event hooks see every
request just before it is sent and every response as soon as its headers arrive, on
every redirect hop, for every check that uses the engine's clients; registered there, a
value is masked (and, in GitHub Actions, ``::add-mask::``-ed) before anything can print
it: an error page that echoes it back, a log line, an exception.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl

import httpx

from launchgate.redact import Redactor, looks_secret_name

__all__ = ["learn_request", "redaction_hooks"]

_Hook = Callable[..., Awaitable[None]]

# Fields whose value is a credential in itself, described for the log check; other
# secret-looking fields (a CSRF token) are masked without being called a credential.
_PASSWORD_FIELD = re.compile(r"password|passwd|pwd|passphrase|secret|api_?key", re.IGNORECASE)


def _learn(redactor: Redactor, name: str, value: str) -> None:
    if _PASSWORD_FIELD.search(name):
        redactor.describe(value, f"the password sent in the {name} field")
    else:
        redactor.add(value, warn_if_short=False)


def redaction_hooks(redactor: Redactor) -> dict[str, list[_Hook]]:
    """``event_hooks`` for an ``httpx.AsyncClient`` that register secrets with ``redactor``."""

    async def on_request(request: httpx.Request) -> None:
        learn_request(redactor, request)

    async def on_response(response: httpx.Response) -> None:
        redactor.learn_headers(response.headers)

    return {"request": [on_request], "response": [on_response]}


def learn_request(redactor: Redactor, request: httpx.Request) -> None:
    """Register the URL's secrets, the credential headers and the secret-looking fields
    of a form or JSON body."""
    redactor.learn_url(str(request.url))
    redactor.learn_headers(request.headers)
    try:
        body = request.content
    except httpx.RequestNotRead:  # a streamed body: nothing to look into without reading it
        return
    if not body:
        return
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    text = body.decode("utf-8", errors="replace")
    if content_type == "application/x-www-form-urlencoded":
        fields = parse_qsl(text, keep_blank_values=True)
        for name, value in fields:
            if looks_secret_name(name):
                _learn(redactor, name, value)
    elif content_type == "application/json" or content_type.endswith("+json"):
        try:
            document = json.loads(text)
        except ValueError:
            return
        for key, value in _secret_json_values(document):
            _learn(redactor, key, value)


def _secret_json_values(
    node: object, *, under_secret: bool = False, key: str = ""
) -> list[tuple[str, str]]:
    """(key, string value) under secret-looking keys, at any depth (everything under
    ``{"credentials": {...}}`` counts)."""
    if isinstance(node, str):
        return [(key, node)] if under_secret else []
    if isinstance(node, dict):
        return [
            found
            for name, value in node.items()
            for found in _secret_json_values(
                value, under_secret=under_secret or looks_secret_name(str(name)), key=str(name)
            )
        ]
    if isinstance(node, list):
        return [
            found
            for item in node
            for found in _secret_json_values(item, under_secret=under_secret, key=key)
        ]
    return []

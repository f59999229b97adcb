"""What the engine's clients teach the redactor about each request and response."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from launchgate.checks.learning import learn_request, redaction_hooks
from launchgate.redact import MASK, Redactor


def test_a_form_body_teaches_its_secret_fields() -> None:
    redactor = Redactor()
    request = httpx.Request(
        "POST", "http://app.test/login", data={"email": "a@b.c", "password": "Form-Pass 1&"}
    )
    learn_request(redactor, request)
    assert redactor.redact("Form-Pass 1& for a@b.c") == f"{MASK} for a@b.c"


def test_a_json_body_teaches_secret_fields_at_any_depth() -> None:
    redactor = Redactor()
    body = {"user": {"name": "ann", "api_token": "Json-Tok-1"}, "credentials": [{"v": "Nested-2"}]}
    learn_request(redactor, httpx.Request("POST", "http://app.test/", json=body))
    assert redactor.redact("ann Json-Tok-1 Nested-2") == f"ann {MASK} {MASK}"


def test_a_streamed_body_is_left_unread() -> None:
    async def stream() -> AsyncIterator[bytes]:
        yield b"password=never-read"

    request = httpx.Request(
        "POST",
        "http://app.test/?sig=Url-Sig-3",
        content=stream(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    redactor = Redactor()
    learn_request(redactor, request)
    assert redactor.redact("Url-Sig-3 never-read") == f"{MASK} never-read"


@pytest.mark.asyncio
async def test_the_hooks_learn_every_hop_of_a_redirect() -> None:
    """A cookie set on a redirect hop and a token in the Location are learnt before
    the journey sees the final answer."""

    def app(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/start":
            return httpx.Response(
                302,
                headers={"location": "/next?token=Hop-Tok-4", "set-cookie": "sid=Hop-Cookie-5"},
            )
        return httpx.Response(200)

    redactor = Redactor()
    async with httpx.AsyncClient(
        base_url="http://app.test",
        transport=httpx.MockTransport(app),
        event_hooks=redaction_hooks(redactor),
    ) as client:
        await client.get("/start", follow_redirects=True)
    assert redactor.redact("Hop-Tok-4 Hop-Cookie-5") == f"{MASK} {MASK}"

"""The rollback webhook against real HTTP receivers on loopback."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import ssl
import time
from email.utils import formatdate
from pathlib import Path

import pytest
import trustme

from launchgate.config.hooks_model import WebhookHook
from launchgate.hooks.webhook import post_webhook
from launchgate.redact import Redactor
from launchgate.results import HookResult
from launchgate.signing import verify
from tests.servers import Behaviour, Connection, MisbehavingServer, Request, answer, silent

SECRET = "whsec_" + "c2VjcmV0LWtleS1mb3ItdGhlLXJvbGxiYWNrLWhvb2s="
BODY = json.dumps({"verdict": "fail", "rollback": True}).encode()


class Sleeps:
    """Records the backoff instead of sleeping it: the test stays fast and exact."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def post(server: MisbehavingServer, sleeps: Sleeps | None = None, **spec: object) -> HookResult:
    hook = WebhookHook.model_validate({"url": f"{server.url}/hooks/rollback", **spec})
    redactor = Redactor([hook.url])
    return asyncio.run(
        post_webhook(
            hook,
            BODY,
            message_id="launchgate-abc-rollback",
            user_agent="launchgate/test",
            redactor=redactor,
            sleep=sleeps or Sleeps(),
        )
    )


def sequence(*behaviours: Behaviour) -> Behaviour:
    """The first request gets the first behaviour, and so on; the last one repeats."""
    order = itertools.chain(behaviours, itertools.repeat(behaviours[-1]))

    def behave(conn: Connection, request: Request) -> None:
        next(order)(conn, request)

    return behave


def test_a_signed_post_of_the_report_that_the_receiver_can_verify() -> None:
    with MisbehavingServer(answer(204)) as server:
        result = post(server, secret=SECRET, headers={"x-team": "web"})
    assert (result.status, result.attempts, result.status_code) == ("ok", 1, 204)
    assert result.message == "answered 204 No Content (1 try)"
    (request,) = server.requests
    assert (request.method, request.route, request.body) == ("POST", "/hooks/rollback", BODY)
    assert request.headers["content-type"] == "application/json"
    assert request.headers["webhook-id"] == "launchgate-abc-rollback"
    assert request.headers["x-team"] == "web"
    checked = verify("standard", SECRET, request.body, request.headers, now=int(time.time()))
    assert checked.ok, checked.reason
    forged = verify("standard", SECRET, request.body + b" ", request.headers, now=int(time.time()))
    assert not forged.ok


def test_the_sha256_scheme_signs_timestamp_and_body() -> None:
    with MisbehavingServer(answer(200)) as server:
        assert post(server, secret="plain text secret", signature="sha256").status == "ok"
    (request,) = server.requests
    signed = f"{request.headers['x-launchgate-timestamp']}.".encode() + request.body
    expected = hmac.new(b"plain text secret", signed, hashlib.sha256).hexdigest()
    assert request.headers["x-launchgate-signature"] == f"sha256={expected}"


def test_unsigned_without_a_secret() -> None:
    with MisbehavingServer(answer(200)) as server:
        post(server)
    (request,) = server.requests
    assert "webhook-signature" not in request.headers
    assert "x-launchgate-signature" not in request.headers


def test_a_500_is_retried_with_backoff_then_reported() -> None:
    sleeps = Sleeps()
    with MisbehavingServer(answer(500)) as server:
        result = post(server, sleeps, attempts=3)
    assert (result.status, result.attempts, result.status_code) == ("failed", 3, 500)
    assert result.message == "answered 500 Internal Server Error (3 tries)"
    assert sleeps.delays == [0.5, 1.0]
    ids = {r.headers["x-launchgate-run-id"] for r in server.requests}
    assert len(server.requests) == 3 and ids == {"launchgate-abc-rollback"}


def test_a_503_then_a_200_succeeds_on_the_second_try() -> None:
    with MisbehavingServer(sequence(answer(503), answer(200))) as server:
        result = post(server, attempts=3)
    assert (result.status, result.attempts) == ("ok", 2)


def test_retry_after_is_honoured() -> None:
    sleeps = Sleeps()
    limited = answer(429, headers=[("Retry-After", "7")])
    with MisbehavingServer(sequence(limited, answer(200))) as server:
        assert post(server, sleeps).status == "ok"
    assert sleeps.delays == [7.0]


def test_retry_after_as_an_http_date_is_honoured() -> None:
    sleeps = Sleeps()
    limited = answer(429, headers=[("Retry-After", formatdate(time.time() + 8, usegmt=True))])
    with MisbehavingServer(sequence(limited, answer(200))) as server:
        assert post(server, sleeps).status == "ok"
    [delay] = sleeps.delays
    assert 5.0 <= delay <= 8.0  # whole seconds on the wire, and the request took a moment


@pytest.mark.parametrize("code", [400, 401, 404])
def test_a_client_error_is_not_retried(code: int) -> None:
    with MisbehavingServer(answer(code)) as server:
        result = post(server, attempts=5)
    assert (result.status, result.attempts, result.status_code) == ("failed", 1, code)


def test_a_redirect_is_not_followed() -> None:
    moved = answer(307, headers=[("Location", "http://127.0.0.1:9/elsewhere")])
    with MisbehavingServer(moved) as server:
        result = post(server)
    assert result.status == "failed"
    assert "not followed" in result.message
    assert len(server.requests) == 1


def test_a_receiver_that_never_answers_is_bounded_by_the_timeout() -> None:
    with MisbehavingServer(silent()) as server:
        started = time.monotonic()
        result = post(server, timeout="500ms")
        elapsed = time.monotonic() - started
    assert result.status == "timeout"
    assert result.message.startswith("no success within 500ms (on_fail.webhook.timeout, 1 try")
    assert elapsed < 5  # bounded: the limit plus the time to tear the client down


def test_the_url_never_appears_in_a_message() -> None:
    with MisbehavingServer(answer(500)) as server:
        result = post(server, attempts=1)
    assert server.url not in result.message
    closed = WebhookHook(url="http://127.0.0.1:9/deploy?key=Deploy-Key-123", attempts=1)
    refused = asyncio.run(
        post_webhook(
            closed,
            BODY,
            message_id="m",
            user_agent="u",
            redactor=Redactor([closed.url]),
            sleep=Sleeps(),
        )
    )
    assert refused.status == "failed"
    assert refused.message == "no answer: ConnectError (1 try)"


def test_a_receiver_on_a_private_ca_needs_its_ca_bundle(tmp_path: Path) -> None:
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    with MisbehavingServer(answer(200), tls=context) as server:
        trusted = post(server, ca_bundle=str(bundle))
        untrusted = post(server, attempts=1)
    assert trusted.status == "ok"
    assert (untrusted.status, untrusted.message) == ("failed", "no answer: ConnectError (1 try)")
    with MisbehavingServer(answer(200)) as server:
        missing = post(server, ca_bundle=str(tmp_path / "nope.pem"))
    assert missing.status == "failed"
    assert missing.message.startswith("cannot load on_fail.webhook.ca_bundle")
    assert server.requests == []

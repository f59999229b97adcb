"""Both billing webhook receivers over HTTP, each defence checked on its own.

Timestamps come from this process's clock; the server's clock reads the same or later,
so "301 s old" is at least 301 s old when it arrives. The future case sends +600 s
for the same reason (a +301 s request could arrive just inside the window).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid

import pytest

BILLING = "/webhooks/billing"
STANDARD = "/webhooks/standard"


def event_body(event_id: str | None = None) -> bytes:
    event = {"id": event_id or f"evt_{uuid.uuid4().hex}", "type": "invoice.paid"}
    return json.dumps(event).encode()


def stripe_headers(secret: str, body: bytes, t: int | None = None, *, extra_v1: str = ""):
    t = int(time.time()) if t is None else t
    digest = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    v1 = f"v1={extra_v1}," if extra_v1 else ""
    return {"Stripe-Signature": f"t={t},{v1}v1={digest}", "Content-Type": "application/json"}


def standard_headers(secret: str, body: bytes, t: int | None = None, msg_id: str | None = None):
    t = int(time.time()) if t is None else t
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{msg_id}.{t}.".encode() + body, hashlib.sha256).digest()
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(t),
        "webhook-signature": "v1," + base64.b64encode(digest).decode(),
        "Content-Type": "application/json",
    }


@pytest.fixture
def client(clean_demo, browser):
    return browser(clean_demo).client


@pytest.fixture(params=["stripe", "standard"])
def scheme(request, clean_demo):
    """(path, sign(body, t=None) -> headers) for each scheme."""
    if request.param == "stripe":
        return BILLING, lambda body, t=None: stripe_headers(clean_demo.webhook_secret, body, t)
    return STANDARD, lambda body, t=None: standard_headers(clean_demo.standard_secret, body, t)


def test_valid_event_is_accepted(client, scheme):
    path, sign = scheme
    body = event_body()
    response = client.post(path, content=body, headers=sign(body))
    assert response.status_code == 200
    assert response.json() == {"received": True}


def test_replay_is_409(client, scheme):
    path, sign = scheme
    body = event_body()
    headers = sign(body)
    assert client.post(path, content=body, headers=headers).status_code == 200
    replay = client.post(path, content=body, headers=headers)
    assert replay.status_code == 409
    assert replay.json() == {"error": "duplicate event"}


def test_replay_with_a_fresh_signature_is_still_409(client, clean_demo):
    # Dedup is by event id, not by signature: a retried delivery is re-signed.
    body = event_body()
    secret = clean_demo.webhook_secret
    first = client.post(BILLING, content=body, headers=stripe_headers(secret, body))
    assert first.status_code == 200
    again = stripe_headers(secret, body, int(time.time()) - 5)
    assert client.post(BILLING, content=body, headers=again).status_code == 409


def test_forged_signature_is_400(client, scheme):
    path, sign = scheme
    body = event_body()
    headers = sign(body)
    if path == BILLING:
        t = headers["Stripe-Signature"].split(",")[0]
        headers["Stripe-Signature"] = f"{t},v1={'ab' * 32}"
    else:
        headers["webhook-signature"] = "v1," + base64.b64encode(b"x" * 32).decode()
    response = client.post(path, content=body, headers=headers)
    assert response.status_code == 400
    assert response.json()["reason"] == "bad-signature"


def test_one_byte_body_change_is_400(client, scheme):
    path, sign = scheme
    body = event_body()
    headers = sign(body)
    tampered = body.replace(b"invoice.paid", b"invoice.paiD")
    response = client.post(path, content=tampered, headers=headers)
    assert response.status_code == 400
    assert response.json()["reason"] == "bad-signature"


def test_missing_signature_header_is_400(client, scheme):
    path, _ = scheme
    response = client.post(path, content=event_body(), headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["reason"] == "missing-header"


def test_stale_timestamp_is_400(client, scheme):
    path, sign = scheme
    body = event_body()
    response = client.post(path, content=body, headers=sign(body, int(time.time()) - 301))
    assert response.status_code == 400
    assert response.json()["reason"] == "stale-timestamp"


def test_future_timestamp_is_400(client, scheme):
    path, sign = scheme
    body = event_body()
    response = client.post(path, content=body, headers=sign(body, int(time.time()) + 600))
    assert response.status_code == 400
    assert response.json()["reason"] == "future-timestamp"


def test_stripe_rotated_secret_two_v1_one_valid_is_accepted(client, clean_demo):
    body = event_body()
    headers = stripe_headers(clean_demo.webhook_secret, body, extra_v1="0" * 64)
    assert client.post(BILLING, content=body, headers=headers).status_code == 200


def test_standard_rotated_secret_two_v1_one_valid_is_accepted(client, clean_demo):
    body = event_body()
    headers = standard_headers(clean_demo.standard_secret, body)
    old = "v1," + base64.b64encode(b"\0" * 32).decode()
    headers["webhook-signature"] = f"{old} {headers['webhook-signature']}"
    assert client.post(STANDARD, content=body, headers=headers).status_code == 200


def test_the_two_schemes_keep_separate_event_ids(client, clean_demo):
    shared_id = f"evt_{uuid.uuid4().hex}"
    body = event_body(shared_id)
    stripe = stripe_headers(clean_demo.webhook_secret, body)
    standard = standard_headers(clean_demo.standard_secret, body, msg_id=shared_id)
    assert client.post(BILLING, content=body, headers=stripe).status_code == 200
    assert client.post(STANDARD, content=body, headers=standard).status_code == 200


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"type": "no id"}', b'{"id": 7}'])
def test_stripe_signed_body_without_a_string_id_is_400(client, clean_demo, body):
    response = client.post(
        BILLING, content=body, headers=stripe_headers(clean_demo.webhook_secret, body)
    )
    assert response.status_code == 400
    assert response.json()["reason"] == "malformed-body"


def test_oversized_body_is_413(client, clean_demo):
    body = b'{"id": "evt_big", "pad": "' + b"x" * 300_000 + b'"}'
    response = client.post(
        BILLING, content=body, headers=stripe_headers(clean_demo.webhook_secret, body)
    )
    assert response.status_code == 413

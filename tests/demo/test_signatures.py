"""The demo's webhook verifiers as pure functions, with an injected clock.

The signatures here are computed by a small signer written in this file, from the
schemes' descriptions, not by launchgate's code; the Standard Webhooks case is also
pinned to the specification's published test vector.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from launchgate.demo.settings import standard_secret_key
from launchgate.demo.signatures import (
    TOLERANCE_S,
    SignatureError,
    StandardMessage,
    verify_standard,
    verify_stripe,
)

NOW = 1_750_000_000
STRIPE_SECRET = "whsec_test_stripe"
STANDARD_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
BODY = b'{"id": "evt_1", "type": "invoice.paid"}'


def stripe_header(body: bytes, t: int, secret: str = STRIPE_SECRET, *extra: str) -> str:
    digest = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return ",".join([f"t={t}", *extra, f"v1={digest}"])


def standard_signature(msg_id: str, t: int, body: bytes, secret: str = STANDARD_SECRET) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{msg_id}.{t}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def standard(msg_id: str, t: int, body: bytes, signature: str | None = None) -> StandardMessage:
    return StandardMessage(msg_id, str(t), signature or standard_signature(msg_id, t, body))


KEY = standard_secret_key(STANDARD_SECRET)


def reason_of(call) -> str:
    with pytest.raises(SignatureError) as caught:
        call()
    return caught.value.reason


# -- Stripe -----------------------------------------------------------------------------


def test_stripe_valid_signature_returns_its_timestamp():
    assert verify_stripe(stripe_header(BODY, NOW), BODY, STRIPE_SECRET, now=NOW) == NOW


def test_stripe_rotation_one_valid_v1_among_several_is_enough():
    old = "v1=" + "0" * 64
    header = stripe_header(BODY, NOW, STRIPE_SECRET, old)
    assert verify_stripe(header, BODY, STRIPE_SECRET, now=NOW) == NOW
    other_order = f"{stripe_header(BODY, NOW)},{old}"
    assert verify_stripe(other_order, BODY, STRIPE_SECRET, now=NOW) == NOW


def test_stripe_ignores_other_schemes_such_as_v0():
    header = stripe_header(BODY, NOW, STRIPE_SECRET, "v0=" + "f" * 64)
    assert verify_stripe(header, BODY, STRIPE_SECRET, now=NOW) == NOW


def test_stripe_wrong_secret_is_a_bad_signature():
    header = stripe_header(BODY, NOW, "whsec_other")
    assert reason_of(lambda: verify_stripe(header, BODY, STRIPE_SECRET, now=NOW)) == (
        "bad-signature"
    )


@pytest.mark.parametrize("header", [None, ""])
def test_stripe_missing_header(header):
    assert reason_of(lambda: verify_stripe(header, BODY, STRIPE_SECRET, now=NOW)) == (
        "missing-header"
    )


@pytest.mark.parametrize(
    "header",
    [
        "garbage",
        f"v1={'0' * 64}",  # no timestamp
        f"t={NOW}",  # no signature
        f"t=abc,v1={'0' * 64}",
        f"t={NOW},t={NOW},v1={'0' * 64}",
        f"t=-{NOW},v1={'0' * 64}",
        f"t=١٢٣,v1={'0' * 64}",  # digits, but not ASCII ones
    ],
)
def test_stripe_malformed_header(header):
    assert reason_of(lambda: verify_stripe(header, BODY, STRIPE_SECRET, now=NOW)) == (
        "malformed-header"
    )


@pytest.mark.parametrize(
    ("age_s", "reason"),
    [
        (TOLERANCE_S, None),
        (TOLERANCE_S + 1, "stale-timestamp"),
        (-TOLERANCE_S, None),
        (-TOLERANCE_S - 1, "future-timestamp"),
    ],
)
def test_stripe_tolerance_boundaries(age_s, reason):
    t = NOW - age_s
    header = stripe_header(BODY, t)
    if reason is None:
        assert verify_stripe(header, BODY, STRIPE_SECRET, now=NOW) == t
    else:
        assert reason_of(lambda: verify_stripe(header, BODY, STRIPE_SECRET, now=NOW)) == reason


def test_stripe_signature_is_checked_before_the_timestamp():
    # A forged request learns nothing about the receiver's clock.
    header = f"t={NOW - 10_000},v1={'0' * 64}"
    assert reason_of(lambda: verify_stripe(header, BODY, STRIPE_SECRET, now=NOW)) == (
        "bad-signature"
    )


@given(body=st.binary(min_size=1, max_size=200), data=st.data())
def test_stripe_any_one_byte_change_is_refused(body, data):
    header = stripe_header(body, NOW)
    index = data.draw(st.integers(0, len(body) - 1))
    delta = data.draw(st.integers(1, 255))
    tampered = body[:index] + bytes([(body[index] + delta) % 256]) + body[index + 1 :]
    assert reason_of(lambda: verify_stripe(header, tampered, STRIPE_SECRET, now=NOW)) == (
        "bad-signature"
    )


# -- Standard Webhooks ------------------------------------------------------------------


def test_standard_published_test_vector():
    # From the Standard Webhooks reference libraries' tests (test_sign_function in
    # standard-webhooks/libraries/python): this exact signature for these inputs.
    message = StandardMessage(
        id="msg_p5jXN8AQM9LWM0D4loKWxJek",
        timestamp="1614265330",
        signature="v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    )
    body = b'{"test": 2432232314}'
    assert verify_standard(message, body, KEY, now=1614265330) == 1614265330
    # The receiver's real clock makes the vector stale, as it should.
    assert reason_of(lambda: verify_standard(message, body, KEY, now=NOW)) == "stale-timestamp"


def test_standard_test_signer_reproduces_the_published_vector():
    # Guards the signer this file uses for every other case.
    signature = standard_signature(
        "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}'
    )
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_standard_valid_signature_returns_its_timestamp():
    assert verify_standard(standard("msg_1", NOW, BODY), BODY, KEY, now=NOW) == NOW


def test_standard_rotation_one_valid_v1_among_several_is_enough():
    good = standard_signature("msg_1", NOW, BODY)
    stale_key = "v1," + base64.b64encode(b"\0" * 32).decode()
    signatures = f"{stale_key} v2,{good.split(',')[1]} not-a-signature {good}"
    message = StandardMessage("msg_1", str(NOW), signatures)
    assert verify_standard(message, BODY, KEY, now=NOW) == NOW


def test_standard_wrong_key_is_a_bad_signature():
    other = "whsec_" + base64.b64encode(b"another key of 32 bytes, exactly").decode()
    message = standard("msg_1", NOW, BODY, standard_signature("msg_1", NOW, BODY, other))
    assert reason_of(lambda: verify_standard(message, BODY, KEY, now=NOW)) == "bad-signature"


def test_standard_id_is_part_of_the_signed_content():
    message = StandardMessage("msg_2", str(NOW), standard_signature("msg_1", NOW, BODY))
    assert reason_of(lambda: verify_standard(message, BODY, KEY, now=NOW)) == "bad-signature"


@pytest.mark.parametrize("missing", ["id", "timestamp", "signature"])
def test_standard_missing_header(missing):
    fields: dict[str, str | None] = {"id": "msg_1", "timestamp": str(NOW), "signature": "v1,AAAA"}
    fields[missing] = None
    message = StandardMessage(**fields)
    with pytest.raises(SignatureError, match=f"webhook-{missing}") as caught:
        verify_standard(message, BODY, KEY, now=NOW)
    assert caught.value.reason == "missing-header"


@pytest.mark.parametrize(
    ("timestamp", "signature"),
    [
        ("soon", "v1,AAAA"),
        (f"{NOW}.5", "v1,AAAA"),
        (str(NOW), "v2,AAAA"),  # no v1 at all
        (str(NOW), "AAAA"),
    ],
)
def test_standard_malformed_headers(timestamp, signature):
    message = StandardMessage("msg_1", timestamp, signature)
    assert reason_of(lambda: verify_standard(message, BODY, KEY, now=NOW)) == "malformed-header"


def test_standard_invalid_base64_signature_is_a_bad_signature():
    message = StandardMessage("msg_1", str(NOW), "v1,!!!not base64!!!")
    assert reason_of(lambda: verify_standard(message, BODY, KEY, now=NOW)) == "bad-signature"


@pytest.mark.parametrize(
    ("age_s", "reason"),
    [
        (TOLERANCE_S, None),
        (TOLERANCE_S + 1, "stale-timestamp"),
        (-TOLERANCE_S, None),
        (-TOLERANCE_S - 1, "future-timestamp"),
    ],
)
def test_standard_tolerance_boundaries(age_s, reason):
    t = NOW - age_s
    message = standard("msg_1", t, BODY)
    if reason is None:
        assert verify_standard(message, BODY, KEY, now=NOW) == t
    else:
        assert reason_of(lambda: verify_standard(message, BODY, KEY, now=NOW)) == reason


@given(body=st.binary(min_size=1, max_size=200), data=st.data())
def test_standard_any_one_byte_change_is_refused(body, data):
    message = standard("msg_1", NOW, body)
    index = data.draw(st.integers(0, len(body) - 1))
    delta = data.draw(st.integers(1, 255))
    tampered = body[:index] + bytes([(body[index] + delta) % 256]) + body[index + 1 :]
    assert reason_of(lambda: verify_standard(message, tampered, KEY, now=NOW)) == "bad-signature"


@given(
    msg_id=st.text(st.characters(codec="ascii", exclude_categories=["Cc"]), min_size=1),
    body=st.binary(max_size=200),
    age_s=st.integers(-TOLERANCE_S, TOLERANCE_S),
)
def test_standard_accepts_whatever_a_correct_signer_signs(msg_id, body, age_s):
    message = standard(msg_id.strip() or "x", NOW - age_s, body)
    assert verify_standard(message, body, KEY, now=NOW) == NOW - age_s


@pytest.mark.parametrize("secret", ["no-prefix", "whsec_", "whsec_!!!", "whsec_AAAAA"])
def test_malformed_standard_secrets_are_refused_without_echoing_them(secret):
    with pytest.raises(ValueError, match="STANDARD_SECRET") as caught:
        standard_secret_key(secret)
    if len(secret) > len("whsec_"):
        assert secret not in str(caught.value)


def test_unpadded_standard_secret_is_accepted_like_the_reference_libraries():
    padded = "whsec_" + base64.b64encode(b"12345").decode()
    assert standard_secret_key(padded.rstrip("=")) == b"12345"

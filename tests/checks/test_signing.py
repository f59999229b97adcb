"""The signer reproduces the schemes' published vectors; the verifier rejects each attack."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from launchgate.signing import (
    DEFAULT_TOLERANCE_S,
    Reason,
    SchemeName,
    VerifyResult,
    sign,
    standard_headers,
    standard_signature,
    stripe_headers,
    stripe_signature,
    verify,
)

# -- published test vectors ---------------------------------------------------------------

# Standard Webhooks: standard-webhooks/standard-webhooks,
# libraries/python/tests/test_webhooks.py (test_sign_function, test_multi_sig_payload_is_valid,
# test_invalid_signature_raises_error); the same vector is in every svix/svix-webhooks library.
SW_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SW_MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SW_TIMESTAMP = 1614265330
SW_PAYLOAD = b'{"test": 2432232314}'
SW_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
SW_OTHER_SIGNATURE = "Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="

# Stripe: stripe/stripe-dotnet, src/StripeTests/Services/Events/EventUtilityTest.cs, with
# the body src/StripeTests/Resources/event_test_signature.json (LF line endings, final LF).
# stripe-python and stripe-node compute their test headers at run time; this one is fixed.
STRIPE_SECRET = "webhook_secret"
STRIPE_TIMESTAMP = 1533204620
STRIPE_V1 = "2220f87ef101a04665f11cdf770523143f875572008577fa0f20882ddb9cc3c7"
STRIPE_V0 = "63f3a72374a733066c4be69ed7f8e5ac85c22c9f0a6a612ab9a025a9e4ee7eef"
STRIPE_HEADER = f"t={STRIPE_TIMESTAMP},v1={STRIPE_V1},v0={STRIPE_V0}"
STRIPE_PAYLOAD = b"""{
  "id": "evt_123",
  "object": "event",
  "account": "acct_123",
  "api_version": "2017-05-25",
  "created": 1533204620,
  "data": {
    "object": {
      "id": "cus_123",
      "object": "customer",
      "created": 123456789,
      "email": "test@stripe.com",
      "livemode": false,
      "metadata": {}
    }
  },
  "livemode": false,
  "pending_webhooks": 1,
  "request": {
    "id": "req_123",
    "idempotency_key": "idempotency-key-123"
  },
  "type": "customer.created"
}
"""

OK = VerifyResult(ok=True, reason="ok")


def rejected(reason: Reason) -> VerifyResult:
    return VerifyResult(ok=False, reason=reason)


def test_standard_signature_matches_the_published_vector() -> None:
    assert standard_signature(SW_SECRET, SW_MSG_ID, SW_PAYLOAD, SW_TIMESTAMP) == SW_SIGNATURE
    # the whsec_ prefix is optional, as in the reference libraries
    bare = SW_SECRET.removeprefix("whsec_")
    assert standard_signature(bare, SW_MSG_ID, SW_PAYLOAD, SW_TIMESTAMP) == SW_SIGNATURE


def test_standard_headers_match_the_published_vector() -> None:
    assert standard_headers(SW_SECRET, SW_MSG_ID, SW_PAYLOAD, SW_TIMESTAMP) == {
        "webhook-id": SW_MSG_ID,
        "webhook-timestamp": "1614265330",
        "webhook-signature": SW_SIGNATURE,
    }


def test_standard_verify_accepts_the_published_vector() -> None:
    headers = {
        "webhook-id": SW_MSG_ID,
        "webhook-timestamp": str(SW_TIMESTAMP),
        "webhook-signature": SW_SIGNATURE,
    }
    assert verify("standard", SW_SECRET, SW_PAYLOAD, headers, now=SW_TIMESTAMP) == OK


def test_standard_verify_accepts_the_published_multi_signature_header() -> None:
    signatures = [
        f"v1,{SW_OTHER_SIGNATURE}",
        f"v2,{SW_OTHER_SIGNATURE}",
        SW_SIGNATURE,
        f"v1,{SW_OTHER_SIGNATURE}",
    ]
    headers = {
        "webhook-id": SW_MSG_ID,
        "webhook-timestamp": str(SW_TIMESTAMP),
        "webhook-signature": " ".join(signatures),
    }
    assert verify("standard", SW_SECRET, SW_PAYLOAD, headers, now=SW_TIMESTAMP) == OK


def test_standard_verify_rejects_the_published_bad_signature() -> None:
    headers = {
        "webhook-id": SW_MSG_ID,
        "webhook-timestamp": str(SW_TIMESTAMP),
        "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=",
    }
    result = verify("standard", SW_SECRET, SW_PAYLOAD, headers, now=SW_TIMESTAMP)
    assert result == rejected("bad_signature")


def test_stripe_signature_matches_the_published_vector() -> None:
    assert stripe_signature(STRIPE_SECRET, STRIPE_PAYLOAD, STRIPE_TIMESTAMP) == STRIPE_V1
    assert stripe_headers(STRIPE_SECRET, STRIPE_PAYLOAD, STRIPE_TIMESTAMP) == {
        "Stripe-Signature": f"t={STRIPE_TIMESTAMP},v1={STRIPE_V1}"
    }


def test_stripe_verify_accepts_the_published_header() -> None:
    headers = {"Stripe-Signature": STRIPE_HEADER}
    now = STRIPE_TIMESTAMP + 100  # as in the original test
    assert verify("stripe", STRIPE_SECRET, STRIPE_PAYLOAD, headers, now=now) == OK


def test_stripe_verify_rejects_the_published_header_when_outdated() -> None:
    headers = {"Stripe-Signature": STRIPE_HEADER}
    now = STRIPE_TIMESTAMP + 300 + 100  # RejectOutdatedTimestamp
    assert verify("stripe", STRIPE_SECRET, STRIPE_PAYLOAD, headers, now=now) == rejected(
        "stale_timestamp"
    )


@pytest.mark.parametrize(
    "header",
    # ValidateSignatureHandlesIncorrectHeaderValues in the same stripe-dotnet file
    [f"t=,v1={STRIPE_V1},v0={STRIPE_V0}", "t,v1=,v0=", "t,v1=,v0", "t,v1=,", "t,,", ",,", "t"],
)
def test_stripe_verify_rejects_the_published_malformed_headers(header: str) -> None:
    result = verify("stripe", STRIPE_SECRET, b"{}", {"Stripe-Signature": header}, now=0)
    assert result == rejected("malformed_header")


# -- both schemes: the attacks a receiver must refuse -------------------------------------

SCHEMES: list[SchemeName] = ["stripe", "standard"]
SECRETS: dict[SchemeName, str] = {"stripe": "whsec_test_secret", "standard": SW_SECRET}
FORGED: dict[SchemeName, str] = {
    "stripe": "whsec_attacker",
    "standard": "whsec_" + base64.b64encode(b"attacker-key").decode(),
}
NOW = 1_700_000_000
BODY = b'{"id": "evt_1", "type": "invoice.paid"}'


def signed(scheme: SchemeName, *, body: bytes = BODY, timestamp: int = NOW) -> dict[str, str]:
    return sign(scheme, SECRETS[scheme], body, timestamp=timestamp, msg_id="msg_1")


def check(scheme: SchemeName, headers: dict[str, str], *, body: bytes = BODY) -> VerifyResult:
    return verify(scheme, SECRETS[scheme], body, headers, now=NOW)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_round_trip(scheme: SchemeName) -> None:
    assert check(scheme, signed(scheme)) == OK


@pytest.mark.parametrize("scheme", SCHEMES)
def test_header_names_are_case_insensitive(scheme: SchemeName) -> None:
    headers = {name.upper(): value for name, value in signed(scheme).items()}
    assert check(scheme, headers) == OK


@pytest.mark.parametrize("scheme", SCHEMES)
def test_forged_secret_is_a_bad_signature(scheme: SchemeName) -> None:
    headers = sign(scheme, FORGED[scheme], BODY, timestamp=NOW, msg_id="msg_1")
    assert check(scheme, headers) == rejected("bad_signature")


@pytest.mark.parametrize("scheme", SCHEMES)
def test_one_byte_body_change_is_a_bad_signature(scheme: SchemeName) -> None:
    altered = BODY.replace(b"paid", b"paie")
    assert check(scheme, signed(scheme), body=altered) == rejected("bad_signature")


@pytest.mark.parametrize("scheme", SCHEMES)
def test_a_signature_for_another_timestamp_is_bad(scheme: SchemeName) -> None:
    headers = signed(scheme)
    moved = {
        "stripe": {"Stripe-Signature": headers.get("Stripe-Signature", "").replace("t=", "t=1", 1)},
        "standard": {**headers, "webhook-timestamp": str(NOW + 1)},
    }[scheme]
    assert check(scheme, moved) == rejected("bad_signature")


def test_standard_signature_binds_the_message_id() -> None:
    headers = {**signed("standard"), "webhook-id": "msg_2"}
    assert check("standard", headers) == rejected("bad_signature")


@pytest.mark.parametrize(
    ("scheme", "name"),
    [
        ("stripe", "Stripe-Signature"),
        ("standard", "webhook-id"),
        ("standard", "webhook-timestamp"),
        ("standard", "webhook-signature"),
    ],
)
def test_missing_header(scheme: SchemeName, name: str) -> None:
    headers = signed(scheme)
    del headers[name]
    assert check(scheme, headers) == rejected("missing_header")


@pytest.mark.parametrize("scheme", SCHEMES)
def test_empty_header_is_missing(scheme: SchemeName) -> None:
    headers = {name: "" for name in signed(scheme)}
    assert check(scheme, headers) == rejected("missing_header")


@pytest.mark.parametrize(
    "value",
    [
        "garbage",
        f"v1=abc,t={NOW}x",
        f"t={NOW}",  # no signature at all
        f"t={NOW},v0=abc",  # only an older scheme
        f"t={NOW},t={NOW},v1=abc",
        f"t=-{NOW},v1=abc",
        f"t={NOW}.5,v1=abc",
        "t=\u0661\u0662\u0663,v1=abc",  # Arabic-Indic digits, which int() would accept
        f"t={NOW},v1=abc,",
    ],
)
def test_stripe_malformed_header(value: str) -> None:
    assert check("stripe", {"Stripe-Signature": value}) == rejected("malformed_header")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("webhook-timestamp", "soon"),
        ("webhook-timestamp", f"{NOW}.0"),
        ("webhook-timestamp", f"-{NOW}"),
        ("webhook-signature", "garbage"),
        ("webhook-signature", "v1a,abc"),  # only the asymmetric scheme
        ("webhook-signature", "v2,abc v1"),
    ],
)
def test_standard_malformed_header(name: str, value: str) -> None:
    headers = {**signed("standard"), name: value}
    assert check("standard", headers) == rejected("malformed_header")


@pytest.mark.parametrize("value", ["v1,not*base64!", "v1,", "v1,é"])
def test_standard_undecodable_signature_is_bad_not_an_error(value: str) -> None:
    headers = {**signed("standard"), "webhook-signature": value}
    assert check("standard", headers) == rejected("bad_signature")


@pytest.mark.parametrize("value", ["t=1700000000,v1=é", "t=1700000000,v1=0"])
def test_stripe_odd_signature_is_bad_not_an_error(value: str) -> None:
    assert check("stripe", {"Stripe-Signature": value}) == rejected("bad_signature")


# -- the tolerance window: both edges inclusive -------------------------------------------


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize(
    ("age_s", "reason"),
    [
        (0, "ok"),
        (DEFAULT_TOLERANCE_S, "ok"),
        (DEFAULT_TOLERANCE_S + 1, "stale_timestamp"),
        (-DEFAULT_TOLERANCE_S, "ok"),
        (-DEFAULT_TOLERANCE_S - 1, "future_timestamp"),
        (86_400, "stale_timestamp"),
    ],
)
def test_timestamp_window(scheme: SchemeName, age_s: int, reason: Reason) -> None:
    headers = signed(scheme, timestamp=NOW - age_s)
    expected = OK if reason == "ok" else rejected(reason)
    assert check(scheme, headers) == expected


@pytest.mark.parametrize("scheme", SCHEMES)
def test_custom_tolerance(scheme: SchemeName) -> None:
    headers = signed(scheme, timestamp=NOW - 11)
    secret = SECRETS[scheme]
    assert verify(scheme, secret, BODY, headers, now=NOW, tolerance_s=11) == OK
    result = verify(scheme, secret, BODY, headers, now=NOW, tolerance_s=10)
    assert result == rejected("stale_timestamp")


def test_negative_tolerance_is_refused() -> None:
    with pytest.raises(ValueError, match="tolerance_s"):
        verify("stripe", "s", BODY, signed("stripe"), now=NOW, tolerance_s=-1)


def test_a_forged_stale_request_is_reported_as_forged() -> None:
    headers = sign("stripe", FORGED["stripe"], BODY, timestamp=NOW - 3600, msg_id="m")
    assert check("stripe", headers) == rejected("bad_signature")


# -- rotation: several v1 values ----------------------------------------------------------


def test_stripe_rotation_accepts_either_secret() -> None:
    old, new = "whsec_old_secret", "whsec_new_secret"
    headers = stripe_headers(new, BODY, NOW, extra_signatures=[stripe_signature(old, BODY, NOW)])
    assert headers["Stripe-Signature"].count(",v1=") == 2
    for secret in (old, new):
        assert verify("stripe", secret, BODY, headers, now=NOW) == OK
    assert verify("stripe", "whsec_other", BODY, headers, now=NOW) == rejected("bad_signature")


def test_standard_rotation_accepts_either_secret() -> None:
    old = "whsec_" + base64.b64encode(b"old-key-bytes").decode()
    headers = signed("standard")
    signature = standard_signature(old, "msg_1", BODY, NOW)
    headers["webhook-signature"] = f"{signature} {headers['webhook-signature']}"
    for secret in (old, SECRETS["standard"]):
        assert verify("standard", secret, BODY, headers, now=NOW) == OK


def test_stripe_extra_signatures_must_be_hex() -> None:
    with pytest.raises(ValueError, match="hexadecimal"):
        stripe_headers("s", BODY, NOW, extra_signatures=["abc,t=1"])


# -- secrets ------------------------------------------------------------------------------


@pytest.mark.parametrize("secret", ["whsec_not*base64!", "whsec_", "whsec_abcde", "plain text key"])
def test_standard_secret_must_be_base64_and_is_not_echoed(secret: str) -> None:
    with pytest.raises(ValueError, match="base64") as info:
        standard_signature(secret, "msg_1", BODY, NOW)
    hidden = secret.removeprefix("whsec_")
    assert not hidden or hidden not in str(info.value)
    assert info.value.__context__ is None  # no chained decoder error quoting the input
    with pytest.raises(ValueError, match="base64"):
        verify("standard", secret, BODY, signed("standard"), now=NOW)


def test_standard_secret_without_padding_is_accepted() -> None:
    padded = "whsec_" + base64.b64encode(b"sixteen-byte-key!").decode()
    assert padded.endswith("=")
    assert standard_signature(padded.rstrip("="), "m", BODY, NOW) == standard_signature(
        padded, "m", BODY, NOW
    )


def test_unknown_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown webhook signature scheme"):
        sign("paypal", "s", BODY, timestamp=NOW, msg_id="m")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown webhook signature scheme"):
        verify("paypal", "s", BODY, {}, now=NOW)  # type: ignore[arg-type]


def test_verify_result_is_consistent() -> None:
    with pytest.raises(ValueError, match="contradicts"):
        VerifyResult(ok=True, reason="bad_signature")


# -- properties ---------------------------------------------------------------------------

payloads = st.binary(min_size=1, max_size=256)
timestamps = st.integers(min_value=0, max_value=2**40)
stripe_secrets = st.text(min_size=1, max_size=64)
standard_secrets = st.binary(min_size=1, max_size=64).map(
    lambda key: "whsec_" + base64.b64encode(key).decode()
)


@given(
    scheme=st.sampled_from(SCHEMES),
    stripe_secret=stripe_secrets,
    standard_secret=standard_secrets,
    payload=payloads,
    timestamp=timestamps,
    msg_id=st.text(min_size=1, max_size=32).filter(lambda s: s.strip() == s and s),
    data=st.data(),
)
def test_sign_then_verify_and_every_single_byte_mutation_fails(
    scheme: SchemeName,
    stripe_secret: str,
    standard_secret: str,
    payload: bytes,
    timestamp: int,
    msg_id: str,
    data: st.DataObject,
) -> None:
    secret = stripe_secret if scheme == "stripe" else standard_secret
    headers = sign(scheme, secret, payload, timestamp=timestamp, msg_id=msg_id)
    assert verify(scheme, secret, payload, headers, now=timestamp) == OK

    index = data.draw(st.integers(0, len(payload) - 1), label="index")
    flip = data.draw(st.integers(1, 255), label="xor")
    mutated = bytearray(payload)
    mutated[index] ^= flip
    result = verify(scheme, secret, bytes(mutated), headers, now=timestamp)
    assert result == rejected("bad_signature")

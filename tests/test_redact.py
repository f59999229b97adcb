"""The redactor leaves no form of a secret behind, and leaves everything else alone."""

from __future__ import annotations

import base64
import html
import json
import logging
import re
import string
import threading
from collections.abc import Callable
from urllib.parse import quote, quote_plus

import httpx
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from launchgate.redact import MASK, Redactor, derived_forms, looks_secret_name, redact_form
from launchgate.redact import cards as cardnumbers

SECRET = 's3cr3t/p@ss+w0rd=&%"<>'  # every character an encoder likes to touch

ENCODERS: dict[str, Callable[[str], str]] = {
    "raw": lambda s: s,
    "quote": lambda s: quote(s, safe=""),
    "quote_path": quote,
    "quote_plus": quote_plus,
    "json": lambda s: json.dumps(s)[1:-1],
    "json_unicode": lambda s: json.dumps(s, ensure_ascii=False)[1:-1],
    "html": html.escape,
}

secrets = st.one_of(
    st.text(alphabet=string.printable, min_size=4, max_size=40),
    st.text(min_size=4, max_size=40),  # any unicode but surrogates
    st.text(alphabet=".*+?()[]{}|^$\\/=&%\"<>' ", min_size=4, max_size=20),
).filter(lambda s: len(s.strip()) >= 4)
surroundings = st.text(max_size=30)
WORDS = ["the", "quick", "brown", "fox", "signs", "up", "logs", "in", "pays", "an", "invoice"]


def leaked(form: str, output: str) -> bool:
    """``form`` survives in ``output`` outside of the masks (a mask can spell a secret)."""
    return any(form in piece for piece in output.split(MASK))


def stable_core(blob: str, prefix_len: int, secret_len: int) -> str:
    """The characters of ``blob`` (base64) whose 6 bits all come from the secret's bytes."""
    lo, hi = 8 * prefix_len, 8 * (prefix_len + secret_len)
    return "".join(c for j, c in enumerate(blob) if 6 * j >= lo and 6 * j + 6 <= hi)


# -- derived forms ------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", sorted(ENCODERS))
def test_each_text_form_is_masked(encoding: str) -> None:
    form = ENCODERS[encoding](SECRET)
    out = Redactor([SECRET]).redact(f"POST /signup body={form}&next=1")
    assert out == f"POST /signup body={MASK}&next=1"


@pytest.mark.parametrize("prefix", [b"", b"u", b"us", b"user:", b"\xff\xfe"])
@pytest.mark.parametrize("encode", [base64.b64encode, base64.urlsafe_b64encode])
def test_base64_at_any_alignment_is_masked(prefix: bytes, encode: Callable[[bytes], bytes]) -> None:
    raw = SECRET.encode()
    blob = encode(prefix + raw + b"!?").decode()
    core = stable_core(blob, len(prefix), len(raw))
    assert len(core) >= 4
    out = Redactor([SECRET]).redact(f"log: {blob} end")
    assert not leaked(core, out)
    assert out.startswith("log: ")
    assert out.endswith(" end")


def test_basic_auth_header_in_free_text_is_masked() -> None:
    token = base64.b64encode(f"alice:{SECRET}".encode()).decode()
    out = Redactor([SECRET]).redact(f"> Authorization: Basic {token}")
    assert not leaked(stable_core(token, len("alice:"), len(SECRET.encode())), out)


@given(
    secret=secrets,
    before=surroundings,
    after=surroundings,
    encoding=st.sampled_from(sorted(ENCODERS)),
)
def test_no_text_form_survives(secret: str, before: str, after: str, encoding: str) -> None:
    form = ENCODERS[encoding](secret)
    redactor = Redactor([secret])
    out = redactor.redact(before + form + after)
    assert not leaked(form, out)
    assert not leaked(secret, out)
    assert out not in redactor


@given(
    secret=secrets,
    prefix=st.binary(max_size=5),
    suffix=st.binary(max_size=5),
    urlsafe=st.booleans(),
    before=surroundings,
)
def test_no_base64_core_survives(
    secret: str, prefix: bytes, suffix: bytes, urlsafe: bool, before: str
) -> None:
    raw = secret.encode()
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    blob = encode(prefix + raw + suffix).decode()
    out = Redactor([secret]).redact(f"{before} {blob} end")
    assert not leaked(stable_core(blob, len(prefix), len(raw)), out)


@given(user=st.text(alphabet=string.ascii_letters, max_size=8), secret=secrets)
def test_no_basic_auth_core_survives(user: str, secret: str) -> None:
    token = base64.b64encode(f"{user}:{secret}".encode()).decode()
    out = Redactor([secret]).redact(f"Authorization: Basic {token}")
    assert not leaked(stable_core(token, len(user) + 1, len(secret.encode())), out)


# -- nothing else is touched --------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "GET /dashboard 200 in 31 ms",
        "the login journey answered 500, expected 303",
        '{"user": {"plan": "pro", "email": "alice@example.com"}}',
        "Basic authentication is disabled; use a Bearer token",
        "",
    ],
)
def test_text_without_secrets_is_unchanged(text: str) -> None:
    redactor = Redactor(["hunter2-correct-horse", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"])
    assert redactor.redact(text) == text
    assert text not in redactor


@given(secret=secrets, text=st.one_of(st.text(), st.lists(st.sampled_from(WORDS)).map(" ".join)))
def test_unrelated_text_is_unchanged(secret: str, text: str) -> None:
    assume(not any(form in text for form in derived_forms(secret)))
    assert Redactor([secret]).redact(text) == text


def test_empty_redactor_changes_nothing() -> None:
    assert Redactor().redact("anything at all") == "anything at all"
    assert "anything" not in Redactor()


# -- several secrets ----------------------------------------------------------------------


@pytest.mark.parametrize("order", [1, -1])
def test_a_secret_inside_another_leaves_no_fragment(order: int) -> None:
    short, long = "abcd1234", "xyabcd1234efgh5678"
    redactor = Redactor([short, long][::order])
    assert redactor.redact(f"a {long} b {short} c") == f"a {MASK} b {MASK} c"


def test_overlapping_secrets_are_masked_as_one() -> None:
    redactor = Redactor(["zzzzab12", "ab12cdef99"])
    assert redactor.redact("<zzzzab12cdef99>") == f"<{MASK}>"


@given(a=secrets, b=secrets, before=surroundings)
def test_two_secrets_embedded_in_each_other(a: str, b: str, before: str) -> None:
    out = Redactor([a, a + b]).redact(before + a + b + a)
    assert not leaked(a, out)
    assert not leaked(b, out) or b in before  # b alone was never registered


# -- registration -------------------------------------------------------------------------


def test_short_secret_is_ignored_with_a_warning_that_hides_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    redactor = Redactor()
    with caplog.at_level(logging.WARNING, logger="launchgate.redact"):
        redactor.add("q7Z")
    assert len(caplog.records) == 1
    assert "q7Z" not in caplog.text
    assert redactor.redact("q7Z") == "q7Z"


@pytest.mark.parametrize("value", ["", "   ", "\n\t"])
def test_blank_values_are_ignored_silently(value: str, caplog: pytest.LogCaptureFixture) -> None:
    redactor = Redactor([value])
    assert redactor.redact("a b\tc") == "a b\tc"
    assert not caplog.records


def test_a_trailing_newline_does_not_hide_the_value() -> None:
    redactor = Redactor(["tok_abcdef\n"])  # as read from a secrets file
    assert redactor.redact("Bearer tok_abcdef.") == f"Bearer {MASK}."


def test_add_learns_a_value_at_run_time() -> None:
    redactor = Redactor(["first-secret"])
    redactor.add("captured-token-123")
    assert redactor.redact("first-secret captured-token-123") == f"{MASK} {MASK}"
    assert "captured-token-123" in redactor


def test_add_is_thread_safe() -> None:
    redactor = Redactor()
    values = [f"token-{i:04d}-value" for i in range(64)]
    missed: list[str] = []

    def add_and_redact(chunk: list[str]) -> None:
        for value in chunk:
            redactor.add(value)
            if redactor.redact(f"<{value}>") != f"<{MASK}>":
                missed.append(value)

    threads = [threading.Thread(target=add_and_redact, args=(values[i::8],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert missed == []
    assert redactor.redact(" ".join(values)) == " ".join([MASK] * len(values))


# -- headers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("Authorization", "Bearer eyJhbGciOi.eyJzdWIi.sig", f"Bearer {MASK}"),
        ("authorization", "Basic YWxpY2U6aHVudGVyMg==", f"Basic {MASK}"),
        ("Proxy-Authorization", "Basic YWxpY2U6aHVudGVyMg==", f"Basic {MASK}"),
        ("Authorization", "just-a-token", MASK),
        ("Cookie", "a=1; b=2", f"a={MASK}; b={MASK}"),
        ("Set-Cookie", "lg_session=abc; Path=/; HttpOnly", f"lg_session={MASK}; Path=/; HttpOnly"),
        (
            "set-cookie",
            "a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT, b=2; Path=/",
            f"a={MASK}; Expires=Wed, 21 Oct 2015 07:28:00 GMT, b={MASK}; Path=/",
        ),
        ("X-Api-Key", "k-123", MASK),
        ("x-auth-token", "t-123", MASK),
        ("Stripe-Signature", "t=1614265330,v1=abcdef", MASK),
        ("Webhook-Signature", "v1,g0hM9SsE+OTPJTGt", MASK),
        ("X-Hub-Signature-256", "sha256=abcdef", MASK),
        ("X-CSRF-Token", "csrf-123", MASK),  # a name that says "token" is masked too
        ("WWW-Authenticate", 'Bearer realm="api"', 'Bearer realm="api"'),
        ("Content-Type", "application/json", "application/json"),
        ("X-Debug", "echo hunter2-correct-horse", f"echo {MASK}"),
    ],
)
def test_redact_headers(name: str, value: str, expected: str) -> None:
    redactor = Redactor(["hunter2-correct-horse"])
    assert redactor.redact_headers([(name, value)]) == [(name, expected)]


def test_redact_headers_keeps_order_and_accepts_mappings() -> None:
    redactor = Redactor()
    pairs = [("B", "1"), ("Cookie", "s=x"), ("A", "2")]
    assert redactor.redact_headers(pairs) == [("B", "1"), ("Cookie", f"s={MASK}"), ("A", "2")]
    assert redactor.redact_headers(dict(pairs)) == [
        ("B", "1"),
        ("Cookie", f"s={MASK}"),
        ("A", "2"),
    ]


def test_redact_headers_keeps_repeated_httpx_headers_apart() -> None:
    headers = httpx.Headers([("set-cookie", "a=secret1; Path=/"), ("set-cookie", "b=secret2")])
    assert Redactor().redact_headers(headers) == [
        ("set-cookie", f"a={MASK}; Path=/"),
        ("set-cookie", f"b={MASK}"),
    ]


# -- URLs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://user:hunter22@example.com/p", f"https://user:{MASK}@example.com/p"),
        ("https://u:p@ss@example.com/", f"https://u:{MASK}@example.com/"),
        ("https://ghp_abc123@github.com/o/r.git", f"https://{MASK}@github.com/o/r.git"),
        ("https://ex.com/cb?code=abc&state=xyz", f"https://ex.com/cb?code={MASK}&state=xyz"),
        ("https://ex.com/?access_token=x&page=2", f"https://ex.com/?access_token={MASK}&page=2"),
        ("https://ex.com/?API-KEY=x", f"https://ex.com/?API-KEY={MASK}"),
        ("https://ex.com/?a%5Ftoken=x", f"https://ex.com/?a%5Ftoken={MASK}"),
        ("https://ex.com/?q=shoes&page=2", "https://ex.com/?q=shoes&page=2"),
        ("https://[::1]:8080/p?token=abc", f"https://[::1]:8080/p?token={MASK}"),
        ("example.com/login?password=x", f"example.com/login?password={MASK}"),
        ("/login?pwd=x", f"/login?pwd={MASK}"),
        ("https://ex.com/?token=%zz&x=%", f"https://ex.com/?token={MASK}&x=%"),
        ("https://ex.com/cb#access_token=abc&n=1", f"https://ex.com/cb#access_token={MASK}&n=1"),
        ("https://ex.com/a#section-2", "https://ex.com/a#section-2"),
        ("http://[::1", "http://[::1"),
        ("https://ex.com/hunter2-correct-horse/x", f"https://ex.com/{MASK}/x"),
        ("", ""),
    ],
)
def test_redact_url(url: str, expected: str) -> None:
    assert Redactor(["hunter2-correct-horse"]).redact_url(url) == expected


@given(text=st.text())
def test_redact_url_never_raises(text: str) -> None:
    Redactor(["hunter2-correct-horse"]).redact_url(text)


@given(text=st.text())
def test_learn_url_never_raises(text: str) -> None:
    Redactor().learn_url(text)


@given(password=st.text(alphabet=string.ascii_letters + string.digits + "-._~", min_size=1))
def test_unregistered_url_password_never_shows(password: str) -> None:
    out = Redactor().redact_url(f"postgres://app:{password}@db.internal:5432/app?sslmode=require")
    assert out == f"postgres://app:{MASK}@db.internal:5432/app?sslmode=require"


# -- names --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("password", True),
        ("new_Password", True),
        ("api_key", True),
        ("X-Auth", True),
        ("csrf_token", True),
        ("client_secret", True),
        ("session_id", True),
        ("otp_code", True),
        ("jwt", True),
        ("email", False),
        ("plan", False),
        ("page", False),
        ("user_id", False),
    ],
)
def test_looks_secret_name(name: str, secret: bool) -> None:
    assert looks_secret_name(name) is secret


def test_redact_form() -> None:
    form = {"email": "a@example.com", "password": "hunter2", "Confirm_Password": "hunter2"}
    assert redact_form(form) == {
        "email": "a@example.com",
        "password": MASK,
        "Confirm_Password": MASK,
    }


# -- secrets learnt from what goes over the wire -----------------------------------------


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        ("/echo?token=Lit%20Tok/en+9&page=2", "Lit Tok/en+9"),
        ("/cb?code=Auth-C0de-77&state=x", "Auth-C0de-77"),
        ("/hook?sig=abc%2Bdef%2F12", "abc+def/12"),
        ("/s3?X-Amz-Signature=deadbeef99", "deadbeef99"),
        ("https://app.test/#access_token=Frag-Tok-5", "Frag-Tok-5"),
        ("https://alice:Url-P4ss@app.test/", "Url-P4ss"),
        ("https://Lone-T0ken@app.test/", "Lone-T0ken"),
    ],
)
def test_learn_url_registers_secret_parameters_in_every_form(url: str, secret: str) -> None:
    redactor = Redactor()
    told: list[str] = []
    redactor.on_add(told.append)
    redactor.learn_url(url)
    assert secret in told
    for encoding, encode in ENCODERS.items():
        form = encode(secret)
        assert not leaked(form, redactor.redact(f"echo: {form}.")), encoding
    for b64 in (base64.b64encode, base64.urlsafe_b64encode):
        blob = b64(secret.encode()).decode()
        assert not leaked(blob.rstrip("="), redactor.redact(blob))


def test_learn_url_leaves_public_parameters_and_names_alone() -> None:
    redactor = Redactor()
    redactor.learn_url("https://alice:Url-P4ss@app.test/search?q=shoes&page=20&sort=price")
    assert redactor.redact("alice looks for shoes, page 20, by price") == (
        "alice looks for shoes, page 20, by price"
    )


def test_a_literal_url_form_is_masked() -> None:
    """An HTTP client leaves most characters of a literal URL as written: only the space
    is encoded, "+" and "/" stay; that form is neither quote() nor quote_plus()."""
    secret = "Lit Tok/en+9:x@y"
    assert httpx.URL(f"http://h/e?token={secret}").query.decode() == "token=Lit%20Tok/en+9:x@y"
    out = Redactor([secret]).redact("you sent /e?token=Lit%20Tok/en+9:x@y")
    assert out == f"you sent /e?token={MASK}"


def test_learn_headers_registers_credentials_and_set_cookies() -> None:
    redactor = Redactor()
    redactor.learn_headers(
        httpx.Headers(
            [
                ("Authorization", "Basic " + base64.b64encode(b"bob:Basic-P4ss").decode()),
                ("X-Api-Key", "Header-Key-1"),
                ("Cookie", 'a=Cookie-One; b="Cookie-Two"'),
                ("Set-Cookie", "sid=Set-Cookie-3; Path=/; HttpOnly"),
                ("Set-Cookie", "csrf=Set-Cookie-4; Path=/"),
                ("Content-Type", "text/plain-public"),
            ]
        )
    )
    text = (
        "Basic-P4ss Header-Key-1 Cookie-One Cookie-Two Set-Cookie-3 Set-Cookie-4 text/plain-public"
    )
    assert redactor.redact(text) == " ".join([MASK] * 6 + ["text/plain-public"])


# -- card numbers ---------------------------------------------------------------------------


def _with_check_digit(payload: str) -> str:
    for check in "0123456789":
        if cardnumbers.is_card_number(payload + check):
            return payload + check
    raise AssertionError("unreachable: one check digit always fits")


@pytest.mark.parametrize(
    "card",
    [
        "4242424242424242",  # Visa, 16
        "4222222222222",  # Visa, 13
        "378282246310005",  # Amex, 15
        "5555 5555 5555 4444",  # Mastercard, grouped
        "2223-0031-2200-3222",  # Mastercard 2-series, dashes
        "6011 1111 1111 1117",  # Discover
        "3056 9309 0259 04",  # Diners, 14
        "6250941006528599",  # UnionPay
        _with_check_digit("623456789012345678"),  # 19 digits
    ],
)
def test_a_card_number_is_masked(card: str) -> None:
    out = Redactor().redact(f'{{"card": "{card}", "note": "paid"}}')
    assert out == f'{{"card": "{MASK}", "note": "paid"}}'


@pytest.mark.parametrize(
    "text",
    [
        "order 4242424242424241 shipped",  # fails the Luhn check
        "at 1764700000123 ms",  # an epoch-millisecond timestamp (no card starts with 1)
        "built 20261202182453 on main",  # a compact date-time
        "id 42424242424242424242",  # 20 digits: an id, not a card
        "phone +1 415 555 2671, ext 12",
        "p95 4242.4242 ms over 424242 requests",
        "4242 4242 4242",  # 12 digits: too short
        '{"outage_s": 0.4242424242424242}',  # a float's fraction (a watch alert's JSON)
        "took 4242424242424242.5 s",  # an integer part
        "sha a4242424242424242b",  # inside a hex id
    ],
)
def test_numbers_that_are_not_cards_are_kept(text: str) -> None:
    assert Redactor().redact(text) == text


def test_a_card_followed_by_more_digits_is_still_masked() -> None:
    """A card and its CVC or expiry in one run of groups: the card is masked, not hidden
    by the longer run."""
    out = Redactor().redact("card 4242 4242 4242 4242 123 exp 12 29")
    assert out == f"card {MASK} 123 exp 12 29"
    assert Redactor().redact("4242424242424242 07 31") == f"{MASK} 07 31"


@given(st.text(alphabet="0123456789 -", max_size=40))
def test_card_masking_never_leaves_a_card_behind(text: str) -> None:
    out = Redactor().redact(text)
    for run in re.findall(r"[0-9]+(?:[ -][0-9]+)*", out):
        assert not cardnumbers.is_card_number(re.sub(r"[ -]", "", run))


def test_the_redactor_says_what_each_credential_is_for_the_log_check():
    r = Redactor()
    r.describe("S3cret-Value-123", "the value of $DB_PASSWORD")
    r.describe("S3cret-Value-123", "something else")  # the first description wins
    r.learn_headers(
        [
            ("authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.abcdefgh"),
            ("set-cookie", "lg_session=Zk3b9QqL2xN8vR4tYw7p; Path=/"),
            ("set-cookie", "theme=dark; Path=/"),
            ("stripe-signature", "t=1764777600,v1=" + "ab" * 32),
        ]
    )
    described = {c.value: c.what for c in r.canaries()}
    assert described["S3cret-Value-123"] == "the value of $DB_PASSWORD"
    assert (
        described["eyJhbGciOiJIUzI1NiJ9.abcdefgh"] == "the Bearer token of the authorization header"
    )
    assert described["Zk3b9QqL2xN8vR4tYw7p"] == "the cookie lg_session"
    assert described["ab" * 32] == "the value of the stripe-signature header"
    assert "dark" not in described and "1764777600" not in described  # masked, not searched
    assert "dark" in r and r.redact("v1=" + "ab" * 32) == f"v1={MASK}"

"""What the small-SaaS benchmark corpus (benchmarks/saas_corpus.py, issue 19 item 4)
found wrong in the scan, one true sample and one look-alike each: a Werkzeug scrypt
hash, the Supabase CLI's local service-role key, the Kubernetes documentation's kubectl
password, Google's reCAPTCHA test secret and a Twilio API key SID were reported; the
Doppler and Azure DevOps tokens were missed (their rules' own samples are in
tests/secretscan/catalog.py).

The look-alikes are literal (what public documentation prints); the true samples are
random, made at run time.
"""

from __future__ import annotations

import base64
import json
import random
import string

from launchgate.secretscan.detect import GENERIC_RULE, analyse, detect

ALNUM = string.ascii_letters + string.digits
URLSAFE = ALNUM + "-_"


def _r(seed: int, alphabet: str, n: int) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(alphabet) for _ in range(n))


def _hits(text: str, file: str) -> list[tuple[str, str]]:
    return [(h.rule_id, h.secret) for h in detect(text, file)]


def _reasons(text: str, file: str) -> list[str]:
    found = analyse(text, file)
    assert found.hits == ()
    return [d.reason for d in found.dropped]


def test_a_werkzeug_scrypt_hash_is_a_hash_and_a_password_beside_it_is_not() -> None:
    hashed = "scrypt:32768:8:1$" + _r(1, ALNUM, 16) + "$" + _r(2, "0123456789abcdef", 128)
    reasons = _reasons(f'{{"password": "{hashed}"}}\n', "fixtures/users.json")
    assert any("password hash (scrypt)" in r for r in reasons), reasons
    secret = _r(3, ALNUM, 18) + "7a"
    assert _hits(f'{{"password": "{secret}"}}\n', "fixtures/users.json") == [(GENERIC_RULE, secret)]


def _jwt(claims: dict[str, object], signature: str) -> str:
    def part(d: dict[str, object]) -> str:
        raw = json.dumps(d, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.{signature}"


def test_the_supabase_cli_local_service_role_key_is_a_documented_example() -> None:
    # What `supabase start` prints to every developer (iss supabase-demo).
    demo = (
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6InNlcnZp"
        "Y2Vfcm9sZSIsImV4cCI6MTk4MzgxMjk5Nn0.EGIM96RAZx35lJzdJsyH-qQwv8Hdp-fsn3W0YpN81IU"
    )
    reasons = _reasons(f"SUPABASE_SERVICE_ROLE_KEY={demo}\n", ".env.local.example")
    assert any("supabase-demo" in r for r in reasons), reasons
    real = _jwt(
        {"iss": "supabase", "ref": "abcdefghijklmnopqrst", "role": "service_role"},
        _r(4, URLSAFE, 43),
    )
    assert _hits(f"SUPABASE_SERVICE_ROLE_KEY={real}\n", ".env") == [
        ("supabase-service-role-key", real)
    ]


def test_the_kubernetes_docs_kubectl_password_is_a_documented_example() -> None:
    line = "    --from-literal=password='{}'\n"
    reasons = _reasons(line.format("S!B\\*d$zDsb="), "docs/k8s.md")
    assert "documented example" in reasons, reasons
    secret = _r(5, ALNUM, 14) + "!4"
    assert _hits(line.format(secret), "docs/k8s.md") == [(GENERIC_RULE, secret)]


def test_the_recaptcha_test_secret_is_a_documented_example() -> None:
    test_key = "6LeIxAcTAAAAAGG-vFI1TnRWxMZNFuojJ4WifJWe"  # Google's reCAPTCHA FAQ
    reasons = _reasons(f"RECAPTCHA_SECRET_KEY={test_key}\n", ".env.testing")
    assert "documented example" in reasons, reasons
    real = "6L" + _r(6, URLSAFE, 38)
    assert _hits(f"RECAPTCHA_SECRET_KEY={real}\n", ".env") == [("recaptcha-secret-key", real)]


def test_a_twilio_sid_is_an_identifier_and_the_secret_beside_it_is_reported() -> None:
    sid = "SK" + _r(7, "0123456789abcdef", 32)
    secret = _r(8, ALNUM, 32)
    text = f"TWILIO_API_KEY={sid}\nTWILIO_API_SECRET={secret}\n"
    assert _hits(text, "sms/.env") == [(GENERIC_RULE, secret)]
    reasons = [d.reason for d in analyse(text, "sms/.env").dropped]
    assert any("Twilio SID" in r for r in reasons), reasons

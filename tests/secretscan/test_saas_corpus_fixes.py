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


# The held-out part (benchmarks/saas_holdout.py), first run: nine missed, one flagged.

PW = ALNUM + "-_.~"


def test_a_php_define_or_env_default_is_judged_under_its_name() -> None:
    secret = _r(9, PW, 17) + "4x"
    for line in (
        f"define( 'DB_PASSWORD', '{secret}' );",
        f"        'password' => env('DB_PASSWORD', '{secret}'),",
        f'url = os.getenv("API_TOKEN", "{secret}")',
    ):
        assert _hits(f"<?php\n{line}\n", "config/database.php") == [(GENERIC_RULE, secret)]
    reasons = _reasons("<?php\ndefine( 'AUTH_KEY', 'put your unique phrase here' );\n", "w.php")
    assert reasons == [], reasons  # prose: no candidate at all
    reasons = _reasons("<?php\n'password' => env('DB_PASSWORD', 'secret'),\n", "db.php")
    assert any("word" in r or "random" in r for r in reasons), reasons


def test_an_xml_element_named_for_a_secret_is_judged() -> None:
    secret = _r(10, PW, 18) + "9q"
    text = f"<server>\n  <id>releases</id>\n  <password>{secret}</password>\n</server>\n"
    assert _hits(text, ".mvn/settings.xml") == [(GENERIC_RULE, secret)]
    text = "<server>\n  <password>${env.MAVEN_PASSWORD}</password>\n</server>\n"
    assert any("reference" in r for r in _reasons(text, ".mvn/settings.xml"))


def test_a_terraform_variable_default_is_judged_under_the_variable_name() -> None:
    secret = _r(11, PW, 16) + "7k"
    block = 'variable "db_password" {{\n  type      = string\n  default   = "{}"\n}}\n'
    assert [(h.rule_id, h.line, h.secret) for h in detect(block.format(secret), "v.tf")] == [
        (GENERIC_RULE, 3, secret)
    ]
    assert _reasons(block.format("changeme"), "v.tf")
    region = 'variable "region" {\n  default = "eu-west-1a9Xk2"\n}\n'
    assert _hits(region, "v.tf") == []


def test_passwords_on_command_lines_are_reported_and_references_are_not() -> None:
    secret = _r(12, PW, 16) + "3m"
    for line in (
        f"mysql -u root -p{secret} app < dump.sql",
        f"sshpass -p '{secret}' rsync -a dist/ deploy@web1:/srv/",
        f"docker login -u acme -p {secret} registry.acme.io",
        f"pg_dump --password={secret} app",
    ):
        assert _hits(f"#!/bin/sh\n{line}\n", "scripts/x.sh") == [
            ("command-line-password", secret)
        ], line
    for line in (
        "mysql -u root -p app",
        'sshpass -p "$SSH_PASSWORD" ssh deploy@web1',
        "echo $TOKEN | docker login -u acme --password-stdin",
    ):
        assert _hits(f"#!/bin/sh\n{line}\n", "scripts/x.sh") == [], line


def test_a_pgpass_line_is_a_password_and_a_wildcard_is_not() -> None:
    secret = _r(13, PW, 16) + "5z"
    assert _hits(f"db.internal:5432:app:app:{secret}\n", "ops/.pgpass") == [
        ("pgpass-password", secret)
    ]
    assert _reasons("*:*:*:app:*\n", "ops/.pgpass")


def test_nginx_basic_authorization_is_read_like_the_header() -> None:
    secret = _r(14, PW, 16) + "8w"
    encoded = base64.b64encode(f"admin:{secret}".encode()).decode()
    text = f'location / {{\n    proxy_set_header Authorization "Basic {encoded}";\n}}\n'
    assert _hits(text, "nginx/site.conf") == [("basic-auth-header", secret)]
    encoded = base64.b64encode(b"admin:admin").decode()
    text = f'    proxy_set_header Authorization "Basic {encoded}";\n'
    assert _reasons(text, "nginx/site.conf")


def test_a_sealed_secret_value_starting_ag_is_ciphertext() -> None:
    rng = random.Random(15)
    value = "AgB" + base64.b64encode(rng.randbytes(300)).decode()
    text = f"kind: SealedSecret\nspec:\n  encryptedData:\n    password: {value}\n"
    assert any("sealed-secrets" in r for r in _reasons(text, "k8s/sealed.yaml"))
    secret = _r(16, PW, 18) + "2b"
    assert _hits(f"spec:\n  data:\n    password: {secret}\n", "k8s/plain.yaml") == [
        (GENERIC_RULE, secret)
    ]


def test_a_stub_file_is_code_its_annotations_are_not_values() -> None:
    # Found by the outside check (a virtualenv's site-packages): typeshed's stubs.
    stub = "class Handler:\n    password: _PasswordType | None\n    passwd: HTTPPasswordMgr\n"
    assert _hits(stub, "typeshed/stdlib/http/server.pyi") == []
    secret = _r(17, ALNUM, 22) + "6p"
    assert _hits(f'API_TOKEN: str = "{secret}"\n', "acme/settings.pyi") == [(GENERIC_RULE, secret)]


def test_a_call_in_a_readme_is_not_a_value_and_a_token_is() -> None:
    # Found by the outside check: detect-secrets' own README, "secrets = SecretsCollection()".
    reasons = _reasons("```python\nsecrets = SecretsCollection()\n```\n", "README.md")
    assert any("a call" in r for r in reasons), reasons
    secret = _r(18, ALNUM, 24) + "1c"
    assert _hits(f"```sh\nexport API_SECRET={secret}\n```\n", "README.md") == [
        (GENERIC_RULE, secret)
    ]

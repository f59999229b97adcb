"""Framework and infrastructure files read for what they are, and look-alikes judged by
the value with the reason ``--explain`` gives. Values are generated at run time."""

from __future__ import annotations

import base64
import random

import pytest

from launchgate.secretscan.detect import GENERIC_RULE, KUBERNETES_RULE, analyse, detect
from tests.secretscan.catalog import b64, jwt
from tests.secretscan.samples import ALNUM, B64, HEX, WITH_SYMBOLS, _r, crc_token, password

RNG_SEED = 19


def _pw(n: int = 16, alphabet: str = ALNUM) -> str:
    return password(random.Random(RNG_SEED + n), alphabet, n)


def test_a_kubernetes_secret_is_judged_decoded_line_by_line() -> None:
    token, pw = crc_token(random.Random(1), "ghp_"), _pw(14)
    text = (
        "apiVersion: v1\nkind: ConfigMap\ndata:\n  password: not-here\n---\n"
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ndata:\n"
        f"  GITHUB_TOKEN: {b64(token.encode())}\n"
        f"  DB_PASSWORD: {b64(pw.encode())}\n"
        "  username: YWRtaW4=\n"
        "stringData:\n"
        f"  session-key: {_pw(32)}\n"
    )
    found = {(h.rule_id, h.line, h.secret) for h in detect(text, "k8s/app.yaml")}
    assert found == {
        ("github-token", 11, token),
        (KUBERNETES_RULE, 12, pw),
        (KUBERNETES_RULE, 15, _pw(32)),
    }


def test_a_secret_manifests_documentation_values_are_dropped() -> None:
    text = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: mysecret\ntype: Opaque\ndata:\n"
        "  username: YWRtaW4=\n  password: MWYyZDFlMmU2N2Rm\n"
    )
    found = analyse(text, "docs/secret.yaml")
    assert found.hits == ()
    assert [d.reason for d in found.dropped] == ["documented example"]


@pytest.mark.parametrize(
    ("file", "template"),
    [
        ("charts/app/values.yaml", "postgresql:\n  auth:\n    postgresPassword: {pw}\n"),
        ("charts/app/values.yaml", "redis:\n  auth:\n    password: '{pw}'\n"),
        ("infra/prod.tfvars", 'db_password = "{pw}"\n'),
        ("infra/terraform.tfvars", 'admin_password="{pw}"\n'),
        (".env", "DB_PASSWORD={pw}\n"),
        ("docker-compose.yml", "    environment:\n      MYSQL_PASSWORD: {pw}\n"),
    ],
)
def test_passwords_in_helm_values_tfvars_env_and_compose(file: str, template: str) -> None:
    pw = _pw(13, WITH_SYMBOLS)
    assert [(h.rule_id, h.secret) for h in detect(template.format(pw=pw), file)] == [
        (GENERIC_RULE, pw)
    ]


def test_docker_config_auths_hold_a_registry_password_or_token() -> None:
    rng = random.Random(3)
    token = "dckr_pat_" + _r(rng, ALNUM, 27)
    text = (
        '{\n  "auths": {\n'
        f'    "https://index.docker.io/v1/": {{"auth": "{b64(f"acme:{token}".encode())}"}},\n'
        f'    "ghcr.io": {{"auth": "{b64(b"acme:sunshine99")}"}}\n'
        "  }\n}\n"
    )
    found = analyse(text, ".docker/config.json")
    assert [(h.rule_id, h.secret) for h in found.hits] == [("docker-config-auth", token)]
    assert any("word" in d.reason for d in found.dropped)


@pytest.mark.parametrize(
    "line",
    [
        'curl --user "deploy:{pw}" https://files.acme.dev/',
        "curl -s -u deploy:{pw} -X POST https://api.acme.dev/v1/deploys",
        "    - curl -fsS --user=ci:{pw} https://nexus.acme.dev/repository/",
    ],
)
def test_curl_user_password_in_scripts_and_ci(line: str) -> None:
    pw = _pw(16, ALNUM + "-_.")
    hits = detect(line.format(pw=pw) + "\n", ".gitlab-ci.yml")
    assert [(h.rule_id, h.secret) for h in hits] == [("curl-user-password", pw)]


def test_basic_auth_header_is_decoded_and_the_password_judged() -> None:
    pw = _pw(15)
    header = base64.b64encode(f"ci:{pw}".encode()).decode()
    text = f'headers = {{"Authorization": "Basic {header}"}}\n'
    assert [(h.rule_id, h.secret) for h in detect(text, "scripts/smoke.py")] == [
        ("basic-auth-header", pw)
    ]
    weak = base64.b64encode(b"admin:admin").decode()
    assert detect(f"Authorization: Basic {weak}\n", "ci.yml") == []


def test_netrc_with_a_github_token_is_the_tokens_rule() -> None:
    token = crc_token(random.Random(5), "ghp_")
    text = f"machine github.com\nlogin ci\npassword {token}\n"
    assert [(h.rule_id, h.line) for h in detect(text, ".netrc")] == [("github-token", 3)]


def _hashes(rng: random.Random) -> list[tuple[str, str]]:
    dot = B64.replace("+", ".")
    return [
        ("bcrypt", "$2b$12$" + _r(rng, dot, 53)),
        ("argon2", "$argon2id$v=19$m=65536,t=3,p=4$" + _r(rng, B64, 22) + "$" + _r(rng, B64, 43)),
        ("scrypt", "$scrypt$ln=16,r=8,p=1$" + _r(rng, B64, 22) + "$" + _r(rng, B64, 43)),
        ("PBKDF2", "pbkdf2_sha256$600000$" + _r(rng, ALNUM, 22) + "$" + _r(rng, B64, 43) + "="),
        ("PBKDF2", "$pbkdf2-sha256$29000$" + _r(rng, B64, 22) + "$" + _r(rng, B64, 43)),
    ]


@pytest.mark.parametrize("index", range(5))
def test_password_hashes_are_dropped_as_hashes(index: int) -> None:
    kind, value = _hashes(random.Random(index))[index]
    found = analyse(f"password: '{value}'\n", "fixtures/users.yml")
    assert found.hits == ()
    assert [d.reason for d in found.dropped] == [f"password hash ({kind})"]


def _encrypted(rng: random.Random) -> list[tuple[str, str]]:
    return [
        ("SOPS", f"ENC[AES256_GCM,data:{_r(rng, B64, 24)},iv:{_r(rng, B64, 16)},type:str]"),
        ("Vault transit", "vault:v1:" + _r(rng, B64, 60)),
        ("Ansible Vault", "$ANSIBLE_VAULT;1.1;AES256"),
    ]


@pytest.mark.parametrize("index", range(3))
def test_encrypted_values_are_dropped_as_encrypted(index: int) -> None:
    kind, value = _encrypted(random.Random(index))[index]
    found = analyse(f'api_secret: "{value}"\n', "config/secrets.enc.yaml")
    assert found.hits == ()
    assert any(kind in d.reason and "encrypted" in d.reason for d in found.dropped)


def test_sri_and_digest_strings_are_dropped_as_digests() -> None:
    rng = random.Random(8)
    text = (
        f'integrity_token: "sha384-{_r(rng, B64, 64)}"\n'
        f"image_secret_digest_pin: sha256:{_r(rng, HEX, 64)}\n"
    )
    found = analyse(text, "web/assets.yml")
    assert found.hits == ()
    assert {d.reason for d in found.dropped} == {"digest (SRI or checksum)"}


def test_an_unsigned_jwt_is_dropped_and_a_signed_one_reported() -> None:
    rng = random.Random(9)
    unsigned = jwt(rng, {"sub": "1", "admin": True}, "none")
    signed = jwt(rng, {"sub": "1", "admin": True})
    found = analyse(f"api_token: {unsigned}\nservice_token: {signed}\n", "config/app.yml")
    assert [(h.rule_id, h.secret) for h in found.hits] == [(GENERIC_RULE, signed)]
    assert [d.reason for d in found.dropped] == [
        "unsigned JWT (alg none): it grants nothing a server verifies"
    ]


@pytest.mark.parametrize(
    "line",
    [
        'FAKE_STRIPE_KEY = "sk_live_{v}"',
        'stripe_key = "sk_live_{v}"  # not a real key: fixture',
        'mock_openai_token = "sk-proj-{v}T3BlbkFJ{v}"',
    ],
)
def test_a_value_its_fixture_marks_fake_is_dropped(line: str) -> None:
    v = _r(random.Random(11), ALNUM, 30)
    found = analyse(line.format(v=v) + "\n", "tests/fixtures/billing.py")
    assert found.hits == ()
    assert any(d.reason.startswith("marked fake") for d in found.dropped)


def test_a_live_key_under_tests_is_still_reported() -> None:
    key = "sk_live_" + _r(random.Random(12), ALNUM, 40)
    assert [h.rule_id for h in detect(f'KEY = "{key}"\n', "tests/test_billing.py")] == [
        "stripe-secret-key"
    ]


@pytest.mark.parametrize(
    "tail",
    [
        "data:\n  password: [unclosed\n",
        "data:\n  x: " + "[" * 5000 + "\n",
        "data:\n  blob: " + b64(bytes(range(256))) + "\n",
    ],
)
def test_a_broken_or_binary_secret_manifest_is_skipped_not_a_crash(tail: str) -> None:
    text = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\n" + tail
    assert detect(text, "k8s/broken.yaml") == []

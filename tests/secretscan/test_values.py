"""The scan judges the value, not its surroundings: table-driven true samples and
look-alikes for each rule that decides whether a value is a secret.

Every random value is generated at run time (no key-shaped text in this repo); the
look-alikes are literal because they are what real files hold.
"""

from __future__ import annotations

import random

import pytest

from launchgate.secretscan.detect import GENERIC_RULE, Hit, detect
from launchgate.secretscan.filters import is_placeholder
from tests.secretscan.samples import (
    LOWER_DIGITS,
    MIXED_DIGITS,
    URL_SAFE_PASSWORD,
    WITH_SYMBOLS,
    password,
)

URL_RULE = "connection-url-password"


def _pw(seed: int, alphabet: str, length: int) -> str:
    return password(random.Random(seed), alphabet, length)


# (file, line with {pw}, alphabet, length): a password-named key in each kind of file.
PASSWORD_KEYS = [
    ("docker-compose.yml", "      POSTGRES_PASSWORD: {pw}", LOWER_DIGITS, 14),
    ("compose.yaml", "      - MYSQL_ROOT_PASSWORD={pw}", LOWER_DIGITS, 10),
    ("compose.yaml", '      RABBITMQ_DEFAULT_PASS: "{pw}"', MIXED_DIGITS, 12),
    (".env", "DB_PASS={pw}", MIXED_DIGITS, 11),
    (".env.production", "SMTP_PASSWORD='{pw}'", WITH_SYMBOLS, 16),
    ("config/app.yml", "  password: '{pw}'", WITH_SYMBOLS, 10),
    ("config/app.yml", "  client_secret: {pw}", LOWER_DIGITS, 15),
    ("config/settings.json", '  "db_password": "{pw}",', WITH_SYMBOLS, 13),
    ("pyproject.toml", 'password = "{pw}"', LOWER_DIGITS, 12),
    ("app/db.py", 'conn = connect(user="app", password="{pw}")', MIXED_DIGITS, 10),
    ("src/cache.js", "const options = {{ password: '{pw}' }};", LOWER_DIGITS, 14),
    ("internal/db.go", '\tPassword: "{pw}",', WITH_SYMBOLS, 20),
    ("config/ldap.yml", "  bind_pwd: {pw}", MIXED_DIGITS, 18),
    ("config/app.yml", "  passphrase: '{pw}'", WITH_SYMBOLS, 19),
]


@pytest.mark.parametrize(("file", "line", "alphabet", "length"), PASSWORD_KEYS)
def test_a_generated_password_under_a_password_key_is_reported(
    file: str, line: str, alphabet: str, length: int
) -> None:
    secret = _pw(length * 7 + len(file), alphabet, length)
    text = "# config\n" + line.format(pw=secret) + "\n"
    assert [(h.rule_id, h.line, h.secret) for h in detect(text, file)] == [
        (GENERIC_RULE, 2, secret)
    ]


# What people write where a password goes, and is not one: each must stay quiet.
PASSWORD_LOOKALIKES = [
    ("docker-compose.yml", "POSTGRES_PASSWORD: postgres"),  # a word
    ("docker-compose.yml", "MYSQL_ROOT_PASSWORD: changeme123"),  # word+digits
    (".env", "DB_PASS=P@ssw0rd2024!"),  # leet word
    (".env", "ADMIN_PASSWORD=Summer2024!"),
    ("config.json", '"password": "mysecretpassword"'),  # words run together
    ("config.json", '"password": "TestPass123!"'),
    (".env", "REDIS_PASSWORD=qwerty123456"),  # keyboard run
    ("app.yml", "password: abcdefgh12345678"),  # alphabet run
    ("app.yml", "password: 1qaz2wsx3edc"),  # keyboard columns
    (".env", "PASSWORD=xxxxxxxxxxxx"),  # all one character
    (".env", "PASSWORD=zzzzzzzzzzzzzz"),
    (".env", "API_PASSWORD=************"),
    ("compose.yml", "REDIS_PASSWORD: ${REDIS_PASSWORD}"),
    ("compose.yml", "- DB_PASSWORD=$DB_PASSWORD"),
    ("ci.yml", "DOCKER_PASSWORD: ${{ secrets.DOCKER_PASSWORD }}"),
    ("vars.yml", "db_password: '{{ vault_db_password }}'"),
    ("vars.yml", "password: '<password>'"),
    (".env", "DB_PASSWORD=$(cat /run/secrets/db_password)"),
    ("vars.yml", "password: ENC[AES256_GCM,data:q2Zx9KfP0aLr7TmVbN3c,iv:Hk2LmZp0QrT5,type:str]"),
    ("users.yml", "password: '$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW'"),
    ("pg.yml", "password: md53175bce1d3201d16594cebf9d7eb3f9d"),
    ("main.tf", "password = var.db_password"),
    ("main.tf", "password = random_password.db.result"),
    ("k8s.yml", "secretName: payments-tls"),  # a resource name, camelCase reference key
    ("k8s.yml", "secret: db-credentials-v2"),
    ("fixtures.json", '"password": "fake-Qz7rT2vB9pXk"'),  # a test fixture marked fake
    ("fixtures.json", '"api_password": "dummy_k3v9xq2m7t"'),
    ("package.json", '"secretlint": "bin/secretlint.js"'),
    ("oids.py", 'CHALLENGE_PASSWORD = "challengePassword"'),
    ("compose.yml", "POSTGRES_PASSWORD_FILE: /run/secrets/postgres_password"),
    ("app.py", 'DB_PASSWORD = os.environ["DB_PASSWORD"]'),
    ("app.py", 'msg = f"password={self.password}"'),
    ("theme.py", '    "pass": "bold green",'),  # a phrase: generators put no space in
    ("test_app.py", 'login(password="long enough")'),
    ("README.md", "secrets: [SLACK_WEBHOOK_URL, SMTP_PASSWORD]"),  # a YAML list of names
    ("README.md", "| `secret: true/false` |"),
    ("test_settings.py", '"WEBHOOK_SECRET": "whsec_AAAA",'),  # a stub of a known format
    ("test_hooks.py", 'run("echo x", secret="Sup3r-Secret-Value")'),
]


@pytest.mark.parametrize(("file", "line"), PASSWORD_LOOKALIKES)
def test_a_stand_in_under_a_password_key_is_not_reported(file: str, line: str) -> None:
    assert detect(line + "\n", file) == []


# A password in a connection URL: the host (a documentation domain, localhost) and the
# file say nothing; only the value does.
URL_SECRETS = [
    "  url: postgres://app:{pw}@db.example.com/app",
    "DATABASE_URL=postgres://app:{pw}@db.example.com:5432/app",
    "REDIS_URL=redis://:{pw}@localhost:6379/0",
    'BROKER = "amqp://worker:{pw}@rabbit.example.org//"',
    "  dsn: mysql://root:{pw}@127.0.0.1:3306/app",
]


@pytest.mark.parametrize("line", URL_SECRETS)
def test_a_random_password_in_a_url_is_reported_whatever_the_host(line: str) -> None:
    secret = _pw(len(line), URL_SAFE_PASSWORD, 14)
    hits = detect(line.format(pw=secret) + "\n", "config/database.yml")
    assert [(h.rule_id, h.secret) for h in hits] == [(URL_RULE, secret)]


URL_LOOKALIKES = [
    "https://user:password@docs.example.com/",  # a word
    "postgres://postgres:postgres@localhost:5432/app",  # the user's name again
    "postgres://app:${DB_PASSWORD}@db.example.com/app",  # a reference
    "postgres://app:$DB_PASSWORD@db:5432/app",
    "redis://:s3cr3t@cache.internal:6379",  # a leet word, on a real-looking host
    "mongodb://admin:admin123@mongo.prod.internal:27017",  # word+digits
    "mysql://root:changeme@db.internal/app",
    "https://alice:a%20secret@example.net/",  # %-encoded words
    "amqp://guest:xxxxxxxx@rabbit:5672",
    "postgres://app:{password}@db:5432/app",  # str.format
]


@pytest.mark.parametrize("url", URL_LOOKALIKES)
def test_a_stand_in_in_a_url_is_not_reported_whatever_the_host(url: str) -> None:
    assert detect(f"url: {url}\n", "config/database.yml") == []


# Template forms are placeholders when whole; a password that merely contains "<",
# "{{" or "${" is still a password.
@pytest.mark.parametrize(
    "value",
    [
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "sk_live_xxxxxxxxxxxxxxxxxxxxxxxx",
        "change-me",
        "${DB_PASSWORD}",
        "${DB_PASSWORD:-dev}",
        "{{ db_password }}",
        "{% db_password %}",
        "<password>",
        "<generate with openssl rand -hex 32>",
        "$(cat /run/secrets/db)",
        "%(password)s",
        "$DB_PASSWORD",
        "{self.secret}",
        "************",
    ],
)
def test_placeholders_are_known_by_their_value(value: str) -> None:
    assert is_placeholder(value)


@pytest.mark.parametrize(
    "template",
    ["{a}{{{b}", "{a}<{b}", "{a}${{{b}", "{a}}}{b}", "{a}>{b}"],
)
def test_a_password_holding_a_template_character_is_not_a_placeholder(template: str) -> None:
    a, b = _pw(1, MIXED_DIGITS, 7), _pw(2, MIXED_DIGITS, 7)
    value = template.format(a=a, b=b)
    assert not is_placeholder(value)
    assert detect(f"password: '{value}'\n", "app.yml") == [Hit(GENERIC_RULE, 1, value)]

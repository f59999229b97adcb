"""Real-format, random credentials of every kind the scan knows, and the look-alikes it
must stay quiet on. Made at run time: no key-shaped text is committed to this repo.

Shared by the tests and by ``benchmarks/secret_scan.py`` (the labelled corpus).
"""

from __future__ import annotations

import random
import string
import uuid
import zlib
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

ALNUM = string.ascii_letters + string.digits
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "-_"
HEX = "0123456789abcdef"
BASE32 = string.ascii_uppercase + "234567"


@dataclass(frozen=True)
class Sample:
    rule: str  # the rule that must report it; "" for a look-alike
    file: str
    text: str  # the whole file
    line: int  # 1-based line of the credential (of the look-alike, 0 for a whole file)
    secret: str  # the value that must never be printed whole ("" for look-alikes)
    kind: str = ""  # what it is, for the benchmark's tables; the rule when empty


def _r(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


def crc_token(rng: random.Random, prefix: str) -> str:
    """A GitHub- or npm-style token: 30 random base62 characters and their CRC32 in 6
    base62 characters (written here apart from launchgate's own check, on purpose)."""
    body = _r(rng, ALNUM, 30)
    n, digits = zlib.crc32(body.encode()), []
    for _ in range(6):
        n, r = divmod(n, 62)
        digits.append(BASE62[r])
    return prefix + body + "".join(reversed(digits))


def _pem_rsa(bits: int = 1024) -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def _openssh_ed25519() -> tuple[str, str]:
    key = ed25519.Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
    )
    return private, public


def _at(
    rule: str,
    file: str,
    before: str,
    secret_line: str,
    secret: str,
    after: str = "",
    *,
    kind: str = "",
) -> Sample:
    text = before + secret_line + "\n" + after
    return Sample(rule, file, text, before.count("\n") + 1, secret, kind)


def secrets(rng: random.Random, tag: str = "") -> list[Sample]:
    """One credential of every kind, each in the kind of file it is usually leaked in.
    ``tag`` makes file names distinct when several sets go into one repository."""
    aws_id = "AKIA" + _r(rng, BASE32, 16)
    aws_secret = _r(rng, B64, 40)
    google = "AIza" + _r(rng, URLSAFE, 35)
    stripe = "sk_live_" + _r(rng, ALNUM, 99)
    restricted = "rk_live_" + _r(rng, ALNUM, 99)
    whsec = "whsec_" + _r(rng, ALNUM, 32)
    ghp = crc_token(rng, "ghp_")
    pat = "github_pat_" + _r(rng, ALNUM, 22) + "_" + _r(rng, ALNUM, 59)
    slack = f"xoxb-{rng.randrange(10**11, 10**12)}-{rng.randrange(10**11, 10**12)}-" + _r(
        rng, ALNUM, 24
    )
    hook_path = f"T{_r(rng, BASE32, 10)}/B{_r(rng, BASE32, 10)}/{_r(rng, ALNUM, 24)}"
    sendgrid = "SG." + _r(rng, URLSAFE, 22) + "." + _r(rng, URLSAFE, 43)
    mailgun = "key-" + _r(rng, HEX, 32)
    postmark = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    openai = "sk-proj-" + _r(rng, URLSAFE, 74) + "T3BlbkFJ" + _r(rng, URLSAFE, 74)
    anthropic = "sk-ant-api03-" + _r(rng, URLSAFE, 93) + "AA"
    rsa_private, _ = _pem_rsa()
    ssh_private, _ = _openssh_ed25519()
    db_password = _r(rng, ALNUM, 24)
    env_secret = _r(rng, ALNUM, 40)
    yaml_key = _r(rng, ALNUM, 32)
    py_password = _r(rng, ALNUM, 10) + "!" + _r(rng, ALNUM, 10)
    compose_password = _r(rng, ALNUM, 28)

    def body(pem: str) -> str:
        lines = pem.strip().splitlines()
        return "".join(line for line in lines[1:-1] if ":" not in line)

    t = tag
    return [
        _at(
            "aws-access-key-id",
            f"deploy/aws{t}.ini",
            "[default]\n",
            f"aws_access_key_id = {aws_id}",
            aws_id,
        ),
        _at(
            "aws-secret-access-key",
            f"deploy/aws-secret{t}.ini",
            "[default]\nregion = eu-west-1\n",
            f"aws_secret_access_key = {aws_secret}",
            aws_secret,
        ),
        _at(
            "google-api-key",
            f"web/maps{t}.js",
            "// maps\n",
            f'const MAPS_KEY = "{google}";',
            google,
        ),
        _at(
            "stripe-secret-key",
            f"app/billing{t}.py",
            "import stripe\n\n",
            f'stripe.api_key = "{stripe}"',
            stripe,
        ),
        _at(
            "stripe-restricted-key",
            f"app/reports{t}.py",
            "",
            f'REPORTS = "{restricted}"',
            restricted,
        ),
        _at(
            "webhook-signing-secret", f"app/hooks{t}.py", "", f'ENDPOINT_SECRET = "{whsec}"', whsec
        ),
        _at("github-token", f"scripts/release{t}.sh", "#!/bin/sh\n", f"export GH_TOKEN={ghp}", ghp),
        _at("github-fine-grained-token", f".github/token{t}.txt", "", pat, pat),
        _at("slack-token", f"app/notify{t}.py", "", f'SLACK = "{slack}"', slack),
        _at(
            "slack-webhook-url",
            f"ops/alerts{t}.yml",
            "alerts:\n",
            f"  url: https://hooks.slack.com/services/{hook_path}",
            hook_path,
        ),
        _at("sendgrid-api-key", f"app/mail{t}.py", "", f'SENDGRID = "{sendgrid}"', sendgrid),
        _at("mailgun-api-key", f"app/mailgun{t}.rb", "", f'MG = "{mailgun}"', mailgun),
        _at(
            "postmark-token",
            f".env.production{t}",
            "APP_ENV=production\n",
            f"POSTMARK_SERVER_TOKEN={postmark}",
            postmark,
        ),
        _at("openai-api-key", f"ai/client{t}.py", "", f'OPENAI = "{openai}"', openai),
        _at("anthropic-api-key", f"ai/claude{t}.ts", "", f'const key = "{anthropic}";', anthropic),
        _at(
            "private-key",
            f"certs/server{t}.key",
            "",
            rsa_private.strip(),
            body(rsa_private),
            kind="private key (PEM RSA)",
        ),
        _at(
            "private-key",
            f"deploy/id_ed25519{t}",
            "",
            ssh_private.strip(),
            body(ssh_private),
            kind="private key (OpenSSH)",
        ),
        _at(
            "connection-url-password",
            f"config/database{t}.yml",
            "production:\n",
            f"  url: postgres://app:{db_password}@db.internal:5432/app",
            db_password,
        ),
        _at(
            "generic-secret-assignment",
            f".env{t}",
            "DEBUG=0\n",
            f"SESSION_SECRET={env_secret}",
            env_secret,
            kind="token: .env",
        ),
        _at(
            "generic-secret-assignment",
            f"config/app{t}.yaml",
            "app:\n",
            f"  api_key: {yaml_key}",
            yaml_key,
            kind="token: YAML",
        ),
        _at(
            "generic-secret-assignment",
            f"app/settings{t}.py",
            "",
            f'DB_PASSWORD = "{py_password}"',
            py_password,
            kind="password: Python, 21 characters",
        ),
        _at(
            "generic-secret-assignment",
            f"docker-compose{t}.yml",
            "services:\n  db:\n    environment:\n",
            f"      POSTGRES_PASSWORD: {compose_password}",
            compose_password,
            kind="password: compose, 28 characters",
        ),
    ]


def lookalikes(rng: random.Random, tag: str = "") -> list[Sample]:
    """Things that look like credentials and are not: the scan must report none."""
    _, rsa_public = _pem_rsa()
    _, ssh_public = _openssh_ed25519()
    sha512 = _r(rng, B64, 86) + "=="
    t = tag
    files = {
        f"docs/aws{t}.md": "Example from the AWS docs:\n\n"
        "    aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
        "    aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
        f"docs/stripe{t}.md": "curl https://api.stripe.com/v1/charges "
        "-u sk_test_4eC39HqLyjWDarjtT1zdp7dc:\n",
        f".env.example{t}": "STRIPE_SECRET_KEY=sk_live_xxxxxxxxxxxxxxxxxxxxxxxx\n"
        "API_KEY=change-me\nSECRET_KEY=${SECRET_KEY}\n"
        "GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
        "DATABASE_URL=postgres://app:${DB_PASSWORD}@db:5432/app\n"
        "SLACK_WEBHOOK=https://hooks.slack.com/services/"
        "T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX\n"
        "OPENAI_API_KEY=sk-your-key-here\nSESSION_SECRET=<generate with openssl rand -hex 32>\n",
        f"app/config{t}.py": "import os\n\n"
        'DB_PASSWORD = os.environ["DB_PASSWORD"]\n'
        'API_TOKEN = os.getenv("API_TOKEN", "")\n'
        "SECRET_KEY = settings.SECRET_KEY\n"
        'password_field = "password_confirmation"\n'
        'token_url = "https://oauth.example.com/token"\n',
        f"deploy/vars{t}.yml": 'vault_token: "{{ vault_token }}"\npassword: "*****"\n',
        f"certs/server{t}.pub": rsa_public,
        f"deploy/id_ed25519{t}.pub": ssh_public + "\n",
        f"app/stripe_public{t}.js": f'const publishable = "pk_live_{_r(rng, ALNUM, 99)}";\n',
        f"web/package-lock{t}/package-lock.json": '{\n  "packages": {\n    "node_modules/x": {\n'
        f'      "integrity": "sha512-{sha512}"\n    }}\n  }}\n}}\n',
        f"py/poetry{t}/poetry.lock": "files = [{file = "
        f'"x.whl", hash = "sha256:{_r(rng, HEX, 64)}"}}]\n',
        f"go{t}/go.sum": f"example.com/x v1.0.0 h1:{_r(rng, B64, 43)}=\n",
        f"requirements{t}.txt": f"flask==3.0.0 --hash=sha256:{_r(rng, HEX, 64)}\n",
        f"app/ids{t}.py": f'request_id = "{uuid.uuid4()}"\ntoken_id = "{uuid.uuid4()}"\n',
        f"ops/release{t}.yml": f"commit: {_r(rng, HEX, 40)}\nsha: {_r(rng, HEX, 40)}\n"
        f"checksum: {_r(rng, HEX, 64)}\n",
        f"app/users{t}.py": 'password_hash = "$2b$12$' + _r(rng, B64.replace("+", "."), 53) + '"\n',
        f"docs/keys{t}.md": "-----BEGIN PRIVATE KEY-----\n...your key here...\n"
        "-----END PRIVATE KEY-----\n",
        f"docs/db{t}.md": "Connect with postgres://postgres:postgres@localhost:5432/app or\n"
        "https://user:password@example.com/\n",
        f"app/login{t}.html": '<input type="password" name="password" placeholder="Password">\n',
    }
    out = []
    for name, text in files.items():
        stem = name.replace(t, "") if t else name
        out += [Sample("", name, text, 0, "", kind) for kind in _LOOKALIKE_KINDS[stem]]
    return out


# What each look-alike file holds, one entry a look-alike (the benchmark counts them).
_LOOKALIKE_KINDS: dict[str, tuple[str, ...]] = {
    "docs/aws.md": ("documented example key",) * 2,
    "docs/stripe.md": ("documented example key",),
    ".env.example": (
        "xxxx placeholder",
        "change-me",
        "${VAR} reference",
        "xxxx placeholder",
        "${VAR} reference",
        "xxxx placeholder",
        "your-key-here placeholder",
        "<...> placeholder",
    ),
    "app/config.py": (
        "environment reference",
        "environment reference",
        "settings reference",
        "field name",
        "URL",
    ),
    "deploy/vars.yml": ("Jinja template", "masked value"),
    "certs/server.pub": ("public key by design",),
    "deploy/id_ed25519.pub": ("public key by design",),
    "app/stripe_public.js": ("public key by design",),
    "web/package-lock/package-lock.json": ("lock-file hash",),
    "py/poetry/poetry.lock": ("lock-file hash",),
    "go/go.sum": ("lock-file hash",),
    "requirements.txt": ("lock-file hash",),
    "app/ids.py": ("UUID",) * 2,
    "ops/release.yml": ("commit id",) * 2 + ("checksum",),
    "app/users.py": ("bcrypt hash",),
    "docs/keys.md": ("key template",),
    "docs/db.md": ("URL, word password",) * 2,
    "app/login.html": ("HTML password field",),
}


LOWER_DIGITS = string.ascii_lowercase + string.digits
MIXED_DIGITS = ALNUM
SYMBOLS = "!@#%^&*-_=+.?~"  # no quote, backslash, "$", "," or ";": valid unquoted in .env
WITH_SYMBOLS = ALNUM + SYMBOLS
URL_SAFE_PASSWORD = ALNUM + "-_.~"  # RFC 3986 unreserved: needs no %-encoding in a URL


def password(rng: random.Random, alphabet: str, length: int | None = None) -> str:
    """A generated password of 10-20 characters with at least one character of each
    class its alphabet has, as password managers and ``pwgen -s`` make them."""
    n = length if length is not None else rng.randint(10, 20)
    groups = [
        g
        for g in (string.ascii_lowercase, string.ascii_uppercase, string.digits, SYMBOLS)
        if set(g) & set(alphabet)
    ]
    while True:
        value = _r(rng, alphabet, n)
        if all(set(value) & set(g) for g in groups):
            return value


def passwords(rng: random.Random, tag: str = "") -> list[Sample]:
    """Passwords under password-named keys, in each kind of file they are leaked in."""
    t = tag
    p = {
        "compose": password(rng, LOWER_DIGITS),
        "compose-list": password(rng, MIXED_DIGITS),
        "env": password(rng, MIXED_DIGITS),
        "yaml": password(rng, WITH_SYMBOLS),
        "json": password(rng, WITH_SYMBOLS),
        "toml": password(rng, LOWER_DIGITS),
        "python": password(rng, MIXED_DIGITS),
        "js": password(rng, LOWER_DIGITS),
        "go": password(rng, WITH_SYMBOLS),
        "url": password(rng, URL_SAFE_PASSWORD, rng.randint(12, 20)),
    }
    g = "generic-secret-assignment"
    return [
        _at(
            g,
            f"deploy/compose.db{t}.yaml",
            "services:\n  db:\n    image: postgres:16\n    environment:\n",
            f"      POSTGRES_PASSWORD: {p['compose']}",
            p["compose"],
            kind="password: compose mapping, lowercase+digits",
        ),
        _at(
            g,
            f"deploy/compose.mysql{t}.yml",
            "services:\n  mysql:\n    environment:\n      - MYSQL_DATABASE=app\n",
            f"      - MYSQL_PASSWORD={p['compose-list']}",
            p["compose-list"],
            kind="password: compose list, mixed case+digits",
        ),
        _at(
            g,
            f".env.staging{t}",
            "SMTP_HOST=smtp.example.com\nSMTP_USER=app\n",
            f"SMTP_PASS={p['env']}",
            p["env"],
            kind="password: .env, mixed case+digits",
        ),
        _at(
            g,
            f"config/secrets{t}.yml",
            "database:\n  user: app\n",
            f"  password: '{p['yaml']}'",
            p["yaml"],
            kind="password: YAML, with symbols",
        ),
        _at(
            g,
            f"config/settings{t}.json",
            '{\n  "db_user": "app",\n',
            f'  "db_password": "{p["json"]}"',
            p["json"],
            "}\n",
            kind="password: JSON, with symbols",
        ),
        _at(
            g,
            f"config/app{t}.toml",
            '[database]\nuser = "app"\n',
            f'password = "{p["toml"]}"',
            p["toml"],
            kind="password: TOML, lowercase+digits",
        ),
        _at(
            g,
            f"app/db{t}.py",
            "import psycopg\n\n",
            f'conn = psycopg.connect(user="app", password="{p["python"]}")',
            p["python"],
            kind="password: Python, mixed case+digits",
        ),
        _at(
            g,
            f"src/cache{t}.js",
            "import { createClient } from 'redis';\n",
            f"const options = {{ password: '{p['js']}' }};",
            p["js"],
            kind="password: JavaScript, lowercase+digits",
        ),
        _at(
            g,
            f"internal/store/db{t}.go",
            "package store\n\nvar cfg = Config{\n",
            f'\tPassword: "{p["go"]}",',
            p["go"],
            "}\n",
            kind="password: Go, with symbols",
        ),
        _at(
            "connection-url-password",
            f"config/database.staging{t}.yml",
            "staging:\n",
            f"  url: postgres://app:{p['url']}@db.example.com:5432/app",
            p["url"],
            kind="password: connection URL, documentation host",
        ),
    ]


def password_lookalikes(rng: random.Random, tag: str = "") -> list[Sample]:
    """Stand-ins under password-named keys: one look-alike a line, each its own kind."""
    t = tag
    bcrypt = "$2b$12$" + _r(rng, B64.replace("+", "."), 53)
    items: dict[str, list[tuple[str, str]]] = {
        f"deploy/compose.example{t}.yml": [
            ("word password", "POSTGRES_PASSWORD: postgres"),
            ("word+digits password", "MYSQL_ROOT_PASSWORD: changeme123"),
            ("${VAR} reference", "REDIS_PASSWORD: ${REDIS_PASSWORD}"),
            ("$VAR reference", "- DB_PASSWORD=$DB_PASSWORD"),
            ("GitHub Actions secret reference", "DOCKER_PASSWORD: ${{ secrets.DOCKER_PASSWORD }}"),
            ("keyboard sequence", "RABBITMQ_DEFAULT_PASS: qwerty123456"),
            ("resource name", "secret: db-credentials-v2"),
            ("camelCase reference key", "secretName: payments-tls"),
        ],
        f".env.sample{t}": [
            ("leet word password", "DB_PASS=P@ssw0rd2024!"),
            ("word+digits password", "ADMIN_PASSWORD=Summer2024!"),
            ("change-me", "SMTP_PASSWORD=change-me-please"),
            ("all one character", "PASSWORD=xxxxxxxxxxxx"),
            ("masked value", "API_PASSWORD=************"),
            ("command substitution", "DB_PASSWORD=$(cat /run/secrets/db_password)"),
        ],
        f"config/vars{t}.yml": [
            ("Jinja template", "db_password: '{{ vault_db_password }}'"),
            (
                "sops-encrypted value",
                "password: ENC[AES256_GCM,data:"
                + _r(rng, B64, 24)
                + ",iv:"
                + _r(rng, B64, 16)
                + ",type:str]",
            ),
            ("angle-bracket placeholder", "password: '<password>'"),
            ("bcrypt hash", f"password: '{bcrypt}'"),
            ("PostgreSQL md5 hash", f"password: md5{_r(rng, HEX, 32)}"),
            ("file reference", "POSTGRES_PASSWORD_FILE: /run/secrets/postgres_password"),
        ],
        f"tests/fixtures/users{t}.json": [
            ("fixture marked fake", f'"password": "fake-{_r(rng, ALNUM, 12)}",'),
            ("fixture marked dummy", f'"api_password": "dummy_{_r(rng, ALNUM, 10)}",'),
            ("phrase of words", '"password": "mysecretpassword",'),
            ("alphabet sequence", '"password": "abcdefgh12345678"'),
        ],
        f"infra/db{t}.tf": [
            ("Terraform reference", "password = var.db_password"),
            ("Terraform reference", "password = random_password.db.result"),
        ],
        f"app/settings_example{t}.py": [
            ("environment reference", 'DB_PASSWORD = os.environ["DB_PASSWORD"]'),
            ("format placeholder", 'DSN = "postgres://app:%(password)s@db:5432/app"'),
            ("example URL, word password", 'DOCS = "https://user:password@docs.example.com/"'),
            ("URL, ${VAR} password", 'URL = "postgres://app:${DB_PASSWORD}@db.example.com/app"'),
            ("URL, user as password", 'DEV = "mysql://root:root@localhost:3306/app"'),
            ("URL, leet word password", 'STAGE = "redis://:s3cr3t@cache.example.org:6379"'),
        ],
    }
    out = []
    for file, lines in items.items():
        text = "".join(line + "\n" for _, line in lines)
        out += [Sample("", file, text, i, "", kind) for i, (kind, _) in enumerate(lines, 1)]
    return out

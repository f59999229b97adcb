"""One true sample and one look-alike for every rule of the detector table, made at run
time from each format's rules (prefix, length, alphabet, checksum, structure) with a
seeded random, so no key-shaped text is committed. The checksums and encodings here
(CRC32 in base62 and in hex, bech32, macaroons, JWTs) are written apart from
launchgate's own checks, on purpose: a shared bug would pass both.

A case is ``(file, text, secret)`` for a true sample (``secret``: what the scan must
report, exactly) and ``(file, text, reason)`` for a look-alike (``reason``: a part of
the reason ``--explain`` must give for dropping it).
"""

from __future__ import annotations

import base64
import json
import random
import string
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from tests.secretscan.samples import (
    ALNUM,
    BASE32,
    HEX,
    LOWER_DIGITS,
    URLSAFE,
    WITH_SYMBOLS,
    Sample,
    _pem_rsa,
    _r,
    crc_token,
    password,
)

Case = tuple[str, str, str]
B64 = ALNUM + "+/"
LETTERS = string.ascii_letters
UPPER_DIGITS = string.ascii_uppercase + string.digits
BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def jwt(rng: random.Random, claims: dict[str, object], alg: str = "HS256") -> str:
    header = b64url(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    payload = b64url(json.dumps(claims).encode())
    signature = "" if alg == "none" else _r(rng, URLSAFE, 43)
    return f"{header}.{payload}.{signature}"


def grafana_token(rng: random.Random, *, valid: bool = True) -> str:
    head = "glsa_" + _r(rng, ALNUM, 32)
    crc = zlib.crc32(head.encode()) ^ (0 if valid else 1)
    return f"{head}_{crc.to_bytes(4, 'little').hex()}"


def _field(kind: int, data: bytes) -> bytes:
    assert len(data) < 128  # one-byte varint
    return bytes([kind, len(data)]) + data


def pypi_token(rng: random.Random) -> str:
    """A version-2 macaroon as PyPI issues them: location, identifier, a caveat, and a
    32-byte signature."""
    identifier = json.dumps({"version": 1, "id": str(uuid.UUID(int=rng.getrandbits(128)))})
    caveat = json.dumps({"version": 1, "permissions": "user"})
    raw = (
        b"\x02"
        + _field(1, b"pypi.org")
        + _field(2, identifier.encode())
        + b"\x00"
        + _field(2, caveat.encode())
        + b"\x00"
        + b"\x00"
        + _field(6, rng.randbytes(32))
    )
    return "pypi-" + b64url(raw)


def _polymod(values: list[int]) -> int:
    gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for v in values:
        b = chk >> 25
        chk = ((chk & 0x1FFFFFF) << 5) ^ v
        for i in range(5):
            if (b >> i) & 1:
                chk ^= gen[i]
    return chk


def age_key(rng: random.Random, *, valid: bool = True) -> str:
    hrp = "age-secret-key-"
    bits = "".join(f"{b:08b}" for b in rng.randbytes(32))
    bits += "0" * (-len(bits) % 5)
    data = [int(bits[i : i + 5], 2) for i in range(0, len(bits), 5)]
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    mod = _polymod(expanded + data + [0] * 6) ^ 1
    check = [(mod >> 5 * (5 - i)) & 31 for i in range(6)]
    if not valid:
        check[-1] ^= 1
    return (hrp + "1" + "".join(BECH32[d] for d in data + check)).upper()


def discord_token(rng: random.Random) -> str:
    snowflake = str(rng.randrange(10**17, 10**18))
    return f"{b64url(snowflake.encode())}.{_r(rng, URLSAFE, 6)}.{_r(rng, URLSAFE, 38)}"


def pem_body(pem: str) -> str:
    return "".join(line for line in pem.strip().splitlines()[1:-1] if ":" not in line)


@dataclass(frozen=True)
class Spec:
    file: str
    template: str  # the file's text; {s} is where the value goes
    make: Callable[[random.Random], str]  # the true value
    fake: Callable[[random.Random], str]  # the look-alike value, in the same template
    reason: str  # part of the reason the look-alike is dropped for
    reported: Callable[[str], str] | None = None  # what the scan reports, from the value
    fake_template: str | None = None  # where the look-alike goes, when not the template

    def true_case(self, rng: random.Random) -> Case:
        value = self.make(rng)
        text = self.template.format(s=value)
        return self.file, text, self.reported(value) if self.reported else value

    def lookalike_case(self, rng: random.Random) -> Case:
        template = self.fake_template or self.template
        return self.file, template.format(s=self.fake(rng)), self.reason


def _x(prefix: str, n: int, filler: str = "x") -> Callable[[random.Random], str]:
    return lambda rng: prefix + filler * n


def _rand(prefix: str, alphabet: str, n: int, suffix: str = "") -> Callable[[random.Random], str]:
    return lambda rng: prefix + _r(rng, alphabet, n) + suffix


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _basic(user: str, pw: Callable[[random.Random], str]) -> Callable[[random.Random], str]:
    return lambda rng: b64(f"{user}:{pw(rng)}".encode())


def _break(token: str) -> str:
    """The same token with its last checksum character changed."""
    return token[:-1] + ("1" if token[-1] == "0" else "0")


def _putty(encryption: str) -> Callable[[random.Random], str]:
    def make(rng: random.Random) -> str:
        private = "\n".join(_r(rng, B64, 64) for _ in range(2))
        return (
            f"PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: {encryption}\nComment: ci\n"
            f"Public-Lines: 1\n{_r(rng, B64, 64)}\nPrivate-Lines: 2\n{private}\n"
            "Private-MAC: " + _r(rng, HEX, 64)
        )

    return make


def _putty_private(text: str) -> str:
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("Private-Lines"))
    return "".join(lines[at + 1 : at + 3])


def _after_colon(value: str) -> str:
    return base64.b64decode(value).decode().partition(":")[2]


PLACEHOLDER = "placeholder"
FAKE = "marked fake"
PUBLIC = "public by design"
CHECKSUM = "checksum does not match"
_PW = lambda rng: password(rng, WITH_SYMBOLS.replace("'", ""), 18)  # noqa: E731
_URL_PW = lambda rng: password(rng, ALNUM + "-_.~", 16)  # noqa: E731


SPECS: dict[str, Spec] = {
    # Hosting and cloud
    "aws-access-key-id": Spec(
        "deploy/aws.ini",
        "[default]\naws_access_key_id = {s}\n",
        _rand("AKIA", BASE32, 16),
        lambda rng: "AKIAIOSFODNN7EXAMPLE",
        "documented example",
    ),
    "aws-secret-access-key": Spec(
        "deploy/aws.ini",
        "[default]\naws_secret_access_key = {s}\n",
        _rand("", B64, 40),
        lambda rng: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "documented example",
    ),
    "gcp-service-account-key": Spec(
        "deploy/gcp-sa.json",
        '{{\n  "type": "service_account",\n  "project_id": "acme",\n'
        '  "private_key": "-----BEGIN PRIVATE KEY-----\\n{s}\\n-----END PRIVATE KEY-----\\n",\n'
        '  "client_email": "ci@acme.iam.gserviceaccount.com"\n}}\n',
        lambda rng: "\\n".join(_r(rng, B64, 64) for _ in range(12)),
        lambda rng: "\\n".join(
            _r(rng, B64, 30) + "EXAMPLEKEY" + _r(rng, B64, 24) for _ in range(4)
        ),
        "documented example",
        lambda v: v.replace("\\n", ""),
    ),
    "azure-storage-account-key": Spec(
        "config/storage.env",
        "AZURE_STORAGE=DefaultEndpointsProtocol=https;AccountName=acme;AccountKey={s};"
        "EndpointSuffix=core.windows.net\n",
        lambda rng: b64(rng.randbytes(64)),
        lambda rng: "A" * 86 + "==",
        PLACEHOLDER,
    ),
    "azure-ad-client-secret": Spec(
        ".env",
        "{s}\n",
        lambda rng: (
            "AZURE_CLIENT_SECRET="
            + _r(rng, ALNUM, 3)
            + str(rng.randrange(10))
            + "Q~"
            + _r(rng, ALNUM + "_~.-", 34)
        ),
        lambda rng: "FAKE_AZURE_CLIENT_SECRET=" + _r(rng, ALNUM, 3) + "8Q~" + _r(rng, ALNUM, 34),
        FAKE,
        lambda v: v.split("=", 1)[1],
    ),
    "heroku-api-key": Spec(
        ".netrc",
        "machine api.heroku.com\n  login dev@acme.test\n  password {s}\n",
        _uuid,
        lambda rng: "00000000-0000-0000-0000-000000000000",
        PLACEHOLDER,
    ),
    "fly-io-token": Spec(
        ".github/workflows/deploy.yml",
        "env:\n  FLY_API_TOKEN: FlyV1 {s}\n",
        _rand("fm2_", URLSAFE, 120),
        _x("fm2_", 120),
        PLACEHOLDER,
    ),
    "render-api-key": Spec(
        ".env", "RENDER_API_KEY={s}\n", _rand("rnd_", ALNUM, 32), _x("rnd_", 32), PLACEHOLDER
    ),
    "vercel-token": Spec(
        ".env", "VERCEL_TOKEN={s}\n", _rand("", ALNUM, 24), _x("", 24), PLACEHOLDER
    ),
    "netlify-token": Spec(
        "netlify.env", "NETLIFY_AUTH={s}\n", _rand("nfp_", ALNUM, 36), _x("nfp_", 36), PLACEHOLDER
    ),
    "digitalocean-token": Spec(
        "infra/do.tfvars",
        'do_token = "{s}"\n',
        _rand("dop_v1_", HEX, 64),
        _x("dop_v1_", 64, "0"),
        PLACEHOLDER,
    ),
    "cloudflare-api-token": Spec(
        ".env",
        "CLOUDFLARE_API_TOKEN={s}\n",
        _rand("", URLSAFE, 40),
        _x("", 40),
        PLACEHOLDER,
    ),
    # Code and packages
    "github-token": Spec(
        "scripts/release.sh",
        "#!/bin/sh\nexport GH_TOKEN={s}\n",
        lambda rng: crc_token(rng, "ghp_"),
        lambda rng: _break(crc_token(rng, "ghp_")),
        CHECKSUM,
    ),
    "github-fine-grained-token": Spec(
        "ci/token.txt",
        "{s}\n",
        lambda rng: "github_pat_" + _r(rng, ALNUM, 22) + "_" + _r(rng, ALNUM, 59),
        lambda rng: "github_pat_" + "X" * 22 + "_" + "X" * 59,
        PLACEHOLDER,
    ),
    "gitlab-token": Spec(
        ".gitlab-ci.yml",
        "variables:\n  GITLAB_API: {s}\n",
        _rand("glpat-", URLSAFE, 20),
        lambda rng: "glpat-" + "example" + _r(rng, ALNUM, 13),
        "documented example",
    ),
    "npm-token": Spec(
        "ci/publish.sh",
        "npm config set //registry.npmjs.org/:_authToken {s}\n",
        lambda rng: crc_token(rng, "npm_"),
        lambda rng: _break(crc_token(rng, "npm_")),
        CHECKSUM,
    ),
    "npmrc-auth": Spec(
        ".npmrc",
        "@acme:registry=https://npm.acme.dev/\n//npm.acme.dev/:_authToken={s}\n",
        _rand("", ALNUM, 40),
        lambda rng: "${NPM_TOKEN}",
        "reference",
    ),
    "pypi-token": Spec(
        "ci/upload.sh",
        "twine upload -u __token__ -p {s} dist/*\n",
        pypi_token,
        _rand("pypi-AgEIcHlwaS5vcmc", URLSAFE, 80),
        "not a macaroon",
    ),
    "pypirc-password": Spec(
        ".pypirc",
        "[pypi]\nusername = acme\npassword = {s}\n",
        _PW,
        lambda rng: "<your-password>",
        PLACEHOLDER,
    ),
    "docker-hub-token": Spec(
        ".github/workflows/image.yml",
        "      - run: echo {s} | docker login -u acme --password-stdin\n",
        _rand("dckr_pat_", URLSAFE, 27),
        lambda rng: "dckr_pat_" + "X" * 27,
        PLACEHOLDER,
    ),
    "docker-config-auth": Spec(
        ".docker/config.json",
        '{{\n  "auths": {{\n    "registry.acme.dev": {{\n      "auth": "{s}"\n    }}\n  }}\n}}\n',
        _basic("deploy", _URL_PW),
        _basic("deploy", lambda rng: "sunshine99"),
        "word",
        _after_colon,
    ),
    "terraform-cloud-token": Spec(
        "infra/.terraformrc",
        'credentials "app.terraform.io" {{\n  token = "{s}"\n}}\n',
        lambda rng: _r(rng, ALNUM, 14) + ".atlasv1." + _r(rng, URLSAFE, 67),
        lambda rng: "x" * 14 + ".atlasv1." + "x" * 67,
        PLACEHOLDER,
    ),
    "vault-token": Spec(
        ".env", "VAULT_TOKEN={s}\n", _rand("hvs.", URLSAFE, 90), _x("hvs.", 90), PLACEHOLDER
    ),
    "doppler-token": Spec(
        ".github/workflows/deploy.yml",
        "env:\n  DOPPLER_TOKEN: {s}\n",
        _rand("dp.st.prd.", ALNUM, 40),
        _x("dp.st.prd.", 40),
        PLACEHOLDER,
    ),
    "azure-devops-pat": Spec(
        "azure-pipelines.env",
        "AZURE_DEVOPS_EXT_PAT={s}\n",
        lambda rng: _r(rng, ALNUM, 76) + "AZDO" + _r(rng, ALNUM, 4),
        lambda rng: "x" * 76 + "AZDO" + "xxxx",
        PLACEHOLDER,
    ),
    # Data and auth
    "supabase-service-role-key": Spec(
        ".env",
        "SUPABASE_SERVICE_ROLE_KEY={s}\n",
        lambda rng: jwt(
            rng,
            {"iss": "supabase", "ref": _r(rng, string.ascii_lowercase, 20), "role": "service_role"},
        ),
        lambda rng: jwt(
            rng, {"iss": "supabase", "ref": _r(rng, string.ascii_lowercase, 20), "role": "anon"}
        ),
        PUBLIC,
    ),
    "supabase-secret-key": Spec(
        ".env", "SUPABASE_KEY={s}\n", _rand("sbp_", HEX, 40), _x("sbp_", 40, "0"), PLACEHOLDER
    ),
    "supabase-publishable-key": Spec(
        "web/supabase.ts",
        'const supabase = createClient(url, "{s}");\n',
        _rand("sb_publishable_", URLSAFE, 31),
        _rand("sb_publishable_", URLSAFE, 31),
        PUBLIC,
    ),
    "firebase-cloud-messaging-key": Spec(
        "functions/push.js",
        'const FCM = "{s}";\n',
        lambda rng: "AAAA" + _r(rng, URLSAFE, 7) + ":APA91b" + _r(rng, URLSAFE, 134),
        lambda rng: "AAAA" + _r(rng, URLSAFE, 7) + ":APA91b" + "x" * 134,
        PLACEHOLDER,
    ),
    "mongodb-atlas-uri": Spec(
        ".env",
        "MONGO_URL=mongodb+srv://app:{s}@cluster0.ab1cd.mongodb.net/app\n",
        _URL_PW,
        lambda rng: "password123",
        "word",
    ),
    "planetscale-token": Spec(
        ".env",
        "DATABASE_PASSWORD={s}\n",
        _rand("pscale_pw_", URLSAFE, 43),
        _x("pscale_pw_", 43),
        PLACEHOLDER,
    ),
    "airtable-token": Spec(
        "scripts/sync.py",
        'AIRTABLE = "{s}"\n',
        lambda rng: "pat" + _r(rng, ALNUM, 14) + "." + _r(rng, HEX, 64),
        lambda rng: "pat" + _r(rng, ALNUM, 14) + "." + "0" * 64,
        PLACEHOLDER,
    ),
    "notion-token": Spec(
        ".env",
        "NOTION={s}\n",
        lambda rng: (
            "ntn_" + "".join(rng.choice(string.digits) for _ in range(11)) + _r(rng, ALNUM, 35)
        ),
        lambda rng: "ntn_" + "1" * 11 + "x" * 35,
        PLACEHOLDER,
    ),
    "auth0-client-secret": Spec(
        "config/auth.yml",
        "auth0_client_secret: {s}\n",
        _rand("", URLSAFE, 64),
        lambda rng: "fake-" + _r(rng, ALNUM, 59),
        FAKE,
    ),
    "clerk-secret-key": Spec(
        ".env.local",
        "CLERK_SECRET_KEY={s}\n",
        _rand("sk_live_", ALNUM, 46),
        _x("sk_live_", 46),
        PLACEHOLDER,
    ),
    "okta-api-token": Spec(
        "scripts/okta.sh",
        'curl -H "Authorization: SSWS {s}" https://acme.okta.com/api/v1/users\n',
        _rand("00", URLSAFE, 40),
        _x("00", 40),
        PLACEHOLDER,
    ),
    # Payments
    "stripe-secret-key": Spec(
        "app/billing.py",
        'stripe.api_key = "{s}"\n',
        _rand("sk_live_", ALNUM, 99),
        lambda rng: "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
        "documented example",
    ),
    "stripe-restricted-key": Spec(
        "app/reports.py",
        'REPORTS = "{s}"\n',
        _rand("rk_live_", ALNUM, 99),
        _x("rk_live_", 99),
        PLACEHOLDER,
    ),
    "stripe-publishable-key": Spec(
        "web/checkout.js",
        'const stripe = Stripe("{s}");\n',
        _rand("pk_live_", ALNUM, 99),
        _rand("pk_live_", ALNUM, 99),
        PUBLIC,
    ),
    "webhook-signing-secret": Spec(
        "app/hooks.py",
        'ENDPOINT_SECRET = "{s}"\n',
        _rand("whsec_", ALNUM, 32),
        lambda rng: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "documented example",
    ),
    "square-access-token": Spec(
        ".env",
        "SQUARE_ACCESS_TOKEN={s}\n",
        _rand("EAAA", URLSAFE, 60),
        _x("EAAA", 60),
        PLACEHOLDER,
    ),
    "square-oauth-secret": Spec(
        ".env",
        "SQUARE_APP_SECRET={s}\n",
        _rand("sq0csp-", URLSAFE, 43),
        _x("sq0csp-", 43),
        PLACEHOLDER,
    ),
    "braintree-access-token": Spec(
        "config/braintree.yml",
        "access_token: {s}\n",
        lambda rng: "access_token$production$" + _r(rng, LOWER_DIGITS, 16) + "$" + _r(rng, HEX, 32),
        lambda rng: "access_token$production$" + "x" * 16 + "$" + "0" * 32,
        PLACEHOLDER,
    ),
    "paypal-client-secret": Spec(
        ".env",
        "PAYPAL_CLIENT_SECRET={s}\n",
        _rand("E", URLSAFE, 79),
        _x("E", 79),
        PLACEHOLDER,
    ),
    "shopify-token": Spec(
        ".env", "SHOPIFY_ADMIN={s}\n", _rand("shpat_", HEX, 32), _x("shpat_", 32, "0"), PLACEHOLDER
    ),
    "paddle-api-key": Spec(
        ".env",
        "PADDLE_API_KEY={s}\n",
        lambda rng: (
            "pdl_live_apikey_"
            + _r(rng, LOWER_DIGITS, 26)
            + "_"
            + _r(rng, ALNUM, 22)
            + "_"
            + _r(rng, ALNUM, 3)
        ),
        lambda rng: "pdl_live_apikey_" + "0" * 26 + "_" + "x" * 22 + "_" + "abc",
        PLACEHOLDER,
    ),
    "lemon-squeezy-api-key": Spec(
        ".env",
        "LEMON_SQUEEZY_API_KEY={s}\n",
        lambda rng: jwt(rng, {"aud": "1", "jti": _r(rng, HEX, 40), "sub": "123"}, "RS256"),
        lambda rng: (
            jwt(rng, {"aud": "1", "jti": _r(rng, HEX, 40), "sub": "123"}, "none")
            + _r(rng, URLSAFE, 24)
        ),
        "unsigned JWT",
    ),
    # Mail and messaging
    "sendgrid-api-key": Spec(
        "app/mail.py",
        'SENDGRID = "{s}"\n',
        lambda rng: "SG." + _r(rng, URLSAFE, 22) + "." + _r(rng, URLSAFE, 43),
        lambda rng: "SG." + "x" * 22 + "." + "x" * 43,
        PLACEHOLDER,
    ),
    "mailgun-api-key": Spec(
        "app/mailgun.rb", 'MG = "{s}"\n', _rand("key-", HEX, 32), _x("key-", 32, "0"), PLACEHOLDER
    ),
    "postmark-token": Spec(
        ".env",
        "POSTMARK_SERVER_TOKEN={s}\n",
        _uuid,
        lambda rng: "00000000-0000-0000-0000-000000000000",
        PLACEHOLDER,
    ),
    "mailchimp-api-key": Spec(
        ".env",
        "MAILCHIMP={s}\n",
        _rand("", HEX, 32, "-us21"),
        lambda rng: "0" * 32 + "-us21",
        PLACEHOLDER,
    ),
    "brevo-api-key": Spec(
        ".env",
        "BREVO={s}\n",
        lambda rng: "xkeysib-" + _r(rng, HEX, 64) + "-" + _r(rng, ALNUM, 16),
        lambda rng: "xkeysib-" + "0" * 64 + "-" + "x" * 16,
        PLACEHOLDER,
    ),
    "resend-api-key": Spec(
        ".env",
        "RESEND={s}\n",
        lambda rng: "re_" + _r(rng, ALNUM, 8) + "_" + _r(rng, ALNUM, 24),
        lambda rng: "re_" + "x" * 8 + "_" + "x" * 24,
        PLACEHOLDER,
    ),
    "twilio-api-key": Spec(
        ".env",
        "TWILIO_AUTH_TOKEN={s}\n",
        _rand("", HEX, 32),
        _x("", 32, "0"),
        PLACEHOLDER,
    ),
    "slack-token": Spec(
        "app/notify.py",
        'SLACK = "{s}"\n',
        lambda rng: (
            f"xoxb-{rng.randrange(10**11, 10**12)}-{rng.randrange(10**11, 10**12)}-"
            + _r(rng, ALNUM, 24)
        ),
        lambda rng: "xoxb-not-a-real-token-this-will-not-work",
        "documented example",
    ),
    "slack-webhook-url": Spec(
        "ops/alerts.yml",
        "alerts:\n  url: https://hooks.slack.com/services/{s}\n",
        lambda rng: f"T{_r(rng, BASE32, 10)}/B{_r(rng, BASE32, 10)}/{_r(rng, ALNUM, 24)}",
        lambda rng: "T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
        PLACEHOLDER,
    ),
    "discord-bot-token": Spec(
        "bot/.env",
        "{s}\n",
        lambda rng: "DISCORD_TOKEN=" + discord_token(rng),
        lambda rng: "FAKE_DISCORD_TOKEN=" + discord_token(rng),
        FAKE,
        lambda v: v.split("=", 1)[1],
    ),
    "discord-webhook-url": Spec(
        "ops/notify.sh",
        "curl -X POST https://discord.com/api/webhooks/{s}\n",
        lambda rng: f"{rng.randrange(10**17, 10**18)}/{_r(rng, URLSAFE, 68)}",
        lambda rng: f"{rng.randrange(10**17, 10**18)}/" + "x" * 68,
        PLACEHOLDER,
    ),
    "telegram-bot-token": Spec(
        ".env",
        "TELEGRAM={s}\n",
        lambda rng: f"{rng.randrange(10**9, 10**10)}:AA{_r(rng, URLSAFE, 33)}",
        lambda rng: f"{rng.randrange(10**9, 10**10)}:AA" + "x" * 33,
        PLACEHOLDER,
    ),
    # Monitoring
    "sentry-auth-token": Spec(
        ".sentryclirc",
        "[auth]\ntoken={s}\n",
        _rand("sntryu_", HEX, 64),
        _x("sntryu_", 64, "0"),
        PLACEHOLDER,
    ),
    "sentry-dsn": Spec(
        "web/sentry.js",
        'Sentry.init({{ dsn: "https://{s}@o12345.ingest.sentry.io/67890" }});\n',
        _rand("", HEX, 32),
        _rand("", HEX, 32),
        PUBLIC,
    ),
    "datadog-rum-client-token": Spec(
        "web/rum.js",
        'datadogRum.init({{ clientToken: "{s}" }});\n',
        _rand("pub", HEX, 32),
        _rand("pub", HEX, 32),
        PUBLIC,
    ),
    "datadog-api-key": Spec(
        "deploy/agent.yml", "DD_API_KEY: {s}\n", _rand("", HEX, 32), _x("", 32, "0"), PLACEHOLDER
    ),
    "datadog-app-key": Spec(
        "deploy/agent.yml", "DD_APP_KEY: {s}\n", _rand("", HEX, 40), _x("", 40, "0"), PLACEHOLDER
    ),
    "newrelic-license-key": Spec(
        "newrelic.yml",
        "license_key: {s}\n",
        _rand("", HEX, 36, "NRAL"),
        lambda rng: "0" * 36 + "NRAL",
        PLACEHOLDER,
    ),
    "newrelic-api-key": Spec(
        ".env",
        "NEW_RELIC={s}\n",
        _rand("NRAK-", UPPER_DIGITS, 27),
        _x("NRAK-", 27, "X"),
        PLACEHOLDER,
    ),
    "newrelic-browser-key": Spec(
        "web/nr.js",
        'const nr = {{ licenseKey: "{s}" }};\n',
        _rand("NRJS-", HEX, 19),
        _rand("NRJS-", HEX, 19),
        PUBLIC,
    ),
    "grafana-token": Spec(
        ".env",
        "GRAFANA_SA={s}\n",
        grafana_token,
        lambda rng: grafana_token(rng, valid=False),
        CHECKSUM,
    ),
    "dynatrace-token": Spec(
        ".env",
        "DT={s}\n",
        lambda rng: "dt0c01." + _r(rng, UPPER_DIGITS, 24) + "." + _r(rng, UPPER_DIGITS, 64),
        lambda rng: "dt0c01." + "X" * 24 + "." + "X" * 64,
        PLACEHOLDER,
    ),
    "posthog-personal-key": Spec(
        ".env", "POSTHOG_PERSONAL={s}\n", _rand("phx_", ALNUM, 43), _x("phx_", 43), PLACEHOLDER
    ),
    "posthog-project-key": Spec(
        "web/analytics.js",
        'posthog.init("{s}");\n',
        _rand("phc_", ALNUM, 43),
        _rand("phc_", ALNUM, 43),
        PUBLIC,
    ),
    # AI
    "openai-api-key": Spec(
        "ai/client.py",
        'OPENAI = "{s}"\n',
        lambda rng: "sk-proj-" + _r(rng, URLSAFE, 74) + "T3BlbkFJ" + _r(rng, URLSAFE, 74),
        lambda rng: "sk-proj-" + "x" * 74 + "T3BlbkFJ" + "x" * 74,
        PLACEHOLDER,
    ),
    "anthropic-api-key": Spec(
        "ai/claude.ts",
        'const key = "{s}";\n',
        lambda rng: "sk-ant-api03-" + _r(rng, URLSAFE, 93) + "AA",
        lambda rng: "sk-ant-api03-" + "x" * 93 + "AA",
        PLACEHOLDER,
    ),
    "huggingface-token": Spec(
        ".env", "HF={s}\n", _rand("hf_", LETTERS, 34), _x("hf_", 34), PLACEHOLDER
    ),
    "replicate-api-token": Spec(
        ".env", "REPLICATE={s}\n", _rand("r8_", ALNUM, 37), _x("r8_", 37), PLACEHOLDER
    ),
    "groq-api-key": Spec(
        ".env", "GROQ={s}\n", _rand("gsk_", ALNUM, 52), _x("gsk_", 52), PLACEHOLDER
    ),
    "perplexity-api-key": Spec(
        ".env", "PPLX={s}\n", _rand("pplx-", ALNUM, 48), _x("pplx-", 48), PLACEHOLDER
    ),
    # Maps and APIs
    "mapbox-secret-token": Spec(
        ".env",
        "MAPBOX_DOWNLOADS={s}\n",
        lambda rng: (
            "sk."
            + b64url(json.dumps({"u": "acme", "a": _r(rng, ALNUM, 12)}).encode())
            + "."
            + _r(rng, URLSAFE, 22)
        ),
        lambda rng: (
            "sk."
            + b64url(json.dumps({"u": "docs", "a": _r(rng, ALNUM, 12)}).encode())
            + "."
            + _r(rng, URLSAFE, 22)
            + "EXAMPLE"
        ),
        "documented example",
    ),
    "mapbox-public-token": Spec(
        "web/map.js",
        'mapboxgl.accessToken = "{s}";\n',
        lambda rng: (
            "pk."
            + b64url(json.dumps({"u": "acme", "a": _r(rng, ALNUM, 12)}).encode())
            + "."
            + _r(rng, URLSAFE, 22)
        ),
        lambda rng: (
            "pk."
            + b64url(json.dumps({"u": "acme", "a": _r(rng, ALNUM, 12)}).encode())
            + "."
            + _r(rng, URLSAFE, 22)
        ),
        PUBLIC,
    ),
    "google-api-key": Spec(
        "web/maps.js",
        'const MAPS_KEY = "{s}";\n',
        _rand("AIza", URLSAFE, 35),
        _rand("AIza", URLSAFE, 35),
        PUBLIC,
        fake_template='const firebaseConfig = {{\n  apiKey: "{s}",\n'
        '  authDomain: "acme.firebaseapp.com",\n}};\n',
    ),
    "recaptcha-site-key": Spec(
        "web/form.html",
        '<div class="g-recaptcha" data-sitekey="{s}"></div>\n',
        _rand("6L", URLSAFE, 38),
        _rand("6L", URLSAFE, 38),
        PUBLIC,
    ),
    "recaptcha-secret-key": Spec(
        ".env", "RECAPTCHA_SECRET_KEY={s}\n", _rand("6L", URLSAFE, 38), _x("6L", 38), PLACEHOLDER
    ),
    "postman-api-key": Spec(
        ".env",
        "POSTMAN={s}\n",
        lambda rng: "PMAK-" + _r(rng, HEX, 24) + "-" + _r(rng, HEX, 34),
        lambda rng: "PMAK-" + "0" * 24 + "-" + "0" * 34,
        PLACEHOLDER,
    ),
    "linear-api-key": Spec(
        ".env", "LINEAR={s}\n", _rand("lin_api_", ALNUM, 40), _x("lin_api_", 40), PLACEHOLDER
    ),
    "algolia-search-key": Spec(
        "web/search.js",
        'const algolia = {{ algoliaSearchKey: "{s}" }};\n',
        _rand("", HEX, 32),
        _rand("", HEX, 32),
        PUBLIC,
    ),
    "algolia-admin-key": Spec(
        ".env", "ALGOLIA_ADMIN_KEY={s}\n", _rand("", HEX, 32), _x("", 32, "0"), PLACEHOLDER
    ),
    "atlassian-api-token": Spec(
        ".env", "JIRA={s}\n", _rand("ATATT3", URLSAFE, 186), _x("ATATT3", 186), PLACEHOLDER
    ),
    "figma-token": Spec(
        ".env", "FIGMA={s}\n", _rand("figd_", URLSAFE, 40), _x("figd_", 40), PLACEHOLDER
    ),
    "tailscale-key": Spec(
        ".env",
        "TS_AUTHKEY={s}\n",
        lambda rng: "tskey-auth-" + _r(rng, ALNUM, 12) + "-" + _r(rng, ALNUM, 32),
        lambda rng: "tskey-auth-" + "x" * 12 + "-" + "x" * 32,
        PLACEHOLDER,
    ),
    # Private keys
    "private-key": Spec(
        "certs/server.key",
        "{s}\n",
        lambda rng: _pem_rsa()[0].strip(),
        lambda rng: (
            "-----BEGIN PRIVATE KEY-----\n"
            + _r(rng, B64, 40)
            + "EXAMPLE"
            + _r(rng, B64, 40)
            + "\n-----END PRIVATE KEY-----"
        ),
        "documented example",
        pem_body,
    ),
    "age-secret-key": Spec(
        "deploy/age.key",
        "# created: 2024-05-01T10:00:00Z\n{s}\n",
        age_key,
        lambda rng: age_key(rng, valid=False),
        CHECKSUM,
    ),
    "putty-private-key": Spec(
        "deploy/ci.ppk",
        "{s}\n",
        _putty("none"),
        _putty("aes256-cbc"),
        "encrypted",
        _putty_private,
    ),
    # Frameworks and tools
    "django-secret-key": Spec(
        "acme/settings.py",
        'DEBUG = False\nSECRET_KEY = "{s}"\n',
        lambda rng: (
            "django-insecure-"
            + _r(rng, string.ascii_lowercase + string.digits + "!@#%^&*(-_=+)", 50)
        ),
        lambda rng: "django-insecure-change-me-please-" + "x" * 20,
        PLACEHOLDER,
    ),
    "rails-secret-key-base": Spec(
        "config/secrets.yml",
        "production:\n  secret_key_base: {s}\n",
        _rand("", HEX, 128),
        _x("", 128, "0"),
        PLACEHOLDER,
    ),
    "rails-master-key": Spec(
        "config/master.key", "{s}\n", _rand("", HEX, 32), _x("", 32, "0"), PLACEHOLDER
    ),
    "laravel-app-key": Spec(
        ".env",
        "APP_NAME=Acme\nAPP_KEY=base64:{s}\n",
        lambda rng: b64(rng.randbytes(32)),
        lambda rng: "A" * 43 + "=",
        PLACEHOLDER,
    ),
    "netrc-password": Spec(
        ".netrc",
        "machine git.acme.dev\n  login ci\n  password {s}\n",
        _PW,
        lambda rng: "${NETRC_PASSWORD}",
        "reference",
    ),
    "pgpass-password": Spec(
        ".pgpass",
        "# host:port:database:user:password\ndb.internal:5432:app:app:{s}\n",
        _URL_PW,
        lambda rng: "*",
        "placeholder",
        fake_template="db.internal:5432:app:app:{s}\n",
    ),
    "command-line-password": Spec(
        "scripts/restore.sh",
        "#!/bin/sh\nmysql -u root -p{s} app < dump.sql\n",
        _URL_PW,
        lambda rng: "$MYSQL_ROOT_PASSWORD",
        "reference",
    ),
    "curl-user-password": Spec(
        "scripts/backup.sh",
        "#!/bin/sh\ncurl -fsS -u backup:{s} https://files.acme.dev/upload\n",
        _URL_PW,
        lambda rng: "$BACKUP_PASSWORD",
        "reference",
    ),
    "basic-auth-header": Spec(
        ".github/workflows/smoke.yml",
        "      - run: curl -H 'Authorization: Basic {s}' https://staging.acme.dev/\n",
        _basic("smoke", _URL_PW),
        _basic("user", lambda rng: "password"),
        "word",
        _after_colon,
    ),
    "connection-url-password": Spec(
        "config/database.yml",
        "production:\n  url: postgres://app:{s}@db.internal:5432/app\n",
        _URL_PW,
        lambda rng: "sunshine99",
        "word",
    ),
    "kubernetes-secret": Spec(
        "k8s/secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ntype: Opaque\ndata:\n"
        "  username: YWRtaW4=\n  password: {s}\n",
        lambda rng: b64(password(rng, ALNUM, 16).encode()),
        lambda rng: "MWYyZDFlMmU2N2Rm",
        "documented example",
        lambda v: base64.b64decode(v).decode(),
    ),
}


def _line(spec: Spec, rule_id: str, text: str, template: str) -> int:
    if rule_id == "putty-private-key":  # reported where the private lines start
        lines = text.split("\n")
        return next(i for i, x in enumerate(lines) if x.startswith("Private-Lines")) + 2
    return template.split("{s}", 1)[0].count("\n") + 1


def catalog_samples(rng: random.Random, tag: str = "") -> tuple[list[Sample], list[Sample]]:
    """A true sample and a look-alike of every detector, as the benchmark's labelled
    samples: (secrets, look-alikes), each in its own folder so files never collide."""
    from launchgate.secretscan.rules import RULES

    public = {r.rule_id for r in RULES if r.public}
    planted, fakes = [], []
    for rule_id, spec in SPECS.items():
        if rule_id not in public:
            file, text, secret = spec.true_case(rng)
            line = _line(spec, rule_id, text, spec.template)
            planted.append(Sample(rule_id, f"kinds{tag}/{rule_id}/{file}", text, line, secret))
        file, text, reason = spec.lookalike_case(rng)
        line = _line(spec, rule_id, text, spec.fake_template or spec.template)
        fakes.append(Sample("", f"fakes{tag}/{rule_id}/{file}", text, line, "", reason))
    return planted, fakes

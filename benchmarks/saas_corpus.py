"""The secret-scan benchmark's corpus: a git repository laid out like a small SaaS (a
Django app, a Rails sidecar, a Laravel site, a Next.js front end, Terraform, Kubernetes
and Helm, CI workflows, ``.netrc``/``.pypirc``/``.npmrc``, a docker ``config.json``,
shell scripts), with labelled secrets and look-alikes.

Where the values come from, and why it matters (issue 19 item 4):

- **Own generators** (``KINDS``, ``_lookalike_makers``): written here from each
  provider's *published* format (prefix, length, alphabet, checksum: GitHub's and npm's
  CRC32 in base62, Grafana's CRC32, PyPI's macaroon, age's bech32, JWT claims), with a
  seeded random. None of it imports or inverts launchgate's detectors
  (``launchgate/secretscan``); the one import from the project is the git helper of the
  tests. Still, the same team wrote both, so a misread format would be shared: this part
  is an upper bound.
- **Independent**: look-alikes copied by hand from public sources (``DOCUMENTED``: AWS,
  Stripe, Kubernetes, jwt.io, Supabase CLI, Google reCAPTCHA, Mapbox, Slack, Sentry,
  Vault, SOPS, the argon2 reference README, Wikipedia's bcrypt example, MDN's SRI
  example, GitHub's docs token), and secrets made by the tools that make them in real
  life (``tool_secrets``: ``ssh-keygen``, ``openssl genpkey``, ``openssl rand``). The
  tool-made values are not reproducible from the seed (their count and placement are).

- **Held out** (``benchmarks/saas_holdout.py``, added by ``build``): written after the
  scanner's fixes for the two parts above, and run once before any change for it.

``build(where, seed)`` returns the repository and its labels; ``benchmarks/
secret_scan.py`` scores every tool on it.
"""

from __future__ import annotations

import base64
import json
import random
import shutil
import string
import subprocess
import tempfile
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.secretscan.gitrepo import Repo

__all__ = ["DOCUMENTED", "KINDS", "Corpus", "Label", "build"]

ALNUM = string.ascii_letters + string.digits
BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "-_"
HEX = "0123456789abcdef"
BASE32 = string.ascii_uppercase + "234567"
UPPER_DIGITS = string.ascii_uppercase + string.digits
LOWER_DIGITS = string.ascii_lowercase + string.digits
SYMBOLS = ALNUM + "!#%&*+-.=?@^_~"
BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
SERVICES = ("web", "billing", "site", "worker")  # one instance of each kind in each
OWN, INDEPENDENT = "own generators", "independent"


@dataclass(frozen=True)
class Label:
    file: str
    line: int  # 1-based, the first line of the value
    last: int  # its last line (a key file spans several; a report on any of them counts)
    kind: str
    part: str  # OWN or INDEPENDENT
    where: str = "tree"  # tree, history, side, tests (in the tree, under tests/)


@dataclass
class Corpus:
    repo: Repo
    secrets: list[Label]
    lookalikes: list[Label]


def r(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


# -- formats, from the providers' published descriptions ---------------------------


def crc_base62(rng: random.Random, prefix: str) -> str:
    """GitHub (2021 format) and npm tokens: prefix, 30 base62, CRC32 of those 30 as 6
    base62 digits, left-padded with zeros."""
    body = r(rng, ALNUM, 30)
    n, out = zlib.crc32(body.encode()), ""
    for _ in range(6):
        n, d = divmod(n, 62)
        out = BASE62[d] + out
    return prefix + body + out


def grafana(rng: random.Random) -> str:
    """Grafana service-account token: glsa_ + 32 alnum + _ + CRC32 (little-endian hex)."""
    head = "glsa_" + r(rng, ALNUM, 32)
    return head + "_" + zlib.crc32(head.encode()).to_bytes(4, "little").hex()


def jwt(rng: random.Random, claims: dict[str, object], alg: str = "HS256") -> str:
    head = b64url(json.dumps({"alg": alg, "typ": "JWT"}, separators=(",", ":")).encode())
    body = b64url(json.dumps(claims, separators=(",", ":")).encode())
    sig = "" if alg == "none" else b64url(rng.randbytes(256 if alg == "RS256" else 32))
    return f"{head}.{body}.{sig}"


def macaroon(rng: random.Random) -> str:
    """PyPI API token: pypi- + base64url of a v2 macaroon (location pypi.org, a JSON
    identifier, one caveat, a 32-byte signature)."""

    def field(tag: int, data: bytes) -> bytes:
        return bytes([tag, len(data)]) + data

    ident = json.dumps({"version": 1, "id": str(uuid.UUID(int=rng.getrandbits(128)))})
    caveat = json.dumps({"version": 1, "permissions": {"projects": ["acme"]}})
    raw = (
        b"\x02"
        + field(1, b"pypi.org")
        + field(2, ident.encode())
        + b"\x00"
        + field(2, caveat.encode())
        + b"\x00\x00"
        + field(6, rng.randbytes(32))
    )
    return "pypi-" + b64url(raw)


def _bech32_polymod(values: list[int]) -> int:
    gen = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    chk = 1
    for v in values:
        top = chk >> 25
        chk = ((chk & 0x1FFFFFF) << 5) ^ v
        for i in range(5):
            chk ^= gen[i] if (top >> i) & 1 else 0
    return chk


def age_secret(rng: random.Random) -> str:
    """age X25519 identity: bech32 (BIP 173) of 32 bytes, HRP age-secret-key-, upper."""
    hrp = "age-secret-key-"
    bits = "".join(f"{b:08b}" for b in rng.randbytes(32))
    bits += "0" * (-len(bits) % 5)
    data = [int(bits[i : i + 5], 2) for i in range(0, len(bits), 5)]
    expand = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    mod = _bech32_polymod(expand + data + [0] * 6) ^ 1
    data += [(mod >> 5 * (5 - i)) & 31 for i in range(6)]
    return (hrp + "1" + "".join(BECH32[d] for d in data)).upper()


def password(rng: random.Random, alphabet: str, n: int) -> str:
    """A generated password with one character of each class of its alphabet."""
    pools = [
        p
        for p in (string.ascii_lowercase, string.ascii_uppercase, string.digits)
        if set(p) & set(alphabet)
    ]
    extra = "".join(sorted(set(alphabet) - set(ALNUM)))
    if extra:
        pools.append(extra)
    chars = [rng.choice(p) for p in pools] + [rng.choice(alphabet) for _ in range(n - len(pools))]
    rng.shuffle(chars)
    return "".join(chars)


def pem_rsa(rng: random.Random) -> str:
    """A PKCS#1 RSA private key of random bytes in PEM armour (no real key: the scan
    judges the armour and the body, not the maths)."""
    body = b64(b"\x30\x82\x02\x5d\x02\x01\x00" + rng.randbytes(600))
    lines = "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
    return f"-----BEGIN RSA PRIVATE KEY-----\n{lines}\n-----END RSA PRIVATE KEY-----"


def openssh_key(rng: random.Random) -> str:
    raw = b"openssh-key-v1\x00" + b"\x00\x00\x00\x04none" * 2 + rng.randbytes(360)
    body = b64(raw)
    lines = "\n".join(body[i : i + 70] for i in range(0, len(body), 70))
    return f"-----BEGIN OPENSSH PRIVATE KEY-----\n{lines}\n-----END OPENSSH PRIVATE KEY-----"


def putty(rng: random.Random) -> str:
    priv = "\n".join(b64(rng.randbytes(48)) for _ in range(2))
    return (
        "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: deploy@acme\n"
        f"Public-Lines: 2\n{b64(rng.randbytes(48))}\n{b64(rng.randbytes(3))}\n"
        f"Private-Lines: 2\n{priv}\nPrivate-MAC: {r(rng, HEX, 64)}"
    )


def gcp_json(rng: random.Random) -> str:
    key = pem_rsa(rng).replace("RSA PRIVATE", "PRIVATE").replace("\n", "\\n")
    return json.dumps(
        {
            "type": "service_account",
            "project_id": "acme-prod",
            "private_key_id": r(rng, HEX, 40),
            "private_key": key + "\\n",
            "client_email": "deploy@acme-prod.iam.gserviceaccount.com",
        },
        indent=2,
    ).replace("\\\\n", "\\n")


# -- the kinds: (kind, path template, file template, value maker) -------------------
# {svc} is the service of the instance, {s} the value; the labelled lines are the ones
# holding {s}.

Make = Callable[[random.Random], str]


@dataclass(frozen=True)
class Kind:
    kind: str
    path: str
    template: str
    make: Make


def _k(kind: str, path: str, template: str, make: Make) -> Kind:
    return Kind(kind, path, template, make)


def _t(prefix: str, alphabet: str, n: int, suffix: str = "") -> Make:
    return lambda rng: prefix + r(rng, alphabet, n) + suffix


def _uuid4(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _pw(alphabet: str, lo: int = 10, hi: int = 20) -> Make:
    return lambda rng: password(rng, alphabet, rng.randint(lo, hi))


_URLPW = ALNUM + "-_.~"
_ENV = "APP_ENV=production\nLOG_LEVEL=info\n"

KINDS: tuple[Kind, ...] = (
    # hosting and cloud
    _k(
        "AWS access key ID",
        "infra/{svc}/aws.tf",
        'provider "aws" {{\n  region     = "eu-west-1"\n  access_key = "{s}"\n}}\n',
        _t("AKIA", BASE32, 16),
    ),
    _k(
        "AWS secret access key",
        "{svc}/.aws/credentials",
        "[default]\nregion = eu-west-1\naws_secret_access_key = {s}\n",
        _t("", B64, 40),
    ),
    _k("GCP service-account JSON", "infra/{svc}/gcp-sa.json", "{s}\n", gcp_json),
    _k(
        "Azure storage account key",
        "{svc}/config/azure.env",
        "AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=https;AccountName=acme{svc};"
        "AccountKey={s};EndpointSuffix=core.windows.net\n",
        lambda rng: b64(rng.randbytes(64)),
    ),
    _k(
        "Azure AD client secret",
        "infra/{svc}/azure.tfvars",
        'tenant_id     = "{svc_uuid}"\nclient_secret = "{s}"\n',
        lambda rng: r(rng, ALNUM, 3) + str(rng.randrange(10)) + "Q~" + r(rng, ALNUM + "_~.-", 34),
    ),
    _k(
        "Heroku API key (.netrc)",
        "{svc}/heroku/.netrc",
        "machine api.heroku.com\n  login ops@acme.io\n  password {s}\n",
        _uuid4,
    ),
    _k(
        "Fly.io token",
        ".github/workflows/fly-{svc}.yml",
        "name: fly\non: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    env:\n"
        "      FLY_API_TOKEN: FlyV1 {s}\n    steps:\n      - run: flyctl deploy\n",
        _t("fm2_", URLSAFE, 160),
    ),
    _k("Vercel token", "{svc}/vercel/.env", _ENV + "VERCEL_TOKEN={s}\n", _t("", ALNUM, 24)),
    _k("Netlify token", "{svc}/netlify/.env", "NETLIFY_AUTH_TOKEN={s}\n", _t("nfp_", ALNUM, 36)),
    _k("DigitalOcean token", "infra/{svc}/do.tfvars", 'do_token = "{s}"\n', _t("dop_v1_", HEX, 64)),
    _k(
        "Cloudflare API token",
        "infra/{svc}/cloudflare.tfvars",
        'cloudflare_zone = "acme.io"\ncloudflare_api_token = "{s}"\n',
        _t("", URLSAFE, 40),
    ),
    _k("Render API key", "{svc}/render/.env", "RENDER_API_KEY={s}\n", _t("rnd_", ALNUM, 32)),
    # code and packages
    _k(
        "GitHub classic token",
        "scripts/{svc}-release.sh",
        "#!/usr/bin/env bash\nset -euo pipefail\nexport GITHUB_TOKEN={s}\ngh release create\n",
        lambda rng: crc_base62(rng, "ghp_"),
    ),
    _k(
        "GitHub fine-grained token",
        "{svc}/.github-token.env",
        "GH_PAT={s}\n",
        lambda rng: "github_pat_11" + r(rng, UPPER_DIGITS, 20) + "_" + r(rng, ALNUM, 59),
    ),
    _k(
        "GitHub app token",
        "{svc}/ci/app-token.py",
        'INSTALLATION_TOKEN = "{s}"\n',
        lambda rng: crc_base62(rng, "ghs_"),
    ),
    _k(
        "GitLab token",
        ".gitlab/{svc}-ci.yml",
        "variables:\n  GITLAB_TOKEN: {s}\n",
        _t("glpat-", URLSAFE, 20),
    ),
    _k(
        "npm token",
        "{svc}/npm/.npmrc",
        "//registry.npmjs.org/:_authToken={s}\n",
        lambda rng: crc_base62(rng, "npm_"),
    ),
    _k(
        ".npmrc _auth (private registry)",
        "{svc}/.npmrc",
        "registry=https://npm.acme.io/\n//npm.acme.io/:_auth={s}\nalways-auth=true\n",
        lambda rng: b64(f"ci:{password(rng, _URLPW, 18)}".encode()),
    ),
    _k(
        "PyPI token (.pypirc)",
        "{svc}/pypi/.pypirc",
        "[distutils]\nindex-servers = pypi\n\n[pypi]\nusername = __token__\npassword = {s}\n",
        macaroon,
    ),
    _k(
        ".pypirc password (private index)",
        "{svc}/.pypirc",
        "[acme]\nrepository = https://pypi.acme.io/\nusername = deploy\npassword = {s}\n",
        _pw(SYMBOLS.replace("%", ""), 14, 20),
    ),
    _k(
        "Docker Hub PAT",
        ".github/workflows/image-{svc}.yml",
        "jobs:\n  push:\n    steps:\n      - run: echo {s} | docker login -u acme "
        "--password-stdin\n",
        _t("dckr_pat_", URLSAFE, 27),
    ),
    _k(
        "docker config.json auths",
        "{svc}/.docker/config.json",
        '{{\n  "auths": {{\n    "registry.acme.io": {{\n      "auth": "{s}"\n    }}\n  }}\n}}\n',
        lambda rng: b64(f"deploy:{password(rng, _URLPW, 20)}".encode()),
    ),
    _k(
        "Terraform Cloud token",
        "infra/{svc}/.terraformrc",
        'credentials "app.terraform.io" {{\n  token = "{s}"\n}}\n',
        lambda rng: r(rng, ALNUM, 14) + ".atlasv1." + r(rng, ALNUM, 67),
    ),
    _k(
        "Vault token",
        "{svc}/vault/.env",
        "VAULT_ADDR=https://vault.acme.io\nVAULT_TOKEN={s}\n",
        _t("hvs.", URLSAFE, 91),
    ),
    # data and auth
    _k(
        "Supabase service-role JWT",
        "{svc}/supabase/.env",
        "SUPABASE_URL=https://abc.supabase.co\nSUPABASE_SERVICE_ROLE_KEY={s}\n",
        lambda rng: jwt(
            rng,
            {
                "iss": "supabase",
                "ref": r(rng, string.ascii_lowercase, 20),
                "role": "service_role",
                "iat": 1700000000,
                "exp": 2015576000,
            },
        ),
    ),
    _k(
        "Supabase access token",
        "scripts/{svc}-supabase.sh",
        "#!/bin/sh\nexport SUPABASE_ACCESS_TOKEN={s}\nsupabase db push\n",
        _t("sbp_", HEX, 40),
    ),
    _k(
        "MongoDB Atlas URI",
        "{svc}/mongo/.env",
        "MONGODB_URI=mongodb+srv://app:{s}@cluster0.x1y2z.mongodb.net/app?retryWrites=true\n",
        _pw(_URLPW, 14, 20),
    ),
    _k(
        "Postgres URL password",
        "{svc}/config/database.yml",
        "production:\n  adapter: postgresql\n  url: postgres://app:{s}@db.internal:5432/app\n",
        _pw(_URLPW, 12, 20),
    ),
    _k(
        "Auth0 client secret",
        "{svc}/auth0/.env",
        "AUTH0_DOMAIN=acme.eu.auth0.com\nAUTH0_CLIENT_SECRET={s}\n",
        _t("", URLSAFE, 64),
    ),
    _k(
        "Clerk secret key",
        "{svc}/clerk/.env.local",
        "CLERK_SECRET_KEY={s}\n",
        _t("sk_live_", ALNUM, 46),
    ),
    _k(
        "Okta API token",
        "scripts/{svc}-okta.sh",
        'curl -s -H "Authorization: SSWS {s}" https://acme.okta.com/api/v1/users\n',
        _t("00", URLSAFE, 40),
    ),
    _k(
        "Firebase FCM server key",
        "{svc}/functions/push.js",
        'const FCM_SERVER_KEY = "{s}";\n',
        lambda rng: "AAAA" + r(rng, URLSAFE, 7) + ":APA91b" + r(rng, URLSAFE, 134),
    ),
    _k(
        "PlanetScale password",
        "{svc}/planetscale/.env",
        "DATABASE_PASSWORD={s}\n",
        _t("pscale_pw_", URLSAFE, 43),
    ),
    # payments
    _k(
        "Stripe secret key",
        "{svc}/payments/stripe.py",
        'import stripe\n\nstripe.api_key = "{s}"\n',
        _t("sk_live_51", ALNUM, 97),
    ),
    _k(
        "Stripe restricted key",
        "{svc}/payments/.env",
        "STRIPE_RESTRICTED_KEY={s}\n",
        _t("rk_live_51", ALNUM, 97),
    ),
    _k(
        "Stripe webhook secret",
        "{svc}/payments/webhooks.rb",
        'ENDPOINT_SECRET = "{s}"\n',
        _t("whsec_", ALNUM, 32),
    ),
    _k(
        "Square access token",
        "{svc}/square/.env",
        "SQUARE_ACCESS_TOKEN={s}\n",
        _t("EAAA", URLSAFE, 60),
    ),
    _k(
        "Square OAuth secret",
        "{svc}/square/oauth.env",
        "SQUARE_APPLICATION_SECRET={s}\n",
        _t("sq0csp-", URLSAFE, 43),
    ),
    _k(
        "Braintree access token",
        "{svc}/config/braintree.yml",
        "production:\n  access_token: {s}\n",
        lambda rng: f"access_token$production${r(rng, LOWER_DIGITS, 16)}${r(rng, HEX, 32)}",
    ),
    _k(
        "PayPal client secret",
        "{svc}/paypal/.env",
        "PAYPAL_MODE=live\nPAYPAL_CLIENT_SECRET={s}\n",
        _t("E", URLSAFE, 79),
    ),
    _k(
        "Shopify admin token",
        "{svc}/shopify/.env",
        "SHOPIFY_ADMIN_TOKEN={s}\n",
        _t("shpat_", HEX, 32),
    ),
    _k(
        "Paddle API key",
        "{svc}/paddle/.env",
        "PADDLE_API_KEY={s}\n",
        lambda rng: (
            f"pdl_live_apikey_{r(rng, LOWER_DIGITS, 26)}_{r(rng, ALNUM, 22)}_{r(rng, ALNUM, 3)}"
        ),
    ),
    _k(
        "Lemon Squeezy API key",
        "{svc}/lemonsqueezy/.env",
        "LEMONSQUEEZY_API_KEY={s}\n",
        lambda rng: jwt(
            rng, {"aud": "94d59cef", "jti": r(rng, HEX, 80), "sub": "1234", "scopes": []}, "RS256"
        ),
    ),
    # mail and messaging
    _k(
        "SendGrid API key",
        "{svc}/mail/settings.py",
        'SENDGRID_API_KEY = "{s}"\n',
        lambda rng: "SG." + r(rng, URLSAFE, 22) + "." + r(rng, URLSAFE, 43),
    ),
    _k(
        "Mailgun API key", "{svc}/mail/mailgun.rb", 'Mailgun.api_key = "{s}"\n', _t("key-", HEX, 32)
    ),
    _k("Postmark server token", "{svc}/mail/.env", "POSTMARK_SERVER_TOKEN={s}\n", _uuid4),
    _k(
        "Mailchimp API key",
        "{svc}/mail/mailchimp.env",
        "MAILCHIMP_API_KEY={s}\n",
        lambda rng: r(rng, HEX, 32) + f"-us{rng.randint(1, 21)}",
    ),
    _k(
        "Twilio auth token",
        "{svc}/sms/.env",
        "TWILIO_ACCOUNT_SID=AC{svc_hex}\nTWILIO_AUTH_TOKEN={s}\n",
        _t("", HEX, 32),
    ),
    _k(
        "Slack bot token",
        "{svc}/notify/slack.py",
        'SLACK_BOT_TOKEN = "{s}"\n',
        lambda rng: (
            f"xoxb-{rng.randrange(10**11, 10**12)}-{rng.randrange(10**12, 10**13)}-"
            + r(rng, ALNUM, 24)
        ),
    ),
    _k(
        "Slack webhook URL",
        "ops/{svc}/alertmanager.yml",
        "receivers:\n  - name: slack\n    slack_configs:\n      - api_url: {s}\n",
        lambda rng: (
            f"https://hooks.slack.com/services/T{r(rng, UPPER_DIGITS, 10)}/"
            f"B{r(rng, UPPER_DIGITS, 10)}/{r(rng, ALNUM, 24)}"
        ),
    ),
    _k(
        "Discord bot token",
        "{svc}/bot/.env",
        "DISCORD_BOT_TOKEN={s}\n",
        lambda rng: (
            b64url(str(rng.randrange(10**17, 10**18)).encode())
            + "."
            + r(rng, URLSAFE, 6)
            + "."
            + r(rng, URLSAFE, 38)
        ),
    ),
    _k(
        "Discord webhook URL",
        "scripts/{svc}-notify.sh",
        "#!/bin/sh\ncurl -H 'Content-Type: application/json' -d '{{}}' {s}\n",
        lambda rng: (
            f"https://discord.com/api/webhooks/{rng.randrange(10**17, 10**18)}/"
            + r(rng, URLSAFE, 68)
        ),
    ),
    _k(
        "Telegram bot token",
        "{svc}/bot/telegram.env",
        "TELEGRAM_BOT_TOKEN={s}\n",
        lambda rng: f"{rng.randrange(10**9, 10**10)}:AA{r(rng, URLSAFE, 33)}",
    ),
    # monitoring
    _k(
        "Sentry auth token",
        "{svc}/.sentryclirc",
        "[defaults]\norg=acme\n\n[auth]\ntoken={s}\n",
        _t("sntryu_", HEX, 64),
    ),
    _k(
        "Datadog API key",
        "k8s/{svc}/datadog-values.yaml",
        "datadog:\n  site: datadoghq.eu\n  apiKey: {s}\n",
        _t("", HEX, 32),
    ),
    _k("Datadog application key", "{svc}/datadog/.env", "DD_APP_KEY={s}\n", _t("", HEX, 40)),
    _k(
        "New Relic license key",
        "{svc}/newrelic.yml",
        "common: &default_settings\n  license_key: {s}\n  app_name: acme\n",
        lambda rng: r(rng, HEX, 36) + "NRAL",
    ),
    _k(
        "New Relic user API key",
        "{svc}/newrelic/.env",
        "NEW_RELIC_API_KEY={s}\n",
        _t("NRAK-", UPPER_DIGITS, 27),
    ),
    _k("Grafana service-account token", "{svc}/grafana/.env", "GRAFANA_TOKEN={s}\n", grafana),
    # AI
    _k(
        "OpenAI API key",
        "{svc}/ai/client.py",
        'client = OpenAI(api_key="{s}")\n',
        lambda rng: "sk-proj-" + r(rng, URLSAFE, 74) + "T3BlbkFJ" + r(rng, URLSAFE, 74),
    ),
    _k(
        "Anthropic API key",
        "{svc}/ai/claude.ts",
        'const anthropic = new Anthropic({{ apiKey: "{s}" }});\n',
        lambda rng: "sk-ant-api03-" + r(rng, URLSAFE, 93) + "AA",
    ),
    _k(
        "Hugging Face token", "{svc}/ai/.env", "HF_TOKEN={s}\n", _t("hf_", string.ascii_letters, 34)
    ),
    _k(
        "Replicate token",
        "{svc}/ai/replicate.env",
        "REPLICATE_API_TOKEN={s}\n",
        _t("r8_", ALNUM, 37),
    ),
    # maps and APIs
    _k(
        "Mapbox secret token",
        "{svc}/mapbox/.env",
        "MAPBOX_DOWNLOADS_TOKEN={s}\n",
        lambda rng: (
            "sk."
            + b64url(
                json.dumps(
                    {"u": "acme", "a": r(rng, LOWER_DIGITS, 25)}, separators=(",", ":")
                ).encode()
            )
            + "."
            + r(rng, URLSAFE, 22)
        ),
    ),
    _k(
        "Google API key (server)",
        "{svc}/geo/settings.py",
        'GOOGLE_MAPS_SERVER_KEY = "{s}"\n',
        _t("AIza", URLSAFE, 35),
    ),
    _k(
        "Postman API key",
        "{svc}/postman/.env",
        "POSTMAN_API_KEY={s}\n",
        lambda rng: f"PMAK-{r(rng, HEX, 24)}-{r(rng, HEX, 34)}",
    ),
    _k("Linear API key", "{svc}/linear/.env", "LINEAR_API_KEY={s}\n", _t("lin_api_", ALNUM, 40)),
    _k(
        "Algolia admin key",
        "{svc}/search/.env",
        "ALGOLIA_APP_ID=ABC123XYZ9\nALGOLIA_ADMIN_KEY={s}\n",
        _t("", HEX, 32),
    ),
    # private keys
    _k("RSA private key (PEM)", "{svc}/certs/server.key", "{s}\n", pem_rsa),
    _k("OpenSSH private key", "{svc}/deploy/id_ed25519", "{s}\n", openssh_key),
    _k(
        "age secret key",
        "{svc}/secrets/age.key",
        "# created: 2026-01-05T10:00:00Z\n# public key: age1{svc_id}\n{s}\n",
        age_secret,
    ),
    _k("PuTTY private key", "{svc}/deploy/ci.ppk", "{s}\n", putty),
    # frameworks and infrastructure files
    _k(
        "Django SECRET_KEY",
        "{svc}/acme/settings.py",
        'from pathlib import Path\n\nDEBUG = False\nSECRET_KEY = "{s}"\n',
        lambda rng: r(rng, string.ascii_lowercase + string.digits + "!@#$%^&*(-_=+)", 50),
    ),
    _k(
        "Django SECRET_KEY (django-insecure-)",
        "{svc}/project/settings.py",
        "SECRET_KEY = '{s}'\n",
        lambda rng: (
            "django-insecure-"
            + r(rng, string.ascii_lowercase + string.digits + "!@#%^&*(-_=+)", 50)
        ),
    ),
    _k(
        "Rails secret_key_base",
        "{svc}/config/secrets.yml",
        "production:\n  secret_key_base: {s}\n",
        _t("", HEX, 128),
    ),
    _k("Rails master.key", "{svc}/config/master.key", "{s}\n", _t("", HEX, 32)),
    _k(
        "Laravel APP_KEY",
        "{svc}/laravel/.env",
        "APP_NAME=Acme\nAPP_ENV=production\nAPP_KEY=base64:{s}\nAPP_DEBUG=false\n",
        lambda rng: b64(rng.randbytes(32)),
    ),
    _k(
        ".netrc password",
        "{svc}/.netrc",
        "machine git.acme.io\nlogin ci\npassword {s}\n",
        _pw(ALNUM + "!#%*+-=?@^_", 12, 20),
    ),
    _k(
        "curl -u in a script",
        "scripts/{svc}-backup.sh",
        "#!/bin/sh\nset -e\ncurl -fsS -u backup:{s} -T dump.sql https://files.acme.io/\n",
        _pw(_URLPW, 12, 20),
    ),
    _k(
        "Authorization: Basic in CI",
        ".github/workflows/smoke-{svc}.yml",
        "jobs:\n  smoke:\n    steps:\n      - run: >-\n          curl -H 'Authorization: Basic {s}'"
        " https://staging.acme.io/health\n",
        lambda rng: b64(f"smoke:{password(rng, _URLPW, 16)}".encode()),
    ),
    _k(
        "Kubernetes Secret data (base64)",
        "k8s/{svc}/secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {svc}-db\ntype: Opaque\ndata:\n"
        "  username: YXBw\n  password: {s}\n",
        lambda rng: b64(password(rng, ALNUM, rng.randint(14, 20)).encode()),
    ),
    _k(
        "Kubernetes Secret stringData",
        "k8s/{svc}/api-secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {svc}-api\nstringData:\n"
        "  API_SIGNING_KEY: {s}\n",
        _t("", URLSAFE, 40),
    ),
    _k(
        "Helm values password",
        "helm/{svc}/values-prod.yaml",
        "replicaCount: 2\npostgresql:\n  auth:\n    username: app\n    password: {s}\n",
        _pw(LOWER_DIGITS, 12, 18),
    ),
    _k(
        "Terraform .tfvars password",
        "infra/{svc}/prod.tfvars",
        'db_instance_class = "db.t3.micro"\ndb_password = "{s}"\n',
        _pw(SYMBOLS, 14, 20),
    ),
    _k(
        "compose POSTGRES_PASSWORD",
        "{svc}/docker-compose.yml",
        "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_USER: app\n"
        "      POSTGRES_PASSWORD: {s}\n",
        _pw(LOWER_DIGITS, 10, 16),
    ),
    _k(
        ".env DB_PASSWORD",
        "{svc}/.env",
        "DB_HOST=db.internal\nDB_USER=app\nDB_PASSWORD={s}\n",
        _pw(ALNUM, 10, 20),
    ),
    _k(
        "password in code",
        "{svc}/app/db.py",
        'DATABASES = {{\n    "default": {{\n        "USER": "app",\n        "PASSWORD": "{s}",\n'
        "    }}\n}}\n",
        _pw(SYMBOLS.replace('"', ""), 12, 20),
    ),
    # formats of the same providers that the first list does not use
    _k(
        "Rails per-environment credentials key",
        "{svc}/config/credentials/production.key",
        "{s}\n",
        _t("", HEX, 32),
    ),
    _k(
        "Heroku API key (HRKU-)",
        "scripts/{svc}-heroku.sh",
        "#!/bin/sh\nexport HEROKU_API_KEY=HRKU-{s}\nheroku releases\n",
        _t("AA", URLSAFE, 58),
    ),
    _k(
        "AWS session credentials",
        "{svc}/.aws/session",
        "[ci]\naws_access_key_id = {s}\n",
        lambda rng: f"ASIA{r(rng, BASE32, 16)}\naws_secret_access_key = {r(rng, B64, 40)}",
    ),
    _k(
        "GitHub OAuth token",
        "{svc}/.config/gh/hosts.yml",
        "github.com:\n    user: acme-bot\n    oauth_token: {s}\n    git_protocol: https\n",
        lambda rng: crc_base62(rng, "gho_"),
    ),
    _k(
        "Slack user token",
        "{svc}/notify/.env",
        "SLACK_USER_TOKEN={s}\n",
        lambda rng: (
            f"xoxp-{rng.randrange(10**11, 10**12)}-{rng.randrange(10**11, 10**12)}-"
            f"{rng.randrange(10**12, 10**13)}-{r(rng, HEX, 32)}"
        ),
    ),
    _k(
        "Slack app-level token",
        "{svc}/notify/socket.env",
        "SLACK_APP_TOKEN={s}\n",
        lambda rng: (
            f"xapp-1-A{r(rng, UPPER_DIGITS, 10)}-{rng.randrange(10**12, 10**13)}-{r(rng, HEX, 64)}"
        ),
    ),
    _k(
        "OpenAI legacy key",
        "{svc}/ai/legacy.py",
        'openai.api_key = "{s}"\n',
        lambda rng: "sk-" + r(rng, ALNUM, 20) + "T3BlbkFJ" + r(rng, ALNUM, 20),
    ),
    _k(
        "OpenAI service-account key",
        "{svc}/ai/svc.env",
        "OPENAI_API_KEY={s}\n",
        lambda rng: "sk-svcacct-" + r(rng, URLSAFE, 74) + "T3BlbkFJ" + r(rng, URLSAFE, 74),
    ),
    _k(
        "Anthropic admin key",
        "scripts/{svc}-usage.sh",
        '#!/bin/sh\ncurl -H "x-api-key: {s}" https://api.anthropic.com/v1/organizations/usage\n',
        lambda rng: "sk-ant-admin01-" + r(rng, URLSAFE, 93) + "AA",
    ),
    _k(
        "Google OAuth client secret",
        "{svc}/auth/google.json",
        '{{"web": {{"client_id": "1234-abc.apps.googleusercontent.com", '
        '"client_secret": "{s}"}}}}\n',
        _t("GOCSPX-", URLSAFE, 28),
    ),
    _k(
        "Sentry org auth token",
        "{svc}/sentry/.env",
        "SENTRY_AUTH_TOKEN={s}\n",
        lambda rng: (
            "sntrys_"
            + b64(
                json.dumps(
                    {
                        "iat": 1700000000.5,
                        "url": "https://sentry.io",
                        "region_url": "https://de.sentry.io",
                        "org": "acme",
                    }
                ).encode()
            ).rstrip("=")
            + "_"
            + r(rng, B64, 43)
        ),
    ),
    _k(
        "Mailgun API key (2023 format)",
        "{svc}/mail/mailgun.env",
        "MAILGUN_API_KEY={s}\n",
        lambda rng: f"{r(rng, HEX, 32)}-{r(rng, HEX, 8)}-{r(rng, HEX, 8)}",
    ),
    _k(
        "Cloudflare global API key",
        "{svc}/cloudflare/.env",
        "CLOUDFLARE_EMAIL=ops@acme.io\nCLOUDFLARE_API_KEY={s}\n",
        _t("", HEX, 37),
    ),
    _k(
        "Twilio API key secret",
        "{svc}/sms/api.env",
        "TWILIO_API_KEY=SK{svc_hex}\nTWILIO_API_SECRET={s}\n",
        _t("", ALNUM, 32),
    ),
    _k(
        "Doppler service token",
        ".github/workflows/doppler-{svc}.yml",
        "env:\n  DOPPLER_TOKEN: {s}\n",
        _t("dp.st.prd.", ALNUM, 40),
    ),
    _k(
        "Pulumi access token",
        "infra/{svc}/pulumi.env",
        "PULUMI_ACCESS_TOKEN={s}\n",
        _t("pul-", HEX, 40),
    ),
    _k(
        "Databricks token",
        "{svc}/data/.databrickscfg",
        "[DEFAULT]\nhost = https://adb-123.azuredatabricks.net\ntoken = {s}\n",
        _t("dapi", HEX, 32),
    ),
    _k(
        "GitLab runner token",
        "ops/{svc}/runner-config.toml",
        '[[runners]]\n  url = "https://gitlab.com"\n  token = "{s}"\n',
        _t("glrt-", URLSAFE, 20),
    ),
    _k(
        "Azure DevOps PAT",
        "{svc}/azure-pipelines.env",
        "AZURE_DEVOPS_EXT_PAT={s}\n",
        lambda rng: r(rng, ALNUM, 76) + "AZDO" + r(rng, ALNUM, 4),
    ),
    _k(
        "Shopify shared secret",
        "{svc}/shopify/app.env",
        "SHOPIFY_API_SECRET={s}\n",
        _t("shpss_", HEX, 32),
    ),
)


def _render(kind: Kind, svc: str, value: str, rng: random.Random) -> tuple[str, str, int, int]:
    fill = {
        "svc": svc,
        "s": value,
        "svc_id": r(rng, UPPER_DIGITS, 16),
        "svc_uuid": _uuid4(rng),
        "svc_hex": r(rng, HEX, 32),
    }
    text = kind.template.format(**fill)
    first = kind.template.split("{s}", 1)[0].format(**fill).count("\n") + 1
    return kind.path.format(svc=svc), text, first, first + value.count("\n")


# -- look-alikes -----------------------------------------------------------------


def _lookalike_makers() -> list[tuple[str, str, Callable[[random.Random], str]]]:
    """(kind, path template, text maker): public by design, hashes, encrypted, digests,
    unsigned JWTs, fixtures marked fake. {n} numbers the file; each is one line."""

    def supabase_anon(rng: random.Random) -> str:
        key = jwt(
            rng,
            {
                "iss": "supabase",
                "ref": r(rng, string.ascii_lowercase, 20),
                "role": "anon",
                "iat": 1700000000,
                "exp": 2015576000,
            },
        )
        return f'export const supabase = createClient(SUPABASE_URL, "{key}");'

    def bcrypt(rng: random.Random) -> str:
        return f"  password_digest: $2b$12${r(rng, ALNUM + './', 53)}"

    def argon2(rng: random.Random) -> str:
        return (
            f"  password_hash: $argon2id$v=19$m=65536,t=3,p=4${b64(rng.randbytes(16))[:22]}$"
            f"{b64(rng.randbytes(32))[:43]}"
        )

    def scrypt(rng: random.Random) -> str:
        return f'    "password": "scrypt:32768:8:1${r(rng, ALNUM, 16)}${r(rng, HEX, 128)}",'

    def pbkdf2(rng: random.Random) -> str:
        return (
            f'    "password": "pbkdf2_sha256$870000${r(rng, ALNUM, 22)}${b64(rng.randbytes(32))}",'
        )

    def sops(rng: random.Random) -> str:
        return (
            f"    password: ENC[AES256_GCM,data:{b64(rng.randbytes(18))},"
            f"iv:{b64(rng.randbytes(32))},tag:{b64(rng.randbytes(16))},type:str]"
        )

    def vault_transit(rng: random.Random) -> str:
        return f"DB_PASSWORD=vault:v1:{b64(rng.randbytes(40))}"

    def sri(rng: random.Random) -> str:
        return (
            f'<script src="https://cdn.acme.io/app.js" integrity="sha384-'
            f'{b64(rng.randbytes(48))}" crossorigin="anonymous"></script>'
        )

    def digest(rng: random.Random) -> str:
        return f"FROM python:3.12-slim@sha256:{r(rng, HEX, 64)}"

    def alg_none(rng: random.Random) -> str:
        token = jwt(rng, {"sub": str(rng.randrange(10**6)), "role": "admin"}, "none")
        return f'TEST_TOKEN = "{token}"'

    def fake_fixture(rng: random.Random) -> str:
        return f'FAKE_STRIPE_SECRET_KEY = "sk_live_{r(rng, ALNUM, 99)}"  # fake, for tests'

    def dummy_fixture(rng: random.Random) -> str:
        return f'  github_token: "dummy-{r(rng, ALNUM, 36)}"'

    return [
        (
            "Stripe pk_ (public)",
            "frontend/src/stripe-{n}.ts",
            lambda rng: f'const stripe = loadStripe("pk_live_51{r(rng, ALNUM, 97)}");',
        ),
        ("Supabase anon JWT (public)", "frontend/src/supabase-{n}.ts", supabase_anon),
        (
            "Algolia search-only key (public)",
            "frontend/src/search-{n}.js",
            lambda rng: (
                f'const client = algoliasearch("ABC123XYZ9", "{r(rng, HEX, 32)}"); '
                "// search-only key"
            ),
        ),
        (
            "Datadog RUM client token (public)",
            "frontend/src/rum-{n}.js",
            lambda rng: (
                f'datadogRum.init({{ clientToken: "pub{r(rng, HEX, 32)}", site: "datadoghq.eu" }});'
            ),
        ),
        (
            "reCAPTCHA site key (public)",
            "site/resources/views/form-{n}.blade.php",
            lambda rng: f'<div class="g-recaptcha" data-sitekey="6L{r(rng, URLSAFE, 38)}"></div>',
        ),
        (
            "Mapbox pk. token (public)",
            "frontend/src/map-{n}.js",
            lambda rng: (
                'mapboxgl.accessToken = "pk.'
                + b64url(
                    json.dumps(
                        {"u": "acme", "a": r(rng, LOWER_DIGITS, 25)}, separators=(",", ":")
                    ).encode()
                )
                + "."
                + r(rng, URLSAFE, 22)
                + '";'
            ),
        ),
        (
            "Firebase web API key (front-end config)",
            "frontend/src/firebase-{n}.js",
            lambda rng: (
                f'const firebaseConfig = {{ apiKey: "AIza{r(rng, URLSAFE, 35)}", '
                'authDomain: "acme.firebaseapp.com" };'
            ),
        ),
        ("bcrypt hash", "billing/db/seeds/users-{n}.yml", bcrypt),
        ("argon2 hash", "billing/db/seeds/admins-{n}.yml", argon2),
        ("scrypt hash", "web/fixtures/users-scrypt-{n}.json", scrypt),
        ("PBKDF2 hash (Django)", "web/fixtures/users-{n}.json", pbkdf2),
        ("SOPS-encrypted value", "k8s/sops/secrets-{n}.enc.yaml", sops),
        ("Vault transit ciphertext", "worker/vault/encrypted-{n}.env", vault_transit),
        ("SRI hash", "site/resources/views/layout-{n}.blade.php", sri),
        ("image digest", "docker/{n}/Dockerfile", digest),
        ("JWT alg none", "tests/auth/test_tokens_{n}.py", alg_none),
        ("fixture marked fake", "tests/fixtures/stripe_{n}.py", fake_fixture),
        ("fixture marked dummy", "tests/fixtures/ci-{n}.yml", dummy_fixture),
    ]


# Copied by hand from public documentation, READMEs and specifications (independent of
# our generators and rules): (kind, source, file, text; the value is on the last line).
DOCUMENTED: tuple[tuple[str, str, str, str], ...] = (
    (
        "AWS docs example key ID",
        "AWS IAM user guide",
        "docs/aws.md",
        "```ini\n[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE",
    ),
    (
        "AWS docs example secret",
        "AWS IAM user guide",
        "docs/aws-secret.md",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ),
    (
        "AWS docs second example ID",
        "AWS CLI docs",
        "docs/aws-cli.md",
        "export AWS_ACCESS_KEY_ID=AKIAI44QH8DHBEXAMPLE",
    ),
    (
        "AWS docs second example secret",
        "AWS CLI docs",
        "docs/aws-cli-secret.md",
        "export AWS_SECRET_ACCESS_KEY=je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
    ),
    (
        "Stripe docs test secret key",
        "Stripe API reference",
        "web/README.md",
        "stripe.api_key = 'sk_test_4eC39HqLyjWDarjtT1zdp7dc'",
    ),
    (
        "Stripe docs test publishable key",
        "Stripe API reference",
        "frontend/README.md",
        "Stripe('pk_test_TYooMQauvdEDq54NiTphI7jx')",
    ),
    (
        "Stripe docs second test key",
        "Stripe quick start",
        "billing/README.md",
        'Stripe.api_key = "sk_test_BQokikJOvBiI2HlWgH4olfQ2"',
    ),
    (
        "Kubernetes docs Secret data",
        "kubernetes.io, Secrets",
        "docs/k8s/secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: mysecret\ntype: Opaque\ndata:\n"
        "  username: YWRtaW4=\n  password: MWYyZDFlMmU2N2Rm",
    ),
    (
        "Kubernetes docs kubectl literal",
        "kubernetes.io, Managing Secrets using kubectl",
        "docs/k8s/kubectl.md",
        "kubectl create secret generic db-user-pass \\\n    --from-literal=username=admin \\\n"
        "    --from-literal=password='S!B\\*d$zDsb='",
    ),
    (
        "Kubernetes docs stringData",
        "kubernetes.io, Secrets",
        "docs/k8s/stringdata.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: mysecret\ntype: Opaque\nstringData:\n"
        '  config.yaml: |\n    apiUrl: "https://my.api.com/api/v1"\n    username: <user>\n'
        "    password: <password>",
    ),
    (
        "jwt.io example token",
        "jwt.io debugger",
        "docs/auth.md",
        "Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwi"
        "bmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    ),
    (
        "Supabase CLI local anon key",
        "Supabase CLI, supabase start",
        "frontend/.env.development",
        "NEXT_PUBLIC_SUPABASE_ANON_KEY=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFz"
        "ZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9.CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMb"
        "lYTn_I0",
    ),
    (
        "Supabase CLI local service-role key",
        "Supabase CLI, supabase start",
        "supabase/.env.local.example",
        "SUPABASE_SERVICE_ROLE_KEY=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1k"
        "ZW1vIiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImV4cCI6MTk4MzgxMjk5Nn0.EGIM96RAZx35lJzdJsyH-qQwv8Hdp"
        "-fsn3W0YpN81IU",
    ),
    (
        "reCAPTCHA test site key",
        "Google reCAPTCHA FAQ",
        "site/resources/views/test-form.blade.php",
        '<div class="g-recaptcha" data-sitekey="6LeIxAcTAAAAAJcZVRqyHh4xlvJS1ZGUjH7XgZcA"></div>',
    ),
    (
        "reCAPTCHA test secret key",
        "Google reCAPTCHA FAQ",
        "site/.env.testing",
        "RECAPTCHA_SECRET_KEY=6LeIxAcTAAAAAGG-vFI1TnRWxMZNFuojJ4WifJWe",
    ),
    (
        "Mapbox examples token",
        "Mapbox GL JS examples",
        "frontend/src/demo-map.js",
        "mapboxgl.accessToken = 'pk.eyJ1IjoiZXhhbXBsZXMiLCJhIjoiY2p0MG01MXRqMW45cjQzb2R6b2ptc3J4"
        "MSJ9.zA2W0IkI0c6KaAhJfk9bWg';",
    ),
    (
        "Slack SDK docs token",
        "Slack SDK docs",
        "docs/slack.md",
        'SLACK_BOT_TOKEN="xoxb-not-a-real-token-this-will-not-work"',
    ),
    (
        "Slack docs webhook URL",
        "Slack incoming webhooks docs",
        "docs/slack-webhook.md",
        "curl -X POST --data-urlencode 'payload={}' "
        "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
    ),
    (
        "Sentry docs DSN",
        "Sentry docs",
        "frontend/src/sentry.ts",
        'Sentry.init({ dsn: "https://examplePublicKey@o0.ingest.sentry.io/0" });',
    ),
    (
        "Vault transit docs ciphertext",
        "Vault transit secrets engine docs",
        "docs/vault.md",
        '"ciphertext": "vault:v1:8SDd3WHDOjf7mq69CyCqYjBXAiQQAVZRkFM13ok481zoCmHnSeDX9vyf7w=="',
    ),
    (
        "Vault docs dev root token",
        "Vault dev server docs",
        "docs/vault-dev.md",
        "export VAULT_TOKEN=root",
    ),
    (
        "SOPS README encrypted value",
        "getsops/sops README",
        "k8s/sops/README.md",
        "myapp1: ENC[AES256_GCM,data:Tr7o=,iv:1=,aad:No=,tag:k=]",
    ),
    (
        "age README public key",
        "FiloSottile/age README",
        "docs/age.md",
        "age -r age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p secrets.txt",
    ),
    (
        "argon2 reference README hash",
        "P-H-C/phc-winner-argon2 README",
        "docs/passwords.md",
        "$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",
    ),
    (
        "Wikipedia bcrypt example",
        "Wikipedia, bcrypt",
        "docs/bcrypt.md",
        "hash: $2a$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
    ),
    (
        "MDN SRI example",
        "MDN, Subresource Integrity",
        "site/public/index.html",
        '<script src="https://example.com/example-framework.js" integrity="sha384-oqVuAfXRKap7fdgc'
        'CY5uykM6+R9GqQ8K/uxy9rx7HNQlGYl1kPzQho1wx4JwY8wC" crossorigin="anonymous"></script>',
    ),
    (
        "GitHub docs token example",
        "GitHub docs, REST API authentication",
        "docs/github.md",
        'curl -H "Authorization: Bearer ghp_16C7e42F292c6912E7710c838347Ae178B4a" '
        "https://api.github.com/user",
    ),
    (
        "Twilio docs placeholder",
        "Twilio quick start",
        "docs/twilio.md",
        "TWILIO_AUTH_TOKEN=your_auth_token",
    ),
    (
        "Heroku docs netrc",
        "Heroku CLI docs",
        "docs/heroku.md",
        "machine api.heroku.com\n  login me@example.com\n"
        "  password 01234567-89ab-cdef-0123-456789abcdef",
    ),
    (
        "npm docs .npmrc",
        "npm docs, using private packages in CI",
        ".npmrc",
        "//registry.npmjs.org/:_authToken=${NPM_TOKEN}",
    ),
    (
        "Docker docs credential helper",
        "Docker docs, docker login",
        "docs/docker.md",
        '{\n  "credsStore": "desktop",\n  "auths": {\n    "https://index.docker.io/v1/": {}',
    ),
    (
        "compose docs password",
        "Docker Hub postgres image docs",
        "docs/compose.yml",
        "services:\n  db:\n    image: postgres\n    environment:\n      POSTGRES_PASSWORD: example",
    ),
    (
        "Laravel .env.example",
        "laravel/laravel .env.example",
        "site/.env.example",
        "APP_NAME=Laravel\nAPP_ENV=local\nAPP_KEY=",
    ),
    (
        "Django startproject placeholder",
        "Django docs, deployment checklist",
        "docs/django.md",
        "SECRET_KEY = os.environ['SECRET_KEY']",
    ),
    (
        "Rails credentials docs",
        "Rails guides, security",
        "docs/rails.md",
        'secret_key_base: <%= ENV["SECRET_KEY_BASE"] %>',
    ),
    (
        "Terraform docs variable",
        "Terraform docs, sensitive variables",
        "infra/README.md",
        "db_password = var.db_password",
    ),
    (
        "OpenAI docs placeholder",
        "OpenAI quick start",
        "docs/openai.md",
        'export OPENAI_API_KEY="your_api_key_here"',
    ),
    (
        "Hugging Face docs placeholder",
        "Hugging Face hub docs",
        "docs/hf.md",
        "HF_TOKEN=hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    ),
    (
        "Datadog docs placeholder",
        "Datadog agent docs",
        "docs/datadog.md",
        "DD_API_KEY=<DATADOG_API_KEY>",
    ),
    (
        "GitHub Actions secret reference",
        "GitHub Actions docs",
        ".github/workflows/ci.yml",
        "env:\n  STRIPE_SECRET_KEY: ${{ secrets.STRIPE_SECRET_KEY }}",
    ),
    (
        "Helm chart docs existingSecret",
        "Bitnami postgresql chart README",
        "helm/README.md",
        "auth:\n  existingSecret: app-db\n  secretKeys:\n    adminPasswordKey: postgres-password",
    ),
)


def tool_secrets(tmp: Path) -> list[tuple[str, str, str, int, int]]:
    """Secrets made by the tools people make them with: (kind, file, text, first line,
    last line). Fewer when the tools are missing."""
    out: list[tuple[str, str, str, int, int]] = []

    def run(*argv: str) -> str | None:
        if not shutil.which(argv[0]):
            return None
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        return done.stdout if done.returncode == 0 else None

    for typ in ("ed25519", "rsa", "ecdsa"):
        key = tmp / f"id_{typ}"
        if run("ssh-keygen", "-q", "-t", typ, "-N", "", "-C", "deploy", "-f", str(key)) is not None:
            text = key.read_text()
            out.append((f"ssh-keygen -t {typ}", f"ops/keys/id_{typ}", text, 1, text.count("\n")))
    for algo in ("RSA", "EC"):
        args = ["-pkeyopt", "ec_paramgen_curve:P-256"] if algo == "EC" else []
        pem = run("openssl", "genpkey", "-algorithm", algo, *args)
        if pem:
            out.append(
                (f"openssl genpkey {algo}", f"ops/tls/{algo.lower()}.key", pem, 1, pem.count("\n"))
            )
    for n, (name, argv) in enumerate(
        (
            ("openssl rand -base64 18 (.env)", ["openssl", "rand", "-base64", "18"]),
            ("openssl rand -hex 32 (compose)", ["openssl", "rand", "-hex", "32"]),
            ("openssl rand -base64 32 (k8s stringData)", ["openssl", "rand", "-base64", "32"]),
        )
    ):
        for j in range(3):
            value = (run(*argv) or "").strip()
            if not value:
                continue
            if n == 0:
                out.append((name, f"ops/env-{j}/.env", f"REDIS_PASSWORD={value}\n", 1, 1))
            elif n == 1:
                out.append(
                    (
                        name,
                        f"ops/compose-{j}/docker-compose.yml",
                        f"services:\n  api:\n    environment:\n      SESSION_SECRET: {value}\n",
                        4,
                        4,
                    )
                )
            else:
                out.append(
                    (
                        name,
                        f"ops/k8s-{j}/secret.yaml",
                        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: jwt\nstringData:\n"
                        f'  JWT_SECRET: "{value}"\n',
                        6,
                        6,
                    )
                )
    return out


def _skeleton() -> dict[str, str]:
    return {
        "README.md": "# acme\n\nA small SaaS: Django app, Rails billing sidecar, Laravel site.\n",
        "web/manage.py": "import os\nimport sys\n\nos.environ.setdefault('DJANGO_SETTINGS_MODULE',"
        " 'acme.settings')\n",
        "billing/Gemfile": "source 'https://rubygems.org'\ngem 'rails', '~> 7.1'\n",
        "site/composer.json": '{"require": {"laravel/framework": "^11.0"}}\n',
        "frontend/package.json": '{"name": "acme-web", "dependencies": {"next": "14.2.3"}}\n',
        ".github/workflows/test.yml": "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n",
        "infra/main.tf": 'terraform {\n  required_version = ">= 1.6"\n}\n',
    }


def build(where: Path, seed: int) -> Corpus:
    """The repository, deterministically from ``seed`` (except ``tool_secrets``): every
    kind once in each of the four services; a fifth of the secrets only in history
    (committed, then the file deleted), a twelfth only on one of three side branches, a
    few under ``tests/`` (live: nothing marks them fake), the rest in the tree."""
    rng = random.Random(seed)
    repo = Repo(where / "acme")
    repo.commit("skeleton", _skeleton())
    items: list[tuple[Label, str]] = []  # (label, text)
    for k_index, kind in enumerate(KINDS):
        for i, svc in enumerate(SERVICES):
            path, text, line, last = _render(kind, svc, kind.make(rng), rng)
            if i == 3 and k_index % 4 == 0:
                path = "tests/integration/" + path
            items.append((Label(path, line, last, kind.kind, OWN), text))
    with tempfile.TemporaryDirectory() as tmp:
        for kind_name, path, text, line, last in tool_secrets(Path(tmp)):
            items.append((Label(path, line, last, kind_name, INDEPENDENT), text))
    order = list(range(len(items)))
    rng.shuffle(order)
    n_hist, n_side = len(items) // 5, len(items) // 12
    hist = {i for i in order[:n_hist]}
    side = {i for i in order[n_hist : n_hist + n_side]}
    secrets: list[Label] = []
    chunks: list[list[int]] = [order[j::6] for j in range(6)]  # six rounds of commits
    branches = ("feature/payments-v2", "spike/ai-assistant", "hotfix/k8s-secrets")
    for round_no, chunk in enumerate(chunks):
        gone = [i for i in chunk if i in hist]
        if gone:
            repo.commit(f"wip {round_no}", {items[i][0].file: items[i][1] for i in gone})
            for i in gone:
                (repo.root / items[i][0].file).unlink()
            repo.commit(f"remove leaked config {round_no}")
        on_side = [i for i in chunk if i in side]
        if on_side:
            branch = branches[round_no % 3]
            exists = branch in repo.git("branch", "--list", branch)
            repo.git("checkout", "-q", *(() if exists else ("-b",)), branch)
            repo.commit(f"{branch} {round_no}", {items[i][0].file: items[i][1] for i in on_side})
            repo.git("checkout", "-q", "main")
        tree = [i for i in chunk if i not in hist and i not in side]
        repo.commit(f"config {round_no}", {items[i][0].file: items[i][1] for i in tree})
        for i in chunk:
            label = items[i][0]
            where_ = (
                "history"
                if i in hist
                else "side"
                if i in side
                else "tests"
                if label.file.startswith("tests/")
                else "tree"
            )
            secrets.append(
                Label(label.file, label.line, label.last, label.kind, label.part, where_)
            )
    lookalikes: list[Label] = []
    files: dict[str, str] = {}
    for kind_name, path, make in _lookalike_makers():
        for n in range(11):
            text = make(rng)
            p = path.format(n=n)
            files[p] = text + "\n"
            lookalikes.append(Label(p, 1, 1, kind_name, OWN))
    for kind_name, _source, path, text in DOCUMENTED:
        files[path] = text + "\n"
        last = text.count("\n") + 1
        lookalikes.append(Label(path, last, last, kind_name, INDEPENDENT))
    repo.commit("docs, fixtures and front-end config", files)
    from saas_holdout import held_out  # it imports this module's helpers

    with tempfile.TemporaryDirectory() as tmp:
        more, more_fakes = held_out(rng, Path(tmp))
    repo.commit("api, blog and ops", {label.file: text for label, text in more + more_fakes})
    secrets += [label for label, _ in more]
    lookalikes += [label for label, _ in more_fakes]
    paths = [x.file for x in secrets + lookalikes]
    assert len(set(paths)) == len(paths), "two labelled values share a file"
    return Corpus(repo, secrets, lookalikes)

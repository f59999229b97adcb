"""The held-out part of the secret-scan corpus: written after the scanner's fixes for
``benchmarks/saas_corpus.py``, and run once before anything was changed for it (the
figures of that first run are in docs/benchmarks.md).

Secrets in the places real repositories leak them that the main corpus does not use
(a ``.pgpass``, ``.git-credentials``, a JDBC URL's ``password=``, ``wp-config.php``,
Maven's ``settings.xml``, a .NET connection string, an indented PEM in a YAML block, a
PEM with ``\\n`` escapes in a ``.env``, ``mysql -p``, ``sshpass -p``, a Terraform
variable's default on its own line, legacy 24-character Stripe keys); and look-alikes
copied by hand from public documentation (Kubernetes, the Docker Hub mysql and mongo
images, RFC 7519's and RFC 7636's examples, Cloudflare Turnstile's and hCaptcha's test
keys, WordPress's wp-config-sample.php) or made by tools (``openssl passwd``, an
X.509 certificate, an SSH public key), and encrypted-by-design files (Rails
``credentials.yml.enc``, Laravel ``.env.encrypted``, a SealedSecret, Ansible Vault).
"""

from __future__ import annotations

import base64
import json
import random
import shutil
import string
import subprocess
import uuid
from pathlib import Path

from saas_corpus import ALNUM, HEX, URLSAFE, Label, b64, crc_base62, password, pem_rsa, r

__all__ = ["HELD_OUT", "held_out"]

HELD_OUT = "held-out"
_PW = ALNUM + "-_.~"


def _span(text: str, first: str, last: str | None = None) -> tuple[int, int]:
    lines = text.split("\n")
    a = next(i for i, x in enumerate(lines) if first in x) + 1
    b = next(i for i, x in enumerate(lines) if (last or first) in x and i + 1 >= a) + 1
    return a, b


def _tool(*argv: str) -> str | None:
    if not shutil.which(argv[0]):
        return None
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    return done.stdout if done.returncode == 0 else None


def _secrets(rng: random.Random) -> list[tuple[str, str, str, str, str | None]]:
    """(kind, path, text, first marker, last marker)."""

    def pw(n: int = 16) -> str:
        return password(rng, _PW, n)

    out: list[tuple[str, str, str, str, str | None]] = []

    def add(kind: str, path: str, text: str, first: str, last: str | None = None) -> None:
        out.append((kind, path, text, first, last))

    v = "sk_live_" + r(rng, ALNUM, 24)
    add(
        "Stripe secret key (legacy, 24 characters)",
        "web/.env.production",
        f"DEBUG=0\nSTRIPE_SECRET_KEY={v}\n",
        v,
    )
    v = crc_base62(rng, "ghp_")
    add(".git-credentials", "ops/.git-credentials", f"https://acme-bot:{v}@github.com\n", v)
    v = crc_base62(rng, "ghs_")
    add(
        "token in a git remote URL",
        "scripts/publish.sh",
        f"#!/bin/sh\ngit push https://x-access-token:{v}@github.com/acme/app.git main\n",
        v,
    )
    key = pem_rsa(rng).replace("RSA PRIVATE", "PRIVATE")
    indented = "\n".join("    " + x for x in key.split("\n"))
    add(
        "PEM indented in a YAML block",
        "k8s/ingress-tls.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: acme-tls\ntype: kubernetes.io/tls\n"
        f"stringData:\n  tls.crt: |\n    -----BEGIN CERTIFICATE-----\n    MIIB\n"
        f"    -----END CERTIFICATE-----\n  tls.key: |\n{indented}\n",
        "tls.key",  # the key's name line counts: some tools report the value there
        "END PRIVATE KEY",
    )
    key = pem_rsa(rng).replace("RSA PRIVATE", "PRIVATE").replace("\n", "\\n")
    add(
        "PEM with \\n escapes in .env",
        "functions/.env",
        f'FIREBASE_PROJECT_ID=acme-prod\nFIREBASE_PRIVATE_KEY="{key}\\n"\n',
        "BEGIN PRIVATE",
    )
    v = pw()
    add(
        "JDBC URL password= parameter",
        "api/src/main/resources/application-prod.properties",
        f"spring.datasource.url=jdbc:postgresql://db.internal:5432/app?user=app&password={v}\n",
        v,
    )
    v = pw()
    add(
        "Redis URL, empty user",
        "worker/cache/.env",
        f"REDIS_URL=redis://:{v}@cache.internal:6379/0\n",
        v,
    )
    v = pw()
    add(
        "AMQP URL",
        "worker/celeryconfig.py",
        f'broker_url = "amqps://worker:{v}@mq.internal:5671/acme"\n',
        v,
    )
    v = "SG." + r(rng, URLSAFE, 22) + "." + r(rng, URLSAFE, 43)
    add(
        "SMTP URL with a SendGrid key",
        "web/.env.smtp",
        f"EMAIL_URL=smtp://apikey:{v}@smtp.sendgrid.net:587\n",
        v,
    )
    v = pw()
    add(".pgpass", "ops/.pgpass", f"db.internal:5432:app:app:{v}\n", v)
    v = pw(18)
    add(
        "wp-config.php DB_PASSWORD",
        "blog/wp-config.php",
        f"<?php\ndefine( 'DB_NAME', 'wordpress' );\ndefine( 'DB_USER', 'wp' );\n"
        f"define( 'DB_PASSWORD', '{v}' );\n",
        v,
    )
    v = pw()
    add(
        "PHP env() default",
        "site/config/database.php",
        f"<?php\nreturn [\n    'pgsql' => [\n        'password' => env('DB_PASSWORD', '{v}'),\n"
        "    ],\n];\n",
        v,
    )
    v = pw()
    add(
        "Java properties password",
        "api/src/main/resources/application.properties",
        f"spring.datasource.username=app\nspring.datasource.password={v}\n",
        v,
    )
    v = pw()
    add(
        "Maven settings.xml password",
        "api/.mvn/settings.xml",
        f"<settings>\n  <servers>\n    <server>\n      <id>acme-releases</id>\n"
        f"      <username>deploy</username>\n      <password>{v}</password>\n    </server>\n"
        "  </servers>\n</settings>\n",
        v,
    )
    v = pw()
    add(
        ".NET connection string",
        "dotnet/appsettings.Production.json",
        '{\n  "ConnectionStrings": {\n    "Default": "Server=db.internal;Database=app;'
        f'User Id=sa;Password={v};"\n  }}\n}}\n',
        v,
    )
    v = r(rng, HEX, 40)
    add("export in .env", "worker/.envrc", f'export API_SECRET="{v}"\n', v)
    v = pw()
    add(
        "Terraform variable default",
        "infra/variables.tf",
        'variable "db_password" {\n  type      = string\n  sensitive = true\n'
        f'  default   = "{v}"\n}}\n',
        v,
    )
    v = pw()
    add(
        "mysql -p in a script",
        "scripts/restore.sh",
        f"#!/bin/sh\nmysql -u root -p{v} app < dump.sql\n",
        v,
    )
    v = pw()
    add(
        "PGPASSWORD inline",
        "scripts/migrate.sh",
        f"#!/bin/sh\nPGPASSWORD={v} psql -h db.internal -U app -f schema.sql\n",
        v,
    )
    v = pw()
    add(
        "sshpass -p",
        "scripts/rsync.sh",
        f"#!/bin/sh\nsshpass -p '{v}' rsync -a dist/ deploy@web1.acme.io:/srv/\n",
        v,
    )
    v = pw()
    add(
        "docker login -p",
        ".gitlab/release.yml",
        f"release:\n  script:\n    - docker login -u acme -p {v} registry.acme.io\n",
        v,
    )
    v = base64.b64encode(f"admin:{pw()}".encode()).decode()
    add(
        "nginx Authorization Basic",
        "ops/nginx/upstream.conf",
        f'location /api/ {{\n    proxy_set_header Authorization "Basic {v}";\n}}\n',
        v,
    )
    v = r(rng, HEX, 32)
    add(
        "Ruby initializer api_key",
        "billing/config/initializers/geocoder.rb",
        f'Geocoder.configure do |config|\n  config.api_key = "{v}"\nend\n',
        v,
    )
    v = r(rng, URLSAFE, 40)
    add(
        "JSON clientSecret (camelCase)",
        "frontend/server/oauth.json",
        f'{{\n  "clientId": "acme-web",\n  "clientSecret": "{v}"\n}}\n',
        v,
    )
    v = pw()
    add(
        "Helm adminPassword (camelCase)",
        "helm/grafana/values.yaml",
        f"grafana:\n  adminUser: admin\n  adminPassword: {v}\n",
        v,
    )
    v = r(rng, ALNUM, 32)
    add(
        "Java constant API_TOKEN",
        "api/src/main/java/acme/Client.java",
        f'class Client {{\n    private static final String API_TOKEN = "{v}";\n}}\n',
        v,
    )
    v = pw()
    add(
        "Actions step input password",
        ".github/workflows/push.yml",
        "steps:\n  - uses: docker/login-action@v3\n    with:\n      username: acme\n"
        f"      password: {v}\n",
        v,
    )
    v = pw()
    add(
        "Ansible become password",
        "ansible/group_vars/web.yml",
        f"ansible_user: deploy\nansible_become_password: {v}\n",
        v,
    )
    return out


def _lookalikes(rng: random.Random) -> list[tuple[str, str, str, str]]:
    """(kind, path, text, marker of the labelled line)."""
    out: list[tuple[str, str, str, str]] = []

    def add(kind: str, path: str, text: str, marker: str) -> None:
        out.append((kind, path, text, marker))

    add(
        "Kubernetes docs basic-auth Secret",
        "docs/k8s/basic-auth.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: secret-basic-auth\n"
        "type: kubernetes.io/basic-auth\nstringData:\n  username: admin\n  password: t0p-Secret\n",
        "t0p-Secret",
    )
    add(
        "Kubernetes docs prod-db-secret",
        "docs/k8s/pods.md",
        "kubectl create secret generic prod-db-secret --from-literal=username=produser "
        "--from-literal=password=Y4nys7f11\n",
        "Y4nys7f11",
    )
    add(
        "Kubernetes docs test-db-secret",
        "docs/k8s/pods-test.md",
        "kubectl create secret generic test-db-secret --from-literal=username=testuser "
        "--from-literal=password=iluvtests\n",
        "iluvtests",
    )
    add(
        "mysql image docs",
        "docs/mysql.md",
        "docker run --name some-mysql -e MYSQL_ROOT_PASSWORD=my-secret-pw -d mysql:tag\n",
        "my-secret-pw",
    )
    add(
        "mongo image docs",
        "docs/mongo.yml",
        "services:\n  mongo:\n    environment:\n      MONGO_INITDB_ROOT_USERNAME: root\n"
        "      MONGO_INITDB_ROOT_PASSWORD: example\n",
        "ROOT_PASSWORD",
    )
    add(
        "Docker docs auth example",
        "docs/docker-config.json",
        '{\n  "auths": {\n    "https://index.docker.io/v1/": {\n'
        '      "auth": "dXNlcm5hbWU6cGFzc3dvcmQ="\n    }\n  }\n}\n',
        "dXNlcm5hbWU6",
    )
    rfc = (
        "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzOD"
        "AsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_w"
        "W1gFWFOEjXk"
    )
    add("RFC 7519 example JWT", "docs/jwt.md", f"Authorization: Bearer {rfc}\n", "Bearer")
    unsecured = (
        "eyJhbGciOiJub25lIn0.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9"
        "leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ."
    )
    add("RFC 7519 unsecured JWT", "docs/jwt-none.md", f"token = {unsecured}\n", "token")
    add(
        "RFC 7636 PKCE example verifier",
        "docs/oauth.md",
        "code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk\n",
        "code_verifier",
    )
    add(
        "Cloudflare Turnstile test site key",
        "frontend/src/turnstile.tsx",
        '<Turnstile siteKey="1x00000000000000000000AA" />\n',
        "siteKey",
    )
    add(
        "Cloudflare Turnstile test secret",
        "web/.env.test",
        "TURNSTILE_SECRET_KEY=1x0000000000000000000000000000000AA\n",
        "TURNSTILE",
    )
    add(
        "hCaptcha test site key",
        "site/resources/views/hcaptcha.blade.php",
        '<div class="h-captcha" data-sitekey="10000000-ffff-ffff-ffff-000000000001"></div>\n',
        "sitekey",
    )
    add(
        "hCaptcha test secret",
        "site/.env.testing.hcaptcha",
        "HCAPTCHA_SECRET=0x0000000000000000000000000000000000000000\n",
        "HCAPTCHA",
    )
    add(
        "Stripe docs curl -u",
        "docs/stripe.md",
        "curl https://api.stripe.com/v1/charges -u sk_test_4eC39HqLyjWDarjtT1zdp7dc:\n",
        "curl",
    )
    add(
        "WordPress wp-config-sample",
        "blog/wp-config-sample.php",
        "<?php\ndefine( 'AUTH_KEY',         'put your unique phrase here' );\n",
        "AUTH_KEY",
    )
    add(
        "pinned action SHA",
        ".github/workflows/lint.yml",
        "steps:\n  - uses: actions/checkout@b4ffde65f46336ab88eb53be808477a3936bae11 # v4.1.1\n",
        "checkout@",
    )
    for i in range(3):
        add(
            "Azure subscription, tenant and client IDs",
            f"infra/azure-{i}.env",
            f"ARM_SUBSCRIPTION_ID={uuid.UUID(int=rng.getrandbits(128), version=4)}\n"
            f"ARM_TENANT_ID={uuid.UUID(int=rng.getrandbits(128), version=4)}\n",
            "TENANT",
        )
    add(
        "Stripe price ID",
        "billing/config/plans.yml",
        f"pro:\n  stripe_price_id: price_1{r(rng, ALNUM, 23)}\n",
        "price_1",
    )
    add(
        "Google OAuth client ID",
        "web/.env.oauth",
        f"GOOGLE_CLIENT_ID={rng.randrange(10**11, 10**12)}-"
        f"{r(rng, string.ascii_lowercase + string.digits, 32)}.apps.googleusercontent.com\n",
        "GOOGLE",
    )
    add(
        "PostHog project key (public)",
        "frontend/src/posthog.ts",
        f'posthog.init("phc_{r(rng, ALNUM, 43)}", {{ api_host: "https://eu.posthog.com" }});\n',
        "phc_",
    )
    add(
        "Sentry DSN (public)",
        "frontend/src/sentry-prod.ts",
        f'Sentry.init({{ dsn: "https://{r(rng, HEX, 32)}@o4505.ingest.de.sentry.io/45" }});\n',
        "dsn",
    )
    enc = "--".join(b64(rng.randbytes(n)) for n in (120, 12, 16))
    add("Rails credentials.yml.enc", "billing/config/credentials.yml.enc", enc + "\n", "--")
    payload = json.dumps(
        {
            "iv": b64(rng.randbytes(16)),
            "value": b64(rng.randbytes(96)),
            "mac": r(rng, HEX, 64),
            "tag": "",
        }
    )
    add(
        "Laravel .env.encrypted",
        "site/.env.production.encrypted",
        b64(payload.encode()) + "\n",
        "ey",
    )
    add(
        "SealedSecret encryptedData",
        "k8s/sealed/db.yaml",
        "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: db\nspec:\n"
        f"  encryptedData:\n    password: AgB{b64(rng.randbytes(300))}\n",
        "password:",
    )
    vault = "\n".join("      " + r(rng, "0123456789", 80) for _ in range(4))
    add(
        "Ansible Vault inline",
        "ansible/group_vars/db.yml",
        f"db_password: !vault |\n      $ANSIBLE_VAULT;1.1;AES256\n{vault}\n",
        "db_password",
    )
    add(
        "GitHub Actions secret reference",
        ".github/workflows/login.yml",
        "      - uses: docker/login-action@v3\n        with:\n"
        "          password: ${{ secrets.DOCKERHUB_TOKEN }}\n",
        "password",
    )
    add(
        "Helm template reference",
        "helm/acme/templates/secret.yaml",
        "data:\n  password: {{ .Values.db.password | b64enc | quote }}\n",
        "password",
    )
    add(
        "Terraform resource reference",
        "infra/rds.tf",
        'resource "aws_db_instance" "app" {\n  password = random_password.db.result\n}\n',
        "password",
    )
    add(
        "Spring placeholder",
        "api/src/main/resources/application-staging.properties",
        "spring.datasource.password=${DB_PASSWORD}\n",
        "password",
    )
    add(
        "External Secrets remoteRef",
        "k8s/external/db.yaml",
        "spec:\n  data:\n    - secretKey: password\n      remoteRef:\n        key: prod/db\n"
        "        property: password\n",
        "property",
    )
    add(
        "Secrets Manager ARN",
        "infra/ecs.tf",
        '  secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf"\n',
        "arn:",
    )
    add(".env.example with dots", "web/.env.example", "STRIPE_SECRET_KEY=sk_live_...\n", "sk_")
    add(
        "git LFS pointer",
        "assets/logo.psd",
        f"version https://git-lfs.github.com/spec/v1\noid sha256:{r(rng, HEX, 64)}\nsize 1048576\n",
        "oid",
    )
    add(
        "Terraform lock hash",
        "infra/.terraform.lock.hcl",
        'provider "registry.terraform.io/hashicorp/aws" {\n  hashes = [\n'
        f'    "h1:{b64(rng.randbytes(32))}",\n    "zh:{r(rng, HEX, 64)}",\n  ]\n}}\n',
        "h1:",
    )
    crypt = _tool("openssl", "passwd", "-apr1", "-salt", r(rng, ALNUM, 8), "hunter2")
    if crypt:
        add("htpasswd apr1 (openssl passwd)", "ops/nginx/.htpasswd", f"admin:{crypt}", "admin")
    crypt = _tool("openssl", "passwd", "-6", "-salt", r(rng, ALNUM, 16), "hunter2")
    if crypt:
        add(
            "cloud-init SHA-512 crypt (openssl passwd)",
            "infra/cloud-init.yaml",
            f"users:\n  - name: deploy\n    passwd: {crypt}",
            "passwd",
        )
    return out


def held_out(
    rng: random.Random, tmp: Path
) -> tuple[list[tuple[Label, str]], list[tuple[Label, str]]]:
    """(secrets, look-alikes) as (label, file text); ``where`` is "tree" for all of
    them (the history is the main corpus's test)."""
    secrets = []
    for kind, path, text, first, last in _secrets(rng):
        a, b = _span(text, first, last)
        secrets.append((Label(path, a, b, kind, HELD_OUT), text))
    fakes = []
    for kind, path, text, marker in _lookalikes(rng):
        a, _ = _span(text, marker)
        fakes.append((Label(path, a, a, kind, HELD_OUT), text))
    cert = tmp / "cert.pem"
    made = _tool(
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        str(tmp / "k.pem"),
        "-out",
        str(cert),
        "-subj",
        "/CN=acme.io",
        "-days",
        "365",
    )
    if made is not None and cert.exists():
        pem = cert.read_text()
        fakes.append(
            (
                Label(
                    "ops/tls/acme.crt", 1, pem.count("\n"), "X.509 certificate (openssl)", HELD_OUT
                ),
                pem,
            )
        )
        bundle = base64.b64encode(pem.encode()).decode()
        text = (
            "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingWebhookConfiguration\n"
            f"webhooks:\n  - name: v.acme.io\n    clientConfig:\n      caBundle: {bundle}\n"
        )
        fakes.append(
            (Label("k8s/webhook.yaml", 6, 6, "caBundle (base64 certificate)", HELD_OUT), text)
        )
    key = tmp / "id_hold"
    if (
        _tool("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "ci@acme", "-f", str(key))
        is not None
    ):
        pub = (tmp / "id_hold.pub").read_text()
        fakes.append(
            (Label("ops/authorized_keys", 1, 1, "SSH public key (ssh-keygen)", HELD_OUT), pub)
        )
    return secrets, fakes

"""Framework and tool files, read for what they are: Django's ``SECRET_KEY``, Rails'
``secret_key_base`` and ``config/master.key``, Laravel's ``APP_KEY``, ``.netrc``,
``.pgpass``, ``curl -u user:password``, ``Authorization: Basic`` and password flags
(``mysql -p``, ``sshpass -p``, ``docker login -p``, ``--password=``) in scripts and CI
files, and passwords in connection URLs. (Kubernetes ``Secret`` manifests are parsed as YAML in
:mod:`launchgate.secretscan.manifests`; Helm values, ``.tfvars``, compose files and
``.env`` go through the password-named-key rule of :mod:`launchgate.secretscan.detect`.)
"""

from __future__ import annotations

import re

from launchgate.secretscan.filters import looks_random
from launchgate.secretscan.lookalike import REFERENCE, password_reason, value_reason
from launchgate.secretscan.rules._base import (
    basic_check,
    basic_password,
    decoded_length,
    rule,
    url_password,
)

FAMILY = "Frameworks and tools"


def _django(secret: str, m: re.Match[str]) -> str | None:
    reason = value_reason(secret)
    if reason:
        return reason
    key = secret.removeprefix("django-insecure-")
    return None if looks_random(key) else "not random enough for a generated key"


def _netrc(secret: str, m: re.Match[str]) -> str | None:
    if REFERENCE.search(secret):
        return "reference to a variable"
    return None if looks_random(secret) and len(secret) >= 20 else password_reason(secret)


RULES = (
    rule(
        FAMILY,
        "Django",
        "django-secret-key",
        "Django SECRET_KEY",
        r"(?<![A-Za-z0-9_])SECRET_KEY[ \t]*(?::[ \t]*str[ \t]*)?=[ \t]*(?P<q>['\"])"
        r"(?P<secret>[^'\"\n]{32,100})(?P=q)",
        "secret_key",
        check=_django,
        remedy="generate a new key (django.core.management.utils.get_random_secret_key), "
        "read it from the environment; every session and signed token is invalidated",
    ),
    rule(
        FAMILY,
        "Rails",
        "rails-secret-key-base",
        "Rails secret_key_base",
        r"secret_key_base[\"']?[ \t]*(?::|=|=>)[ \t]*[\"']?"
        r"(?P<secret>[0-9a-f]{64,256})(?![0-9a-f])",
        "secret_key_base",
        remedy="generate a new one (bin/rails secret) and keep it in the credentials",
    ),
    rule(
        FAMILY,
        "Rails",
        "rails-master-key",
        "Rails master key (config/master.key)",
        r"\A\s*(?P<secret>[0-9a-f]{32})\s*\Z",
        paths=r"(?:^|/)config/(?:master|credentials/[\w.-]+)\.key$",
        remedy="rotate: bin/rails credentials:edit with a new key, then re-encrypt and "
        "rotate every credential the old key opened",
    ),
    rule(
        FAMILY,
        "Laravel",
        "laravel-app-key",
        "Laravel APP_KEY",
        r"APP_KEY[ \t]*=[ \t]*[\"']?base64:(?P<secret>[A-Za-z0-9+/]{43}=)",
        "base64:",
        check=decoded_length(32, "256-bit key"),
        remedy="generate a new key (php artisan key:generate); encrypted data and sessions "
        "made with the old one must be re-encrypted",
    ),
    rule(
        FAMILY,
        ".netrc",
        "netrc-password",
        "Password in .netrc",
        r"(?:^|\s)password\s+(?P<secret>\S+)",
        "password",
        check=_netrc,
        paths=r"(?:^|/)[._]netrc$",
        remedy="change the password (or revoke the token) of that machine's account",
    ),
    rule(
        FAMILY,
        ".pgpass",
        "pgpass-password",
        "Password in .pgpass (host:port:database:user:password)",
        r"(?m)^(?:[^:\n#]*:){4}(?P<secret>[^\n]+?)[ \t]*$",
        paths=r"(?:^|/)(?:\.pgpass|pgpass\.conf)$",
        check=_netrc,
        remedy="change that database user's password",
    ),
    rule(
        FAMILY,
        "Command lines",
        "command-line-password",
        "Password on a command line (mysql -p, sshpass -p, docker login -p, --password=)",
        r"\b(?:mysql|mysqldump|mysqladmin|mariadb)\b[^\n]*?[ \t]-p(?P<secret>[^\s'\"`]{4,200})"
        r"|\b(?:sshpass[ \t]+-p[ \t]*|docker[ \t]+login\b[^\n]*?[ \t](?:-p|--password)"
        r"(?:[ \t]+|=))['\"]?(?P<secret2>[^\s'\"`]{4,200})"
        r"|[ \t]--password[= ][ \t]*['\"]?(?P<secret3>[^\s'\"`]{4,200})",
        "mysql",
        "mariadb",
        "sshpass",
        "docker",
        "--password",
        check=_netrc,
        remedy="change that account's password; pass it in the environment or a file, "
        "not on the command line",
    ),
    rule(
        FAMILY,
        "curl",
        "curl-user-password",
        "Password in curl -u user:password",
        r"\bcurl\b[^\n]*?\s(?:-u|--user)(?:[ \t]+|=)?[\"']?(?P<user>[^\s:\"']{1,100})"
        r":(?P<secret>[^\s\"']{1,200})",
        "curl",
        check=url_password,
        min_distinct=1,
        remedy="change the password of that account and read it from a secret",
    ),
    rule(
        FAMILY,
        "HTTP Basic",
        "basic-auth-header",
        "Password in an Authorization: Basic header",
        # "Authorization: Basic", and nginx's proxy_set_header Authorization "Basic …"
        r"(?i:authorization)[\"']?[ \t]*[:=]?[ \t]*[\"']?(?i:basic)[ \t]+"
        r"(?P<secret>[A-Za-z0-9+/]{6,}={0,2})",
        "basic",
        decode=basic_password,
        check=basic_check,
        min_distinct=1,
        remedy="change the password of that account and read it from a secret",
    ),
    rule(
        FAMILY,
        "Connection URLs",
        "connection-url-password",
        "Password in a connection URL",
        r"(?<![A-Za-z0-9+.-])(?P<scheme>[A-Za-z][A-Za-z0-9+.-]{1,20})://"
        r"(?P<user>[^\s:/?#@'\"`<>]{0,100}):(?P<secret>[^\s/?#@'\"`<>]{1,200})"
        r"@(?P<host>[A-Za-z0-9._-]+)",
        "://",
        check=url_password,
        min_distinct=1,
        remedy="change the password of that database or service user",
    ),
)

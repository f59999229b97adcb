"""Private keys: PEM (RSA, EC, PKCS#8, DSA), OpenSSH, age, PuTTY."""

from __future__ import annotations

import re

from launchgate.secretscan.formats import bech32_ok
from launchgate.secretscan.rules._base import rule

FAMILY = "Private keys"
_PEM_BODY_JUNK = re.compile(r"\\[nr]|\s|[A-Za-z-]+:[^\n]*\n")
_REPLACE = "replace the key pair and revoke anything that trusted the old public key"


def pem_body(secret: str, m: re.Match[str]) -> str | None:
    """The base64 of a PEM block, without line breaks, ``\\n`` escapes or headers (the
    same key in a .pem file and in a JSON string is one secret)."""
    body = _PEM_BODY_JUNK.sub("", secret)
    if len(body) < 64 or not re.fullmatch(r"[A-Za-z0-9+/=]+", body):
        return None  # "...", "<your key here>": a template, not a key
    return body


def _age(secret: str, m: re.Match[str]) -> str | None:
    return None if bech32_ok(secret) else "checksum does not match: not an age key"


def _putty(secret: str, m: re.Match[str]) -> str | None:
    if re.search(r"^Encryption: none\s*$", m[0], re.MULTILINE):
        return None
    return "encrypted value (PuTTY key under a passphrase)"


RULES = (
    rule(
        FAMILY,
        "PEM and OpenSSH",
        "private-key",
        "Private key (PEM or OpenSSH)",
        r"-----BEGIN (?:[A-Z0-9]+ ){0,2}PRIVATE KEY(?: BLOCK)?-----"
        r"(?P<secret>[\s\S]{0,20000}?)-----END (?:[A-Z0-9]+ ){0,2}PRIVATE KEY",
        "private key",
        decode=pem_body,
        remedy=_REPLACE,
        min_distinct=1,
        binary=True,
    ),
    rule(
        FAMILY,
        "age",
        "age-secret-key",
        "age secret key",
        r"(?<![A-Za-z0-9-])(?P<secret>AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})"
        r"(?![A-Za-z0-9])",
        "age-secret-key-1",
        check=_age,
        remedy="re-encrypt what the key opens to a new recipient, then delete the key",
    ),
    rule(
        FAMILY,
        "PuTTY",
        "putty-private-key",
        "PuTTY private key (.ppk)",
        r"(?m)PuTTY-User-Key-File-[23]: [^\n]+\n[\s\S]{0,4000}?"
        r"^Private-Lines: \d+\r?\n(?P<secret>(?:[A-Za-z0-9+/=]+(?:\r?\n|\Z)){1,100})",
        "putty-user-key-file",
        decode=lambda secret, m: re.sub(r"\s", "", secret) or None,
        check=_putty,
        remedy=_REPLACE,
        binary=True,
    ),
)

"""Why a value that looks like a credential is not one, judged by the value: the reason
``--explain`` shows for each dropped candidate.

Password hashes (bcrypt, argon2, scrypt, PBKDF2, crypt), encrypted values (SOPS
``ENC[…]``, age armour, Vault transit, Ansible Vault), SRI and other digests,
unsigned JWTs (``alg: none``) and public-by-design JWTs (a Supabase ``anon`` key),
documented examples and placeholders, and values a fixture marks as fake (in the value
or anywhere else on its line: ``FAKE_STRIPE_KEY = …``, ``# not a real key``).
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from launchgate.secretscan.filters import KNOWN_EXAMPLES, is_placeholder
from launchgate.secretscan.formats import jwt_parts
from launchgate.secretscan.passwords import is_random_password, is_weak

__all__ = [
    "DOCUMENTED",
    "ENCRYPTED",
    "FAKE",
    "PLACEHOLDER",
    "REFERENCE",
    "fake_line_reason",
    "jwt_reason",
    "password_reason",
    "url_password_reason",
    "value_reason",
]

DOCUMENTED = "documented example"
PLACEHOLDER = "placeholder"
FAKE = "marked fake"
ENCRYPTED = "encrypted value"

_HASHES = (
    (re.compile(r"^\$2[abxy]?\$\d\d\$[./A-Za-z0-9]{53}$"), "bcrypt"),
    (re.compile(r"^\$argon2(?:id|i|d)\$"), "argon2"),
    # passlib's and libsodium's $scrypt$ / $7$, and Werkzeug's scrypt:N:r:p$salt$hash
    # (Flask's default generate_password_hash since Werkzeug 3.0).
    (re.compile(r"^(?:\$(?:scrypt|7)\$|scrypt:\d+:\d+:\d+\$)"), "scrypt"),
    (re.compile(r"^(?:\$pbkdf2(?:-sha\d+)?\$|pbkdf2_sha\d+\$|pbkdf2:sha\d+:)"), "PBKDF2"),
    (re.compile(r"^\$(?:1|5|6|y|gy|sha1|md5)\$"), "crypt"),
    (re.compile(r"^SCRAM-SHA-256\$"), "SCRAM"),
    (re.compile(r"^md5[0-9a-f]{32}$"), "PostgreSQL md5"),
    (re.compile(r"^\{(?:SSHA|SHA|SSHA512|CRYPT|BCRYPT|ARGON2)\}", re.IGNORECASE), "LDAP"),
)
_ENCRYPTIONS = (
    (re.compile(r"ENC\[[A-Z0-9_]+,data:"), "SOPS"),
    (re.compile(r"-----BEGIN AGE ENCRYPTED FILE-----|^age1[a-z0-9]{58}$"), "age"),
    (re.compile(r"^vault:v\d+:"), "Vault transit"),
    (re.compile(r"^\$ANSIBLE_VAULT;"), "Ansible Vault"),
    # A SealedSecret value: the session key's length in two bytes (0x0100 for a 2048-bit
    # controller key, 0x0200 for 4096) then ciphertext, so base64 starting AQ or Ag.
    (re.compile(r"^A[Qg][A-Za-z0-9+/]{100,}={0,2}$"), "sealed-secrets"),
)
# A Twilio SID (AC account, SK API key, PN number, MG messaging service): 2 letters and
# 32 hex digits, an identifier sent beside its secret, never one itself.
_TWILIO_SID = re.compile(r"^(?:AC|SK|PN|MG)[0-9a-f]{32}$")
_DIGEST = re.compile(
    r"^(?:sha(?:1|224|256|384|512)|md5|blake2b?|h1)[-:][A-Za-z0-9+/=_-]{20,}$"
    r"|^(?:sha256|sha512):[0-9a-f]{64,128}$"
)
# "fake" / "dummy" / "mock" / "not a real" starting a word: inside a random key the
# chance of one is about one in a million, and fixtures say it this way.
_FAKE_WORD = re.compile(
    r"(?:^|[^A-Za-z])(?:[Ff]ake|FAKE|[Dd]ummy|DUMMY|[Mm]ock(?![a-z])|MOCK|[Bb]ogus|BOGUS"
    r"|[Nn]ot[-_ ]?[Aa][-_ ]?[Rr]eal|NOT[-_ ]?A[-_ ]?REAL|[Nn]ot[-_ ]?[Rr]eal)"
)


def _hash_reason(value: str) -> str | None:
    for pattern, name in _HASHES:
        if pattern.match(value):
            return f"password hash ({name})"
    return None


def jwt_reason(value: str) -> str | None:
    """An unsigned or public-by-design JWT; ``None`` for any other value."""
    if not value.startswith("eyJ"):
        return None
    parts = jwt_parts(value)
    if parts is None:
        return None
    header, claims = parts
    if str(header.get("alg", "")).lower() == "none":
        return "unsigned JWT (alg none): it grants nothing a server verifies"
    if claims.get("role") == "anon":
        return "public by design: Supabase anon key (role anon)"
    if claims.get("iss") == "supabase-demo":  # what `supabase start` prints to everyone
        return f"{DOCUMENTED}: the Supabase CLI's local key (iss supabase-demo)"
    return None


def value_reason(value: str) -> str | None:
    """Why ``value`` is not a secret, or ``None`` when nothing says it is not one."""
    if value in KNOWN_EXAMPLES:
        return DOCUMENTED
    reason = _hash_reason(value)
    if reason:
        return reason
    for pattern, name in _ENCRYPTIONS:
        if pattern.search(value):
            return f"{ENCRYPTED} ({name})"
    if _DIGEST.match(value):
        return "digest (SRI or checksum)"
    if _TWILIO_SID.match(value):
        return "a Twilio SID: an identifier, not a secret"
    reason = jwt_reason(value)
    if reason:
        return reason
    if _FAKE_WORD.search(value):
        return FAKE
    if "example" in value.lower():
        return DOCUMENTED
    if REFERENCE.search(value):
        return "reference to a variable"
    if is_placeholder(value):
        return PLACEHOLDER
    return None


def fake_line_reason(line: str, value: str) -> str | None:
    """The value's line says it is fake (``FAKE_KEY = …``, ``# not a real token``)."""
    rest = line.replace(value, " ")
    return f"{FAKE} on its line" if _FAKE_WORD.search(rest) else None


# $VAR, ${VAR}, $(cmd), %(name)s, %VAR%, @var@, #{ruby}, {name}: a reference, whole
# or at the start; a bare "%" or "@" starts one random password with symbols in 40.
REFERENCE = re.compile(
    r"^(?:\$[A-Za-z_{(]|%\(|%[A-Za-z_]\w*%$|@[A-Za-z_][\w.]*@?$|#\{|\{[A-Za-z_][\w.]*\}|!vault)"
    r"|os\.environ|getenv|process\.env|env\(|ENV\[|secrets\.|vault:|ssm:"
)
URL_MIN_PASSWORD = 4  # the user:password@ syntax already says it is one; see passwords.py


def url_password_reason(secret: str, user: str) -> str | None:
    """A password given with its user (``scheme://user:pw@host``, ``curl -u user:pw``,
    ``Authorization: Basic``): the syntax says it is one, so only 4 characters are
    needed; the value alone decides, never the host."""
    if len(secret) < URL_MIN_PASSWORD:
        return "too short to be a real password"
    if secret == user:
        return "the user name repeated: a local default"
    reason = value_reason(secret)
    if reason:
        return reason
    if is_weak(unquote(secret)):  # a%20secret: "a secret"
        return "a word, keyboard run or name, not a generated password"
    return None


def password_reason(value: str) -> str | None:
    """A value under a password-named key (or in a password field of a file format)."""
    reason = value_reason(value)
    if reason:
        return reason
    if is_weak(value):
        return "a word, keyboard run or name, not a generated password"
    if not is_random_password(value):
        return "not random enough for a generated password"
    return None

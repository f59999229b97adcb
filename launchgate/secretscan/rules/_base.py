"""What a detection rule is, and the regex pieces and format checks the families share."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from launchgate.secretscan.formats import b64decode
from launchgate.secretscan.lookalike import url_password_reason

__all__ = [
    "NOT_MINE",
    "Check",
    "Decode",
    "Rule",
    "basic_check",
    "basic_password",
    "decoded_length",
    "named",
    "rule",
    "tok",
    "url_password",
]

# What a check returns for a match that belongs to another format (a JWT that is not a
# Supabase key): not a dropped candidate, so neither reported nor explained.
NOT_MINE = ""

Check = Callable[[str, re.Match[str]], str | None]  # None: a secret; else why not
Decode = Callable[[str, re.Match[str]], str | None]  # the credential inside, or None


@dataclass(frozen=True)
class Rule:
    rule_id: str
    family: str
    provider: str
    description: str
    pattern: re.Pattern[str]  # group "secret" (or "secret2", "secret3") is the credential
    keywords: tuple[str, ...]  # lower case; one must occur in the lowered text
    check: Check | None = None  # the format's own test: a checksum, a claim, a length
    decode: Decode | None = None  # base64 "user:password" and the like: what to judge
    public: str = ""  # a public-by-design format: every match is dropped for this reason
    paths: re.Pattern[str] | None = None  # only files whose path matches (.netrc, master.key)
    remedy: str = ""  # where to rotate it
    min_distinct: int = 6  # fewer distinct characters in the secret: a placeholder
    # The secret is base64 of binary (a key file): runs of "A" are zero bytes of its
    # content, not a placeholder; only an example or fake marker drops it.
    binary: bool = False


def rule(
    family: str,
    provider: str,
    rule_id: str,
    description: str,
    pattern: str,
    *keywords: str,
    check: Check | None = None,
    decode: Decode | None = None,
    public: str = "",
    paths: str | None = None,
    remedy: str = "",
    min_distinct: int = 6,
    binary: bool = False,
) -> Rule:
    return Rule(
        rule_id,
        family,
        provider,
        description,
        re.compile(pattern),
        keywords,
        check,
        decode,
        public,
        re.compile(paths) if paths else None,
        remedy,
        min_distinct,
        binary,
    )


def tok(body: str, group: str = "secret") -> str:
    """A token that stands alone: no word character (or ``-``) glued to either end."""
    return rf"(?<![A-Za-z0-9_])(?P<{group}>{body})(?![A-Za-z0-9_-])"


def named(names: str, value: str, group: str = "secret") -> str:
    """A value assigned to a name that says whose it is (``DD_APP_KEY: …``,
    ``"auth0_client_secret": "…"``): the names case-insensitive, the value as written."""
    return (
        rf"(?i:{names})[A-Za-z0-9_.-]{{0,30}}[\"']?[ \t]*(?::=|=>|=|:)[ \t]*[\"']?"
        rf"(?P<{group}>{value})(?![A-Za-z0-9_-])"
    )


def decoded_length(n: int, what: str) -> Check:
    """The value is base64 of exactly ``n`` bytes (a 256-bit key, a 512-bit key)."""

    def check(secret: str, m: re.Match[str]) -> str | None:
        raw = b64decode(secret)
        return None if raw is not None and len(raw) == n else f"not base64 of a {what}"

    return check


def basic_password(secret: str, m: re.Match[str]) -> str | None:
    """base64 of ``user:password`` (HTTP Basic, docker's auths): the password in it."""
    raw = b64decode(secret)
    try:
        text = raw.decode() if raw else ""
    except UnicodeDecodeError:
        return None
    _, sep, password = text.partition(":")
    return password if sep and password else None


def basic_check(password: str, m: re.Match[str]) -> str | None:
    """Judge the password decoded by :func:`basic_password`, beside its user."""
    raw = b64decode(m["secret"] or "") or b""
    return url_password_reason(password, raw.decode(errors="replace").partition(":")[0])


def url_password(secret: str, m: re.Match[str]) -> str | None:
    user = m.groupdict().get("user") or ""
    return url_password_reason(secret, user)

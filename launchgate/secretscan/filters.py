"""What is not a secret although it looks like one: documented example keys,
placeholders, references to the environment, hashes, UUIDs, public material.

Pure predicates over a candidate value; each exists because a real file carries such
look-alikes (docs, ``.env.example``, lock files, compose files).
"""

from __future__ import annotations

import math
import re
from collections import Counter

__all__ = [
    "KNOWN_EXAMPLES",
    "entropy",
    "is_lock_file",
    "is_placeholder",
    "looks_random",
]

KNOWN_EXAMPLES = frozenset(
    {
        # Stripe's API reference and quick starts print these test keys to everyone.
        "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
        "sk_test_BQokikJOvBiI2HlWgH4olfQ2",
        # Slack's SDK docs.
        "xoxb-not-a-real-token-this-will-not-work",
        # The Standard Webhooks specification's published test vector.
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        # AWS's documentation keys (also caught by "EXAMPLE"; listed to be explicit).
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AKIAI44QH8DHBEXAMPLE",
        "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
        # The Kubernetes documentation's Secret example (data: password), decoded and not.
        "1f2d1e2e67df",
        "MWYyZDFlMmU2N2Rm",
        # The same page's kubectl example (--from-literal=password='S!B\*d$zDsb=').
        "S!B\\*d$zDsb=",
        "S!B*d$zDsb=",
        # Google's reCAPTCHA v2 test keys (the FAQ: always pass, for automated tests).
        "6LeIxAcTAAAAAJcZVRqyHh4xlvJS1ZGUjH7XgZcA",
        "6LeIxAcTAAAAAGG-vFI1TnRWxMZNFuojJ4WifJWe",
    }
)

# Words that mark a value as a stand-in, as whole words ("sk-your-key-here"): inside a
# random key "here" or "todo" turns up by chance (about one key in ten thousand), so
# only "example", the mark of documented keys (AKIAIOSFODNN7EXAMPLE), counts anywhere.
_WORD = re.compile(
    r"(?i)(?:^|[^A-Za-z0-9])(?:your|here|todo|fake|dummy|sample|placeholder|changeme|"
    r"change-me|change_me|replace|insert|redacted|not-a-real|notreal|secret-here)"
    r"(?:[^A-Za-z0-9]|$)"
)
_EXAMPLE = ("example", "EXAMPLE", "Example")
_MARKERS = ("****", "....", "…")
# Template and interpolation forms, matched whole: a lone "<", "{{" or "${" turns up
# in about one random password with symbols in 400, a "${NAME}" in none.
_TEMPLATE = re.compile(
    r"\$\{\{.*?\}\}|\$\{[^}\s]{1,100}\}|\{\{.*?\}\}|\{%.*?%\}|<[^<>\n]{1,80}>|\$\([^)\n]{1,200}\)"
    r"|%\([A-Za-z_]\w*\)s|%s$|^\$(?:[A-Z_][A-Z0-9_]*|[a-z_][a-z0-9_]*)$"
    r"|\{[A-Za-z_][\w.()\[\]'\"]*\}"  # f-string or str.format: {password}, {self.secret}
)
_RUN = re.compile(r"(.)\1{5,}")  # six of the same character in a row
_XXXX = re.compile(r"(?i)x{4,}|\*{3,}")  # xxxx, XXXX, ***: a redaction or a stand-in
_SEQUENCES = ("0123456", "123456789", "abcdefgh", "ABCDEFGH", "qwerty")
_LOCK_FILES = frozenset(
    {
        "package-lock.json",
        ".package-lock.json",  # npm's copy inside node_modules
        "npm-shrinkwrap.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "poetry.lock",
        "pipfile.lock",
        "uv.lock",
        "pdm.lock",
        "cargo.lock",
        "go.sum",
        "gemfile.lock",
        "composer.lock",
        "mix.lock",
        "pubspec.lock",
        "packages.lock.json",
        "bun.lock",
        "flake.lock",
    }
)


def is_placeholder(value: str) -> bool:
    if value in KNOWN_EXAMPLES:
        return True
    if any(w in value for w in _EXAMPLE) or any(m in value for m in _MARKERS):
        return True
    if _TEMPLATE.search(value) or _XXXX.search(value):
        return True
    if _WORD.search(value):
        return True
    return bool(_RUN.search(value)) or any(s in value for s in _SEQUENCES)


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    if not value:
        return 0.0
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def looks_random(value: str) -> bool:
    """A value a person or a generator made to be hard to guess, not a word or a name."""
    classes = sum(
        (
            any(c.islower() for c in value),
            any(c.isupper() for c in value),
            any(c.isdigit() for c in value),
            any(not c.isalnum() for c in value),
        )
    )
    has_digit = any(c.isdigit() for c in value)
    has_letter = any(c.isalpha() for c in value)
    if has_digit and has_letter and entropy(value) >= 3.0:
        return True
    if len(value) >= 20 and classes >= 3 and entropy(value) >= 3.5:
        return True
    # Long mixed-case letters only: random (4.4 bits a character for 32 letters) or a
    # camelCase name (resetPasswordTokenField: 3.6); 4.0 tells them apart.
    return len(value) >= 24 and classes >= 2 and entropy(value) >= 4.0


def is_lock_file(path: str) -> bool:
    return path.rsplit("/", 1)[-1].lower() in _LOCK_FILES

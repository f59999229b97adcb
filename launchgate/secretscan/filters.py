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
    }
)

# Words that mark a value as a stand-in. Matched in lower, UPPER and Title case only:
# a case-insensitive "your" would drop one random 40-character key in twenty thousand.
_WORDS = (
    "example",
    "sample",
    "placeholder",
    "your",
    "changeme",
    "change-me",
    "change_me",
    "replace",
    "dummy",
    "fake",
    "redacted",
    "insert",
    "todo",
    "not-a-real",
    "notreal",
    "secret-here",
    "here",
    "xxxx",
    "yyyy",
    "zzzz",
)
_MARKERS = ("****", "....", "…", "<", ">", "${", "{{", "}}", "%s", "%(", "$(")
_PLACEHOLDER_WORDS = frozenset(form for w in _WORDS for form in (w, w.upper(), w.title()))
_RUN = re.compile(r"(.)\1{5,}")  # six of the same character in a row
_SEQUENCES = ("0123456", "123456789", "abcdefgh", "ABCDEFGH", "qwerty")
_LOCK_FILES = frozenset(
    {
        "package-lock.json",
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
    if any(w in value for w in _PLACEHOLDER_WORDS) or any(m in value for m in _MARKERS):
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
    """A value a person or a generator made to be hard to guess, not a word or a name:
    a digit among letters with some entropy, or three kinds of character at length."""
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
    return len(value) >= 20 and classes >= 3 and entropy(value) >= 3.5


def is_lock_file(path: str) -> bool:
    return path.rsplit("/", 1)[-1].lower() in _LOCK_FILES

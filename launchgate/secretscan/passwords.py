"""Is a value given to a password-named key a real password, or a stand-in for one?

Judged from the value alone: a password in a URL whose host is ``db.example.com``, or
in a file called ``docker-compose.yml``, is as leaked as any other, so neither the
host nor the file enters the decision (it used to, and a random password in a
connection URL under a documentation domain was skipped).

The stand-ins are words a person types (``postgres``, ``password123``, ``P@ssw0rd!``,
``mysecretpassword``), keyboard and alphabet runs (``qwerty123``, ``abc12345``),
resource names (``db-credentials``, ``app-tls-v2``) and the template forms that
:func:`filters.is_placeholder` knows.

The threshold (:func:`is_random_password`) was tuned on generated passwords of
10-20 characters, 20,000 of each length from each alphabet (``python
benchmarks/secret_scan.py --tune 20000`` prints the table). Two character classes
(lower, upper, digit, symbol) are required because one class is what a word or a
number has. An entropy floor of 2.5 bits per character rejects patterns such as
``ab12ab12ab`` (2.0 bits); the 1st percentile of random lowercase+digits strings of
10 characters is 2.52 bits, and every longer or wider alphabet's is higher. The
length floor is 10, the shortest generated password, for keys, and 4 inside a URL,
where the ``user:password@`` syntax already says the value is one. Share accepted,
uniform draws (no class guaranteed, the harder case):

    length                    10      14      20
    lowercase+digits        95.7 %  99.0 %  99.9 %   (mostly no digit drawn)
    mixed case+digits       99.7 %  99.99 % 100 %
    with symbols            99.8 %  99.97 % 100 %
    one of each class       99.93 % 100 %   100 %    (as password managers make them)

and none of the 670 look-alikes of the benchmark's corpus (word passwords such as
``Summer2024!``, runs, names, references, hashes, fixtures marked fake).
"""

from __future__ import annotations

import re
from functools import lru_cache

from launchgate.secretscan.filters import entropy

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "WORDS",
    "char_classes",
    "is_name",
    "is_random_password",
    "is_sequence",
    "is_weak",
    "is_wordlike",
]

MIN_PASSWORD_LENGTH = 10
MIN_PASSWORD_ENTROPY = 2.5  # bits per character; see the module docstring

# Words of the passwords people put in dev configs and docs, the top of the leaked
# password lists, and the names of the services whose defaults they copy. A value
# made only of these (and digits or symbols around them) is not a generated secret.
_WORD_LIST = """
    password passwd passw pass pwd pw word secret secrets key keys token tokens
    admin administrator root user users username login guest test tests testing tester
    dev develop development local localhost default demo example sample samples
    change changeme me my mine your our the new old top super very strong secure
    insecure simple easy hard real fake dummy mock fixture fixtures placeholder temp tmp
    foo bar baz qux quux hello world welcome let letmein in on off is it of to
    not no yes ok go up we us be do so an at by or and for with this that
    postgres postgresql pg mysql maria mariadb redis mongo mongodb rabbit rabbitmq
    amqp kafka elastic elasticsearch kibana minio keycloak grafana airflow sonar
    jenkins gitlab github docker compose kube k8s vault django rails laravel node
    spring flask app apps api web www site server service services backend frontend
    db database data cache queue worker mail smtp email sentry stripe aws gcp azure
    prod production staging stage qa uat ci cd build release master main primary
    replica read write readonly access auth oauth jwt session cookie signing private
    public shared internal external client customer account company acme corp org
    cred creds credential credentials tls ssl cert certs certificate ssh sftp ftp
    monkey dragon shadow sunshine princess football baseball soccer hockey batman
    superman iloveyou love freedom whatever trustno qwerty asdf zxcv hunter killer
    summer winter spring autumn fall january february march april may june july
    august september october november december monday friday sunday
    red blue green black white orange purple yellow silver gold tiger lion bear
    cat dog fish bird horse pony star moon sun sky fire water ice rock
    john mike michael david james robert jordan thomas charlie daniel george
    ginger pepper cookie cheese coffee pizza banana apple cherry
    god angel devil ninja pirate wizard magic matrix cyber hack hacker
    abc xyz one two three four five six seven eight nine ten zero
    true false null none nil undefined value values string text thing something
    here there random long short enough sentinel
"""
WORDS = frozenset(_WORD_LIST.split())

_LONGEST_WORD = max(map(len, WORDS))
# Leetspeak back to letters; "1" is tried as "i" (adm1n) and as "l" (he1lo).
_LEET_BASE = {"0": "o", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
_LEET_TABLES = (str.maketrans(_LEET_BASE | {"1": "i"}), str.maketrans(_LEET_BASE | {"1": "l"}))
_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_TOKEN_SPLIT = re.compile(r"[^A-Za-z0-9@$]+")
_ESCAPE = re.compile(r"\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|[nrt0])")  # "Password\x00"
# camelCase or PascalCase letters: challengePassword, IAmSensitive. A generated
# password has digits or symbols; the generators measured never make this shape.
_CAMEL = re.compile(r"^[a-z]*(?:[A-Z][a-z]*){2,}$|^[a-z]+(?:[A-Z][a-z]+)+$")
# A syllable-ish part of a name: a vowel, and no four consonants in a row.
_PRONOUNCEABLE = re.compile(r"(?i)^(?=.*[aeiouy])(?!.*[^aeiouy]{4})[a-z]{2,}$")
_NAME = re.compile(r"^[a-z][a-z0-9]*(?:[-_.][a-z0-9]+)+$")
_NAME_TOKEN = re.compile(r"^(?:[a-z]+\d{0,4}|[a-z]{0,3}\d{1,4})$")

# Runs a hand or an alphabet makes: forwards, backwards, on the keyboard, in columns.
_ROWS = (
    "abcdefghijklmnopqrstuvwxyz",
    "01234567890",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "!@#$%^&*()",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
)


def char_classes(value: str) -> int:
    return sum(
        (
            any(c.islower() for c in value),
            any(c.isupper() for c in value),
            any(c.isdigit() for c in value),
            any(not c.isalnum() for c in value),
        )
    )


@lru_cache(maxsize=4096)
def _segments(letters: str) -> bool:
    """``letters`` is a concatenation of WORDS (``mysecretpassword``)."""
    n = len(letters)
    ok = [True] + [False] * n
    for end in range(1, n + 1):
        ok[end] = any(
            ok[start] and letters[start:end] in WORDS
            for start in range(max(0, end - _LONGEST_WORD), end)
        )
    return ok[n]


def _token_is_words(token: str) -> bool:
    for table in _LEET_TABLES:
        for letters in (
            _EDGES.sub("", token.translate(table)),
            _EDGES.sub("", token).translate(table),
        ):
            if len(letters) >= 2 and letters.isalpha() and _segments(letters.lower()):
                return True
    return False


def is_wordlike(value: str) -> bool:
    """Words a person typed, with digits or symbols around them: ``password123``,
    ``P@ssw0rd!``, ``Summer2024!``, ``my-secret-password``, ``admin_2024_pw``."""
    core = _EDGES.sub("", _ESCAPE.sub(" ", value))
    tokens = [t for t in _TOKEN_SPLIT.split(core) if t]
    # Numbers and single letters may stand between words ("admin_2024", "a secret"),
    # but at least one token must be a word: "x!7@b#" is not made of words.
    words = [t for t in tokens if not (t.isdigit() or len(t) == 1)]
    return bool(words) and all(_token_is_words(t) for t in words)


def _in_rows(piece: str) -> bool:
    return any(piece in row or piece[::-1] in row for row in _ROWS) or len(set(piece)) == 1


def is_sequence(value: str) -> bool:
    """Made of keyboard, alphabet or digit runs of three or more, or repeats of one
    character: ``qwerty123``, ``abc12345``, ``1qaz2wsx``, ``zzzzzzzzzz``."""
    s = value.lower()
    n = len(s)
    ok = [True] + [False] * n
    for end in range(3, n + 1):
        ok[end] = any(ok[start] and _in_rows(s[start:end]) for start in range(0, end - 2))
    return ok[n]


def is_name(value: str) -> bool:
    """A resource name, not a password: ``db-credentials``, ``app-tls-v2``,
    ``payments.prod``. Lower case, two or more parts, each letters with at most a
    short number. (A diceware passphrase such as ``correct-horse-battery`` looks the
    same; names are far more common under a ``secret:`` key.)"""
    if _CAMEL.match(value):
        humps = [h for h in re.split(r"(?=[A-Z])", value) if h]
        if all(h in ("I", "A") or _PRONOUNCEABLE.match(h) for h in humps):
            return True
    return bool(_NAME.match(value)) and all(_NAME_TOKEN.match(t) for t in re.split(r"[-_.]", value))


def is_random_password(value: str, *, min_length: int = MIN_PASSWORD_LENGTH) -> bool:
    """A value a generator made (or a person made to be hard to guess)."""
    return (
        len(value) >= min_length
        and char_classes(value) >= 2
        and entropy(value) >= MIN_PASSWORD_ENTROPY
        and not is_weak(value)
    )


def is_weak(value: str) -> bool:
    """Words, runs and names: what people write where a password goes in examples."""
    return is_wordlike(value) or is_sequence(value) or is_name(value)

"""Find credentials in one file's text: the pure core of the secret scan.

``analyse(text, path)`` runs every rule of :mod:`rules` (each only when one of its
keywords occurs, and a path rule only on its files), the Kubernetes ``Secret`` reader
of :mod:`manifests`, and the generic rule for values assigned to names such as
``secret``, ``token``, ``password`` or ``api_key``. Each candidate is judged by its
value (:mod:`lookalike`): a placeholder, a hash, an encrypted or public-by-design value
is *dropped* with its reason (what ``--explain`` shows); the host of a URL or the file
around it never decides. A password-named key (``password``, ``*_PASSWORD``,
``passwd``, ``pwd``, ``DB_PASS``, ``secret``) gets the password threshold of
:mod:`passwords`; other names need 16 random-looking characters. The path matters only
for syntax: lock files are skipped by the generic rule, in source code only quoted
values count (an unquoted value there is a variable, not a literal), and ``.netrc``,
``.npmrc``, ``.pypirc``, ``.pgpass`` and ``config/master.key`` have rules of their own.
The same names are also read in a call's default (``define('DB_PASSWORD', '…')``,
``env()``, ``getenv()``), an XML element and a Terraform variable's ``default``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import ahocorasick

from launchgate.secretscan.filters import KNOWN_EXAMPLES, is_lock_file, looks_random
from launchgate.secretscan.lookalike import (
    DOCUMENTED,
    fake_line_reason,
    password_reason,
    value_reason,
)
from launchgate.secretscan.manifests import kubernetes_secrets
from launchgate.secretscan.rules import NOT_MINE, RULES, Rule

__all__ = [
    "GENERIC_RULE",
    "KUBERNETES_RULE",
    "Detection",
    "Dropped",
    "Hit",
    "analyse",
    "detect",
]

GENERIC_RULE = "generic-secret-assignment"
KUBERNETES_RULE = "kubernetes-secret"


@dataclass(frozen=True)
class Hit:
    rule_id: str
    line: int  # 1-based
    secret: str


@dataclass(frozen=True)
class Dropped:
    """A candidate judged not to be a secret, and why (``--explain``)."""

    rule_id: str
    line: int
    reason: str
    secret: str = field(repr=False)  # never rendered: masked or fingerprinted only


@dataclass(frozen=True)
class Detection:
    hits: tuple[Hit, ...]
    dropped: tuple[Dropped, ...]


# Lower-case words of a secret-looking name, found with str.find (fast, in C) so the
# assignment regex runs only on the lines that hold one: run over a whole file, its
# case-insensitive alternation was most of a history scan's time.
_NAME_WORDS = (
    "secret",
    "token",
    "pass",  # password, passwd, passphrase, DB_PASS
    "pw",  # pwd, DB_PW
    "api_key",
    "apikey",
    "api-key",
    "accesskey",
    "access_key",
    "privatekey",
    "private_key",
    "auth_key",
    "authkey",
    "signing_key",
    "signingkey",
    "encryption_key",
    "master_key",
    "credential",
)
_ASSIGNMENT = re.compile(
    r"(?i:secret|token|passw|passphrase|pwd|(?<![a-z])(?:pass|pw)(?![a-z])"
    r"|api_?key|apikey|access_?key|private_?key|auth_?key"
    r"|signing_?key|encryption_?key|master_?key|credential)"
    r"(?P<tail>[A-Za-z0-9_.-]{0,40})[\"']?"
    r"(?P<annotation>[ \t]*:[ \t]*[A-Za-z_][\w\[\]|., ]{0,40}?)?"
    r"[ \t]*(?P<op>:=|=>|==|!=|=|:)[ \t]*"
    r"(?P<value>\"[^\"\n]{1,500}\"|'[^'\n]{1,500}'|`[^`\n]{1,500}`|[^\s\"'`,;]{1,500})"
)
_NAME_CHAR = re.compile(r"[A-Za-z0-9_.-]")
_NOT_SECRET_NAME = re.compile(
    r"(?i)public|hash|digest|checksum|fingerprint|sha\d*$|md5|"
    r"(_|\.|-)(url|uri|path|file|dir|name|id|ids|length|len|size|type|field|header|env|var|"
    r"prefix|format|pattern|regex|min|max|count|ttl|expiry|expires|timeout|endpoint|label|"
    r"placeholder|example|sample|policy|hint|enabled|required|version|algorithm|key_id)$"
    # camelCase names of a reference: secretName, secretRef, passwordFile, tokenUrl
    r"|(?-i:[a-z](?:Name|Ref|Path|File|Url|Uri|Id|Ids|Type|Field|Label|Prefix|Version))$"
)
# Keys whose value is a password a person or a generator chose: judged by the password
# threshold of :mod:`passwords` rather than the 16-character high-entropy rule of tokens.
_PASSWORD_NAME = re.compile(
    r"(?i:passw|passphrase|pwd|(?<![a-z])(?:pass|pw)(?![a-z]))|(?i:secrets?)(?![a-z])"
)
# A credential's published prefix: the format rule of :mod:`rules` decides such a value
# ("whsec_AAAA" under a *_SECRET key is a stub that rule rejected, not a password).
_TOKEN_PREFIX = re.compile(
    r"^(?:whsec_|[rsp]k_(?:live|test)_|gh[pousr]_|github_pat_|xox[baprse]-|xapp-|SG\.|sk-|"
    r"AKIA|ASIA|AIza|key-)"
)
# The same for every prefix a rule of the table is keyed on (npm_, glpat-, hvs.).
_RULE_PREFIXES = tuple(
    sorted({k for r in RULES for k in r.keywords if len(k) >= 3 and k[-1] in "_-."})
)
# Every keyword of the table, found in one pass of an Aho-Corasick automaton: one
# ``in`` test a keyword was most of a history scan's time once the table had 160 of
# them (5,000 commits: 3.7 s of keyword tests; a regex trie 1.5 s; the automaton 0.3 s).
_KEYWORDS = frozenset(k for r in RULES for k in r.keywords)
_AUTOMATON = ahocorasick.Automaton()
for _keyword in sorted(_KEYWORDS):
    _AUTOMATON.add_word(_keyword, _keyword)
_AUTOMATON.make_automaton()


def _keywords_in(lowered: str) -> set[str]:
    return {k for _, k in _AUTOMATON.iter(lowered)}


# A file a key names (package.json's "bin": {"secretlint": "bin/secretlint.js"}).
_FILE_PATH = re.compile(r"^[\w.-]+(?:/[\w.-]+)+\.[A-Za-z]{1,5}$")
_CODE_SUFFIXES = (
    ".py",
    ".pyi",  # stubs: "password: _PasswordType | None" is an annotation (typeshed, in every venv)
    ".js",
    ".mjs",
    ".cjs",
    ".ts",
    ".tsx",
    ".jsx",
    ".go",
    ".rb",
    ".java",
    ".kt",
    ".php",
    ".cs",
    ".rs",
    ".swift",
    ".scala",
    ".c",
    ".h",
    ".cpp",
    ".hpp",
    ".m",
    ".dart",
    ".vue",
    ".svelte",
    ".ex",
    ".exs",
    ".erl",
    ".lua",
    ".pl",
)
# A sops-encrypted value: ciphertext, not a secret (its "data:" would parse as a value).
_ENCRYPTED = re.compile(r"ENC\[[A-Z0-9_]+,")
# A reference, not a literal: settings.SECRET_KEY, config.get(), STRIPE_SECRET_KEY.
_IDENTIFIER = re.compile(
    r"^[A-Za-z_][A-Za-z_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+(?:\(\))?$|^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$"
)
# The same, as written where passwords go (Terraform's var.db_password, a settings
# attribute): every part in one case. A random password with a dot in it has mixed parts.
_SNAKE_REFERENCE = re.compile(
    r"^(?:[a-z_][a-z0-9_]*|[A-Z_][A-Z0-9_]*)(?:\.(?:[a-z_][a-z0-9_]*|[A-Z_][A-Z0-9_]*))+(?:\(\))?$"
    r"|^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$"
)
# The same names written other ways: a call's default or a constant (PHP define(),
# Laravel env(), os.getenv(), ENV.fetch()), an XML element (Maven's settings.xml), and a
# Terraform variable's default a few lines below its name.
_SECRET_WORD = re.compile(
    r"(?i:secret|token|passw|passphrase|pwd|(?<![a-z])(?:pass|pw)(?![a-z])"
    r"|api_?key|apikey|access_?key|private_?key|auth_?key"
    r"|signing_?key|encryption_?key|master_?key|credential)"
)
_CALL_FORM = re.compile(
    r"\b(?:define|env|getenv|fetch|get|setdefault)\([ \t]*(?P<q>[\"'])"
    r"(?P<name>[A-Za-z_][\w.-]{0,60})(?P=q)[ \t]*,[ \t]*"
    r"(?P<value>\"[^\"\n]{1,500}\"|'[^'\n]{1,500}')"
)
_XML_FORM = re.compile(r"<(?P<name>[A-Za-z_][\w.:-]{0,60})>(?P<value>[^<>\n]{1,500})</(?P=name)>")
_TF_VARIABLE = re.compile(
    r"\bvariable[ \t]+\"(?P<name>[^\"\n]{1,60})\"[ \t]*\{(?P<body>[^{}]{0,2000}?)"
    r"\bdefault[ \t]*=[ \t]*(?P<value>\"[^\"\n]{1,500}\")"
)
# An unquoted call with no arguments, as a README's code block writes one:
# "secrets = SecretsCollection()". Quoted, "Foo()" would be a literal and is judged.
_CALL = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*\(\)$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")
_HASH = re.compile(
    r"^(?:sha1|sha224|sha256|sha384|sha512|md5|blake2b?)[-:]|^\$(?:2[aby]|argon2\w*|5|6)\$"
    r"|^pbkdf2_|^md5[0-9a-f]{32}$|^SCRAM-SHA-256\$"
)


class _Found:
    """Hits and drops of one file; the first rule to claim a value keeps it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.hits: list[Hit] = []
        self.dropped: list[Dropped] = []
        self.claimed: set[str] = set()

    def line_of(self, offset: int) -> int:
        return self.text.count("\n", 0, offset) + 1

    def add(self, rule_id: str, line: int, secret: str, reason: str | None) -> None:
        if secret in self.claimed:
            return
        self.claimed.add(secret)
        if reason is None:
            self.hits.append(Hit(rule_id, line, secret))
        else:
            self.dropped.append(Dropped(rule_id, line, reason, secret))

    def overlaps(self, value: str) -> bool:
        return any(value in k or k in value for k in self.claimed)


def detect(text: str, path: str) -> list[Hit]:
    return list(analyse(text, path).hits)


def analyse(text: str, path: str) -> Detection:
    lowered = text.lower()
    found = _Found(text)
    present = _keywords_in(lowered)
    for rule in RULES:
        if rule.paths is not None:
            if not rule.paths.search(path):
                continue
        elif present.isdisjoint(rule.keywords):
            continue
        for m in rule.pattern.finditer(text):
            judged = _judge(rule, m)
            if judged is not None:
                secret, reason, start = judged
                found.add(rule.rule_id, found.line_of(start), secret, reason)
    manifest_lines = _kubernetes(text, found) if "secret" in lowered else set()
    if not is_lock_file(path):
        code = path.lower().endswith(_CODE_SUFFIXES)
        for start, end in _lines_with_names(lowered):
            line = found.line_of(start)
            if line in manifest_lines:
                continue  # a Secret's base64 value: judged decoded, above
            for m in _ASSIGNMENT.finditer(text, start, end):
                candidate = _generic_value(text, m, code=code)
                if candidate is None or found.overlaps(candidate[0]):
                    continue
                value, why = candidate
                why = why or fake_line_reason(text[start:end], value)
                found.add(GENERIC_RULE, line, value, why)
            for form in (_CALL_FORM, _XML_FORM):
                for m in form.finditer(text, start, end):
                    _other_form(found, m, text[start:end], line)
        if path.lower().endswith(".tf") and "variable" in lowered:
            for m in _TF_VARIABLE.finditer(text):
                _other_form(found, m, m["value"], found.line_of(m.start("value")))
    return Detection(tuple(found.hits), tuple(found.dropped))


def _other_form(found: _Found, m: re.Match[str], line_text: str, line: int) -> None:
    if not _SECRET_WORD.search(m["name"]):
        return
    candidate = _named_value(m["name"], m["value"], m[0], code=False)
    if candidate is None or found.overlaps(candidate[0]):
        return
    value, why = candidate
    found.add(GENERIC_RULE, line, value, why or fake_line_reason(line_text, value))


def _judge(rule: Rule, m: re.Match[str]) -> tuple[str, str | None, int] | None:
    """(secret, why it is not one or None, offset) of a rule's match; None when the
    match is no candidate at all (a template PEM, another format's JWT)."""
    groups = m.groupdict()
    name = next((g for g in ("secret", "secret2", "secret3") if groups.get(g)), None)
    if name is None:
        return None
    raw = groups[name]
    secret = rule.decode(raw, m) if rule.decode is not None else raw
    if secret is None:
        return None
    start = m.start(name)
    if rule.public:
        return secret, rule.public, start
    checked = rule.check(secret, m) if rule.check is not None else None
    if checked == NOT_MINE:
        return None
    if rule.binary:
        reason = DOCUMENTED if secret in KNOWN_EXAMPLES or "example" in secret.lower() else None
    else:
        reason = value_reason(secret)
    if reason is None:
        lowered = secret.lower()
        prefix = next((k for k in rule.keywords if lowered.startswith(k)), "")
        if len(set(secret[len(prefix) :])) < rule.min_distinct:
            reason = "too few distinct characters: a placeholder"
    if reason is None:
        text = m.string
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", start)
        reason = fake_line_reason(text[line_start : line_end if line_end != -1 else None], raw)
    return secret, reason or checked, start


def _kubernetes(text: str, found: _Found) -> set[int]:
    """Judge each value of each Secret manifest decoded; the lines they are on."""
    lines: set[int] = set()
    for entry in kubernetes_secrets(text):
        lines.add(entry.line)
        inner = analyse(f"{entry.key}: {entry.value}\n", "secret.yaml")
        for h in inner.hits:
            rule_id = KUBERNETES_RULE if h.rule_id == GENERIC_RULE else h.rule_id
            found.add(rule_id, entry.line, h.secret, None)
        for d in inner.dropped:
            found.add(d.rule_id, entry.line, d.secret, d.reason)
        if inner.hits or inner.dropped:
            continue
        value = entry.value
        if len(value) >= 16 and not any(c.isspace() for c in value) and looks_random(value):
            found.add(KUBERNETES_RULE, entry.line, value, value_reason(value))
    return lines


def _lines_with_names(lowered: str) -> list[tuple[int, int]]:
    """(start, end) of each line holding a secret-looking name word, in order."""
    starts: set[int] = set()
    for word in _NAME_WORDS:
        at = lowered.find(word)
        while at != -1:
            starts.add(lowered.rfind("\n", 0, at) + 1)
            at = lowered.find(word, at + len(word))
    spans = []
    for start in sorted(starts):
        end = lowered.find("\n", start)
        spans.append((start, len(lowered) if end == -1 else end))
    return spans


def _generic_value(text: str, m: re.Match[str], *, code: bool) -> tuple[str, str | None] | None:
    """(value, why it is not a secret or None); None when it is no candidate at all (a
    comparison, a reference-named key, a variable in code, prose, a path)."""
    if m["op"] in ("==", "!="):
        return None
    start = m.start()
    while start > 0 and start > m.start() - 60 and _NAME_CHAR.match(text[start - 1]):
        start -= 1
    return _named_value(text[start : m.end("tail")], m["value"], m[0], code=code)


def _named_value(name: str, raw: str, whole: str, *, code: bool) -> tuple[str, str | None] | None:
    """Judge ``raw`` (as written, quotes and all) assigned to ``name``."""
    if _NOT_SECRET_NAME.search(name):
        return None
    quoted = raw[0] in "\"'`"
    if code and not quoted:
        return None  # a variable or a call, not a literal
    value = raw[1:-1] if quoted else raw
    if value.count(" ") >= 2 or value.startswith(("http://", "https://", "/", "./", "~/")):
        return None  # prose (a label, a help text) or a location
    if _ENCRYPTED.search(whole):
        return value, "encrypted value (SOPS)"
    reason = value_reason(value)  # hashes and ciphertexts first: "$argon2id$" is no $VAR
    if reason:
        return value, reason
    if not quoted and _CALL.match(value):
        return value, "a call, not a literal"
    if _HASH.match(value):
        return value, "hash or digest"
    if _PASSWORD_NAME.search(name):
        # A space: a phrase or a label ("bold green", "long enough"); no password
        # generator measured puts one in. "[A, B]" unquoted: a YAML list of names.
        if any(c.isspace() for c in value) or (not quoted and value[0] in "[{"):
            return None
        if _FILE_PATH.match(value):
            return None
        if _TOKEN_PREFIX.match(value) or value.lower().startswith(_RULE_PREFIXES):
            return value, "a known token format's prefix: its own rule judged it"
        if _SNAKE_REFERENCE.match(value):
            return value, "reference to a setting"
        return value, password_reason(value)
    if len(value) < 16:
        return value, "too short for a generated token"
    if _IDENTIFIER.match(value):
        return value, "reference to a setting"
    if _UUID.match(value):
        return value, "a UUID: an identifier"
    if not looks_random(value):
        return value, "not random enough for a generated token"
    return value, None

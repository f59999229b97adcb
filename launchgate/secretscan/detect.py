"""Find credentials in one file's text: the pure core of the secret scan.

``detect(text, path)`` runs every rule of :mod:`rules` (each only when one of its
keywords occurs) and the generic rule for values assigned to names such as
``secret``, ``token``, ``password`` or ``api_key``; the filters of :mod:`filters`
drop the look-alikes. Whether a value is a placeholder is judged from the value
alone (never the host of a URL or the file around it). A password-named key
(``password``, ``*_PASSWORD``, ``passwd``, ``pwd``, ``DB_PASS``, ``secret``) gets the
password threshold of :mod:`passwords`; other names need 16 random-looking
characters. The path matters only for syntax: lock files are skipped by the generic
rule, and in source code only quoted values count (an unquoted value there is a
variable, not a literal).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from launchgate.secretscan.filters import is_lock_file, is_placeholder, looks_random
from launchgate.secretscan.passwords import is_random_password, is_weak
from launchgate.secretscan.rules import RULES, Rule

__all__ = ["GENERIC_RULE", "Hit", "detect"]

GENERIC_RULE = "generic-secret-assignment"
URL_MIN_PASSWORD = 4  # the user:password@ syntax already says it is one; see passwords.py


@dataclass(frozen=True)
class Hit:
    rule_id: str
    line: int  # 1-based
    secret: str


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
# A file a key names (package.json's "bin": {"secretlint": "bin/secretlint.js"}).
_FILE_PATH = re.compile(r"^[\w.-]+(?:/[\w.-]+)+\.[A-Za-z]{1,5}$")
_CODE_SUFFIXES = (
    ".py",
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
_REFERENCE = re.compile(
    # $VAR, ${VAR}, $(cmd), %(name)s, %VAR%, @var@, #{ruby}, {name}: a reference, whole
    # or at the start; a bare "%" or "@" starts one random password with symbols in 40.
    r"^(?:\$[A-Za-z_{(]|%\(|%[A-Za-z_]\w*%$|@[A-Za-z_][\w.]*@?$|#\{|\{[A-Za-z_][\w.]*\}|!vault)"
    r"|os\.environ|getenv|process\.env|env\(|ENV\[|secrets\.|vault:|ssm:"
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
_UUID = re.compile(r"^[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")
_HASH = re.compile(
    r"^(?:sha1|sha224|sha256|sha384|sha512|md5|blake2b?)[-:]|^\$(?:2[aby]|argon2\w*|5|6)\$"
    r"|^pbkdf2_|^md5[0-9a-f]{32}$|^SCRAM-SHA-256\$"
)
_PEM_BODY_JUNK = re.compile(r"\\[nr]|\s|[A-Za-z-]+:[^\n]*\n")


def detect(text: str, path: str) -> list[Hit]:
    lowered = text.lower()
    hits: list[Hit] = []
    seen: set[tuple[str, str]] = set()

    def add(rule_id: str, start: int, secret: str) -> None:
        if (rule_id, secret) not in seen:
            seen.add((rule_id, secret))
            hits.append(Hit(rule_id, text.count("\n", 0, start) + 1, secret))

    for rule in RULES:
        if not any(k in lowered for k in rule.keywords):
            continue
        for m in rule.pattern.finditer(text):
            found = _accept(rule, m)
            if found is not None:
                add(rule.rule_id, m.start(), found)
    if not is_lock_file(path):
        code = path.lower().endswith(_CODE_SUFFIXES)
        known = {h.secret for h in hits}
        for start, end in _lines_with_names(lowered):
            for m in _ASSIGNMENT.finditer(text, start, end):
                value = _generic_value(text, m, code=code)
                if value is not None and not any(value in k or k in value for k in known):
                    add(GENERIC_RULE, m.start(), value)
    return hits


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


def _accept(rule: Rule, m: re.Match[str]) -> str | None:
    groups = m.groupdict()
    secret = groups.get("secret") or groups.get("secret2") or ""
    if rule.rule_id == "private-key":
        body = _PEM_BODY_JUNK.sub("", secret)
        if len(body) < 64 or not re.fullmatch(r"[A-Za-z0-9+/=]+", body):
            return None  # "...", "<your key here>": a template, not a key
        return body
    if rule.rule_id == "connection-url-password":
        # The value alone decides: a documentation host (db.example.com) or a local one
        # says nothing about whether the password in front of it is a real one.
        if (
            len(secret) < URL_MIN_PASSWORD  # "u:p@host" in docs and tests
            or secret == groups["user"]
            or _REFERENCE.search(secret)
            or is_placeholder(secret)
            or is_weak(unquote(secret))  # a%20secret: "a secret"
        ):
            return None
        return secret
    variable = secret.split("_", 2)[-1] if rule.rule_id.startswith("stripe") else secret
    if is_placeholder(secret) or len(set(variable)) < rule.min_distinct:
        return None
    return secret


def _generic_value(text: str, m: re.Match[str], *, code: bool) -> str | None:
    if m["op"] in ("==", "!=") or _ENCRYPTED.search(m[0]):
        return None
    start = m.start()
    while start > 0 and start > m.start() - 60 and _NAME_CHAR.match(text[start - 1]):
        start -= 1
    name = text[start : m.end("tail")]
    if _NOT_SECRET_NAME.search(name):
        return None
    raw = m["value"]
    quoted = raw[0] in "\"'`"
    if code and not quoted:
        return None  # a variable or a call, not a literal
    value = raw[1:-1] if quoted else raw
    if (
        value.count(" ") >= 2  # prose: a label or a help text
        or _REFERENCE.search(value)
        or _HASH.match(value)
        or value.startswith(("http://", "https://", "/", "./", "~/"))
        or is_placeholder(value)
    ):
        return None
    if _PASSWORD_NAME.search(name):
        if (
            # A space: a phrase or a label ("bold green", "long enough"); no password
            # generator measured puts one in. "[A, B]" unquoted: a YAML list of names.
            any(c.isspace() for c in value)
            or (not quoted and value[0] in "[{")
            or _TOKEN_PREFIX.match(value)
            or _SNAKE_REFERENCE.match(value)
            or _FILE_PATH.match(value)
            or not is_random_password(value)
        ):
            return None
        return value
    if len(value) < 16 or _IDENTIFIER.match(value) or _UUID.match(value) or not looks_random(value):
        return None
    return value

"""Never leak: the one filter every byte of launchgate's output passes through.

GitHub masks only the raw values registered with it; a value *derived* from a secret
(URL-encoded in a form body, JSON-escaped in a captured field, base64-encoded inside a
Basic auth header) goes to the log in clear. So a :class:`Redactor` knows every secret
in all the forms it may take on the way out, and masks structurally secret places
(credential headers, cookie values, URL passwords, ``?token=`` values) whatever their
content, so that a secret launchgate never learned is still not printed. Card numbers,
which no config names, are found by shape and checksum (:mod:`launchgate.redact.cards`).

Pure: no I/O except one warning when a value is too short to be masked safely.
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import logging
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import quote, quote_plus, unquote, unquote_plus

from launchgate.redact.cards import mask_card_numbers

__all__ = [
    "MASK",
    "Canary",
    "Redactor",
    "cut",
    "derived_forms",
    "looks_secret_name",
    "masks_header",
    "redact_form",
]

MASK = "[redacted]"


def cut(text: str, limit: int, ellipsis: str = "…") -> str:
    """``text`` shortened to ``limit`` characters, never inside a :data:`MASK`.

    Only for text already redacted: redact first, then cut (cut first, a secret at the
    edge would leave its first half, which no mask recognises). A mask the cut would
    split is dropped whole, so no half ``[redac`` suggests a value that was not there."""
    if len(text) <= limit:
        return text
    end = max(limit - len(ellipsis), 0)
    # Only a mask starting in the last len(MASK) - 1 characters can straddle the cut.
    start = text.find(MASK, max(end - len(MASK) + 1, 0))
    if start != -1 and start < end:
        end = start
    return text[:end] + ellipsis


MIN_SECRET_LEN = 4
"""A shorter value cannot be masked without shredding ordinary text ("abc" is everywhere)."""

MIN_CREDENTIAL_LEN = 16
"""A cookie or header part this long is described as a credential (a session id is)."""

logger = logging.getLogger(__name__)

_SECRET_NAME = re.compile(
    r"token|key|secret|password|passwd|pwd|pass|sig|signature|auth|code|session|credential|jwt",
    re.IGNORECASE,
)

# Header names that carry a credential although their name does not say so plainly, and
# names that match the secret pattern but carry none (challenges are worth showing).
_MASKED_HEADERS = frozenset(
    {"x-api-key", "x-auth-token", "stripe-signature", "webhook-signature", "x-hub-signature-256"}
)
_SECRET_HEADER_NAME = re.compile(
    r"token|secret|password|passwd|api-?key|signature|session|credential|jwt|auth",
    re.IGNORECASE,
)
_CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
_PUBLIC_HEADERS = frozenset({"www-authenticate", "proxy-authenticate"})
_AUTH_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)\s+\S")
# Several cookies folded into one Set-Cookie line by a Mapping ("a=1; Path=/, b=2"): a
# comma starts a new cookie only when a name and "=" follow (an Expires date has none).
_COOKIE_FOLD = re.compile(r",\s*(?=[!#$%&'*+.^_`|~0-9A-Za-z-]+=)")
_URL = re.compile(
    r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://|//)?(?P<authority>[^/?#]*)(?P<path>[^?#]*)"
    r"(?:\?(?P<query>[^#]*))?(?:#(?P<fragment>.*))?",
    re.DOTALL,
)


def looks_secret_name(name: str) -> bool:
    """True for field, capture and parameter names such as ``password`` or ``api_token``.

    Deliberately over-inclusive (``postcode`` and ``signup`` match too): masking a
    harmless value costs a little debugging, printing a real one costs a rotation.
    """
    return _SECRET_NAME.search(name) is not None


def masks_header(name: str) -> bool:
    """True for a header whose value is a credential or a cookie, masked by position."""
    lname = name.strip().lower()
    return lname in _CREDENTIAL_HEADERS or _is_secret_header(lname)


def redact_form(fields: Mapping[str, str]) -> dict[str, str]:
    """A copy of a form or capture map with the values of secret-looking fields masked."""
    return {name: MASK if looks_secret_name(name) else value for name, value in fields.items()}


@dataclass(frozen=True)
class Canary:
    """A secret the run used and what it is, worded for "your logs print …": the log
    check (:mod:`launchgate.checks.logs`) searches the app's logs for each one."""

    value: str
    what: str  # "the session cookie lg_session", "the value of $DB_PASSWORD"


class Redactor:
    """Masks every known form of every registered secret; ``add`` is safe from any thread.

    A secret registered with ``what`` (what it is) is also a :class:`Canary`: the one
    list of the run's secrets serves both masking and the log check."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._forms: dict[str, set[str]] = {}  # secret -> its derived forms
        self._what: dict[str, str] = {}  # secret -> what it is, for those that say
        # (any form, every form at every start): the first finds whether and where to
        # start, fast; the second, a lookahead, also finds overlapping matches. Rebuilt
        # lazily after ``add``, so a burst of captures costs one compilation.
        self._patterns: tuple[re.Pattern[str], re.Pattern[str]] | None = None
        self._stale = False
        self._listeners: list[Callable[[str], None]] = []
        for secret in secrets:
            self.add(secret)

    def on_add(self, listener: Callable[[str], None]) -> None:
        """Call ``listener(secret)`` for every secret registered from now on, and at once
        for those already known: inside GitHub Actions, the CLI tells the runner to mask
        each one (``::add-mask::``) the moment launchgate learns it, before it can be
        printed by anything launchgate does not control."""
        with self._lock:
            self._listeners.append(listener)
            known = sorted(self._forms)
        for secret in known:
            listener(secret)

    def add(self, value: str, *, warn_if_short: bool = True) -> None:
        """Register a secret learned at run time: a captured token, a generated password.

        ``warn_if_short=False`` for values treated as secret only to be safe (every
        capture, every query value of a secret-looking name): a short one is common
        there and not worth a warning."""
        if not value.strip():
            return  # an unset optional secret; nothing to hide
        if len(value.strip()) < MIN_SECRET_LEN:
            if not warn_if_short:
                return
            logger.warning(
                "a secret shorter than %d characters was not registered for redaction: "
                "masking it would shred ordinary text; use a longer secret",
                MIN_SECRET_LEN,
            )
            return
        # Secrets read from files often end in a newline that the wire value lacks.
        with self._lock:
            new = sorted({value, value.strip()} - self._forms.keys())
            for secret in new:
                self._forms[secret] = derived_forms(secret)
                self._stale = True
            listeners = list(self._listeners)
        for secret in new:  # outside the lock: a listener may print, and printing redacts
            for listener in listeners:
                listener(secret)

    def describe(self, value: str, what: str) -> None:
        """Say what a secret is ("the cookie lg_session"), registering it if it is new:
        that makes it a :meth:`canaries` entry. The first description wins."""
        if value.strip() not in self._forms:
            self.add(value, warn_if_short=False)
        self._label(value, what)

    def _label(self, value: str, what: str) -> None:
        if not what:
            return
        with self._lock:
            for secret in (value.strip(), value):
                if secret in self._forms:
                    self._what.setdefault(secret, what)

    def canaries(self) -> tuple[Canary, ...]:
        """The described secrets, in the order they were described: credentials the
        run used (passwords, cookies and tokens it received, signing secrets)."""
        with self._lock:
            return tuple(Canary(value, what) for value, what in self._what.items())

    def _compiled(self) -> tuple[re.Pattern[str], re.Pattern[str]] | None:
        if self._stale:
            with self._lock:
                if self._stale:
                    forms = set().union(*self._forms.values())
                    # Longest first: at one position the regex takes the first alternative
                    # that matches, so a secret that contains another is masked whole.
                    ordered = sorted(forms, key=lambda f: (-len(f), f))
                    alternation = "|".join(re.escape(f) for f in ordered)
                    self._patterns = (re.compile(alternation), re.compile(f"(?=({alternation}))"))
                    self._stale = False
        return self._patterns

    def __contains__(self, text: str) -> bool:
        """True if ``text`` still holds a known form of a secret (outside of our own masks)."""
        patterns = self._compiled()
        if patterns is None:
            return False
        return any(patterns[0].search(piece) for piece in text.split(MASK))

    def redact(self, text: str) -> str:
        """``text`` with every known form of every secret, and every card number,
        replaced by :data:`MASK`."""
        return mask_card_numbers(self._mask_known(text), MASK)

    def _mask_known(self, text: str) -> str:
        patterns = self._compiled()  # one read: ``add`` may run on another thread
        first = patterns[0].search(text) if patterns is not None else None
        if patterns is None or first is None:
            return text
        spans: list[list[int]] = []  # merged [start, end) of every match, overlaps joined
        for match in patterns[1].finditer(text, first.start()):
            start, end = match.start(1), match.end(1)
            if spans and start < spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], end)
            else:
                spans.append([start, end])
        out: list[str] = []
        last = 0
        for start, end in spans:
            out += [text[last:start], MASK]
            last = end
        out.append(text[last:])
        return "".join(out)

    def learn_url(self, url: str) -> None:
        """Register the secrets a URL carries, as soon as it is known: the password of
        its user info (or a lone user name, a token), and the value of every query or
        fragment parameter with a secret-looking name (``?token=``, ``&sig=``), as
        written in the URL and decoded both ways, so every form of it is masked
        wherever it is echoed later (an error page quoting the request, a log)."""
        m = _URL.fullmatch(url)
        if m is None:  # unreachable: every part of the pattern is optional
            return
        userinfo, at, _host = m["authority"].rpartition("@")
        if at:
            user, colon, password = userinfo.partition(":")
            if colon:
                self._add_encoded(password)
            elif m["head"]:
                self._add_encoded(user)  # https://TOKEN@host: a lone user name is a token
        for params in (m["query"], m["fragment"]):
            for name, value in _params(params or ""):
                if looks_secret_name(unquote_plus(name)):
                    self._add_encoded(value)

    def learn_headers(self, headers: Iterable[tuple[str, str]] | Mapping[str, str]) -> None:
        """Register the values of every header that is masked by position (credentials,
        cookies, the cookies a response sets), so that they are masked by value too
        wherever else they show up: echoed in a body, a log line, an exception."""
        for name, value in _header_pairs(headers):
            lname = name.strip().lower()
            if lname in ("authorization", "proxy-authorization"):
                self._add_credentials(value.strip(), name.strip())
            elif lname == "cookie":
                for pair in value.split(";"):
                    self._add_cookie(pair)
            elif lname == "set-cookie":
                for cookie in _COOKIE_FOLD.split(value):
                    self._add_cookie(cookie.partition(";")[0])
            elif _is_secret_header(lname):
                what = f"the value of the {name.strip()} header"
                self.add(value, warn_if_short=False)
                self._label(value, what)
                # A log may print only the signature of "t=…,v1=<hex>": long parts count too.
                for part in re.split(r"[,; ]", value):
                    piece = part.partition("=")[2]
                    if len(piece) >= MIN_CREDENTIAL_LEN:
                        self.add(piece, warn_if_short=False)
                        self._label(piece, what)

    def _add_cookie(self, pair: str) -> None:
        name, _eq, value = pair.partition("=")
        value = value.strip()
        # Only a long cookie is described as a credential: a short one (theme=dark) is
        # masked to be safe, but finding "dark" in a log would be no leak.
        what = f"the cookie {name.strip()}" if len(value) >= MIN_CREDENTIAL_LEN else ""
        for form in {value, value.strip('"')}:  # a quoted cookie value travels unquoted too
            self.add(form, warn_if_short=False)
            self._label(form, what)

    def _add_credentials(self, value: str, header: str = "Authorization") -> None:
        scheme = _AUTH_SCHEME.match(value)
        token = value[scheme.end() - 1 :] if scheme else value
        kind = scheme.group(1) if scheme else "credential"
        self.add(token, warn_if_short=False)
        self._label(token, f"the {kind} token of the {header} header")
        if scheme and scheme.group(1).lower() == "basic":
            try:
                decoded = base64.b64decode(token, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return
            password = decoded.partition(":")[2]
            self.add(password, warn_if_short=False)
            self._label(password, f"the password of the Basic credentials in the {header} header")

    def _add_encoded(self, value: str) -> None:
        for form in {value, unquote(value), unquote_plus(value)}:
            self.add(form, warn_if_short=False)

    def redact_headers(
        self, headers: Iterable[tuple[str, str]] | Mapping[str, str]
    ) -> list[tuple[str, str]]:
        """Header pairs as they may be shown; credential headers are masked by position."""
        return [(name, self._redact_header(name, value)) for name, value in _header_pairs(headers)]

    def _redact_header(self, name: str, value: str) -> str:
        lname = name.strip().lower()
        if lname in ("authorization", "proxy-authorization"):
            scheme = _AUTH_SCHEME.match(value.strip())
            return f"{scheme.group(1)} {MASK}" if scheme else MASK
        if lname == "cookie":
            return "; ".join(_mask_cookie(part) for part in value.split(";") if part.strip())
        if lname == "set-cookie":
            return ", ".join(self._redact_set_cookie(c) for c in _COOKIE_FOLD.split(value))
        if _is_secret_header(lname):
            return MASK
        return self.redact(value)

    def _redact_set_cookie(self, cookie: str) -> str:
        pair, sep, attributes = cookie.partition(";")
        return _mask_cookie(pair) + sep + self.redact(attributes)

    def redact_url(self, url: str) -> str:
        """``url`` without its password and secret-looking query values, then redacted.

        Parsed with one permissive regex rather than ``urlsplit``, so odd input (no
        scheme, IPv6 hosts, bad percent-encoding, a bare path) never raises.
        """
        m = _URL.fullmatch(url)
        if m is None:  # unreachable: every part of the pattern is optional
            return self.redact(url)
        head, authority, path = m["head"] or "", m["authority"], m["path"]
        query, fragment = m["query"], m["fragment"]
        userinfo, at, host = authority.rpartition("@")
        if at:
            user, colon, _password = userinfo.partition(":")
            if colon:
                userinfo = f"{user}:{MASK}"
            elif head:
                userinfo = MASK  # https://TOKEN@host: a lone user name is a token
            authority = f"{userinfo}@{host}"
        out = head + authority + path
        if query is not None:
            out += "?" + _mask_params(query)
        if fragment is not None:  # the OAuth implicit flow puts tokens here
            out += "#" + (_mask_params(fragment) if "=" in fragment else fragment)
        return self.redact(out)


def _header_pairs(
    headers: Iterable[tuple[str, str]] | Mapping[str, str],
) -> Iterable[tuple[str, str]]:
    if isinstance(headers, Mapping):
        # httpx.Headers folds repeated headers into one value; keep them apart.
        multi_items = getattr(headers, "multi_items", None)
        return multi_items() if callable(multi_items) else headers.items()
    return headers


def _is_secret_header(lname: str) -> bool:
    return lname in _MASKED_HEADERS or (
        lname not in _PUBLIC_HEADERS and _SECRET_HEADER_NAME.search(lname) is not None
    )


def _params(query: str) -> list[tuple[str, str]]:
    pairs = (param.partition("=") for param in query.replace(";", "&").split("&"))
    return [(name, value) for name, eq, value in pairs if eq]


def _mask_cookie(pair: str) -> str:
    name, eq, _value = pair.strip().partition("=")
    return f"{name}={MASK}" if eq else MASK


def _mask_params(query: str) -> str:
    params = []
    for param in query.split("&"):
        name, eq, _value = param.partition("=")
        secret = eq and looks_secret_name(unquote_plus(name))
        params.append(f"{name}={MASK}" if secret else param)
    return "&".join(params)


def derived_forms(secret: str) -> set[str]:
    """Every form in which ``secret`` may reach an output, each at least 4 characters."""
    raw = secret.encode("utf-8", "surrogatepass")
    forms = {
        secret,
        quote(raw, safe=""),
        quote(raw),  # keeps "/", as in a path
        quote_plus(raw),
        quote(raw, safe=_URL_SAFE),  # a literal URL as written, encoded only where it must be
        json.dumps(secret)[1:-1],
        json.dumps(secret)[1:-1].replace("/", "\\/"),  # PHP and others escape "/"
        json.dumps(secret, ensure_ascii=False)[1:-1],
        html.escape(secret),
        html.escape(secret, quote=False),
    }
    forms |= {_lower_hex(f) for f in forms if "%" in f}  # %2f as some encoders write it
    for core in _base64_cores(raw):
        urlsafe = core.translate(_URLSAFE)
        forms |= {core, urlsafe, quote(core, safe="")}
    return {f for f in forms if len(f) >= MIN_SECRET_LEN}


_URLSAFE = str.maketrans("+/", "-_")
# RFC 3986 unreserved, sub-delims and the pchar/query extras: what an HTTP client
# leaves unencoded in a literal URL (a space becomes %20, "+" stays).
_URL_SAFE = "-._~!$&'()*+,;=:@/?"


def _lower_hex(form: str) -> str:
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), form)


def _base64_cores(raw: bytes) -> list[str]:
    """The base64 characters that depend on ``raw`` alone, at each of the 3 alignments.

    Inside ``base64(prefix + raw + suffix)`` the bytes of ``raw`` start at bit
    ``8 * k`` (``k = len(prefix) % 3``) of a 3-byte group. Output character ``j``
    covers bits ``6j .. 6j + 6``; it is stable when those bits all come from ``raw``.
    """
    cores = []
    for k in range(3):
        encoded = base64.b64encode(b"\0" * k + raw).decode("ascii")
        first = -(-8 * k // 6)  # ceil: skip characters that mix in the prefix
        last = (8 * (k + len(raw))) // 6  # floor: drop those mixing in the suffix/padding
        cores.append(encoded[first:last])
    return cores

"""What the log check looks for, and the search itself. Pure.

The canaries are the exact values this run used: the credentials the redactor was
told about with what they are (:meth:`launchgate.redact.Redactor.canaries`: configured
secrets, the throwaway password, cookies and tokens the app handed out, webhook
secrets and signatures), the signup address and the literal addresses the journeys
log in with (personal data), and card numbers a journey sent. Each is searched in
every form it may take on the way into a log (:func:`launchgate.redact.derived_forms`:
raw, URL-encoded, base64, JSON- and HTML-escaped).

Only described values count: every capture is masked to be safe, but an order id
found in an access log is no leak, and a false blocker teaches people to ignore one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from launchgate.config.model import Config
from launchgate.config.security_rules import sent_strings
from launchgate.config.template import names_in
from launchgate.redact import MASK, Canary, cut, derived_forms
from launchgate.redact.cards import is_card_number
from launchgate.redact.logs import mask_wire_text
from launchgate.results import Severity

__all__ = ["MIN_CANARY_LEN", "Hit", "Needle", "Search", "needles"]

MIN_CANARY_LEN = 8
"""Shorter values are masked in output but not searched: found in a log, they would
as likely be a coincidence as a leak."""

EXCERPT = 160
_ADDRESS = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_DIGITS = re.compile(r"(?<![0-9])[0-9][0-9 -]{11,22}[0-9](?![0-9])")


@dataclass(frozen=True)
class Needle:
    """One value to look for, what it is, and how bad finding it is."""

    value: str
    what: str
    severity: Severity


@dataclass(frozen=True)
class Hit:
    """Where a needle was found: the line (1-based) and the line, masked."""

    needle: Needle
    line: int
    excerpt: str


def needles(
    canaries: Iterable[Canary], config: Config, variables: Mapping[str, str]
) -> tuple[Needle, ...]:
    """Every value this run used that must never reach a log, credentials first."""
    sent = [
        text
        for journey in config.journeys.values()
        for s in journey.steps
        for text in sent_strings(s)
    ]
    used = {name for text in sent for name in names_in(text)}
    found: dict[str, Needle] = {}

    def put(value: str, what: str, severity: Severity) -> None:
        if len(value.strip()) >= MIN_CANARY_LEN and value.strip() not in found:
            found[value.strip()] = Needle(value.strip(), what, severity)

    for canary in canaries:
        if canary.value == variables.get("run.password") and "run.password" not in used:
            continue  # made for every run, sent by none of this config's journeys
        put(canary.value, canary.what, Severity.BLOCKER)
    for text in sent:
        for digits in _DIGITS.findall(text):
            compact = re.sub(r"[ -]", "", digits)
            if is_card_number(compact):
                put(compact, "the card number a journey sent", Severity.BLOCKER)
    if "run.email" in used and variables.get("run.email"):
        put(variables["run.email"], "the signup email address ({{ run.email }})", Severity.HIGH)
    for name, journey in config.journeys.items():
        for step in journey.steps:
            for text in sent_strings(step):
                for address in _ADDRESS.findall(text):
                    put(address, f"the customer email address journey {name} sends", Severity.HIGH)
    return tuple(found.values())


class Search:
    """Every form of every needle in one pattern; :meth:`line` reports the hits."""

    def __init__(
        self, found: Iterable[Needle], redact: Callable[[str], str] = lambda text: text
    ) -> None:
        self._redact = redact  # the run's redactor: other secrets on the line stay hidden
        self._by_form: dict[str, Needle] = {}
        for needle in found:  # credentials first: a form two needles share is the worse
            for form in derived_forms(needle.value) | {needle.value}:
                if len(form) >= MIN_CANARY_LEN:
                    self._by_form.setdefault(form, needle)
        ordered = sorted(self._by_form, key=lambda f: (-len(f), f))
        self._pattern = re.compile("|".join(re.escape(f) for f in ordered)) if ordered else None

    def __bool__(self) -> bool:
        return self._pattern is not None

    def line(self, text: str, number: int) -> list[Hit]:
        """The needles on one line, once each, with the line shown masked."""
        if self._pattern is None:
            return []
        hits = {self._by_form[m.group()] for m in self._pattern.finditer(text)}
        if not hits:
            return []
        shown = self.masked(text)
        return [Hit(needle, number, shown) for needle in sorted(hits, key=lambda n: n.what)]

    def hide(self, text: str) -> str:
        """``text`` with every needle, every known secret and every credential by
        position masked: what may be shown of a log line."""
        if self._pattern is not None:
            text = self._pattern.sub(MASK, text)
        return self._redact(mask_wire_text(text))

    def masked(self, text: str) -> str:
        """:meth:`hide`, cut around the first mask so the place of the leak shows."""
        masked = self.hide(text.rstrip("\r\n"))
        at = masked.find(MASK)
        if at > EXCERPT // 2:
            start = at - EXCERPT // 3
            # Never start inside an earlier mask: half a "[redacted]" reads as a value.
            earlier = masked.rfind(MASK, 0, start + 1)
            if earlier != -1 and earlier + len(MASK) > start:
                start = earlier
            masked = "…" + masked[start:]
        return cut(masked, EXCERPT)

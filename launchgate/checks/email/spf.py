"""SPF (RFC 7208): parse a ``v=spf1`` record, walk its includes, judge the result.

Pure: :func:`parse_spf` takes record text; :func:`walk_spf` takes an injected
``fetch`` coroutine, so the rules are tested without DNS and the check runs them over
real DNS. Mechanisms that make a receiver query DNS (``include``, ``a``, ``mx``,
``ptr``, ``exists`` and the ``redirect`` modifier) are counted across every nested
include; more than 10 is a permanent error at every receiver (RFC 7208 section 4.6.4).
The targets of ``a``, ``mx`` and ``exists`` are counted but not resolved.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "LOOKUP_LIMIT",
    "SpfFetch",
    "SpfRecord",
    "SpfTerm",
    "SpfWalk",
    "TempError",
    "corrected_all",
    "is_spf",
    "merged_record",
    "parse_spf",
    "walk_spf",
]

LOOKUP_LIMIT = 10
_QUERYING = frozenset({"include", "a", "mx", "ptr", "exists"})
_MECHANISMS = frozenset({"all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"})
_TERM = re.compile(r"^(?P<q>[+\-~?]?)(?P<name>[A-Za-z][A-Za-z0-9_.-]*)(?P<rest>.*)$")
_DOMAIN_SPEC = re.compile(r"^(?:[A-Za-z0-9_-]|%\{[a-zA-Z][0-9]*r?[-.+,/_=]*\}|%%|%_|%-|\.)+$")
_CIDR = re.compile(r"^(?P<domain>[^/]*)(?:/(?P<v4>\d{1,2}))?(?://(?P<v6>\d{1,3}))?$")
Qualifier = Literal["+", "-", "~", "?"]


@dataclass(frozen=True)
class SpfTerm:
    qualifier: Qualifier
    name: str  # mechanism name, lower case: "include", "ip4", "all"
    value: str  # the domain or network after ":", "" when none
    text: str  # as written


@dataclass(frozen=True)
class SpfRecord:
    text: str
    mechanisms: tuple[SpfTerm, ...]
    redirect: str | None
    errors: tuple[str, ...]  # syntax errors: each makes the record a permanent error

    @property
    def lookups(self) -> int:
        own = sum(1 for m in self.mechanisms if m.name in _QUERYING)
        return own + (1 if self.redirect else 0)

    @property
    def all_term(self) -> SpfTerm | None:
        return next((m for m in self.mechanisms if m.name == "all"), None)


def is_spf(text: str) -> bool:
    """A TXT record is an SPF record if it is ``v=spf1`` alone or followed by a space."""
    return text.lower() == "v=spf1" or text.lower().startswith("v=spf1 ")


def parse_spf(text: str) -> SpfRecord:
    mechanisms: list[SpfTerm] = []
    errors: list[str] = []
    modifiers: dict[str, str] = {}
    for raw in text.split()[1:]:
        m = _TERM.match(raw)
        if m is None:
            errors.append(f"'{raw}' is not an SPF term")
            continue
        name, rest = m["name"].lower(), m["rest"]
        if rest.startswith("=") and not m["q"]:
            if name in modifiers and name in ("redirect", "exp"):
                errors.append(f"'{name}=' appears twice")
            modifiers[name] = rest[1:]
            if name in ("redirect", "exp") and not _DOMAIN_SPEC.match(rest[1:]):
                errors.append(f"'{raw}': '{rest[1:]}' is not a domain")
            continue
        qualifier: Qualifier = m["q"] or "+"  # type: ignore[assignment]
        problem = _mechanism_problem(name, rest)
        if problem:
            errors.append(f"'{raw}': {problem}")
            continue
        value = rest[1:] if rest.startswith(":") else ""
        mechanisms.append(SpfTerm(qualifier, name, value, raw))
    return SpfRecord(text, tuple(mechanisms), modifiers.get("redirect"), tuple(errors))


def _mechanism_problem(name: str, rest: str) -> str:
    if name not in _MECHANISMS:
        return f"unknown mechanism '{name}' (known: {', '.join(sorted(_MECHANISMS))})"
    if name == "all":
        return "" if not rest else "'all' takes no value"
    if name in ("ip4", "ip6"):
        if not rest.startswith(":"):
            return f"'{name}' needs an address, such as {name}:{_EXAMPLE_NET[name]}"
        try:
            net = ipaddress.ip_network(rest[1:], strict=False)
        except ValueError:
            return f"'{rest[1:]}' is not an {'IPv4' if name == 'ip4' else 'IPv6'} network"
        if (net.version == 4) != (name == "ip4"):
            return f"'{rest[1:]}' is not an {'IPv4' if name == 'ip4' else 'IPv6'} address"
        return ""
    if name in ("include", "exists") and not rest.startswith(":"):
        return f"'{name}' needs a domain, such as {name}:_spf.example.com"
    if rest and not rest.startswith((":", "/")):
        return f"unexpected '{rest}' after '{name}'"
    parts = _CIDR.match(rest.removeprefix(":"))
    if parts is None or (parts["domain"] and not _DOMAIN_SPEC.match(parts["domain"])):
        return f"'{rest.removeprefix(':')}' is not a domain"
    if (parts["v4"] and int(parts["v4"]) > 32) or (parts["v6"] and int(parts["v6"]) > 128):
        return "the prefix length is out of range"
    if name in ("include", "exists", "ptr") and (parts["v4"] or parts["v6"]):
        return f"'{name}' takes no prefix length"
    return ""


_EXAMPLE_NET = {"ip4": "192.0.2.0/24", "ip6": "2001:db8::/32"}


def corrected_all(record: SpfRecord, ending: str = "~all") -> str:
    """The record with its ``all`` replaced by (or ended with) ``ending``; mechanisms
    written after ``all`` (which receivers never read) move before it."""
    words = record.text.split()
    kept = [w for w in words[1:] if _term_name(w) != "all"]
    return " ".join(["v=spf1", *kept, ending])


def _term_name(word: str) -> str:
    m = _TERM.match(word)
    return m["name"].lower() if m else ""


def merged_record(records: list[SpfRecord]) -> str:
    """One record with every mechanism of several, for a domain that published two."""
    seen: list[str] = []
    for record in records:
        for term in record.mechanisms:
            text = term.text if term.qualifier != "+" else term.text.lstrip("+")
            if term.name != "all" and text not in seen:
                seen.append(text)
    strict = any(r.all_term and r.all_term.qualifier == "-" for r in records)
    return " ".join(["v=spf1", *seen, "-all" if strict else "~all"])


class TempError(Exception):
    """DNS could not answer (SERVFAIL, timeout): the walk cannot decide."""


SpfFetch = Callable[[str], Awaitable[list[str] | None]]
"""``domain -> its TXT strings``, ``None`` when the name does not exist or has no TXT;
raises :class:`TempError` when DNS fails."""


@dataclass
class SpfWalk:
    """Everything the walk over nested includes found."""

    lookups: int = 0
    by_term: list[tuple[str, int]] = field(default_factory=list)  # top-level term, its cost
    loops: list[tuple[str, ...]] = field(default_factory=list)  # domain chains
    broken: list[tuple[str, str]] = field(default_factory=list)  # (path, what is wrong)
    truncated: bool = False  # stopped early: far past the limit
    effective_all: SpfTerm | None = None  # the record's own all, or its redirect's


_MAX_WALK_LOOKUPS = 40  # far past the limit the count is decided; stop asking DNS


async def walk_spf(domain: str, record: SpfRecord, fetch: SpfFetch) -> SpfWalk:
    walk = SpfWalk()
    cache: dict[str, SpfRecord | str] = {}

    async def cost(target: str, chain: tuple[str, ...]) -> int:
        """DNS lookups spent evaluating ``target``'s record (its own and below)."""
        if target.lower() in (c.lower() for c in chain):
            walk.loops.append((*chain, target))
            return 0
        if "%" in target or walk.lookups > _MAX_WALK_LOOKUPS:
            walk.truncated = walk.truncated or "%" not in target
            return 0  # macros expand per message; we cannot follow them
        resolved = cache.get(target)
        if resolved is None:
            resolved = await _fetch_spf(target, fetch)
            cache[target] = resolved
        if isinstance(resolved, str):
            walk.broken.append((" -> ".join((*chain, target)), resolved))
            return 0
        for error in resolved.errors:
            walk.broken.append((" -> ".join((*chain, target)), f"syntax error: {error}"))
        return await below(resolved, (*chain, target))

    async def below(rec: SpfRecord, chain: tuple[str, ...]) -> int:
        total = 0
        for term in rec.mechanisms:
            if term.name in _QUERYING:
                walk.lookups += 1
                total += 1
                if term.name == "include":
                    total += await cost(term.value, chain)
        if rec.redirect and rec.all_term is None:  # redirect is ignored when all is present
            walk.lookups += 1
            total += 1 + await cost(rec.redirect, chain)
        return total

    chain = (domain,)
    for term in record.mechanisms:
        if term.name not in _QUERYING:
            continue
        walk.lookups += 1
        spent = 1 + (await cost(term.value, chain) if term.name == "include" else 0)
        walk.by_term.append((term.text, spent))
    if record.redirect and record.all_term is None:
        walk.lookups += 1
        walk.by_term.append((f"redirect={record.redirect}", 1 + await cost(record.redirect, chain)))
    walk.effective_all = _effective_all(record, cache)
    return walk


def _effective_all(record: SpfRecord, cache: dict[str, SpfRecord | str]) -> SpfTerm | None:
    """``all`` decides what happens to unlisted senders; without one, ``redirect=``
    hands the decision to another domain's record."""
    seen: set[str] = set()
    while record.all_term is None and record.redirect and record.redirect not in seen:
        seen.add(record.redirect)
        target = cache.get(record.redirect)
        if not isinstance(target, SpfRecord):
            return None
        record = target
    return record.all_term


async def _fetch_spf(domain: str, fetch: SpfFetch) -> SpfRecord | str:
    texts = await fetch(domain)
    records = [t for t in texts or [] if is_spf(t)]
    if not records:
        return "has no SPF record (a permanent error at every receiver)"
    if len(records) > 1:
        return f"has {len(records)} SPF records (a permanent error at every receiver)"
    return parse_spf(records[0])

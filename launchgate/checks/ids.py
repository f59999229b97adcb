"""Check ids: the one place that builds them and reads them back.

An id is ``kind``, then a ``name`` and an ``aspect`` where the kind has them, joined by
``::``: ``readiness``, ``journey::login``, ``webhook::billing::forged``,
``probe::home::p95``, ``edge::dns::www.example.com``, ``email::dkim::s1``,
``security::login-rate-limit``, ``logs::leaks``. Reports, baselines, ``--lf`` and ``-k``
key on these
strings, so every builder here returns exactly the text earlier versions wrote by hand.

Only the first two separators split: an edge alias's URL may itself hold ``::``
(``https://[::1]:8443``) and stays the aspect whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast, get_args

from launchgate.config.hosts import EdgeUrl
from launchgate.redact import Redactor
from launchgate.results import CheckKind

__all__ = [
    "LOGS_ID",
    "PROBE_ID",
    "READINESS_ID",
    "SECRETS_ID",
    "SEP",
    "CheckId",
    "edge_alias_id",
    "edge_dns_id",
    "edge_id",
    "edge_private_cache_id",
    "email_dkim_id",
    "email_id",
    "journey_id",
    "probe_gate_id",
    "security_id",
    "url_id",
    "webhook_id",
    "webhook_prefix",
]

SEP = "::"

READINESS_ID = "readiness"
PROBE_ID = "probe"
SECRETS_ID = "secrets::scan"
LOGS_ID = "logs::leaks"

_KINDS: frozenset[str] = frozenset(get_args(CheckKind))
# Kinds whose one check is the kind itself: no name follows.
_BARE: frozenset[str] = frozenset({"readiness", "probe"})


def journey_id(name: str) -> str:
    return f"journey{SEP}{name}"


def webhook_prefix(name: str) -> str:
    """What every check of webhook ``name`` starts with (``webhook::billing``)."""
    return f"webhook{SEP}{name}"


def webhook_id(name: str, which: str) -> str:
    return f"{webhook_prefix(name)}{SEP}{which}"


def probe_gate_id(route: str, gate: str) -> str:
    """``probe::home::p95``: one gate (``p95``, ``errors``, ``regression``) of a route."""
    return f"{PROBE_ID}{SEP}{route}{SEP}{gate}"


def edge_id(check: str) -> str:
    """An edge check with no subject of its own: ``edge::https``, ``edge::tls``."""
    return f"edge{SEP}{check}"


def edge_dns_id(host: str) -> str:
    return f"{edge_id('dns')}{SEP}{host}"


def edge_alias_id(alias: EdgeUrl) -> str:
    return f"{edge_id('alias')}{SEP}{url_id(alias)}"


def edge_private_cache_id(journey: str) -> str:
    return f"{edge_id('private-cache')}{SEP}{journey}"


def security_id(check: str) -> str:
    """A check of the app's defences: ``security::login-rate-limit``."""
    return f"security{SEP}{check}"


def email_id(check: str) -> str:
    """``email::spf``, ``email::dmarc``, and ``email::dkim`` when no selector is named."""
    return f"email{SEP}{check}"


def email_dkim_id(selector: str) -> str:
    return f"{email_id('dkim')}{SEP}{selector}"


def url_id(url: EdgeUrl) -> str:
    """A URL as it appears in a check id: no trailing slash for a bare origin, and
    secret-looking query values masked (ids reach every report unredacted)."""
    return url.origin if (url.path, url.query) == ("/", "") else Redactor().redact_url(str(url))


@dataclass(frozen=True)
class CheckId:
    """A check id read back into its parts; ``str()`` gives the text again."""

    kind: CheckKind
    name: str | None = None
    aspect: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"not a check kind: {self.kind!r}")
        if self.aspect is not None and self.name is None:
            raise ValueError("a check id with an aspect needs a name")
        if "" in (self.name, self.aspect):
            raise ValueError("a check id has no empty parts")

    @classmethod
    def parse(cls, text: str) -> CheckId:
        """``webhook::billing::forged`` -> ``CheckId("webhook", "billing", "forged")``.

        Raises ValueError naming the text for an unknown kind, an empty part, or a
        kind that needs a name (``journey``) without one."""
        kind, *rest = text.split(SEP, 2)
        if kind not in _KINDS:
            known = ", ".join(sorted(_KINDS))
            raise ValueError(f"not a check id: {text!r} (starts with none of {known})")
        if "" in rest:
            raise ValueError(f"not a check id: {text!r} (an empty part)")
        if not rest and kind not in _BARE:
            raise ValueError(f"not a check id: {text!r} ({kind} checks carry a name)")
        name = rest[0] if rest else None
        aspect = rest[1] if len(rest) > 1 else None
        return cls(cast(CheckKind, kind), name, aspect)

    def __str__(self) -> str:
        return SEP.join(p for p in (self.kind, self.name, self.aspect) if p is not None)

    @property
    def parent(self) -> CheckId | None:
        """One level up: ``webhook::billing`` for ``webhook::billing::forged``,
        ``journey`` for ``journey::login``; None for a kind alone."""
        if self.aspect is not None:
            return CheckId(self.kind, self.name)
        if self.name is not None:
            return CheckId(self.kind)
        return None

    def node_parts(self) -> tuple[str, ...]:
        """The pytest node names below launchgate.yml, one per ``::`` in the text.

        Split at every separator, unlike :meth:`parse`: pytest resolves a node id one
        ``::`` part at a time, so a part holding ``::`` could never be selected."""
        return tuple(str(self).split(SEP))

"""The credentials a launch stack carries, as detection rules grouped by provider family.

Our own detectors, not detect-secrets: on the labelled small-SaaS corpus that
``benchmarks/secret_scan.py`` builds (figures in ``docs/benchmarks.md``), detect-secrets
1.5 found 315 of 470 secrets and flagged 162 of 280 look-alikes, Kingfisher 2.14 273
and 53, secretlint 12 127 and 5; these rules find all 470 and flag none, after the
fixes that corpus prompted (before them: 434 of 442 and 14 of 239; its held-out part
19 of 28 and 1 of 41), so an upper bound.

Each rule is a regex anchored on the credential's published format (prefix, length,
alphabet), with keywords that must occur in the text before the regex runs at all (the
cheap test that keeps a history scan fast), and where the format has one, its own
check (a checksum, a decoded length, a JWT claim: :mod:`formats`). A ``public`` rule
knows a format that is public by design (Stripe ``pk_``, Mapbox ``pk.``): its matches
are dropped, with that reason, never reported. Rules run in this order and the first
to claim a value keeps it (a Clerk key under ``CLERK_SECRET_KEY`` is Clerk's, not
Stripe's, though both start ``sk_live_``).

The README's list of what is known is :func:`known_markdown` (a test keeps them in step).
"""

from __future__ import annotations

from launchgate.secretscan.rules import (
    ai,
    apis,
    cloud,
    code,
    data,
    frameworks,
    keys,
    messaging,
    monitoring,
    payments,
)
from launchgate.secretscan.rules._base import NOT_MINE, Rule

__all__ = ["FAMILIES", "NOT_MINE", "READERS", "RULES", "Rule", "known_markdown", "providers"]

# README order. Data and auth runs before payments so that Clerk claims its sk_ keys.
FAMILIES: tuple[tuple[str, tuple[Rule, ...]], ...] = (
    (cloud.FAMILY, cloud.RULES),
    (code.FAMILY, code.RULES),
    (data.FAMILY, data.RULES),
    (payments.FAMILY, payments.RULES),
    (messaging.FAMILY, messaging.RULES),
    (monitoring.FAMILY, monitoring.RULES),
    (ai.FAMILY, ai.RULES),
    (apis.FAMILY, apis.RULES),
    (keys.FAMILY, keys.RULES),
    (frameworks.FAMILY, frameworks.RULES),
)
RULES: tuple[Rule, ...] = tuple(r for _, rules in FAMILIES for r in rules)
# Not regexes but readers (launchgate.secretscan.manifests, the generic rule of
# launchgate.secretscan.detect): (family, provider, rule id, what it finds).
READERS: tuple[tuple[str, str, str, str], ...] = (
    (
        frameworks.FAMILY,
        "Kubernetes",
        "kubernetes-secret",
        "Secret manifests, data: base64-decoded and stringData:",
    ),
    (
        frameworks.FAMILY,
        "Secret-named keys",
        "generic-secret-assignment",
        "generated passwords and tokens under names such as password, secret, token or "
        "api_key in .env, YAML (compose, Helm values), JSON, TOML, XML, .tfvars, Terraform "
        "variable defaults and code (define() and env() defaults too)",
    ),
)


def providers() -> list[str]:
    """Every provider with at least one secret (not public-only) rule, in table order."""
    out: list[str] = []
    for r in RULES:
        if not r.public and r.provider not in out:
            out.append(r.provider)
    return out


def known_markdown() -> str:
    """The README's list, one bullet a family: each provider with what of it is found,
    then what is known to be public by design (dropped, with the reason, by --explain)."""
    lines = []
    for family, rules in FAMILIES:
        by_provider: dict[str, list[str]] = {}
        for r in rules:
            if not r.public:
                what = r.description.removeprefix(f"{r.provider} ")
                by_provider.setdefault(r.provider, []).append(what)
        for reader_family, provider, _, what in READERS:
            if reader_family == family:
                by_provider.setdefault(provider, []).append(what)
        parts = [f"{p} ({'; '.join(d)})" for p, d in by_provider.items()]
        line = f"- **{family}**: " + ", ".join(parts)
        public = [r.description for r in rules if r.public]
        if public:
            line += "; public by design, never reported: " + ", ".join(public)
        lines.append(line + ".")
    return "\n".join(lines) + "\n"

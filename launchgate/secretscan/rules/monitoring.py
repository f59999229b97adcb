"""Monitoring: Sentry, Datadog, New Relic, Grafana, Dynatrace, PostHog."""

from __future__ import annotations

import json
import re

from launchgate.secretscan.formats import b64decode, grafana_checksum_ok
from launchgate.secretscan.rules._base import named, rule, tok

FAMILY = "Monitoring"
_DD = r"(?:datadog|dd)[_.-]?"


def _grafana(secret: str, m: re.Match[str]) -> str | None:
    if secret.startswith("glsa_"):
        return None if grafana_checksum_ok(secret) else "checksum does not match: not a glsa_"
    if secret.startswith("glc_"):
        raw = b64decode(secret[4:])
        try:
            claims = json.loads(raw) if raw else None
        except (UnicodeDecodeError, json.JSONDecodeError):
            claims = None
        ok = isinstance(claims, dict) and "k" in claims
        return None if ok else "not a Grafana Cloud token: its base64 holds no key"
    return None


RULES = (
    rule(
        FAMILY,
        "Sentry",
        "sentry-auth-token",
        "Sentry auth token",
        tok(r"sntrys_eyJ[A-Za-z0-9+/=_-]{60,}|sntryu_[a-f0-9]{64}"),
        "sntrys_",
        "sntryu_",
        remedy="revoke the token in Sentry, Settings, Auth Tokens",
    ),
    rule(
        FAMILY,
        "Sentry",
        "sentry-dsn",
        "Sentry DSN",
        r"https://(?P<secret>[0-9a-f]{32})@[A-Za-z0-9.-]*sentry\.io/\d+",
        "sentry.io",
        public="public by design: a Sentry DSN only lets events in",
    ),
    rule(
        FAMILY,
        "Datadog",
        "datadog-rum-client-token",
        "Datadog RUM client token",
        r"(?P<secret>pub(?<![A-Za-z0-9_]pub)[0-9a-f]{32})(?![A-Za-z0-9_-])",
        "pub",
        public="public by design: a Datadog client token is meant for the browser",
    ),
    rule(
        FAMILY,
        "Datadog",
        "datadog-api-key",
        "Datadog API key",
        named(rf"{_DD}api[_.-]?key", r"[0-9a-f]{32}"),
        "datadog",
        "dd_api",
        "dd-api",
        "ddapi",
        remedy="revoke the key in Datadog, Organization settings, API keys",
    ),
    rule(
        FAMILY,
        "Datadog",
        "datadog-app-key",
        "Datadog application key",
        named(rf"{_DD}app(?:lication)?[_.-]?key", r"[0-9a-f]{40}"),
        "datadog",
        "dd_app",
        "dd-app",
        "ddapp",
        remedy="revoke the key in Datadog, Organization settings, Application keys",
    ),
    rule(
        FAMILY,
        "New Relic",
        "newrelic-license-key",
        "New Relic license (ingest) key",
        tok(r"[A-Za-z0-9]{36}NRAL"),
        "nral",
        remedy="rotate the key in New Relic, API keys",
    ),
    rule(
        FAMILY,
        "New Relic",
        "newrelic-api-key",
        "New Relic user or Insights key",
        tok(r"NRAK-[A-Z0-9]{27}|NRI[IQ]-[A-Za-z0-9_-]{32}"),
        "nrak-",
        "nrii-",
        "nriq-",
        remedy="delete the key in New Relic, API keys",
    ),
    rule(
        FAMILY,
        "New Relic",
        "newrelic-browser-key",
        "New Relic browser key",
        tok(r"NRJS-[a-f0-9]{19}"),
        "nrjs-",
        public="public by design: the browser agent's key ships in every page",
    ),
    rule(
        FAMILY,
        "Grafana",
        "grafana-token",
        "Grafana service-account, Cloud or API token",
        tok(r"glsa_[A-Za-z0-9]{32}_[a-fA-F0-9]{8}|glc_[A-Za-z0-9+/=_-]{32,400}")
        + "|"
        + tok(r"eyJrIjoi[A-Za-z0-9+/=_-]{40,400}", "secret2"),
        "glsa_",
        "glc_",
        "eyjrijoi",
        check=_grafana,
        remedy="delete the token in Grafana, Administration, Service accounts (or Cloud Portal)",
    ),
    rule(
        FAMILY,
        "Dynatrace",
        "dynatrace-token",
        "Dynatrace API token",
        tok(r"dt0c01\.[A-Z0-9]{24}\.[A-Z0-9]{64}"),
        "dt0c01.",
        remedy="revoke the token in Dynatrace, Access tokens",
    ),
    rule(
        FAMILY,
        "PostHog",
        "posthog-personal-key",
        "PostHog personal API key",
        tok(r"phx_[A-Za-z0-9]{43}"),
        "phx_",
        remedy="delete the key in PostHog, Personal API keys",
    ),
    rule(
        FAMILY,
        "PostHog",
        "posthog-project-key",
        "PostHog project API key",
        tok(r"phc_[A-Za-z0-9]{43}"),
        "phc_",
        public="public by design: a PostHog project key only sends events",
    ),
)

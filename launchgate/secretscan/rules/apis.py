"""Maps and APIs: Mapbox, Google (and Firebase and reCAPTCHA), Postman, Linear,
Algolia, Atlassian, Figma, Tailscale."""

from __future__ import annotations

import re

from launchgate.secretscan.rules._base import named, rule, tok

FAMILY = "Maps and APIs"
# A Firebase web config: the apiKey there identifies the project to Google, and its
# documentation says it is safe to ship (rules, not the key, protect the data).
_FIREBASE_CONFIG = re.compile(r"authDomain|firebaseapp\.com|initializeApp\s*\(|firebaseConfig")


def _firebase(secret: str, m: re.Match[str]) -> str | None:
    if _FIREBASE_CONFIG.search(m.string):
        return "public by design: a Firebase web API key in front-end config"
    return None


RULES = (
    rule(
        FAMILY,
        "Mapbox",
        "mapbox-secret-token",
        "Mapbox secret token",
        tok(r"sk\.eyJ[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,}"),
        "sk.eyj",
        remedy="delete the token in Mapbox, Account, Tokens",
    ),
    rule(
        FAMILY,
        "Mapbox",
        "mapbox-public-token",
        "Mapbox public token",
        tok(r"pk\.eyJ[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,}"),
        "pk.eyj",
        public="public by design: a Mapbox pk. token is meant for the browser",
    ),
    rule(
        FAMILY,
        "Google",
        "google-api-key",
        "Google API key",
        r"(?<![A-Za-z0-9_-])(?P<secret>AIza[0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])",
        "aiza",
        check=_firebase,
        remedy="regenerate the key in Google Cloud console, APIs & Services, Credentials",
    ),
    rule(
        FAMILY,
        "Google",
        "recaptcha-site-key",
        "reCAPTCHA site key",
        named(r"recaptcha[A-Za-z0-9_.-]{0,20}site|data-sitekey|sitekey", r"6L[A-Za-z0-9_-]{38}"),
        "sitekey",
        "site_key",
        "recaptcha",
        public="public by design: a reCAPTCHA site key is embedded in the page",
    ),
    rule(
        FAMILY,
        "Google",
        "recaptcha-secret-key",
        "reCAPTCHA secret key",
        named(r"recaptcha[A-Za-z0-9_.-]{0,20}(?:secret|private)", r"6L[A-Za-z0-9_-]{38}"),
        "recaptcha",
        remedy="regenerate the keys in the reCAPTCHA admin console",
    ),
    rule(
        FAMILY,
        "Postman",
        "postman-api-key",
        "Postman API key",
        tok(r"PMAK-[a-f0-9]{24}-[a-f0-9]{34}"),
        "pmak-",
        remedy="regenerate the key in Postman, Settings, API keys",
    ),
    rule(
        FAMILY,
        "Linear",
        "linear-api-key",
        "Linear API key or OAuth token",
        tok(r"lin_api_[A-Za-z0-9]{40}|lin_oauth_[a-f0-9]{64}"),
        "lin_api_",
        "lin_oauth_",
        remedy="revoke the key in Linear, Settings, Security & access",
    ),
    rule(
        FAMILY,
        "Algolia",
        "algolia-search-key",
        "Algolia search-only API key",
        named(r"algolia[A-Za-z0-9_.-]{0,20}search[A-Za-z0-9_.-]{0,20}", r"[a-f0-9]{32}"),
        "algolia",
        public="public by design: an Algolia search-only key is meant for the browser",
    ),
    rule(
        FAMILY,
        "Algolia",
        "algolia-admin-key",
        "Algolia admin or write API key",
        named(
            r"algolia[A-Za-z0-9_.-]{0,20}(?:admin|write|api)[A-Za-z0-9_.-]{0,10}key",
            r"[a-f0-9]{32}",
        ),
        "algolia",
        remedy="regenerate the admin key in Algolia, Settings, API Keys",
    ),
    rule(
        FAMILY,
        "Atlassian",
        "atlassian-api-token",
        "Atlassian API token",
        tok(r"ATATT3[A-Za-z0-9_=-]{180,}"),
        "atatt3",
        remedy="revoke the token at id.atlassian.com, Security, API tokens",
    ),
    rule(
        FAMILY,
        "Figma",
        "figma-token",
        "Figma personal access token",
        tok(r"figd_[A-Za-z0-9_-]{40}"),
        "figd_",
        remedy="revoke the token in Figma, Settings, Security",
    ),
    rule(
        FAMILY,
        "Tailscale",
        "tailscale-key",
        "Tailscale API, auth or OAuth key",
        tok(r"tskey-(?:api|auth|client|webhook)-[A-Za-z0-9]{6,}-[A-Za-z0-9]{20,}"),
        "tskey-",
        remedy="revoke the key in the Tailscale admin console, Settings, Keys",
    ),
)

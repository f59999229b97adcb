"""Data and auth: Supabase, Firebase, MongoDB Atlas, PlanetScale, Airtable, Notion,
Auth0, Clerk, Okta."""

from __future__ import annotations

import re

from launchgate.secretscan.formats import jwt_parts
from launchgate.secretscan.lookalike import jwt_reason
from launchgate.secretscan.rules._base import NOT_MINE, named, rule, tok, url_password

FAMILY = "Data and auth"
_JWT = r"eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{0,}"


def _supabase(secret: str, m: re.Match[str]) -> str | None:
    parts = jwt_parts(secret)
    if parts is None:
        return NOT_MINE
    _, claims = parts
    if claims.get("role") == "service_role":
        return jwt_reason(secret)  # unsigned (alg none): dropped; else a secret
    if claims.get("role") == "anon" or claims.get("iss") == "supabase":
        return jwt_reason(secret) or "public by design: a Supabase key without service_role"
    return NOT_MINE


RULES = (
    rule(
        FAMILY,
        "Supabase",
        "supabase-service-role-key",
        "Supabase service-role key (JWT with role service_role)",
        tok(_JWT),
        "eyj",
        check=_supabase,
        remedy="roll the JWT secret in Supabase, Project settings, API (and the anon key)",
    ),
    rule(
        FAMILY,
        "Supabase",
        "supabase-secret-key",
        "Supabase secret API key or access token",
        tok(r"sb_secret_[A-Za-z0-9_-]{31,}|sbp_[a-f0-9]{40}"),
        "sb_secret_",
        "sbp_",
        remedy="delete the key in Supabase, Project settings, API keys (or Access tokens)",
    ),
    rule(
        FAMILY,
        "Supabase",
        "supabase-publishable-key",
        "Supabase publishable key",
        tok(r"sb_publishable_[A-Za-z0-9_-]{20,}"),
        "sb_publishable_",
        public="public by design: a Supabase publishable key is meant for the browser",
    ),
    rule(
        FAMILY,
        "Firebase",
        "firebase-cloud-messaging-key",
        "Firebase Cloud Messaging server key",
        tok(r"AAAA[A-Za-z0-9_-]{7}:APA91b[A-Za-z0-9_-]{134}"),
        "apa91b",
        remedy="delete the server key in Firebase, Project settings, Cloud Messaging",
    ),
    rule(
        FAMILY,
        "MongoDB Atlas",
        "mongodb-atlas-uri",
        "Password in a MongoDB Atlas connection string",
        r"mongodb(?:\+srv)?://(?P<user>[^\s:/?#@'\"`<>]{1,100}):(?P<secret>[^\s/?#@'\"`<>]{1,200})"
        r"@(?P<host>[A-Za-z0-9.-]+\.mongodb\.net)",
        "mongodb.net",
        check=url_password,
        remedy="change the database user's password in Atlas, Database Access",
    ),
    rule(
        FAMILY,
        "PlanetScale",
        "planetscale-token",
        "PlanetScale token or password",
        tok(r"pscale_(?:tkn|pw|oauth)_[A-Za-z0-9_.=-]{32,64}"),
        "pscale_",
        remedy="delete the password or token in PlanetScale, Settings",
    ),
    rule(
        FAMILY,
        "Airtable",
        "airtable-token",
        "Airtable personal access token",
        r"(?P<secret>pat(?<![A-Za-z0-9_]pat)[A-Za-z0-9]{14}\.[a-f0-9]{64})(?![A-Za-z0-9_-])",
        "pat",
        remedy="delete the token at airtable.com/create/tokens",
    ),
    rule(
        FAMILY,
        "Notion",
        "notion-token",
        "Notion integration token",
        tok(r"ntn_[0-9]{11}[A-Za-z0-9]{35}|secret_[A-Za-z0-9]{43}"),
        "ntn_",
        "secret_",
        remedy="refresh the secret in Notion, My integrations",
    ),
    rule(
        FAMILY,
        "Auth0",
        "auth0-client-secret",
        "Auth0 client secret",
        named(r"auth0[A-Za-z0-9_.-]{0,20}secret", r"[A-Za-z0-9_-]{64}"),
        "auth0",
        remedy="rotate the client secret in Auth0, Applications, the app's Settings",
    ),
    rule(
        FAMILY,
        "Clerk",
        "clerk-secret-key",
        "Clerk secret key",
        named(r"clerk[A-Za-z0-9_.-]{0,20}", r"sk_(?:live|test)_[A-Za-z0-9]{40,}"),
        "clerk",
        remedy="roll the key in the Clerk dashboard, API keys",
    ),
    rule(
        FAMILY,
        "Okta",
        "okta-api-token",
        "Okta API token",
        named(r"okta[A-Za-z0-9_.-]{0,20}(?:token|key)", r"00[A-Za-z0-9_-]{40}")
        + r"|SSWS\s+(?P<secret2>00[A-Za-z0-9_-]{40})(?![A-Za-z0-9_-])",
        "okta",
        "ssws",
        remedy="revoke the token in the Okta Admin Console, Security, API, Tokens",
    ),
)

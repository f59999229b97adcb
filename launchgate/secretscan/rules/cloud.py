"""Hosting and cloud: AWS, GCP, Azure, Heroku, Fly.io, Render, Vercel, Netlify,
DigitalOcean, Cloudflare."""

from __future__ import annotations

import re

from launchgate.secretscan.rules._base import NOT_MINE, decoded_length, named, rule, tok
from launchgate.secretscan.rules.keys import pem_body

FAMILY = "Hosting and cloud"
_B64 = r"A-Za-z0-9+/"
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_SERVICE_ACCOUNT = re.compile(r"\"type\"\s*:\s*\"service_account\"")


def _service_account(secret: str, m: re.Match[str]) -> str | None:
    return None if _SERVICE_ACCOUNT.search(m.string) else NOT_MINE


RULES = (
    rule(
        FAMILY,
        "AWS",
        "aws-access-key-id",
        "AWS access key ID",
        r"(?<![A-Za-z0-9])(?P<secret>(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})(?![A-Za-z0-9])",
        "akia",
        "asia",
        "abia",
        "acca",
        remedy="deactivate and delete the access key in AWS IAM",
    ),
    rule(
        FAMILY,
        "AWS",
        "aws-secret-access-key",
        "AWS secret access key",
        r"(?i:aws[A-Za-z0-9_.-]{0,20}secret|secret_?access_?key)[A-Za-z0-9_.\"'-]{0,20}"
        rf"\s*(?::=|=>|=|:|,)\s*[\"']?(?P<secret>[{_B64}]{{40}})(?![{_B64}=])",
        "secret",
        remedy="deactivate and delete the access key in AWS IAM",
    ),
    rule(
        FAMILY,
        "GCP",
        "gcp-service-account-key",
        "GCP service-account key (JSON)",
        r"\"private_key\"\s*:\s*\"-----BEGIN PRIVATE KEY-----"
        r"(?P<secret>[^\"]{64,20000}?)-----END PRIVATE KEY-----",
        "service_account",
        check=_service_account,
        decode=pem_body,
        min_distinct=1,
        binary=True,
        remedy="delete the key in Google Cloud console, IAM, Service accounts, Keys",
    ),
    rule(
        FAMILY,
        "Azure",
        "azure-storage-account-key",
        "Azure storage account key",
        rf"(?i:AccountKey)=(?P<secret>[{_B64}]{{86}}==)",
        "accountkey=",
        check=decoded_length(64, "512-bit account key"),
        remedy="rotate the access key in the Azure portal, the storage account's Access keys",
    ),
    rule(
        FAMILY,
        "Azure",
        "azure-ad-client-secret",
        "Azure AD (Entra ID) client secret",
        r"(?<![A-Za-z0-9_~.-])(?P<secret>[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34})"
        r"(?![A-Za-z0-9_~.-])",
        "q~",
        remedy="delete the secret in Entra ID, App registrations, Certificates & secrets",
    ),
    rule(
        FAMILY,
        "Heroku",
        "heroku-api-key",
        "Heroku API key",
        tok(r"HRKU-[A-Za-z0-9_-]{58,64}")
        + rf"|(?i:heroku)[A-Za-z0-9_.-]{{0,30}}[\"']?\s*(?::=|=>|=|:)\s*[\"']?"
        rf"(?P<secret2>{_UUID})(?![0-9a-fA-F-])"
        r"|machine\s+(?:api|git)\.heroku\.com\s[\s\S]{0,200}?\bpassword\s+"
        rf"(?P<secret3>{_UUID}|HRKU-[A-Za-z0-9_-]{{58,64}})",
        "hrku-",
        "heroku",
        remedy="regenerate the API key in Heroku, Account settings (heroku authorizations:revoke)",
    ),
    rule(
        FAMILY,
        "Fly.io",
        "fly-io-token",
        "Fly.io access token",
        tok(r"fm[12][ar]?_[A-Za-z0-9+/=_-]{60,}(?:,fm[12][ar]?_[A-Za-z0-9+/=_-]{20,})*")
        + "|"
        + tok(r"fo1_[A-Za-z0-9_-]{43}", "secret2"),
        "fm1a_",
        "fm1r_",
        "fm2_",
        "fo1_",
        remedy="revoke the token with fly tokens revoke",
    ),
    rule(
        FAMILY,
        "Render",
        "render-api-key",
        "Render API key",
        tok(r"rnd_[A-Za-z0-9]{32}"),
        "rnd_",
        remedy="revoke the key in the Render dashboard, Account settings, API keys",
    ),
    rule(
        FAMILY,
        "Vercel",
        "vercel-token",
        "Vercel access token",
        tok(r"vc[pikar]_[A-Za-z0-9]{24,80}")
        + "|"
        + named(r"vercel[A-Za-z0-9_.-]{0,20}(?:token|key)", r"[A-Za-z0-9]{24}", "secret2"),
        "vcp_",
        "vci_",
        "vck_",
        "vca_",
        "vcr_",
        "vercel",
        remedy="delete the token in Vercel, Account settings, Tokens",
    ),
    rule(
        FAMILY,
        "Netlify",
        "netlify-token",
        "Netlify personal access token",
        tok(r"nfp_[A-Za-z0-9]{36}")
        + "|"
        + named(r"netlify[A-Za-z0-9_.-]{0,20}(?:token|key)", r"[A-Za-z0-9_-]{40,46}", "secret2"),
        "nfp_",
        "netlify",
        remedy="delete the token in Netlify, User settings, Applications",
    ),
    rule(
        FAMILY,
        "DigitalOcean",
        "digitalocean-token",
        "DigitalOcean token",
        tok(r"do[por]_v1_[a-f0-9]{64}"),
        "dop_v1_",
        "doo_v1_",
        "dor_v1_",
        remedy="delete the token in DigitalOcean, API, Tokens",
    ),
    rule(
        FAMILY,
        "Cloudflare",
        "cloudflare-api-token",
        "Cloudflare API token or global API key",
        named(
            r"cloudflare[A-Za-z0-9_.-]{0,20}(?:token|key)|cf_api_token|cf_api_key|cf_token",
            r"[A-Za-z0-9_-]{40}|[a-f0-9]{37}",
        ),
        "cloudflare",
        "cf_api",
        "cf_token",
        remedy="roll the token in Cloudflare, My Profile, API Tokens",
    ),
)

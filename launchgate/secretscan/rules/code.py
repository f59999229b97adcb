"""Code and packages: GitHub, GitLab, npm, PyPI, Docker Hub, Terraform Cloud, Vault,
Doppler, Azure DevOps;
and the files their clients keep credentials in (.npmrc, .pypirc, docker's auths)."""

from __future__ import annotations

import re

from launchgate.secretscan.filters import looks_random
from launchgate.secretscan.formats import github_checksum_ok, macaroon_ok
from launchgate.secretscan.lookalike import REFERENCE, password_reason
from launchgate.secretscan.rules._base import Check, basic_check, basic_password, named, rule, tok

FAMILY = "Code and packages"
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_GITHUB_REMEDY = "revoke the token in GitHub, Settings, Developer settings"


def _crc(what: str) -> Check:
    def check(secret: str, m: re.Match[str]) -> str | None:
        if len(secret.split("_", 1)[1]) != 36:
            return None  # an older or longer form without the checksum
        return None if github_checksum_ok(secret) else f"checksum does not match: not a {what}"

    return check


def _macaroon(secret: str, m: re.Match[str]) -> str | None:
    if macaroon_ok(secret.removeprefix("pypi-")):
        return None
    return "not a macaroon: a PyPI token's shape without its structure"


def _npm_auth(secret: str, m: re.Match[str]) -> str | None:
    if REFERENCE.search(secret) or secret.startswith("${"):
        return "reference to a variable"
    if re.fullmatch(_UUID, secret) or (looks_random(secret) and len(secret) >= 20):
        return None
    return password_reason(secret)


RULES = (
    rule(
        FAMILY,
        "GitHub",
        "github-token",
        "GitHub token (classic, OAuth, app or refresh)",
        r"(?<![A-Za-z0-9_])(?P<secret>gh[pousr]_[A-Za-z0-9]{36,251})(?![A-Za-z0-9])",
        "ghp_",
        "gho_",
        "ghu_",
        "ghs_",
        "ghr_",
        check=_crc("GitHub token"),
        remedy=_GITHUB_REMEDY,
    ),
    rule(
        FAMILY,
        "GitHub",
        "github-fine-grained-token",
        "GitHub fine-grained personal access token",
        r"(?<![A-Za-z0-9_])(?P<secret>github_pat_[A-Za-z0-9_]{70,244})(?![A-Za-z0-9_])",
        "github_pat_",
        remedy=_GITHUB_REMEDY,
    ),
    rule(
        FAMILY,
        "GitLab",
        "gitlab-token",
        "GitLab token (personal, deploy, runner, trigger, OAuth)",
        tok(
            r"gl(?:pat|dt|rt|cbt|ptt|oas|soat|ft|imt|agent|wt)-[A-Za-z0-9_-]{20,64}"
            r"(?:\.[0-9a-z]{2}\.[0-9a-z]{9})?|GR1348941[A-Za-z0-9_-]{20}"
        ),
        "glpat-",
        "gldt-",
        "glrt-",
        "glcbt-",
        "glptt-",
        "gloas-",
        "glsoat-",
        "glft-",
        "glimt-",
        "glagent-",
        "glwt-",
        "gr1348941",
        remedy="revoke the token in GitLab, the token's Access tokens page",
    ),
    rule(
        FAMILY,
        "npm",
        "npm-token",
        "npm access token",
        tok(r"npm_[A-Za-z0-9]{36}"),
        "npm_",
        check=_crc("npm token"),
        remedy="revoke the token with npm token revoke, or on npmjs.com, Access Tokens",
    ),
    rule(
        FAMILY,
        "npm",
        "npmrc-auth",
        "Registry credential in .npmrc",
        r"(?m)(?:_authToken|_auth|_password)\s*=\s*[\"']?(?P<secret>[^\s\"'#;]+)",
        "_auth",
        "_password",
        check=_npm_auth,
        paths=r"(?:^|/)\.npmrc$",
        remedy="revoke the token at the registry and log in again (npm login)",
    ),
    rule(
        FAMILY,
        "PyPI",
        "pypi-token",
        "PyPI API token",
        tok(r"pypi-AgE[A-Za-z0-9_-]{50,}"),
        "pypi-age",
        check=_macaroon,
        remedy="remove the token on pypi.org, Account settings, API tokens",
    ),
    rule(
        FAMILY,
        "PyPI",
        "pypirc-password",
        "Password in .pypirc",
        r"(?m)^[ \t]*password[ \t]*[:=][ \t]*(?P<secret>\S+)",
        "password",
        check=lambda secret, m: password_reason(secret),
        paths=r"(?:^|/)\.pypirc$",
        remedy="change the password (or remove the token) on the package index",
    ),
    rule(
        FAMILY,
        "Docker Hub",
        "docker-hub-token",
        "Docker Hub access token",
        tok(r"dckr_(?:pat|oat)_[A-Za-z0-9_-]{27,}"),
        "dckr_",
        remedy="delete the token in Docker Hub, Account settings, Personal access tokens",
    ),
    rule(
        FAMILY,
        "Docker Hub",
        "docker-config-auth",
        "Registry login in a docker config (auths)",
        r"\"auth\"\s*:\s*\"(?P<secret>[A-Za-z0-9+/]{6,}={0,2})\"",
        '"auths"',
        decode=basic_password,
        check=basic_check,
        remedy="change the password or revoke the token at that registry (docker logout)",
        min_distinct=1,
    ),
    rule(
        FAMILY,
        "Terraform Cloud",
        "terraform-cloud-token",
        "Terraform Cloud / HCP Terraform API token",
        tok(r"[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70}"),
        "atlasv1",
        remedy="delete the token in HCP Terraform, User settings, Tokens",
    ),
    rule(
        FAMILY,
        "Vault",
        "vault-token",
        "HashiCorp Vault token",
        tok(r"hv[sbr]\.[A-Za-z0-9_-]{24,}")
        + "|"
        + named(r"vault[A-Za-z0-9_.-]{0,20}token", r"s\.[A-Za-z0-9]{24}", "secret2"),
        "hvs.",
        "hvb.",
        "hvr.",
        "vault",
        remedy="revoke the token (vault token revoke) and its children",
    ),
    rule(
        FAMILY,
        "Doppler",
        "doppler-token",
        "Doppler token (personal, service, service-account, CLI, SCIM or audit)",
        # dp.<type>.[<config>.]<40-44 alphanumerics>: service tokens carry the config name.
        tok(r"dp\.(?:pt|st|sa|ct|scim|audit)\.(?:[a-z0-9_-]{2,40}\.)?[A-Za-z0-9]{40,44}"),
        "dp.pt.",
        "dp.st.",
        "dp.sa.",
        "dp.ct.",
        "dp.scim.",
        "dp.audit.",
        remedy="revoke the token in Doppler (the project's Access tab, or Tokens for a "
        "personal one)",
    ),
    rule(
        FAMILY,
        "Azure DevOps",
        "azure-devops-pat",
        "Azure DevOps personal access token",
        # The 2024 format: 76 base62 characters, the fixed signature AZDO, then 4 more.
        r"(?<![A-Za-z0-9])(?P<secret>[A-Za-z0-9]{76}AZDO[A-Za-z0-9]{4})(?![A-Za-z0-9])",
        "azdo",
        remedy="revoke the token in Azure DevOps, User settings, Personal access tokens",
    ),
)

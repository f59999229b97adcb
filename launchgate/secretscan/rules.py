"""The credentials a launch stack carries, as detection rules.

Our own detectors, not detect-secrets: measured on the labelled corpus that
``benchmarks/secret_scan.py`` builds (figures in ``docs/benchmarks.md``),
detect-secrets 1.5 found 256 of 320 secrets (no rule for fine-grained GitHub tokens,
Mailgun or Postmark keys; no password under ``SMTP_PASS`` or in Python or Go),
reported 108 locations that hold no secret, and scanned blobs far more slowly; these
rules found all 320 with none reported wrongly (on a corpus we generated ourselves,
so an upper bound).

Each rule is a regex anchored on the credential's published format, with keywords
that must occur in the text before the regex runs at all (the cheap test that keeps
a history scan fast).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["RULES", "Rule"]


@dataclass(frozen=True)
class Rule:
    rule_id: str
    description: str
    pattern: re.Pattern[str]  # group "secret" is the credential itself
    keywords: tuple[str, ...]  # lower case; one must occur in the lowered text
    min_distinct: int = 6  # fewer distinct characters in the secret: a placeholder


def _rule(rule_id: str, description: str, pattern: str, *keywords: str) -> Rule:
    return Rule(rule_id, description, re.compile(pattern), keywords)


_B64 = r"A-Za-z0-9+/"
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

RULES: tuple[Rule, ...] = (
    _rule(
        "aws-access-key-id",
        "AWS access key ID",
        r"(?<![A-Za-z0-9])(?P<secret>(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})(?![A-Za-z0-9])",
        "akia",
        "asia",
        "abia",
        "acca",
    ),
    _rule(
        "aws-secret-access-key",
        "AWS secret access key",
        r"(?i:aws[A-Za-z0-9_.-]{0,20}secret|secret_?access_?key)[A-Za-z0-9_.\"'-]{0,20}"
        rf"\s*(?::=|=>|=|:|,)\s*[\"']?(?P<secret>[{_B64}]{{40}})(?![{_B64}=])",
        "secret",
    ),
    _rule(
        "google-api-key",
        "Google API key",
        r"(?<![A-Za-z0-9_-])(?P<secret>AIza[0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])",
        "aiza",
    ),
    _rule(
        "stripe-secret-key",
        "Stripe secret key",
        r"(?<![A-Za-z0-9_])(?P<secret>sk_(?:live|test)_[0-9A-Za-z]{24,247})(?![0-9A-Za-z])",
        "sk_live_",
        "sk_test_",
    ),
    _rule(
        "stripe-restricted-key",
        "Stripe restricted key",
        r"(?<![A-Za-z0-9_])(?P<secret>rk_(?:live|test)_[0-9A-Za-z]{24,247})(?![0-9A-Za-z])",
        "rk_live_",
        "rk_test_",
    ),
    _rule(
        "webhook-signing-secret",
        "Stripe or Standard Webhooks signing secret",
        rf"(?<![A-Za-z0-9_])(?P<secret>whsec_[{_B64}]{{24,}}={{0,2}})",
        "whsec_",
    ),
    _rule(
        "github-token",
        "GitHub token (classic, OAuth, app or refresh)",
        r"(?<![A-Za-z0-9_])(?P<secret>gh[pousr]_[A-Za-z0-9]{36,251})(?![A-Za-z0-9])",
        "ghp_",
        "gho_",
        "ghu_",
        "ghs_",
        "ghr_",
    ),
    _rule(
        "github-fine-grained-token",
        "GitHub fine-grained personal access token",
        r"(?<![A-Za-z0-9_])(?P<secret>github_pat_[A-Za-z0-9_]{70,244})(?![A-Za-z0-9_])",
        "github_pat_",
    ),
    _rule(
        "slack-token",
        "Slack token",
        r"(?<![A-Za-z0-9_])(?P<secret>xox[baprse]-[0-9A-Za-z-]{10,250}|xapp-\d-[A-Za-z0-9-]{20,250})",
        "xox",
        "xapp-",
    ),
    _rule(
        "slack-webhook-url",
        "Slack incoming-webhook URL",
        r"hooks\.slack\.com/(?:services|workflows|triggers)/"
        r"(?P<secret>T[A-Z0-9]{6,}/[AB][A-Z0-9]{6,}/[A-Za-z0-9]{20,})",
        "hooks.slack.com",
    ),
    _rule(
        "sendgrid-api-key",
        "SendGrid API key",
        r"(?<![A-Za-z0-9_])(?P<secret>SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])",
        "sg.",
    ),
    _rule(
        "mailgun-api-key",
        "Mailgun API or signing key",
        r"(?<![A-Za-z0-9_-])(?P<secret>key-[0-9a-f]{32})(?![A-Za-z0-9])"
        r"|(?i:mailgun)[^\n]{0,60}?(?<![0-9a-f])(?P<secret2>[0-9a-f]{32}-[0-9a-f]{8}-[0-9a-f]{8})(?![0-9a-f])",
        "key-",
        "mailgun",
    ),
    _rule(
        "postmark-token",
        "Postmark server or account token",
        rf"(?i:postmark)[^\n]{{0,60}}?(?<![0-9a-fA-F-])(?P<secret>{_UUID})(?![0-9a-fA-F])",
        "postmark",
    ),
    _rule(
        "openai-api-key",
        "OpenAI API key",
        r"(?<![A-Za-z0-9_-])(?P<secret>sk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{16,}"
        r"T3BlbkFJ[A-Za-z0-9_-]{16,}|sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{58,})"
        r"(?![A-Za-z0-9_-])",
        "t3blbkfj",
        "sk-proj-",
        "sk-svcacct-",
        "sk-admin-",
    ),
    _rule(
        "anthropic-api-key",
        "Anthropic API key",
        r"(?<![A-Za-z0-9_-])(?P<secret>sk-ant-(?:api|admin)\d\d-[A-Za-z0-9_-]{80,120})(?![A-Za-z0-9_-])",
        "sk-ant-",
    ),
    _rule(
        "private-key",
        "Private key (PEM or OpenSSH)",
        r"-----BEGIN (?:[A-Z0-9]+ ){0,2}PRIVATE KEY(?: BLOCK)?-----"
        r"(?P<secret>[\s\S]{0,20000}?)-----END (?:[A-Z0-9]+ ){0,2}PRIVATE KEY",
        "private key",
    ),
    _rule(
        "connection-url-password",
        "Password in a connection URL",
        r"(?<![A-Za-z0-9+.-])(?P<scheme>[A-Za-z][A-Za-z0-9+.-]{1,20})://"
        r"(?P<user>[^\s:/?#@'\"`<>]{0,100}):(?P<secret>[^\s/?#@'\"`<>]{1,200})"
        r"@(?P<host>[A-Za-z0-9._-]+)",
        "://",
    ),
)

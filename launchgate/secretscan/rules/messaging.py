"""Mail and messaging: SendGrid, Mailgun, Postmark, Mailchimp, Brevo, Resend, Twilio,
Slack, Discord, Telegram."""

from __future__ import annotations

import re

from launchgate.secretscan.formats import discord_token_ok
from launchgate.secretscan.rules._base import NOT_MINE, named, rule, tok

FAMILY = "Mail and messaging"
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


def _discord(secret: str, m: re.Match[str]) -> str | None:
    # Three dotted base64url parts are also a JWT's shape; only a snowflake id is Discord's.
    return None if discord_token_ok(secret) else NOT_MINE


RULES = (
    rule(
        FAMILY,
        "SendGrid",
        "sendgrid-api-key",
        "SendGrid API key",
        r"(?<![A-Za-z0-9_])(?P<secret>SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])",
        "sg.",
        remedy="delete the key in SendGrid, Settings, API Keys",
    ),
    rule(
        FAMILY,
        "Mailgun",
        "mailgun-api-key",
        "Mailgun API or signing key",
        r"(?<![A-Za-z0-9_-])(?P<secret>key-[0-9a-f]{32})(?![A-Za-z0-9])"
        r"|(?i:mailgun)[^\n]{0,60}?(?<![0-9a-f])(?P<secret2>[0-9a-f]{32}-[0-9a-f]{8}-[0-9a-f]{8})"
        r"(?![0-9a-f])",
        "key-",
        "mailgun",
        remedy="rotate the key in Mailgun, API Security",
    ),
    rule(
        FAMILY,
        "Postmark",
        "postmark-token",
        "Postmark server or account token",
        rf"(?i:postmark)[^\n]{{0,60}}?(?<![0-9a-fA-F-])(?P<secret>{_UUID})(?![0-9a-fA-F])",
        "postmark",
        remedy="regenerate the token in Postmark, the server's API Tokens",
    ),
    rule(
        FAMILY,
        "Mailchimp",
        "mailchimp-api-key",
        "Mailchimp API key",
        r"(?P<secret>[0-9a-f](?<![A-Za-z0-9_][0-9a-f])[0-9a-f]{31}-us\d{1,2})(?![A-Za-z0-9_-])",
        "-us",
        remedy="revoke the key in Mailchimp, Profile, Extras, API keys",
    ),
    rule(
        FAMILY,
        "Brevo",
        "brevo-api-key",
        "Brevo (Sendinblue) API key",
        tok(r"xkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16}"),
        "xkeysib-",
        remedy="delete the key in Brevo, SMTP & API, API keys",
    ),
    rule(
        FAMILY,
        "Resend",
        "resend-api-key",
        "Resend API key",
        r"(?P<secret>re_(?<![A-Za-z0-9_]re_)[A-Za-z0-9]{8}_[A-Za-z0-9]{24})(?![A-Za-z0-9_-])",
        "re_",
        remedy="delete the key in Resend, API Keys",
    ),
    rule(
        FAMILY,
        "Twilio",
        "twilio-api-key",
        "Twilio auth token or API key secret",
        named(r"twilio[A-Za-z0-9_.-]{0,20}(?:token|secret)", r"[0-9a-f]{32}"),
        "twilio",
        remedy="rotate the auth token or delete the API key in the Twilio Console",
    ),
    rule(
        FAMILY,
        "Slack",
        "slack-token",
        "Slack token",
        r"(?<![A-Za-z0-9_])(?P<secret>xox[baprse]-[0-9A-Za-z-]{10,250}|xapp-\d-[A-Za-z0-9-]{20,250})",
        "xox",
        "xapp-",
        remedy="regenerate the token in the Slack app's settings",
    ),
    rule(
        FAMILY,
        "Slack",
        "slack-webhook-url",
        "Slack incoming-webhook URL",
        r"hooks\.slack\.com/(?:services|workflows|triggers)/"
        r"(?P<secret>T[A-Z0-9]{6,}/[AB][A-Z0-9]{6,}/[A-Za-z0-9]{20,})",
        "hooks.slack.com",
        remedy="remove the webhook in the Slack app's Incoming Webhooks, add a new one",
    ),
    rule(
        FAMILY,
        "Discord",
        "discord-bot-token",
        "Discord bot token",
        r"(?P<secret>[MNO](?<![A-Za-z0-9_-][MNO])[A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6}"
        r"\.[A-Za-z0-9_-]{27,40})(?![A-Za-z0-9_-])",
        "discord",
        "bot",
        check=_discord,
        remedy="reset the token in the Discord Developer Portal, the application's Bot page",
    ),
    rule(
        FAMILY,
        "Discord",
        "discord-webhook-url",
        "Discord webhook URL",
        r"discord(?:app)?\.com/api/webhooks/(?P<secret>\d{17,20}/[A-Za-z0-9_-]{60,68})",
        "discord",
        remedy="delete the webhook in the channel's Integrations settings, create a new one",
    ),
    rule(
        FAMILY,
        "Telegram",
        "telegram-bot-token",
        "Telegram bot token",
        r"(?<![A-Za-z0-9_])(?P<secret>\d{8,10}:AA[A-Za-z0-9_-]{33})(?![A-Za-z0-9_-])",
        ":aa",
        remedy="revoke the token with @BotFather (/revoke)",
    ),
)

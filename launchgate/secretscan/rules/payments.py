"""Payments: Stripe, Square, Braintree, PayPal, Shopify, Paddle, Lemon Squeezy."""

from __future__ import annotations

from launchgate.secretscan.rules._base import named, rule, tok

FAMILY = "Payments"
_STRIPE_REMEDY = "roll the key in the Stripe dashboard, Developers, API keys"
_B64 = r"A-Za-z0-9+/"
_JWT = r"eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,}"

RULES = (
    rule(
        FAMILY,
        "Stripe",
        "stripe-secret-key",
        "Stripe secret key",
        r"(?<![A-Za-z0-9_])(?P<secret>sk_(?:live|test)_[0-9A-Za-z]{24,247})(?![0-9A-Za-z])",
        "sk_live_",
        "sk_test_",
        remedy=_STRIPE_REMEDY,
    ),
    rule(
        FAMILY,
        "Stripe",
        "stripe-restricted-key",
        "Stripe restricted key",
        r"(?<![A-Za-z0-9_])(?P<secret>rk_(?:live|test)_[0-9A-Za-z]{24,247})(?![0-9A-Za-z])",
        "rk_live_",
        "rk_test_",
        remedy=_STRIPE_REMEDY,
    ),
    rule(
        FAMILY,
        "Stripe",
        "stripe-publishable-key",
        "Stripe (or Clerk) publishable key",
        r"(?<![A-Za-z0-9_])(?P<secret>pk_(?:live|test)_[0-9A-Za-z$=]{24,247})(?![0-9A-Za-z])",
        "pk_live_",
        "pk_test_",
        public="public by design: a publishable key is meant for the browser",
    ),
    rule(
        FAMILY,
        "Stripe",
        "webhook-signing-secret",
        "Stripe or Standard Webhooks signing secret",
        rf"(?<![A-Za-z0-9_])(?P<secret>whsec_[{_B64}]{{24,}}={{0,2}})",
        "whsec_",
        remedy="roll the endpoint's signing secret at the webhook sender",
    ),
    rule(
        FAMILY,
        "Square",
        "square-access-token",
        "Square access token",
        tok(r"EAAA[A-Za-z0-9_-]{60}|sq0atp-[A-Za-z0-9_-]{22}"),
        "eaaa",
        "sq0atp-",
        remedy="revoke the token in the Square Developer Dashboard, Credentials",
    ),
    rule(
        FAMILY,
        "Square",
        "square-oauth-secret",
        "Square application (OAuth) secret",
        tok(r"sq0csp-[A-Za-z0-9_-]{43}"),
        "sq0csp-",
        remedy="replace the application secret in the Square Developer Dashboard, OAuth",
    ),
    rule(
        FAMILY,
        "Braintree",
        "braintree-access-token",
        "Braintree (PayPal) access token",
        tok(r"access_token\$(?:production|sandbox)\$[0-9a-z]{16}\$[0-9a-f]{32}"),
        "access_token$",
        remedy="revoke the access token in the Braintree Control Panel, API",
    ),
    rule(
        FAMILY,
        "PayPal",
        "paypal-client-secret",
        "PayPal REST client secret",
        named(r"paypal[A-Za-z0-9_.-]{0,20}secret", r"[A-Za-z0-9_-]{80}"),
        "paypal",
        remedy="generate a new secret in the PayPal Developer Dashboard, the app's page",
    ),
    rule(
        FAMILY,
        "Shopify",
        "shopify-token",
        "Shopify access token or shared secret",
        tok(r"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}"),
        "shpat_",
        "shpca_",
        "shppa_",
        "shpss_",
        remedy="rotate the token or secret in the Shopify app's API credentials",
    ),
    rule(
        FAMILY,
        "Paddle",
        "paddle-api-key",
        "Paddle Billing API key",
        tok(r"pdl_(?:live|sdbx)_apikey_[a-z0-9]{26}_[A-Za-z0-9]{22}_[A-Za-z0-9]{3}"),
        "pdl_",
        remedy="revoke the key in Paddle, Developer tools, Authentication",
    ),
    rule(
        FAMILY,
        "Lemon Squeezy",
        "lemon-squeezy-api-key",
        "Lemon Squeezy API key",
        named(r"lemon_?squeezy[A-Za-z0-9_.-]{0,20}|lmsqueezy[A-Za-z0-9_.-]{0,20}", _JWT),
        "lemon",
        "lmsqueezy",
        remedy="delete the key in Lemon Squeezy, Settings, API",
    ),
)

"""AI: OpenAI, Anthropic, Hugging Face, Replicate, Groq, Perplexity."""

from __future__ import annotations

from launchgate.secretscan.rules._base import rule, tok

FAMILY = "AI"

RULES = (
    rule(
        FAMILY,
        "OpenAI",
        "openai-api-key",
        "OpenAI API key",
        r"(?<![A-Za-z0-9_-])(?P<secret>sk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{16,}"
        r"T3BlbkFJ[A-Za-z0-9_-]{16,}|sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{58,})"
        r"(?![A-Za-z0-9_-])",
        "t3blbkfj",
        "sk-proj-",
        "sk-svcacct-",
        "sk-admin-",
        remedy="revoke the key at platform.openai.com, API keys",
    ),
    rule(
        FAMILY,
        "Anthropic",
        "anthropic-api-key",
        "Anthropic API key",
        r"(?<![A-Za-z0-9_-])(?P<secret>sk-ant-(?:api|admin)\d\d-[A-Za-z0-9_-]{80,120})"
        r"(?![A-Za-z0-9_-])",
        "sk-ant-",
        remedy="revoke the key in the Anthropic Console, API Keys",
    ),
    rule(
        FAMILY,
        "Hugging Face",
        "huggingface-token",
        "Hugging Face access token",
        tok(r"hf_[A-Za-z]{34}|api_org_[A-Za-z]{34}"),
        "hf_",
        "api_org_",
        remedy="invalidate the token at huggingface.co, Settings, Access Tokens",
    ),
    rule(
        FAMILY,
        "Replicate",
        "replicate-api-token",
        "Replicate API token",
        tok(r"r8_[A-Za-z0-9]{37}"),
        "r8_",
        remedy="revoke the token at replicate.com, Account, API tokens",
    ),
    rule(
        FAMILY,
        "Groq",
        "groq-api-key",
        "Groq API key",
        tok(r"gsk_[A-Za-z0-9]{52}"),
        "gsk_",
        remedy="delete the key in the GroqCloud console, API Keys",
    ),
    rule(
        FAMILY,
        "Perplexity",
        "perplexity-api-key",
        "Perplexity API key",
        tok(r"pplx-[A-Za-z0-9]{48}"),
        "pplx-",
        remedy="delete the key in Perplexity, Settings, API",
    ),
)

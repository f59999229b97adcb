"""The annotated field types the config models share: durations, sizes, status lists,
names. One place, so the gate's models (``model.py``) and the watch models
(``watch_model.py``) validate and describe them identically in the JSON Schema."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, WithJsonSchema

from launchgate.config.units import (
    DURATION_HELP,
    PERCENT_HELP,
    RATE_HELP,
    SIZE_HELP,
    parse_duration_s,
    parse_percent,
    parse_rate_per_s,
    parse_size_bytes,
)

__all__ = [
    "Duration",
    "Name",
    "Percent",
    "PositiveDuration",
    "Rate",
    "Signature",
    "Size",
    "StatusList",
    "TextList",
    "VarName",
    "require_standard_secret",
    "shorthand",
    "string_or",
]

Duration = Annotated[
    float,
    BeforeValidator(parse_duration_s),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*(ms|s|m|h)\s*$"},
                {"type": "number", "minimum": 0},
            ],
            "description": DURATION_HELP,
        }
    ),
]


def _above_zero(value: float) -> float:
    if value <= 0:
        raise ValueError(f"expected {DURATION_HELP}, above zero")
    return value


PositiveDuration = Annotated[
    float,
    BeforeValidator(parse_duration_s),
    AfterValidator(_above_zero),
    WithJsonSchema(
        {
            "anyOf": [
                # At least one non-zero digit: "0s" and "0.0ms" do not match.
                {
                    "type": "string",
                    "pattern": r"^\s*(\d*[1-9]\d*(\.\d+)?|\d+\.\d*[1-9]\d*)\s*(ms|s|m|h)\s*$",
                },
                {"type": "number", "exclusiveMinimum": 0},
            ],
            "description": DURATION_HELP + "; above zero",
        }
    ),
]
"""A duration for which zero means nothing useful (a timeout, an interval, a measuring
time): refused at load time, with the file, line and key."""
Percent = Annotated[
    float,
    BeforeValidator(parse_percent),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*%?\s*$"},
                {"type": "number", "minimum": 0},
            ],
            "description": PERCENT_HELP,
        }
    ),
]
Rate = Annotated[
    float,
    BeforeValidator(parse_rate_per_s),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*(/\s*(s|m|min))?\s*$"},
                {"type": "number", "exclusiveMinimum": 0},
            ],
            "description": RATE_HELP,
        }
    ),
]
Size = Annotated[
    int,
    BeforeValidator(parse_size_bytes),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*(B|KB|KiB|MB|MiB|GB|GiB)?\s*$"},
                {"type": "integer", "minimum": 0},
            ],
            "description": SIZE_HELP,
        }
    ),
]


def _one_or_many(value: object) -> object:
    """``status: 200`` and ``status: [200, 303]`` both mean a list."""
    return value if isinstance(value, list) else [value]


_STATUS_HELP = "a status code such as 200, a class such as 2xx, or a list of them"


def _status_list(value: object) -> list[int]:
    items = value if isinstance(value, list) else [value]
    out: list[int] = []
    for item in items:
        text = str(item).strip().lower()
        if isinstance(item, bool) or not isinstance(item, int | str):
            raise ValueError(f"expected {_STATUS_HELP}")
        if len(text) == 3 and text[0] in "12345" and text[1:] == "xx":
            base = int(text[0]) * 100  # "2xx" means any success
            out.extend(range(base, base + 100))
        elif text.isdigit() and 100 <= int(text) <= 599:
            out.append(int(text))
        else:
            raise ValueError(f"expected {_STATUS_HELP}")
    return out


StatusList = Annotated[
    list[int],
    BeforeValidator(_status_list),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 100, "maximum": 599},
                {"type": "string", "pattern": "^[1-5]xx$"},
                {
                    "type": "array",
                    "items": {
                        "anyOf": [
                            {"type": "integer", "minimum": 100, "maximum": 599},
                            {"type": "string", "pattern": "^[1-5]xx$"},
                        ]
                    },
                },
            ],
            "description": _STATUS_HELP,
        }
    ),
]
TextList = Annotated[
    list[str],
    BeforeValidator(_one_or_many),
    WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}),
]
Name = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$", max_length=64)]
VarName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=64)]


def require_standard_secret(secret: str | None, signature: str) -> None:
    """Refuse a secret that ``signature: standard`` cannot sign with.

    Standard Webhooks keys are ``whsec_<base64>``; text that does not decode would sign
    nothing a receiver can check. One rule for a rollback webhook and a watch channel.
    The message never quotes the secret.
    """
    if secret is None or signature != "standard":
        return
    encoded = secret.removeprefix("whsec_")
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if not key:
        raise ValueError(
            "signature standard needs a secret like whsec_<base64>; "
            "or use signature: sha256, which takes any text"
        )


Signature = Annotated[
    Literal["standard", "sha256"],
    Field(
        description="standard: Standard Webhooks headers (secret whsec_<base64>); sha256: "
        "X-Launchgate-Signature: sha256=<hex HMAC-SHA256 of '<timestamp>.<body>'>."
    ),
]
"""How a rollback webhook or a watch channel signs what it sends."""


def shorthand(key: str) -> BeforeValidator:
    """A bare string that stands for the one key ``key`` of a model: with
    ``shorthand("run")``, ``command: ./rollback.sh`` means ``command: {run: ./rollback.sh}``."""

    def expand(value: object) -> object:
        return {key: value} if isinstance(value, str) else value

    return BeforeValidator(expand)


def string_or(model: type[BaseModel]) -> WithJsonSchema:
    """The JSON Schema of a :func:`shorthand` field: the bare string or the model."""
    schema: dict[str, Any] = {"anyOf": [{"type": "string"}, model.model_json_schema()]}
    return WithJsonSchema(schema)

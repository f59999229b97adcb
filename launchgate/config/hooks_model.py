"""The typed shape of ``on_fail:``: the rollback hooks a failed gate runs.

Kept apart from :mod:`launchgate.config.model` so that file stays one concept (the
checks); ``Config.on_fail`` refers to :class:`OnFailSpec` from here. The hooks run when
the verdict is ``fail`` or ``error`` (could not decide: rollback is recommended too),
never on ``pass``; what they do is reported, and never changes the verdict.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from launchgate.config.fields import (
    Duration,
    Signature,
    require_standard_secret,
    shorthand,
    string_or,
)

__all__ = ["CommandHook", "OnFailSpec", "WebhookHook"]

# A rollback that has not finished in an hour will not finish; past that a typo in a
# duration ("10h" for "10m") would hold a CI runner for a day.
MAX_HOOK_TIMEOUT_S = 3600.0


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _positive_timeout(value: float) -> float:
    if not 0 < value <= MAX_HOOK_TIMEOUT_S:
        limit = f"{MAX_HOOK_TIMEOUT_S / 60:g}m"
        raise ValueError(f"expected a duration longer than 0s and at most {limit}")
    return value


class CommandHook(_Model):
    run: str = Field(
        ...,
        min_length=1,
        description="Shell command (sh -c). Its environment adds LAUNCHGATE_VERDICT, "
        "LAUNCHGATE_REPORT (path of report.json) and LAUNCHGATE_FAILED_CHECKS.",
    )
    timeout: Duration = Field(
        300.0, description="Past this the command and every process it started are killed."
    )

    _timeout = field_validator("timeout")(_positive_timeout)


class WebhookHook(_Model):
    url: str = Field(..., pattern=r"^https?://", description="Where to POST report.json.")
    secret: str | None = Field(
        None, description="Sign each request with this secret (use ${ENV}; it is masked)."
    )
    signature: Signature = "standard"
    headers: dict[str, str] = Field(default_factory=dict)
    ca_bundle: str | None = Field(
        None, description="PEM file of extra trusted roots (a deploy system on a private CA)."
    )
    timeout: Duration = Field(
        30.0, description="Limit for every attempt together, waits between them included."
    )
    attempts: int = Field(
        3, ge=1, le=10, description="Tries on no answer, 408, 429 or 5xx; the same webhook-id."
    )

    _timeout = field_validator("timeout")(_positive_timeout)

    @model_validator(mode="after")
    def _standard_secret(self) -> WebhookHook:
        require_standard_secret(self.secret, self.signature)
        return self


# ``command: ./rollback.sh`` is short for ``command: {run: ./rollback.sh}``.
Command = Annotated[CommandHook, shorthand("run"), string_or(CommandHook)]


class OnFailSpec(_Model):
    command: Command | None = Field(
        None, description="A shell command to run, e.g. your platform's rollback."
    )
    webhook: WebhookHook | None = Field(
        None, description="POST report.json to your deploy system, signed when a secret is set."
    )

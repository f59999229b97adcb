"""The typed shape of the ``watch:`` section of ``launchgate.yml``.

Kept apart from :mod:`launchgate.config.model` (which holds the gate's keys) so each
file stays one concept; ``Config.watch`` refers to :class:`WatchSpec` from here. Same
rules as the rest of the config: frozen, ``extra="forbid"``, units in the names of
what the code reads (``interval`` is a :data:`Duration`, so it is seconds).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from launchgate.config.fields import (
    Duration,
    Name,
    PositiveDuration,
    Signature,
    StatusList,
    TextList,
    require_standard_secret,
)

__all__ = [
    "AlertSeverity",
    "BurstRule",
    "ChannelSpec",
    "EmailChannel",
    "FailedLoginRule",
    "FlapSpec",
    "LogSpec",
    "RetrySpec",
    "SlackChannel",
    "WatchCheck",
    "WatchExpect",
    "WatchSpec",
    "WebhookChannel",
]

AlertSeverity = Literal["critical", "warning"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class WatchExpect(_Model):
    status: StatusList | None = Field(None, description="Expected status; default: any 2xx.")
    body_contains: TextList = Field(default_factory=list)
    max_latency: PositiveDuration | None = Field(None, description="Slowest acceptable answer.")


class WatchCheck(_Model):
    """One thing the watcher checks each round: a journey, or a plain GET of a path."""

    journey: Name | None = Field(
        None, description="A journey from `journeys:`, with its own steps and expectations."
    )
    path: str | None = Field(
        None, pattern=r"^/", description="Or a plain GET of this path (no journey needed)."
    )
    expect: WatchExpect | None = Field(None, description="For `path`: what the answer must be.")
    timeout: PositiveDuration | None = Field(None, description="Limit for the whole check.")
    severity: AlertSeverity | None = Field(
        None,
        description="Default: critical when the check or its journey is about login or "
        "billing, warning otherwise.",
    )
    failures: int | None = Field(
        None, ge=1, le=100, description="Consecutive failures before it is down."
    )
    successes: int | None = Field(
        None, ge=1, le=100, description="Consecutive successes before it is up again."
    )

    @model_validator(mode="after")
    def _journey_or_path(self) -> WatchCheck:
        if (self.journey is None) == (self.path is None):
            raise ValueError("give exactly one of journey or path")
        if self.expect is not None and self.path is None:
            raise ValueError("expect belongs to a path check; a journey has its own")
        return self


class FlapSpec(_Model):
    """A check that keeps changing state is one incident, not a page per change."""

    window: int = Field(10, ge=3, le=1000, description="Rounds looked at.")
    start: int = Field(5, ge=2, description="Changes within the window that mean flapping.")
    stop: int = Field(2, ge=0, description="Changes at or below which it is stable again.")

    @model_validator(mode="after")
    def _ordered(self) -> FlapSpec:
        if not self.stop < self.start < self.window:
            raise ValueError("expected stop < start < window")
        return self


class RetrySpec(_Model):
    attempts: int = Field(3, ge=1, le=20, description="Tries per alert and round.")
    backoff: Duration = Field(1.0, description="First wait between tries; doubles.")
    max_backoff: PositiveDuration = Field(10.0, description="Longest wait between tries.")


class _ChannelBase(_Model):
    min_severity: AlertSeverity = Field(
        "warning", description="Send only alerts at least this severe."
    )
    timeout: PositiveDuration = Field(10.0, description="Limit for one delivery attempt.")
    retry: RetrySpec = Field(default_factory=RetrySpec)


class SlackChannel(_ChannelBase):
    type: Literal["slack"]
    url: str = Field(
        ..., pattern=r"^https?://", description="Incoming-webhook URL; use ${ENV} (a secret)."
    )


class WebhookChannel(_ChannelBase):
    type: Literal["webhook"]
    url: str = Field(..., pattern=r"^https?://", description="Where to POST the alert as JSON.")
    secret: str | None = Field(
        None, description="Sign each alert with this secret (from `secrets:`)."
    )
    signature: Signature = "standard"
    headers: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _standard_secret(self) -> WebhookChannel:
        require_standard_secret(self.secret, self.signature)
        return self


class EmailChannel(_ChannelBase):
    type: Literal["email"]
    host: str
    port: int = Field(587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = Field(
        "starttls", description="starttls (port 587), tls (port 465) or none (local relay)."
    )
    username: str | None = None
    password: str | None = Field(None, description="Use ${ENV} with the variable in `secrets:`.")
    sender: str = Field(..., alias="from", description="The From: address.")
    to: list[str] = Field(..., min_length=1)
    ca_bundle: str | None = Field(None, description="PEM file of extra trusted roots.")

    @model_validator(mode="after")
    def _no_plaintext_password(self) -> EmailChannel:
        if self.password is not None and self.security == "none":
            raise ValueError("a password is never sent without TLS: use starttls or tls")
        if (self.username is None) != (self.password is None):
            raise ValueError("give both username and password, or neither")
        return self


ChannelSpec = Annotated[SlackChannel | WebhookChannel | EmailChannel, Field(discriminator="type")]


class BurstRule(_Model):
    """5xx responses. Every key has its own default, so setting one keeps the others."""

    threshold: int = Field(10, ge=1, description="Lines within the window that make a burst.")
    window: PositiveDuration = Field(60.0, description="The sliding window.")
    severity: AlertSeverity = "critical"


class FailedLoginRule(BurstRule):
    """Failed logins: a warning by default, a key of its own, not inherited from errors
    (a partial section once turned a burst of failed logins critical)."""

    threshold: int = Field(20, ge=1, description="Lines within the window that make a burst.")
    severity: AlertSeverity = "warning"
    paths: list[str] = Field(
        default_factory=lambda: ["/login"], description="Login routes (prefix match)."
    )
    statuses: list[int] = Field(default_factory=lambda: [401, 403])
    pattern: str | None = Field(
        None, description="Or a regex: a line it matches is a failed login."
    )

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from None
        return value


class LogSpec(_Model):
    format: Literal["auto", "combined", "json", "regex"] = Field(
        "auto",
        description="auto: JSON lines or nginx/Apache combined/common, line by line; "
        "regex: `regex` with named groups status and path.",
    )
    regex: str | None = Field(None, description="Named groups: status (required), path.")
    status_field: str = Field("status", description="JSON lines: the status key (a.b nests).")
    path_field: str = Field("path", description="JSON lines: the request path key.")
    errors: BurstRule = Field(default_factory=BurstRule, description="5xx responses.")
    failed_logins: FailedLoginRule = Field(default_factory=FailedLoginRule)

    @model_validator(mode="after")
    def _regex_given(self) -> LogSpec:
        if self.format == "regex" and self.regex is None:
            raise ValueError("format regex needs `regex`")
        if self.regex is not None:
            try:
                compiled = re.compile(self.regex)
            except re.error as exc:
                raise ValueError(f"regex is not a valid regular expression: {exc}") from None
            if "status" not in compiled.groupindex:
                raise ValueError("regex needs a named group (?P<status>...)")
        return self


class WatchSpec(_Model):
    interval: PositiveDuration = Field(60.0, description="Between rounds (--every).")
    deadline: PositiveDuration = Field(60.0, description="Limit for one whole round of checks.")
    timeout: PositiveDuration = Field(10.0, description="Default limit for one check.")
    failures: int = Field(2, ge=1, le=100, description="Consecutive failures before down.")
    successes: int = Field(2, ge=1, le=100, description="Consecutive successes before up.")
    flapping: FlapSpec | None = Field(
        default_factory=FlapSpec, description="Flap protection; null turns it off."
    )
    p95_window: int = Field(60, ge=1, le=100_000, description="Rounds in the rolling p95.")
    checks: dict[Name, WatchCheck] | None = Field(
        None,
        description="Default: the journeys named homepage, login and dashboard that exist.",
    )
    channels: dict[Name, ChannelSpec] = Field(
        default_factory=dict, description="Where alerts go; they are also printed."
    )
    logs: LogSpec = Field(default_factory=LogSpec, description="For --log.")
    state: str = Field(
        "launchgate-results/watch-state.json", description="Incident state (--state)."
    )
    history: str | None = Field(
        "launchgate-results/watch-history.jsonl",
        description="JSON lines of every check of every round; null for none.",
    )
    max_pending: int = Field(
        200, ge=1, description="Undelivered alerts kept per channel before the oldest go."
    )

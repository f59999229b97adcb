"""The typed shape of the ``security:`` section: checks of the app's own defences.

Kept apart from ``model.py`` as the watch and hook sections are; the rules the schema
cannot say (the journey and step it names, and that the step logs in the run's own
throwaway account) are in ``security_rules.py``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from launchgate.config.fields import Name, PositiveDuration, StatusList, TextList

__all__ = [
    "MAX_LOGIN_ATTEMPTS",
    "MAX_LOGIN_WINDOW_S",
    "LoginRateLimitSpec",
    "RateLimitSignal",
    "SecuritySpec",
]

# A burst is bounded: enough to see whether anything slows a guesser down, never a
# password-guessing attack of its own.
MAX_LOGIN_ATTEMPTS = 100
MAX_LOGIN_WINDOW_S = 60.0


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class RateLimitSignal(_Model):
    status: StatusList = Field(
        default_factory=list,
        description="More statuses that mean the login was throttled or the account "
        "locked (429 and 423 always do), e.g. 403 for a WAF's block page.",
    )
    body_contains: TextList = Field(
        default_factory=list,
        description="Text in an answer that means throttled or locked, e.g. 'Too many attempts'.",
    )


class LoginRateLimitSpec(_Model):
    journey: Name = Field(
        ...,
        description="The journey that signs up the run's throwaway account "
        "({{ run.email }}) and logs in with {{ run.password }}; the burst replays its "
        "login step with wrong passwords, for that account only.",
    )
    step: str | None = Field(
        None,
        description="Its login step, by name; default: the last step that sends "
        "{{ run.password }}. The GET steps right before it (the login form) are replayed "
        "before each attempt, in a fresh cookie jar, as a guessing script would.",
    )
    attempts: int = Field(
        20,
        ge=2,
        le=MAX_LOGIN_ATTEMPTS,
        description="Wrong passwords in the burst, one after another; a 429, a lockout "
        "or the signal must come by the last.",
    )
    within: PositiveDuration = Field(
        10.0,
        description="The burst's time limit; attempts not answered by then leave the "
        "check undecided, never passed.",
    )
    signal: RateLimitSignal = Field(
        default_factory=RateLimitSignal,
        description="How this app says 'slow down' besides 429, 423 or a lockout.",
    )

    @field_validator("within")
    @classmethod
    def _window_cap(cls, value: float) -> float:
        if value > MAX_LOGIN_WINDOW_S:
            raise ValueError(
                f"capped at {MAX_LOGIN_WINDOW_S:g}s: the burst is a probe, not a guessing attack"
            )
        return value


class SecuritySpec(_Model):
    login_rate_limit: LoginRateLimitSpec | None = Field(
        None,
        description="A bounded burst of wrong-password logins for the run's own "
        "throwaway account: something must slow it down (a high finding otherwise).",
    )

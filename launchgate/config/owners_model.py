"""The typed shape of ``owners:``: who owns and rotates each secret, each domain and
the monitoring. Read only by ``launchgate audit``, which prints it in the handover page;
no check depends on it, so a missing entry is shown as "no owner", never an error."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from launchgate.config.fields import VarName, shorthand, string_or

__all__ = ["Owner", "OwnerSpec", "OwnersSpec", "owners_problems"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class OwnerSpec(_Model):
    owner: str = Field(..., min_length=1, description="Who owns it: a person or a team.")
    rotate: str | None = Field(
        None, description="How and when it is rotated or renewed, in words: 'every 90 days'."
    )
    note: str | None = Field(None, description="Anything the next owner must know.")


# ``STRIPE_KEY: dana@example.com`` is short for ``STRIPE_KEY: {owner: dana@example.com}``.
Owner = Annotated[OwnerSpec, shorthand("owner"), string_or(OwnerSpec)]


class OwnersSpec(_Model):
    secrets: dict[VarName, Owner] = Field(
        default_factory=dict, description="A name under `secrets:` -> who owns and rotates it."
    )
    domains: dict[str, Owner] = Field(
        default_factory=dict,
        description="A domain -> who owns it (registrar, DNS); it covers its subdomains.",
    )
    monitoring: Owner | None = Field(
        None, description="Who owns the monitoring: the watch channels and who answers them."
    )


def owners_problems(owners: OwnersSpec | None, secrets: list[str]) -> list[tuple[str, str]]:
    """(secret name, message) for an owner given to a name that is not under
    ``secrets:``: a typo there would leave the real secret without an owner."""
    if owners is None:
        return []
    known = set(secrets)
    return [
        (name, f"'{name}' is not listed under secrets: (listed: {', '.join(secrets) or 'none'})")
        for name in owners.secrets
        if name not in known
    ]

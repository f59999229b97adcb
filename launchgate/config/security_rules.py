"""Rules of the ``security:`` section the schema alone cannot say. Pure: a Config in,
located problems out (see :mod:`launchgate.config.semantics`).

The login burst may only ever guess at the run's own throwaway account: the step it
replays must send ``{{ run.email }}`` (fresh for every run) and ``{{ run.password }}``
(which the burst replaces with wrong ones), and no literal address of a real user.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from launchgate.config.model import Config, StepSpec
from launchgate.config.security_model import LoginRateLimitSpec
from launchgate.config.template import names_in, strings_in
from launchgate.config.yamlsource import KeyPath

__all__ = ["login_lead_in", "login_step", "security_problems"]

Problem = tuple[KeyPath, str]

_KEY: KeyPath = ("security", "login_rate_limit")
_TEMPLATE = re.compile(r"\{\{.*?\}\}")
_ADDRESS = re.compile(r"[^@\s{}\"']+@[^@\s{}\"']+\.[A-Za-z]{2,}")


def sent_strings(step: StepSpec) -> list[str]:
    """Every string of the request a step sends: path, query, headers and body."""
    parts: list[object] = [step.path, step.query, step.headers, step.form, step.json_body]
    parts.append(step.body)
    return [text for part in parts for text in strings_in(part)]


def _sends(step: StepSpec, name: str) -> bool:
    return any(name in names_in(text) for text in sent_strings(step))


def login_step(config: Config, spec: LoginRateLimitSpec) -> int | None:
    """The index of the journey's login step: the one named ``spec.step``, else the last
    step that sends ``{{ run.password }}``; None when there is none."""
    journey = config.journeys.get(spec.journey)
    if journey is None:
        return None
    for index in range(len(journey.steps) - 1, -1, -1):
        step = journey.steps[index]
        if spec.step is not None and step.label == spec.step:
            return index
        if spec.step is None and _sends(step, "run.password"):
            return index
    return None


def login_lead_in(config: Config, spec: LoginRateLimitSpec, index: int) -> list[StepSpec]:
    """The GET steps right before the login step (the login form and its CSRF token):
    replayed before each attempt, as a guessing script fetches the form first."""
    steps = config.journeys[spec.journey].steps
    start = index
    while start > 0 and steps[start - 1].method == "GET":
        start -= 1
    return list(steps[start:index])


def security_problems(config: Config) -> Iterator[Problem]:
    spec = config.security.login_rate_limit
    if spec is None:
        return
    journey = config.journeys.get(spec.journey)
    if journey is None:
        known = ", ".join(config.journeys) or "none"
        yield (*_KEY, "journey"), f"no journey named '{spec.journey}' (journeys: {known})"
        return
    index = login_step(config, spec)
    if index is None:
        if spec.step is not None:
            labels = ", ".join(f"'{s.label}'" for s in journey.steps)
            yield (
                (*_KEY, "step"),
                f"journey '{spec.journey}' has no step named '{spec.step}' (its steps: {labels})",
            )
        else:
            yield (
                (*_KEY, "journey"),
                f"journey '{spec.journey}' has no step that sends {{{{ run.password }}}}: "
                "point it at the journey that signs up and logs in the run's throwaway "
                "account, or name its login step under step",
            )
        return
    step = journey.steps[index]
    where: KeyPath = (*_KEY, "step") if spec.step is not None else (*_KEY, "journey")
    shown = f"step '{step.label}' of journey '{spec.journey}'"
    if not _sends(step, "run.email"):
        yield (
            where,
            f"{shown} does not send {{{{ run.email }}}}: the burst may only guess at the "
            "run's own throwaway account, never at a real user's",
        )
    if not _sends(step, "run.password"):
        yield (
            where,
            f"{shown} does not send {{{{ run.password }}}}, so the burst has no password "
            "to replace with wrong ones",
        )
    for text in sent_strings(step):
        literal = _ADDRESS.search(_TEMPLATE.sub(" ", text))
        if literal:
            yield (
                where,
                f"{shown} sends the address {literal.group()}: the burst would guess at "
                "that account; send {{ run.email }} only",
            )
            break

"""The live comparison's control, made ready to be probed like the target: the same
session journeys are run against it first, so a logged-in route is measured as the
same kind of customer on both sides.

A control whose journey fails cannot stand for "how fast this page was before": the
routes that need that session are left out of the comparison, which then could not
decide for them (never a pass). The control's journeys are the probe's preparation,
not checks of their own: the control is not what is being gated.

The control is a different deployment of the same app and, often, of the same
database (a preview URL, the other colour of a blue/green pair): its customers get
their own generated identity (``run.id``, ``run.email``), so a signup journey run on
both sides does not meet the address the target's run just registered.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import httpx

from launchgate.checks.browser import target_variables
from launchgate.checks.context import CheckContext, SessionState
from launchgate.checks.journeys import run_journey
from launchgate.config.model import Config
from launchgate.config.semantics import journey_dependencies, journey_order

__all__ = ["CONTROL", "ControlSessions", "control_context", "control_sessions"]

CONTROL = "@control"
"""Appended to a route's name for its twin on the control (a route's own name cannot
hold ``@``, so the two never meet)."""


@dataclass(frozen=True)
class ControlSessions:
    sessions: Mapping[str, SessionState]  # journey -> the session it left on the control
    failed: Mapping[str, str]  # journey -> why it did not pass on the control


def control_context(ctx: CheckContext, url: str) -> CheckContext:
    """``ctx``, pointed at the control: its clients send there, with no sessions yet and
    a customer identity of its own."""
    make_client = ctx.make_client

    def rebased(cookies: httpx.Cookies | None) -> httpx.AsyncClient:
        client = make_client(cookies)
        client.base_url = httpx.URL(url)
        return client

    return dataclasses.replace(
        ctx,
        base_url=url,
        make_client=rebased,
        sessions={},
        variables={**_control_identity(ctx.variables), **target_variables(url)},
        progress=None,
    )


def _control_identity(variables: Mapping[str, str]) -> dict[str, str]:
    mine = dict(variables)
    run_id = variables.get("run.id")
    if run_id:
        mine["run.id"] = f"{run_id}-control"
    email = variables.get("run.email", "")
    local, at, domain = email.rpartition("@")
    if at:
        mine["run.email"] = f"{local}-control@{domain}"
    return mine


async def control_sessions(
    ctx: CheckContext, config: Config, needed: Iterable[str]
) -> ControlSessions:
    """Run, against the control (``ctx`` from :func:`control_context`), the journeys
    the ``needed`` sessions come from, with the journeys they start from or need, in
    the order the gate runs them."""
    wanted = _closure(config, needed)
    sessions: dict[str, SessionState] = {}
    failed: dict[str, str] = {}
    for name in journey_order(config):
        if name not in wanted:
            continue
        spec = config.journeys[name]
        blocked = next((d for d in _deps(config, name) if d not in sessions), None)
        if blocked is not None:
            failed[name] = f"it needs journey {blocked}, which did not pass on the control"
            continue
        result, session = await run_journey(ctx, name, spec, sessions.get(spec.session or ""))
        if result.status == "passed" and session is not None:
            sessions[name] = session
        else:
            failed[name] = result.message or f"journey {name} did not pass"
    return ControlSessions(sessions=sessions, failed=failed)


def _deps(config: Config, name: str) -> list[str]:
    return [d for d in journey_dependencies(config.journeys[name]) if d in config.journeys]


def _closure(config: Config, needed: Iterable[str]) -> set[str]:
    wanted: set[str] = set()
    todo = [n for n in needed if n in config.journeys]
    while todo:
        name = todo.pop()
        if name not in wanted:
            wanted.add(name)
            todo += _deps(config, name)
    return wanted

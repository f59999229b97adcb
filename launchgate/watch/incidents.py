"""The per-check incident state machine: one alert per incident, and one recovery.

Pure: :func:`observe` takes the state a check was in, one observation and the policy,
and returns the new state and the event it causes, if any. No clock (each observation
carries its own wall-clock time), no I/O, so every path is tested exhaustively and
fast, and the state can be saved between ``launchgate watch --once`` runs as JSON.

The rules, which the README repeats:

* ``up`` → ``down`` after ``failures`` consecutive failed rounds (default 2: one lost
  packet pages nobody); ``down`` → ``up`` after ``successes`` consecutive good rounds.
* An incident opens when a check goes down or starts flapping, and closes on a good
  round once the check is up and not flapping. Opening sends one alert and closing one
  recovery notice with the outage length, whatever happens in between.
* Flap protection: among the last ``flap_window`` outcomes, ``flap_start`` or more
  changes mean flapping, ``flap_stop`` or fewer mean stable again. A check that fails
  every other round is one "flapping" incident, not a page per flip (and the failure
  threshold alone would never see it: its failures are never consecutive).
* An observation that decides nothing (``ok is None``: the check did not run because a
  watched prerequisite failed) changes nothing; the prerequisite carries the alert.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from typing import Literal

__all__ = ["CheckState", "Event", "EventKind", "Observation", "Policy", "observe"]

Status = Literal["up", "down"]
EventKind = Literal["down", "flapping", "recovered"]


@dataclass(frozen=True)
class Policy:
    failures: int = 2
    successes: int = 2
    flap_window: int | None = 10  # None: flap protection off
    flap_start: int = 5
    flap_stop: int = 2


@dataclass(frozen=True, kw_only=True)
class Observation:
    """One round's outcome for one check, already redacted for display."""

    at: float  # unix seconds: when the round started
    ok: bool | None  # None: not decided this round (a watched prerequisite failed)
    status_code: int | None = None  # of the last request made
    latency_ms: float | None = None  # of the whole check
    problem: str = ""  # the failing expectation, one line; empty when ok
    detail: str = ""  # what was sent and what came back, redacted


@dataclass(frozen=True)
class CheckState:
    status: Status = "up"
    streak: int = 0  # consecutive outcomes that disagree with ``status``
    run_since: float | None = None  # start of the current run of equal outcomes
    flapping: bool = False
    recent: tuple[tuple[bool, float], ...] = ()  # (ok, at) of the last outcomes
    incident_since: float | None = None  # set while an incident is open
    last: Observation | None = None  # the last decided observation
    last_failure: Observation | None = None  # quoted by alerts and recovery notices

    @property
    def incident_open(self) -> bool:
        return self.incident_since is not None


@dataclass(frozen=True, kw_only=True)
class Event:
    """An incident opened (``down``, ``flapping``) or closed (``recovered``)."""

    kind: EventKind
    since: float  # when the incident started: its first failed round
    at: float  # the round that decided it
    observation: Observation  # that round's observation
    failure: Observation | None  # the failure to quote (for recovered: the last one)
    outage_s: float | None = None  # recovered only: first failure to first good round


def observe(state: CheckState, obs: Observation, policy: Policy) -> tuple[CheckState, Event | None]:
    """Fold one observation into the state; return the new state and its event, if any."""
    if obs.ok is None:
        return state, None
    ok = obs.ok
    previous = state.recent[-1][0] if state.recent else None
    run_since = state.run_since if previous == ok and state.run_since is not None else obs.at
    status, streak = state.status, state.streak
    if ok == (status == "up"):
        streak = 0
    else:
        streak += 1
        if streak >= (policy.failures if status == "up" else policy.successes):
            status, streak = ("down" if status == "up" else "up"), 0
    recent = (*state.recent, (ok, obs.at))[-(policy.flap_window or 1) :]
    flapping = _flapping(state.flapping, recent, policy)
    state = replace(
        state,
        status=status,
        streak=streak,
        run_since=run_since,
        flapping=flapping,
        recent=recent,
        last=obs,
        last_failure=state.last_failure if ok else obs,
    )
    return _incident(state, obs)


def _flapping(was: bool, recent: tuple[tuple[bool, float], ...], policy: Policy) -> bool:
    if policy.flap_window is None:
        return False
    changes = sum(1 for a, b in itertools.pairwise(recent) if a[0] != b[0])
    if was:
        return changes > policy.flap_stop
    return changes >= policy.flap_start


def _incident(state: CheckState, obs: Observation) -> tuple[CheckState, Event | None]:
    wants_open = state.status == "down" or state.flapping
    if not state.incident_open and wants_open:
        if state.status == "down":
            kind: EventKind = "down"
            since = state.run_since if state.run_since is not None else obs.at
        else:
            kind = "flapping"
            since = min((at for ok, at in state.recent if not ok), default=obs.at)
        opened = replace(state, incident_since=since)
        return opened, Event(
            kind=kind, since=since, at=obs.at, observation=obs, failure=state.last_failure
        )
    if state.incident_since is not None and not wants_open and obs.ok:
        since = state.incident_since
        back_at = state.run_since if state.run_since is not None else obs.at
        closed = replace(state, incident_since=None)
        event = Event(
            kind="recovered",
            since=since,
            at=obs.at,
            observation=obs,
            failure=state.last_failure,
            outage_s=max(back_at - since, 0.0),
        )
        return closed, event
    return state, None

"""The incident state machine: table cases for each rule, and properties over random
sequences of outcomes (one alert per incident, alerts and recoveries alternate)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from launchgate.watch.incidents import CheckState, Event, Observation, Policy, observe

NO_FLAP = Policy(failures=2, successes=2, flap_window=None)


def run(
    outcomes: Sequence[bool | None], policy: Policy = NO_FLAP
) -> tuple[CheckState, list[Event]]:
    state = CheckState()
    events: list[Event] = []
    for i, ok in enumerate(outcomes):
        obs = Observation(
            at=1000.0 + 60 * i,
            ok=ok,
            status_code=200 if ok else 500,
            latency_ms=10.0,
            problem="" if ok else f"answered 500 in round {i}",
        )
        state, event = observe(state, obs, policy)
        if event is not None:
            events.append(event)
    return state, events


def kinds(events: list[Event]) -> list[str]:
    return [e.kind for e in events]


@pytest.mark.parametrize(
    ("outcomes", "expected"),
    [
        ([True] * 5, []),
        ([True, False, True, True], []),  # one lost packet pages nobody
        ([True, False, False], ["down"]),
        ([False, False, False, False, False], ["down"]),  # one alert per incident
        ([False, False, True], ["down"]),  # one good round is not yet a recovery
        ([False, False, True, True], ["down", "recovered"]),
        ([False, False, True, False, True, True], ["down", "recovered"]),
        ([False, False, True, True, False, False], ["down", "recovered", "down"]),
        ([None, None, False, None, False], ["down"]),  # undecided rounds change nothing
    ],
)
def test_thresholds(outcomes: list[bool | None], expected: list[str]) -> None:
    assert kinds(run(outcomes)[1]) == expected


def test_down_says_since_the_first_failure_and_quotes_it() -> None:
    _, events = run([True, False, False, False])
    (down,) = events
    assert down.since == 1060.0  # the first failed round, not the one that confirmed it
    assert down.at == 1120.0
    assert down.observation.problem == "answered 500 in round 2"


def test_recovery_carries_outage_length_and_the_last_failure() -> None:
    _, events = run([True, False, False, False, True, True])
    down, recovered = events
    assert recovered.kind == "recovered"
    assert recovered.since == down.since == 1060.0
    # first failure at 1060, first good round at 1240: three minutes down
    assert recovered.outage_s == 180.0
    assert recovered.failure is not None
    assert recovered.failure.problem == "answered 500 in round 3"


def test_per_check_thresholds() -> None:
    policy = Policy(failures=3, successes=1, flap_window=None)
    assert kinds(run([False, False], policy)[1]) == []
    assert kinds(run([False, False, False, True], policy)[1]) == ["down", "recovered"]


def test_flapping_is_one_incident_not_a_page_per_flip() -> None:
    policy = Policy(failures=2, successes=2, flap_window=10, flap_start=5, flap_stop=2)
    flips = [True, False] * 6  # never two failures in a row: thresholds alone miss it
    state, events = run(flips, policy)
    assert kinds(events) == ["flapping"]
    assert state.flapping and state.incident_open
    # stable again: the changes fall out of the window, then one recovery
    state, events = run([*flips, *([True] * 10)], policy)
    assert kinds(events) == ["flapping", "recovered"]
    assert not state.incident_open


def test_flapping_during_an_outage_is_still_the_same_incident() -> None:
    policy = Policy(failures=2, successes=2, flap_window=10, flap_start=5, flap_stop=2)
    outcomes = [False, False, True, False, True, False, True, False, False, False]
    assert kinds(run(outcomes, policy)[1]) == ["down"]


@settings(max_examples=300, deadline=None)
@given(
    outcomes=st.lists(st.one_of(st.booleans(), st.none()), max_size=60),
    failures=st.integers(1, 4),
    successes=st.integers(1, 4),
    flap=st.booleans(),
)
def test_alerts_and_recoveries_alternate(
    outcomes: list[bool | None], failures: int, successes: int, flap: bool
) -> None:
    policy = Policy(failures, successes, flap_window=10 if flap else None)
    state, events = run(outcomes, policy)
    opening = [e.kind != "recovered" for e in events]
    # open, close, open, close...: never two alerts for one incident, never a
    # recovery without its alert
    assert opening == [i % 2 == 0 for i in range(len(events))]
    assert state.incident_open == (len(events) % 2 == 1)
    for event in events:
        if event.kind == "recovered":
            assert event.outage_s is not None and event.outage_s >= 0


@settings(max_examples=200, deadline=None)
@given(outcomes=st.lists(st.booleans(), max_size=40), failures=st.integers(1, 4))
def test_no_alert_without_enough_consecutive_failures(outcomes: list[bool], failures: int) -> None:
    longest = current = 0
    for ok in outcomes:
        current = 0 if ok else current + 1
        longest = max(longest, current)
    events = run(outcomes, Policy(failures, 2, flap_window=None))[1]
    assert bool(events) == (longest >= failures)

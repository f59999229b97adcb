import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from launchgate.probe.schedule import Jitter, intended_offsets


def test_constant_rate_is_evenly_spaced():
    offsets = list(intended_offsets(10, 2.0))
    assert len(offsets) == 20
    assert offsets[:3] == pytest.approx([0.0, 0.1, 0.2])


def test_ramp_starts_slow_and_reaches_the_rate():
    offsets = list(intended_offsets(100, 3.0, ramp_s=1.0))
    first_gap = offsets[1] - offsets[0]
    last_gap = offsets[-1] - offsets[-2]
    assert first_gap > 5 * last_gap  # a tenth of the rate at first
    assert last_gap == pytest.approx(0.01)
    # Ramp area (10 + 100) / 2 * 1 s = 55 requests, then 2 s at 100/s.
    assert len(offsets) == pytest.approx(255, abs=1)


def test_nothing_for_a_zero_rate_or_duration():
    assert list(intended_offsets(0, 5)) == []
    assert list(intended_offsets(5, 0)) == []


@settings(deadline=None)  # up to ~60,000 offsets per example
@given(
    st.floats(min_value=0.5, max_value=2000),
    st.floats(min_value=0.1, max_value=30),
    st.floats(min_value=0, max_value=5),
)
def test_offsets_increase_stay_in_range_and_never_exceed_the_rate(rate, duration, ramp):
    offsets = list(intended_offsets(rate, duration, ramp))
    assert offsets
    assert all(0 <= t < duration for t in offsets)
    assert all(b > a for a, b in itertools.pairwise(offsets))
    # Never more than the configured rate allows over the whole window (+1 for t=0).
    assert len(offsets) <= rate * duration + 1


def test_a_half_phase_falls_between_every_pair_of_sends_ramp_included():
    on = list(intended_offsets(10.0, 5.0, ramp_s=2.0))
    between = list(intended_offsets(10.0, 5.0, ramp_s=2.0, phase=0.5))
    merged = sorted([(t, "a") for t in on] + [(t, "b") for t in between])
    assert [side for _, side in merged] == ["a", "b"] * len(on)
    assert all(a < b < c for a, b, c in zip(on, between, on[1:], strict=False))


def test_jitter_moves_each_send_within_its_slot_and_keeps_the_rate():
    plain = list(intended_offsets(50.0, 4.0))
    moved = list(intended_offsets(50.0, 4.0, jitter=Jitter(seed=11, width=0.5)))
    assert len(plain) - 1 <= len(moved) <= len(plain)
    late = [(m - p) * 50.0 for p, m in zip(plain, moved, strict=False)]
    assert all(0.0 <= share < 0.5 for share in late)
    # Not a constant shift: the phase against anything periodic on the server (the
    # 4 ms scheduler tick) is spread over the whole tick, not fixed for the run.
    tick_phases = {round((t % 0.004) / 0.004, 1) for t in moved}
    assert len(tick_phases) >= 8
    assert {round((t % 0.004) / 0.004, 1) for t in plain} == {0.0, 1.0}


def test_a_shared_seed_keeps_the_control_between_the_candidates_sends():
    seed = Jitter(seed=5)
    on = list(intended_offsets(20.0, 5.0, ramp_s=2.0, jitter=seed))
    between = list(intended_offsets(20.0, 5.0, ramp_s=2.0, phase=0.5, jitter=seed))
    merged = sorted([(t, "a") for t in on] + [(t, "b") for t in between])
    order = [side for _, side in merged]
    assert all(a != b for a, b in itertools.pairwise(order))
    assert abs(len(on) - len(between)) <= 1
    # The same seed repeats the same schedule; another seed does not.
    assert list(intended_offsets(20.0, 5.0, ramp_s=2.0, jitter=seed)) == on
    assert list(intended_offsets(20.0, 5.0, ramp_s=2.0, jitter=Jitter(seed=6))) != on


@settings(deadline=None)
@given(
    st.floats(min_value=0.5, max_value=2000),
    st.floats(min_value=0.1, max_value=30),
    st.floats(min_value=0, max_value=5),
    st.integers(min_value=0, max_value=2**32 - 1),
    st.floats(min_value=0.0, max_value=0.99),
)
def test_jittered_offsets_increase_and_stay_in_range(rate, duration, ramp, seed, width):
    offsets = list(intended_offsets(rate, duration, ramp, jitter=Jitter(seed, width)))
    assert all(0 <= t < duration for t in offsets)
    assert all(b > a for a, b in itertools.pairwise(offsets))
    assert len(offsets) <= rate * duration + 1


def test_a_jitter_of_a_whole_interval_is_refused():
    with pytest.raises(ValueError, match="jitter width"):
        Jitter(seed=1, width=1.0)

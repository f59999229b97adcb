"""The gates are pure: exhaustive cases, seeded samples, and the exact boundary."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

from launchgate.probe.gates import (
    drift_gate,
    error_gate,
    p95_gate,
    p95_interval_ms,
    regression_gate,
    robust_spread_ms,
    spread_quantile,
)
from launchgate.probe.histogram import LatencyHistogram


def hist(values_ms) -> LatencyHistogram:
    h = LatencyHistogram()
    for v in values_ms:
        h.record_ms(v)
    return h


def lognormal(seed: int, n: int, median_ms: float, scale: float = 1.0) -> LatencyHistogram:
    rng = random.Random(seed)
    return hist(scale * median_ms * math.exp(rng.gauss(0, 0.5)) for _ in range(n))


GATE: dict[str, Any] = {
    "limit_pct": 20.0,
    "floor_ms": 5.0,
    "confidence_pct": 95.0,
    "min_samples": 200,
}


def test_p95_gate_over_under_and_too_few():
    assert p95_gate(hist([100] * 300), 500, min_samples=200).status == "pass"
    over = p95_gate(hist([700] * 300), 500, min_samples=200)
    assert over.status == "fail"
    assert over.reason == "p95 700 ms is over the 500 ms target"
    few = p95_gate(hist([100] * 10), 500, min_samples=200)
    assert few.status == "undecided"
    assert "only 10 successful requests" in few.reason


def test_zero_samples_is_never_a_fast_p95():
    decision = p95_gate(LatencyHistogram(), 500, min_samples=200)
    assert decision.status == "undecided"
    assert math.isnan(decision.observed)


def test_error_budget():
    assert error_gate(1000, 10, 1.0).status == "pass"  # exactly 1 %: within budget
    failing = error_gate(1000, 11, 1.0)
    assert failing.status == "fail"
    assert "1.1% of requests failed (11 of 1000)" in failing.reason
    assert error_gate(0, 0, 1.0).status == "undecided"


def test_no_baseline_and_incomparable_are_named():
    assert regression_gate(hist([5] * 300), None, **GATE).outcome == "no_baseline"
    decision = regression_gate(
        hist([5] * 300), hist([5] * 300), incomparable="the rate changed", **GATE
    )
    assert decision.outcome == "incomparable"
    assert decision.reason == "the rate changed"


def test_the_boundary_exactly_plus_20_percent_passes_above_fails():
    # Below 2.048 ms HDR histograms hold microseconds exactly, so the ratio is exact.
    gate = {**GATE, "floor_ms": 0.0}
    base = hist([1.0] * 1000)
    at = regression_gate(hist([1.2] * 1000), base, **gate)
    assert at.ratio == 1.2
    assert at.outcome == "unchanged"
    above = regression_gate(hist([1.201] * 1000), base, **gate)
    assert above.outcome == "regression"
    assert above.fails


def test_a_tiny_absolute_difference_is_not_a_regression():
    decision = regression_gate(hist([3.0] * 1000), hist([2.0] * 1000), **GATE)
    assert decision.ratio == pytest.approx(1.5, rel=1e-2)
    assert decision.outcome == "within_noise"
    assert "floor" in decision.reason


def test_too_few_samples_is_inconclusive_never_a_pass():
    decision = regression_gate(hist([200] * 50), hist([100] * 1000), **GATE)
    assert decision.outcome == "inconclusive"
    assert decision.undecided


def test_over_the_limit_but_within_noise_is_inconclusive():
    # 200 samples of a wide distribution: the p95 interval is wide.
    current = lognormal(1, 200, 60, scale=1.25)
    baseline = lognormal(2, 200, 60)
    decision = regression_gate(current, baseline, **GATE)
    if decision.ratio > 1.2 and decision.current_p95_ms - decision.baseline_p95_ms > 5:
        assert decision.outcome in ("regression", "inconclusive")
        if decision.current_interval_ms[0] <= decision.baseline_interval_ms[1]:
            assert decision.outcome == "inconclusive"


def test_a_a_runs_never_fail():
    """Two samples of one distribution, 40 seeded pairs: no false fail (seeded, so exact)."""
    false_fails = [
        seed
        for seed in range(40)
        if regression_gate(
            lognormal(seed, 1500, 40), lognormal(seed + 1000, 1500, 40), **GATE
        ).fails
    ]
    assert false_fails == []


def test_a_30_percent_slowdown_is_caught_almost_always():
    """+30 % against a 20 % limit, 40 seeded pairs of 1,500 samples: the sample p95 ratio
    itself falls under 1.2 now and then, so detection is a rate (here 38 of 40)."""
    caught = sum(
        regression_gate(
            lognormal(seed, 1500, 40, scale=1.3), lognormal(seed + 1000, 1500, 40), **GATE
        ).fails
        for seed in range(40)
    )
    assert caught >= 38


def test_improvement_is_named():
    decision = regression_gate(lognormal(1, 2000, 20), lognormal(2, 2000, 40), **GATE)
    assert decision.outcome == "improvement"


def test_interval_brackets_the_p95_and_narrows_with_samples():
    small = p95_interval_ms(lognormal(3, 300, 50), 95.0)
    large_h = lognormal(3, 30000, 50)
    large = p95_interval_ms(large_h, 95.0)
    assert small[0] <= small[1]
    assert large[0] <= large_h.percentile_ms(95) <= large[1]
    assert (large[1] - large[0]) < (small[1] - small[0])


def test_one_noisy_baseline_entry_does_not_raise_the_bar():
    # The old rule let the slowest recent entry (13.5 ms) excuse a +30 % run.
    base = hist([10.0] * 1000)
    current = hist([13.0] * 1000)
    decision = regression_gate(
        current, base, history_p95_ms=(10.0, 10.2, 13.5, 9.9, 10.1), **{**GATE, "floor_ms": 1.0}
    )
    assert decision.outcome == "regression"
    assert decision.baseline_p95_ms == 10.1  # the median of the five, not their maximum
    assert decision.reference_entries == 5
    assert "the median of 5 baselines" in decision.reason


def test_a_spread_the_unchanged_app_has_shown_is_within_noise():
    base = hist([10.0] * 1000)
    current = hist([13.0] * 1000)  # +30 %, but the history swings by about ±2 ms
    decision = regression_gate(
        current, base, history_p95_ms=(10.0, 12.0, 8.5, 11.5, 9.0), **{**GATE, "floor_ms": 1.0}
    )
    # 1.4826 MAD (1.5 ms), times 1.206: the MAD of five values runs small.
    assert decision.history_spread_ms == pytest.approx(1.206 * 1.4826 * 1.5)
    assert decision.outcome == "within_noise"
    assert "run-to-run spread" in decision.reason
    assert not decision.could_not_decide  # more samples would not change it


def test_a_fast_route_that_doubles_is_a_regression():
    # 4 ms -> 8.5 ms: under the old fixed 5 ms floor this was "within noise".
    base = hist([4.0] * 1000)
    decision = regression_gate(hist([8.5] * 1000), base, **{**GATE, "floor_ms": 1.0})
    assert decision.outcome == "regression"
    assert decision.noise_floor_ms == 1.0
    assert regression_gate(hist([8.5] * 1000), base, **GATE).outcome == "within_noise"


def test_zero_spread_history_leaves_the_resolution_floor():
    base = hist([4.0] * 1000)
    history = (4.0, 4.0, 4.0)
    below = regression_gate(
        hist([4.9] * 1000), base, history_p95_ms=history, **{**GATE, "floor_ms": 1.0}
    )
    assert below.history_spread_ms == 0.0
    assert below.outcome == "within_noise"
    assert "1.0 ms noise floor (timing resolution)" in below.reason
    above = regression_gate(
        hist([5.2] * 1000), base, history_p95_ms=history, **{**GATE, "floor_ms": 1.0}
    )
    assert above.outcome == "regression"


def test_a_one_entry_history_is_the_latest_baseline():
    base = hist([10.0] * 1000)
    decision = regression_gate(
        hist([10.5] * 1000), base, history_p95_ms=(10.0,), **{**GATE, "floor_ms": 1.0}
    )
    assert decision.reference_entries == 1
    assert decision.history_spread_ms == 0.0
    assert decision.outcome == "unchanged"
    assert "the latest baseline" in decision.reason


def test_empty_histograms_and_nan_history_never_pass_as_fast():
    empty = LatencyHistogram()
    assert regression_gate(empty, hist([5.0] * 300), **GATE).outcome == "inconclusive"
    assert regression_gate(hist([5.0] * 300), empty, **GATE).outcome == "inconclusive"
    decision = regression_gate(
        hist([13.0] * 1000),
        hist([10.0] * 1000),
        history_p95_ms=(math.nan, 10.0, math.nan),
        **{**GATE, "floor_ms": 1.0},
    )
    assert decision.reference_entries == 1  # NaN entries are not history
    assert decision.outcome == "regression"


def test_robust_spread_ignores_one_wild_entry():
    assert robust_spread_ms(()) == 0.0
    assert robust_spread_ms((7.0,)) == 0.0
    assert robust_spread_ms((10.0, 10.0, 10.0, 10.0, 90.0)) == 0.0
    assert robust_spread_ms((1.0, 2.0, 3.0)) == pytest.approx(1.495 * 1.4826)


def test_the_spread_quantile_is_one_sided_t_for_the_entries_there_are():
    assert spread_quantile(95.0, 5) == pytest.approx(2.132, abs=0.01)  # t(0.95, 4)
    assert spread_quantile(95.0, 31) == pytest.approx(1.697, abs=0.01)  # t(0.95, 30)
    assert spread_quantile(95.0, 3) > spread_quantile(95.0, 5) > 1.645  # never under z


DRIFT: dict[str, Any] = {
    "window": 5,
    "limit_pct": 20.0,
    "floor_ms": 1.0,
    "confidence_pct": 95.0,
    "min_samples": 200,
}


def test_drift_needs_two_baselines_and_enough_samples():
    assert drift_gate(hist([20.0] * 1000), [("a", 10.0)], **DRIFT).outcome == "no_history"
    few = drift_gate(hist([20.0] * 50), [("b", 10.0), ("a", 10.0)], **DRIFT)
    assert few.outcome == "no_history"
    assert not few.drifts


def test_drift_compares_with_the_baseline_window_deploys_ago():
    history = [(f"c{i}", 10.0 + i) for i in range(9, 0, -1)]  # c9 newest ... c1 oldest
    decision = drift_gate(hist([17.0] * 1000), history, **DRIFT)
    assert decision.then_p95_ms == 15.0  # c5: five baselines back, not the oldest c1
    assert decision.deploys == ("c5", "c6", "c7", "c8", "c9")
    assert decision.outcome == "steady"  # +13 %
    short = drift_gate(hist([13.0] * 1000), [("b", 11.0), ("a", 10.0)], **DRIFT)
    assert short.then_p95_ms == 10.0  # fewer than the window: the oldest there is
    assert short.drifts
    assert "accumulated across the deploys a, b and now" in short.reason


def test_drift_at_exactly_the_limit_and_under_the_floor_is_steady():
    # Below 2.048 ms HDR histograms hold microseconds exactly.
    at = drift_gate(hist([1.2] * 1000), [("b", 1.1), ("a", 1.0)], **{**DRIFT, "floor_ms": 0.0})
    assert at.ratio == pytest.approx(1.2)
    assert at.outcome == "steady"
    tiny = drift_gate(hist([1.9] * 1000), [("b", 1.5), ("a", 1.0)], **DRIFT)
    assert tiny.ratio > 1.2
    assert tiny.outcome == "steady"  # 0.9 ms: under the 1 ms timing resolution


def test_creep_of_12_percent_a_deploy_drifts_by_the_fourth():
    history: list[tuple[str, float]] = [("d0", 10.0)]
    drifted_at = None
    for deploy in range(1, 7):
        decision = drift_gate(hist([10.0 * 1.12**deploy] * 1000), history, **DRIFT)
        if decision.drifts:
            drifted_at = deploy
            break
        history.insert(0, (f"d{deploy}", 10.0 * 1.12**deploy))
    assert drifted_at is not None and drifted_at <= 4

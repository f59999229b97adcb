"""The paired A/B decision is pure: seeded samples, exact boundaries."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

from launchgate.probe.compare import compare_p95, p95

RULE: dict[str, Any] = {
    "limit_pct": 20.0,
    "confidence_pct": 95.0,
    "min_samples": 200,
    "floor_ms": 1.0,
}


def blocks(
    seed: int,
    *,
    median_ms: float,
    n_blocks: int = 20,
    per_block: int = 20,
    scale: float = 1.0,
    common: list[float] | None = None,
) -> list[list[float]]:
    """Log-normal latencies per time block; ``common[i]`` slows block i on both sides
    (the machine's moment), ``scale`` only this side (the deployment)."""
    rng = random.Random(seed)
    factors = common or [1.0] * n_blocks
    return [
        [scale * factors[i] * median_ms * math.exp(rng.gauss(0, 0.35)) for _ in range(per_block)]
        for i in range(n_blocks)
    ]


def machine_noise(seed: int, n_blocks: int = 20, spread: float = 0.3) -> list[float]:
    rng = random.Random(seed)
    return [rng.uniform(1 - spread, 1 + spread) for _ in range(n_blocks)]


def test_identical_streams_give_ratio_one_and_an_interval_containing_it():
    same = blocks(1, median_ms=20.0)
    decision = compare_p95(same, same, **RULE)
    assert decision.ratio == 1.0
    assert decision.interval == (1.0, 1.0)
    assert decision.outcome == "unchanged"
    other = compare_p95(blocks(2, median_ms=20.0), blocks(3, median_ms=20.0), **RULE)
    assert other.interval[0] <= 1.0 <= other.interval[1]
    assert other.outcome == "unchanged"


def test_a_known_shift_is_recovered():
    control = blocks(4, median_ms=20.0)
    candidate = blocks(5, median_ms=20.0, scale=1.5)
    decision = compare_p95(candidate, control, **RULE)
    assert decision.ratio == pytest.approx(1.5, rel=0.1)
    assert decision.interval[0] <= decision.ratio <= decision.interval[1]
    assert decision.interval[0] > 1.0
    assert decision.outcome == "regression"
    assert "more than 20% slower" in decision.reason
    assert "paired blocks" in decision.reason


def test_noise_that_hits_both_sides_cancels():
    """±30 % machine noise from block to block, the same moments on both sides: 20
    A/A pairs never fail, 20 pairs with a true +30 % are caught at least 19 times, on a
    fast (4 ms) route and a 20 ms one."""
    for median_ms in (4.0, 20.0):
        false_fails = caught = 0
        for seed in range(20):
            noise = machine_noise(seed)
            control = blocks(100 + seed, median_ms=median_ms, common=noise)
            twin = blocks(200 + seed, median_ms=median_ms, common=noise)
            slower = blocks(300 + seed, median_ms=median_ms, common=noise, scale=1.3)
            false_fails += compare_p95(twin, control, **RULE).fails
            caught += compare_p95(slower, control, **RULE).fails
        assert false_fails <= 1, median_ms
        assert caught >= 19, median_ms


def test_too_few_samples_or_blocks_is_inconclusive_never_a_pass():
    few = compare_p95(
        blocks(6, median_ms=20.0, per_block=5, scale=2.0),
        blocks(7, median_ms=20.0, per_block=5),
        **RULE,
    )
    assert few.outcome == "inconclusive"
    assert few.could_not_decide
    assert "too few paired samples" in few.reason
    one_block = compare_p95([[30.0] * 300], [[10.0] * 300], **RULE)
    assert one_block.outcome == "inconclusive"


def test_a_block_one_side_did_not_answer_in_is_not_paired():
    control = blocks(8, median_ms=20.0)
    candidate = blocks(9, median_ms=20.0)
    control[3] = []
    decision = compare_p95(candidate, control, **RULE)
    assert decision.blocks == 19


def test_blocks_must_pair_up():
    with pytest.raises(ValueError, match="paired blocks differ"):
        compare_p95([[1.0]], [[1.0], [1.0]], **RULE)


def test_a_difference_under_the_timing_resolution_never_fails():
    control = [[1.0] * 20 for _ in range(20)]
    candidate = [[1.5] * 20 for _ in range(20)]  # +50 %, but half a millisecond
    decision = compare_p95(candidate, control, **RULE)
    assert decision.outcome == "unchanged"
    # Said as it is: over the limit in percent, but by less than the floor.
    assert "+50%" in decision.reason
    assert "over 20%, but by 0.5 ms, within the 1 ms resolution floor" in decision.reason
    # And the other way round: half a millisecond faster is no improvement.
    assert compare_p95(control, candidate, **RULE).outcome == "unchanged"


def test_the_same_figures_always_give_the_same_decision():
    control, candidate = blocks(10, median_ms=20.0), blocks(11, median_ms=20.0, scale=1.25)
    assert compare_p95(candidate, control, **RULE) == compare_p95(candidate, control, **RULE)


def test_p95_uses_the_histogram_rank_rule():
    assert p95([]) != p95([])  # NaN
    assert p95(list(range(1, 101))) == 95
    assert p95([7.0]) == 7.0

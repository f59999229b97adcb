"""The paired A/B decision is pure: seeded samples, exact boundaries."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

import pytest

from launchgate.probe.compare import ComparisonDecision, compare_p95, expanded_tail, p95

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


def test_the_interval_widens_for_few_blocks_and_tends_to_the_plain_one() -> None:
    tails = [expanded_tail(95.0, n) for n in (2, 3, 5, 10, 20, 100, 10_000)]
    assert tails == sorted(tails)  # fewer blocks: further out in the tails
    assert tails[2] < 0.002  # 5 blocks: about the most extreme of 1000 resamples
    assert 0.015 < tails[4] < 0.0175  # 20 blocks: a 95 % interval from the 1.6th percentile
    assert tails[-1] == pytest.approx(0.025, abs=0.0002)  # many: the plain percentile


def test_an_unchanged_build_over_few_blocks_is_rarely_called_different() -> None:
    """Five one-second blocks, each with its own random slowdown of one side against the
    other (the part of the noise that pairing cannot cancel): over 100 A/A runs the
    interval keeps ×1 inside about as often as it claims, where a plain percentile
    interval over so few blocks excluded it in 16 of 60 real runs."""
    excluded = 0
    for seed in range(100):
        rng = random.Random(seed)
        wobble = [rng.uniform(0.85, 1.15) for _ in range(5)]
        control = blocks(1000 + seed, median_ms=4.0, n_blocks=5, per_block=40)
        twin = blocks(2000 + seed, median_ms=4.0, n_blocks=5, per_block=40, common=wobble)
        low, high = compare_p95(twin, control, **RULE).interval
        excluded += not low <= 1.0 <= high
    assert excluded <= 8


def test_a_regression_must_clear_the_margin_two_identical_builds_differ_by() -> None:
    """Over the limit, and above ×1 but not above ×1.05: what two processes of one build
    can differ by for a whole run. With the margin that is measured longer, not failed."""
    control = blocks(538, median_ms=20.0, n_blocks=12)
    candidate = blocks(638, median_ms=20.0, n_blocks=12, scale=1.3)
    plain = compare_p95(candidate, control, **RULE)
    assert plain.ratio > 1.2 and 1.0 < plain.interval[0] < 1.05
    assert plain.outcome == "regression"
    with_margin = compare_p95(candidate, control, **RULE, margin_pct=5.0)
    assert with_margin.outcome == "inconclusive"
    assert with_margin.could_not_decide  # never a pass
    assert "reaches ×1.05 (the 5% margin); more blocks are needed" in with_margin.reason
    # A clear regression clears it.
    clear = compare_p95(blocks(5, median_ms=20.0, scale=1.5), blocks(4, median_ms=20.0), **RULE)
    assert clear.outcome == "regression"
    assert (
        compare_p95(
            blocks(5, median_ms=20.0, scale=1.5), blocks(4, median_ms=20.0), **RULE, margin_pct=5.0
        ).outcome
        == "regression"
    )


def first_seed_where(
    accept: Callable[[ComparisonDecision], bool],
    *,
    first: int,
    tries: int,
    scale: float,
    rule: dict[str, Any],
) -> tuple[list[list[float]], list[list[float]], ComparisonDecision]:
    """The first seeded 5 ms pair (9 blocks of 25; control seed ``first + i``, candidate
    ``first + 1000 + i``, ``scale`` times slower) whose decision under ``rule`` is
    ``accept``-ed: a case the sampling makes rare, found rather than hand-built."""
    for i in range(tries):
        control = blocks(first + i, median_ms=5.0, n_blocks=9, per_block=25)
        candidate = blocks(first + 1000 + i, median_ms=5.0, n_blocks=9, per_block=25, scale=scale)
        decision = compare_p95(candidate, control, **rule)
        if accept(decision):
            return candidate, control, decision
    raise AssertionError(f"no seed in {first}..{first + tries - 1} gave the case")


def test_slower_beyond_the_margin_with_the_interval_past_the_limit_measures_longer() -> None:
    """Under the limit as a point, but surely slower and perhaps by more than the limit:
    the point estimate is no pass (a slowed build read ×1.17, ×1.08–×1.49, beside a hog)."""
    rule = {**RULE, "margin_pct": 5.0}
    candidate, control, _ = first_seed_where(
        lambda d: d.ratio <= 1.2 and d.interval[0] > 1.05 and d.interval[1] > 1.2,
        first=3000, tries=200, scale=1.22, rule=RULE,
    )  # fmt: skip
    decision = compare_p95(candidate, control, **rule)
    assert decision.outcome == "inconclusive" and decision.could_not_decide
    assert "reaches past the 20% limit; more blocks are needed" in decision.reason
    # Unchanged builds with a wide interval around ×1 still pass: not every wide
    # interval asks for more blocks.
    twin = compare_p95(
        blocks(5000, median_ms=5.0, n_blocks=9, per_block=25),
        blocks(5001, median_ms=5.0, n_blocks=9, per_block=25),
        **rule,
    )
    assert twin.interval[0] <= 1.05 and twin.outcome == "unchanged"
    # A slowdown confidently inside the limit is unchanged, not inconclusive.
    inside = compare_p95(
        blocks(6000, median_ms=20.0, n_blocks=30, per_block=60, scale=1.1),
        blocks(6001, median_ms=20.0, n_blocks=30, per_block=60),
        **rule,
    )
    assert inside.interval[1] < 1.2 and inside.outcome == "unchanged"


def test_a_pass_whose_interval_reaches_past_the_limit_asks_for_more_blocks() -> None:
    """Under the limit, the interval reaching both ×1 and past the limit: a pass for now
    (unchanged builds on a noisy runner read like this), but not a settled one, so the
    probe measures longer while ``max_extend`` allows; a narrow pass is settled."""
    rule = {**RULE, "margin_pct": 5.0}
    *_, found = first_seed_where(
        lambda d: d.ratio <= 1.2 and d.interval[0] <= 1.05 and d.interval[1] > 1.2,
        first=7000, tries=300, scale=1.15, rule=rule,
    )  # fmt: skip
    assert found.outcome == "unchanged" and not found.fails and not found.could_not_decide
    assert found.unsettled
    narrow = compare_p95(
        blocks(6000, median_ms=20.0, n_blocks=30, per_block=60),
        blocks(6001, median_ms=20.0, n_blocks=30, per_block=60),
        **rule,
    )
    assert narrow.interval[1] < 1.2 and narrow.outcome == "unchanged" and not narrow.unsettled
    # Within the timing floor nothing is worth measuring longer either.
    tiny = compare_p95(
        blocks(8100, median_ms=0.2, n_blocks=9, per_block=25, scale=1.15),
        blocks(8101, median_ms=0.2, n_blocks=9, per_block=25),
        **rule,
    )
    assert tiny.outcome == "unchanged" and not tiny.unsettled

"""The performance gates, as pure functions of measurements: p95 target, error budget,
and a regression decision that does not cry wolf.

Regression rule. A route regresses when all three hold:

1. its p95 is more than ``limit`` worse than the baseline's (the user's tolerance);
2. the difference is more than ``floor_ms`` (2 ms -> 3 ms is not a 50 % regression);
3. the difference is larger than sampling noise can explain: the lower end of the
   current p95's confidence interval is above the upper end of the baseline's.

The intervals are distribution-free order-statistic intervals for a quantile: the
number of samples below the true p95 is Binomial(n, 0.95), so the true p95 lies
between the samples of rank n·0.95 ∓ z·sqrt(n·0.95·0.05) with the chosen confidence.
They come straight from the two HDR histograms, with no resampling and no
assumption about the latency distribution (which is skewed and often bimodal).

Sampling noise is not the only noise: the same build measured twice on a shared CI
runner differs by 5-15 % from run to run. When the baseline keeps earlier entries, a
regression must also be slower than the slowest p95 those recent entries recorded;
a run within what the unchanged app has shown before is within noise (more samples
would not change that, so it is not inconclusive).

When (1) and (2) hold but (3) does not, the figures cannot tell a regression from
noise: that is *inconclusive*, which extends the measurement, and a run that stays
inconclusive could not decide. It is never read as a pass.

A stored histogram that cannot be decoded is *unreadable*: that route could not
decide (more samples would not help, so it does not extend the measurement); the
other gates, which do not read the baseline, still decide.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

from launchgate.probe.histogram import LatencyHistogram

__all__ = [
    "GateDecision",
    "GateStatus",
    "RegressionDecision",
    "error_gate",
    "p95_gate",
    "p95_interval_ms",
    "regression_gate",
    "unreadable_baseline",
]


GateStatus = Literal["pass", "fail", "undecided"]
"""``undecided``: the figures cannot decide (too few samples, no request completed)."""


@dataclass(frozen=True)
class GateDecision:
    status: GateStatus
    observed: float
    limit: float
    reason: str


RegressionOutcome = Literal[
    "no_baseline",
    "incomparable",
    "regression",
    "inconclusive",
    "within_noise",
    "unchanged",
    "improvement",
    "unreadable",
]


@dataclass(frozen=True)
class RegressionDecision:
    outcome: RegressionOutcome
    ratio: float  # current p95 / baseline p95 (NaN when there is no comparison)
    current_p95_ms: float
    baseline_p95_ms: float
    current_interval_ms: tuple[float, float]
    baseline_interval_ms: tuple[float, float]
    reason: str

    @property
    def fails(self) -> bool:
        return self.outcome == "regression"

    @property
    def undecided(self) -> bool:
        """More samples might decide it (the probe extends its measurement)."""
        return self.outcome == "inconclusive"

    @property
    def could_not_decide(self) -> bool:
        return self.outcome in ("inconclusive", "unreadable")

    @property
    def change_pct(self) -> float:
        return (self.ratio - 1.0) * 100.0 if math.isfinite(self.ratio) else math.nan


def p95_gate(latency: LatencyHistogram, target_ms: float, *, min_samples: int) -> GateDecision:
    p95 = latency.percentile_ms(95)
    if latency.count < min_samples:
        return GateDecision(
            "undecided",
            p95,
            target_ms,
            f"only {latency.count} successful requests measured; a stable p95 needs {min_samples}",
        )
    if p95 > target_ms:
        return GateDecision(
            "fail", p95, target_ms, f"p95 {p95:.0f} ms is over the {target_ms:.0f} ms target"
        )
    return GateDecision("pass", p95, target_ms, f"p95 {p95:.1f} ms (target {target_ms:.0f} ms)")


def error_gate(requests: int, errors: int, budget_pct: float) -> GateDecision:
    if requests == 0:
        return GateDecision("undecided", math.nan, budget_pct, "no request completed")
    rate = 100.0 * errors / requests
    if rate > budget_pct:
        return GateDecision(
            "fail",
            rate,
            budget_pct,
            f"{rate:.1f}% of requests failed ({errors} of {requests}); the budget is "
            f"{budget_pct:g}%",
        )
    return GateDecision("pass", rate, budget_pct, f"{rate:.2f}% errors (budget {budget_pct:g}%)")


def unreadable_baseline(current: LatencyHistogram, reason: str) -> RegressionDecision:
    nan2 = (math.nan, math.nan)
    p95 = current.percentile_ms(95)
    return RegressionDecision("unreadable", math.nan, p95, math.nan, nan2, nan2, reason)


def p95_interval_ms(latency: LatencyHistogram, confidence_pct: float) -> tuple[float, float]:
    """A confidence interval for the true p95, from order statistics (see module doc)."""
    n = latency.count
    if n == 0:
        return (math.nan, math.nan)
    z = NormalDist().inv_cdf(0.5 + confidence_pct / 200.0)
    centre = n * 0.95
    spread = z * math.sqrt(n * 0.95 * 0.05)
    low = latency.value_at_rank_ms(math.floor(centre - spread))
    high = latency.value_at_rank_ms(math.ceil(centre + spread) + 1)
    return (low, high)


def regression_gate(
    current: LatencyHistogram,
    baseline: LatencyHistogram | None,
    *,
    limit_pct: float,
    floor_ms: float,
    confidence_pct: float,
    min_samples: int,
    incomparable: str | None = None,
    history_p95_ms: tuple[float, ...] = (),
) -> RegressionDecision:
    cur_p95 = current.percentile_ms(95)
    if baseline is None or incomparable:
        outcome: RegressionOutcome = "incomparable" if incomparable else "no_baseline"
        reason = incomparable or "no baseline yet: nothing to compare with"
        nan2 = (math.nan, math.nan)
        return RegressionDecision(outcome, math.nan, cur_p95, math.nan, nan2, nan2, reason)
    base_p95 = baseline.percentile_ms(95)
    cur_ci = p95_interval_ms(current, confidence_pct)
    base_ci = p95_interval_ms(baseline, confidence_pct)
    slowest_before = max(history_p95_ms, default=math.nan)
    ratio = cur_p95 / base_p95 if base_p95 > 0 else math.inf

    def decision(outcome: RegressionOutcome, reason: str) -> RegressionDecision:
        return RegressionDecision(outcome, ratio, cur_p95, base_p95, cur_ci, base_ci, reason)

    figures = f"p95 {cur_p95:.1f} ms vs baseline {base_p95:.1f} ms ({(ratio - 1) * 100:+.0f}%)"
    if current.count < min_samples or baseline.count < min_samples:
        return decision(
            "inconclusive",
            f"{figures}; too few samples to compare (now {current.count}, baseline "
            f"{baseline.count}; {min_samples} needed)",
        )
    over_limit = ratio > 1.0 + limit_pct / 100.0
    over_floor = cur_p95 - base_p95 > floor_ms
    beyond_noise = cur_ci[0] > base_ci[1]
    seen_before = math.isfinite(slowest_before) and cur_ci[0] <= slowest_before
    if over_limit and over_floor and beyond_noise and seen_before:
        return decision(
            "within_noise",
            f"{figures}: over the {limit_pct:g}% limit, but an unchanged build has measured "
            f"as slow before (p95 up to {slowest_before:.1f} ms in recent baselines)",
        )
    if over_limit and over_floor and beyond_noise:
        return decision(
            "regression",
            f"{figures}: more than {limit_pct:g}% worse, beyond noise (p95 now at least "
            f"{cur_ci[0]:.1f} ms, baseline at most {base_ci[1]:.1f} ms, "
            f"{confidence_pct:g}% confidence)",
        )
    if over_limit and over_floor:
        return decision(
            "inconclusive",
            f"{figures}: over the {limit_pct:g}% limit but within sampling noise "
            f"(intervals {cur_ci[0]:.1f}-{cur_ci[1]:.1f} ms and {base_ci[0]:.1f}-"
            f"{base_ci[1]:.1f} ms overlap); more samples are needed to decide",
        )
    if over_limit:
        return decision(
            "within_noise",
            f"{figures}: the difference is under the {floor_ms:g} ms floor",
        )
    if ratio < 1.0 / (1.0 + limit_pct / 100.0) and cur_ci[1] < base_ci[0]:
        return decision("improvement", f"{figures}: faster than the baseline")
    return decision("unchanged", f"{figures}: within {limit_pct:g}% of the baseline")

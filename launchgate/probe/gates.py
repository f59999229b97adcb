"""The performance gates, as pure functions of measurements: p95 target, error budget,
and a regression decision that does not cry wolf and is not blind to fast routes.

Regression rule. The current p95 is compared with a *reference*: the median p95 of the
recent baseline entries measured with the same probe settings (the latest entry alone
when there is only one). A median, never the slowest entry: one noisy baseline run
must not raise the bar for the runs after it. A route regresses when all three hold:

1. its p95 is more than ``limit`` worse than the reference (the user's tolerance);
2. the difference is more than the *noise floor*: the larger of the probe's timing
   resolution (``floor_ms``, about 1 ms: 2 ms -> 3 ms is not a 50 % regression) and
   the run-to-run spread of the history (1.4826 MAD of the entries' p95s, corrected
   for a small sample: the robust estimate of their standard deviation, times
   Student's t for that many entries). A fixed floor in milliseconds is the
   wrong unit: a 4 ms page that triples is a regression, and noise is what was measured;
3. the difference is larger than sampling noise can explain: the lower end of the
   current p95's confidence interval is above the reference plus the larger of the
   latest entry's sampling half-width and the history's spread.

The sampling intervals are distribution-free order-statistic intervals for a
quantile: the number of samples below the true p95 is Binomial(n, 0.95), so the true
p95 lies between the samples of rank n·0.95 ∓ z·sqrt(n·0.95·0.05) with the chosen
confidence. They come straight from the HDR histograms, with no resampling and no
assumption about the latency distribution (which is skewed and often bimodal).

When (1) and (2) hold but (3) does not, either the history's spread explains the
difference (*within noise*: more samples would not change that) or only sampling
noise does (*inconclusive*: the measurement is extended, and a run that stays
inconclusive could not decide; it is never read as a pass). Each reason names its
basis: the reference and how many entries it is the median of, the history's
spread, and the sampling interval.

Drift. Against a recent reference, a regression that arrives a little at a time can
hide in the history's own spread. The drift decision compares the current p95 with the
baseline from ``window`` deploys ago (the oldest entry, when there are fewer): more
than ``limit`` worse there, beyond the noise floor and the current sampling interval,
is *drift*, and names the deploys across which it accumulated. It is its own finding,
of its own severity (``gates.drift_severity``, high by default).

A stored histogram that cannot be decoded is *unreadable*: that route could not
decide (more samples would not help, so it does not extend the measurement); the
other gates, which do not read the baseline, still decide.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist, median
from typing import Literal

from launchgate.probe.histogram import LatencyHistogram

__all__ = [
    "DriftDecision",
    "GateDecision",
    "GateStatus",
    "RegressionDecision",
    "drift_gate",
    "error_gate",
    "p95_gate",
    "p95_interval_ms",
    "regression_gate",
    "robust_spread_ms",
    "spread_quantile",
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
    ratio: float  # current p95 / reference p95 (NaN when there is no comparison)
    current_p95_ms: float
    baseline_p95_ms: float  # the reference: the median of the recent entries' p95s
    current_interval_ms: tuple[float, float]
    baseline_interval_ms: tuple[float, float]  # the latest entry's sampling interval
    reason: str
    reference_entries: int = 0  # how many baseline entries the reference is the median of
    history_spread_ms: float = 0.0  # 1.4826 MAD of those entries' p95s
    noise_floor_ms: float = math.nan  # the difference that counts: resolution or spread

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


DriftOutcome = Literal["drift", "steady", "no_history"]


@dataclass(frozen=True, kw_only=True)
class DriftDecision:
    outcome: DriftOutcome
    ratio: float  # current p95 / the p95 then (NaN without a history)
    current_p95_ms: float
    then_p95_ms: float
    deploys: tuple[str, ...]  # the baselines since then, oldest first (commit or date)
    reason: str

    @property
    def drifts(self) -> bool:
        return self.outcome == "drift"


def drift_gate(
    current: LatencyHistogram,
    history: Sequence[tuple[str, float]],
    *,
    window: int,
    limit_pct: float,
    floor_ms: float,
    confidence_pct: float,
    min_samples: int,
) -> DriftDecision:
    """``history``: (label, p95) of the baselines with the same probe settings, newest
    first. Fewer than two entries is no history: the regression gate already compares
    with the one there is."""
    cur_p95 = current.percentile_ms(95)
    entries = [(label, p95) for label, p95 in history if math.isfinite(p95)]
    if len(entries) < 2 or current.count < min_samples:
        why = "fewer than two baselines" if len(entries) < 2 else "too few samples"
        return DriftDecision(
            outcome="no_history",
            ratio=math.nan,
            current_p95_ms=cur_p95,
            then_p95_ms=math.nan,
            deploys=(),
            reason=f"no drift decision: {why}",
        )
    back = min(window, len(entries))
    then_label, then_p95 = entries[back - 1]
    since = tuple(label for label, _ in reversed(entries[:back]))
    ratio = cur_p95 / then_p95 if then_p95 > 0 else math.inf
    low = p95_interval_ms(current, confidence_pct)[0]
    figures = (
        f"p95 {cur_p95:.1f} ms vs {then_p95:.1f} ms {back} baselines ago ({then_label}), "
        f"{(ratio - 1) * 100:+.0f}%"
    )
    if ratio > 1.0 + limit_pct / 100.0 and low - then_p95 > floor_ms:
        return DriftDecision(
            outcome="drift",
            ratio=ratio,
            current_p95_ms=cur_p95,
            then_p95_ms=then_p95,
            deploys=since,
            reason=f"{figures}: more than {limit_pct:g}% slower, accumulated across the "
            f"deploys {', '.join(since)} and now",
        )
    return DriftDecision(
        outcome="steady",
        ratio=ratio,
        current_p95_ms=cur_p95,
        then_p95_ms=then_p95,
        deploys=since,
        reason=f"{figures}: within {limit_pct:g}%",
    )


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


# Croux and Rousseeuw (1992): the MAD of a few values underestimates the spread; these
# factors make it unbiased for n = 2..9 (beyond, n / (n - 0.8) is close enough).
_MAD_SMALL_SAMPLE = {2: 1.196, 3: 1.495, 4: 1.363, 5: 1.206, 6: 1.200, 7: 1.140, 8: 1.129, 9: 1.107}


def robust_spread_ms(p95s_ms: Sequence[float]) -> float:
    """1.4826 times the median absolute deviation, corrected for a small sample: the
    standard deviation of normal data, but one wild entry among five barely moves it.
    0 for fewer than two."""
    values = [v for v in p95s_ms if math.isfinite(v)]
    n = len(values)
    if n < 2:
        return 0.0
    centre = median(values)
    correction = _MAD_SMALL_SAMPLE.get(n, n / (n - 0.8))
    return correction * 1.4826 * median(abs(v - centre) for v in values)


def spread_quantile(confidence_pct: float, entries: int) -> float:
    """How many spreads above the reference an unchanged run still reaches at this
    confidence, when the spread itself was estimated from ``entries`` baselines:
    one-sided (only slower fails), and Student's t with entries - 1 degrees of freedom
    (a Cornish-Fisher expansion of it: within 1 % from four entries, 1 % under with three,
    5.6 for 6.3 with two) rather than the normal z, which five entries cannot vouch
    for."""
    z = NormalDist().inv_cdf(confidence_pct / 100.0)
    nu = max(entries - 1, 1)
    return (
        z
        + (z**3 + z) / (4 * nu)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * nu**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * nu**3)
    )


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
    """``baseline``: the latest entry's histogram; ``history_p95_ms``: the p95s of the
    recent entries with the same settings, the latest included (see module doc)."""
    cur_p95 = current.percentile_ms(95)
    if baseline is None or incomparable:
        outcome: RegressionOutcome = "incomparable" if incomparable else "no_baseline"
        reason = incomparable or "no baseline yet: nothing to compare with"
        nan2 = (math.nan, math.nan)
        return RegressionDecision(outcome, math.nan, cur_p95, math.nan, nan2, nan2, reason)
    latest_p95 = baseline.percentile_ms(95)
    history = [v for v in history_p95_ms if math.isfinite(v)] or [latest_p95]
    reference = median(history)
    spread = robust_spread_ms(history)
    run_noise = spread_quantile(confidence_pct, len(history)) * spread
    noise_floor = max(floor_ms, run_noise)
    cur_ci = p95_interval_ms(current, confidence_pct)
    base_ci = p95_interval_ms(baseline, confidence_pct)
    sampling = base_ci[1] - latest_p95 if math.isfinite(base_ci[1]) else math.inf
    ratio = cur_p95 / reference if reference > 0 else math.inf

    def decision(outcome: RegressionOutcome, reason: str) -> RegressionDecision:
        return RegressionDecision(
            outcome,
            ratio,
            cur_p95,
            reference,
            cur_ci,
            base_ci,
            reason,
            reference_entries=len(history),
            history_spread_ms=spread,
            noise_floor_ms=noise_floor,
        )

    basis = (
        "the latest baseline"
        if len(history) == 1
        else f"the median of {len(history)} baselines, spread ±{spread:.1f} ms"
    )
    figures = f"p95 {cur_p95:.1f} ms vs {reference:.1f} ms, {basis} ({(ratio - 1) * 100:+.0f}%)"
    if current.count < min_samples or baseline.count < min_samples:
        return decision(
            "inconclusive",
            f"{figures}; too few samples to compare (now {current.count}, baseline "
            f"{baseline.count}; {min_samples} needed)",
        )
    over_limit = ratio > 1.0 + limit_pct / 100.0
    over_floor = cur_p95 - reference > noise_floor
    if over_limit and over_floor and cur_ci[0] > reference + max(sampling, run_noise):
        return decision(
            "regression",
            f"{figures}: more than {limit_pct:g}% worse, beyond noise (p95 now at least "
            f"{cur_ci[0]:.1f} ms; the reference at most {reference + max(sampling, run_noise):.1f}"
            f" ms with sampling ±{sampling:.1f} ms and run-to-run ±{run_noise:.1f} ms, "
            f"{confidence_pct:g}% confidence)",
        )
    if over_limit and over_floor and cur_ci[0] <= reference + run_noise:
        return decision(
            "within_noise",
            f"{figures}: over the {limit_pct:g}% limit, but within the run-to-run spread "
            f"the unchanged app has shown (±{run_noise:.1f} ms over {len(history)} baselines)",
        )
    if over_limit and over_floor:
        return decision(
            "inconclusive",
            f"{figures}: over the {limit_pct:g}% limit but within sampling noise "
            f"(p95 now {cur_ci[0]:.1f}-{cur_ci[1]:.1f} ms, baseline sampled to "
            f"±{sampling:.1f} ms); more samples are needed to decide",
        )
    if over_limit:
        cause = "timing resolution" if noise_floor == floor_ms else "run-to-run spread"
        return decision(
            "within_noise",
            f"{figures}: the difference is under the {noise_floor:.1f} ms noise floor ({cause})",
        )
    if ratio < 1.0 / (1.0 + limit_pct / 100.0) and cur_ci[1] < reference - sampling:
        return decision("improvement", f"{figures}: faster than the baseline")
    return decision("unchanged", f"{figures}: within {limit_pct:g}% of the baseline")

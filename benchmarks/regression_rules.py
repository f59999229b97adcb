"""The stored-baseline regression rules side by side, on the same synthetic runs: the
rule before issue 14 (fixed 5 ms floor, the slowest recent baseline as the bar), the
rule now (median reference, noise floor from the timing resolution and the history's
MAD), and the naive single-run "p95 ratio > 1.2".

    python benchmarks/regression_rules.py [--quick] [--runs 20] [--seed 1]

Offline and seeded: it measures the *rules*, not a probe or a machine
(``gate_quality.py`` runs the real demo for that). Each run is ``--samples`` latencies
from a log-normal distribution (sigma 0.35) around the route's median, times that
run's machine factor, drawn uniformly from [1 - noise, 1 + noise]: a different CI
runner for every run, calibration runs included. Each condition (a ~4 ms route and a
~20 ms one, noise 0, ±15 % and ±30 %) has ``--runs`` A/A runs and ``--runs`` runs
with a true +30 % slowdown, each pair judged against its own five baseline runs (the
history, drawn afresh for every pair). A run counts as a
false fail or a detection only when the rule says ``regression``; ``inconclusive``
(which the probe would extend) is counted apart.

Creep: six deploys at +12 % each, each passing deploy becoming the newest baseline,
at noise 0: the deploy at which each rule first fails, and where ``drift`` (window 5,
limit 20 %) first reports.
"""

from __future__ import annotations

import argparse
import math
import random
import sys

from benchlib import save, table

from launchgate.probe.gates import drift_gate, p95_interval_ms, regression_gate
from launchgate.probe.histogram import LatencyHistogram

LIMIT_PCT, CONFIDENCE_PCT, MIN_SAMPLES = 20.0, 95.0, 200
OLD_FLOOR_MS, NEW_FLOOR_MS = 5.0, 1.0
ROUTES_MS = {"fast (~4 ms)": 4.0, "20 ms": 20.0}
NOISES = (0.0, 0.15, 0.30)
HISTORY = 5


def run(rng: random.Random, median_ms: float, factor: float, samples: int) -> LatencyHistogram:
    h = LatencyHistogram()
    for _ in range(samples):
        h.record_ms(median_ms * factor * math.exp(rng.gauss(0.0, 0.35)))
    return h


def old_rule(current: LatencyHistogram, base: LatencyHistogram, history: tuple[float, ...]) -> str:
    """The rule before issue 14, as it stood at 8f765e7 (probe/gates.py), outcome only."""
    cur, ref = current.percentile_ms(95), base.percentile_ms(95)
    cur_ci = p95_interval_ms(current, CONFIDENCE_PCT)
    base_ci = p95_interval_ms(base, CONFIDENCE_PCT)
    over_limit = cur / ref > 1.0 + LIMIT_PCT / 100.0
    over_floor = cur - ref > OLD_FLOOR_MS
    beyond = cur_ci[0] > base_ci[1]
    seen_before = bool(history) and cur_ci[0] <= max(history)
    if over_limit and over_floor and beyond and not seen_before:
        return "regression"
    if over_limit and over_floor and not beyond:
        return "inconclusive"
    return "pass"


def new_rule(current: LatencyHistogram, base: LatencyHistogram, history: tuple[float, ...]) -> str:
    return regression_gate(
        current,
        base,
        limit_pct=LIMIT_PCT,
        floor_ms=NEW_FLOOR_MS,
        confidence_pct=CONFIDENCE_PCT,
        min_samples=MIN_SAMPLES,
        history_p95_ms=history,
    ).outcome


def naive_rule(current: LatencyHistogram, base: LatencyHistogram, _: tuple[float, ...]) -> str:
    return "regression" if current.percentile_ms(95) / base.percentile_ms(95) > 1.2 else "pass"


RULES = {"old rule": old_rule, "new rule": new_rule, "naive p95 ratio > 1.2": naive_rule}


def condition(
    seed: int, median_ms: float, noise: float, runs: int, samples: int
) -> dict[str, dict[str, int]]:
    rng = random.Random(seed)

    def factor() -> float:
        return rng.uniform(1.0 - noise, 1.0 + noise)

    counts = {
        name: {"aa_fail": 0, "aa_inconclusive": 0, "caught": 0, "slow_inconclusive": 0}
        for name in RULES
    }
    for _ in range(runs):
        # Every gated run gets its own history: one history's luck must not decide a
        # whole condition.
        baselines = [run(rng, median_ms, factor(), samples) for _ in range(HISTORY)]
        latest = baselines[0]
        history = tuple(b.percentile_ms(95) for b in baselines)
        clean = run(rng, median_ms, factor(), samples)
        slow = run(rng, median_ms * 1.3, factor(), samples)
        for name, rule in RULES.items():
            a, s = rule(clean, latest, history), rule(slow, latest, history)
            counts[name]["aa_fail"] += a == "regression"
            counts[name]["aa_inconclusive"] += a == "inconclusive"
            counts[name]["caught"] += s == "regression"
            counts[name]["slow_inconclusive"] += s == "inconclusive"
    return counts


def creep(seed: int, samples: int) -> dict[str, int | None]:
    rng = random.Random(seed)
    entries = [run(rng, 10.0, 1.0, samples)]
    first: dict[str, int | None] = {**{name: None for name in RULES}, "drift": None}
    for deploy in range(1, 7):
        current = run(rng, 10.0 * 1.12**deploy, 1.0, samples)
        history = tuple(e.percentile_ms(95) for e in entries[:HISTORY])
        for name, rule in RULES.items():
            if first[name] is None and rule(current, entries[0], history) == "regression":
                first[name] = deploy
        labelled = [
            (f"d{len(entries) - i - 1}", e.percentile_ms(95)) for i, e in enumerate(entries)
        ]
        drift = drift_gate(
            current,
            labelled[:HISTORY],
            window=HISTORY,
            limit_pct=LIMIT_PCT,
            floor_ms=NEW_FLOOR_MS,
            confidence_pct=CONFIDENCE_PCT,
            min_samples=MIN_SAMPLES,
        )
        if first["drift"] is None and drift.drifts:
            first["drift"] = deploy
        entries.insert(0, current)  # every deploy is recorded, as a passing run would be
    return first


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--samples", type=int, default=400, help="per run (20/s for 20 s)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="5 runs; results to /tmp")
    args = parser.parse_args()
    runs = 5 if args.quick else args.runs
    rows = []
    results: dict[str, object] = {"runs": runs, "samples": args.samples, "seed": args.seed}
    for r_i, (route, median_ms) in enumerate(ROUTES_MS.items()):
        for n_i, noise in enumerate(NOISES):
            counts = condition(
                args.seed * 100 + r_i * 10 + n_i, median_ms, noise, runs, args.samples
            )
            results[f"{route} ±{noise:.0%}"] = counts
            for name, c in counts.items():
                rows.append(
                    (
                        route,
                        f"±{noise:.0%}",
                        name,
                        f"{c['aa_fail']}/{runs}",
                        f"{c['caught']}/{runs}",
                        f"{c['aa_inconclusive']} / {c['slow_inconclusive']}",
                    )
                )
    print(
        table(
            (
                "route",
                "noise",
                "rule",
                "A/A false fails",
                "+30 % caught",
                "inconclusive A/A / slow",
            ),
            rows,
        )
    )
    name = "regression_rules" + ("" if args.samples == 400 else f"_samples{args.samples}")
    first = creep(args.seed, args.samples)
    results["creep"] = first
    print()
    print(
        table(
            ("rule", "first deploy that fails (+12 % each)"),
            [(k, v or "never (6)") for k, v in first.items()],
        )
    )
    print(f"\nsaved {save(name, results, quick=args.quick)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

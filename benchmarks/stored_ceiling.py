"""How well *any* stored-baseline p95 rule could do on runs already measured: the
ceiling, read offline from ``gate_matrix.py``'s saved results (no server, no probe).

    python benchmarks/stored_ceiling.py [RESULTS.json ...] [--route fast] [--level ±0%]

Every stored-baseline rule that keeps the user's meaning ("p95 more than 20 % worse")
ends in a threshold on one number: the current p95 over a reference made from the
history. For each condition this takes the trials exactly as ``gate_matrix.judge``
forms them (A/A trial ``i`` against the five A/A runs before it, slowed trial ``i``
against A/A run ``i`` and the four before; indices wrap round) and asks, of the
ratio to the history's median p95 (the reference of the rule now): how many slowed
runs does the best single threshold catch while failing no unchanged run, or one?
No threshold, and so no noise floor or spread estimate, can do better on these runs;
a rule that also demands evidence beyond sampling noise does worse. The same ceiling
for the median (p50) shows where the information is: a slowdown that shifts every
request moves the body of the distribution, and the body varies less from one server
process to the next than the tail does.

Also printed: the rule now at its 1 ms resolution floor and at 0.5 ms (the live
comparison's), and the ceiling over the trials whose history is all earlier runs
(no wrap-round: A/A trials 5 on, slowed trials 4 on), since on a quiet machine the
demo's speed drifts over a 20-minute run and the wrap-round pairs early runs with
late ones.
"""

from __future__ import annotations

import argparse
import glob
import json
import statistics
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from benchlib import table
from gate_matrix import history_of
from regression_rules import HISTORY

from launchgate.probe.gates import regression_gate
from launchgate.probe.histogram import LatencyHistogram

RESULTS = Path(__file__).parent / "results"
LIMIT_PCT, CONFIDENCE_PCT, MIN_SAMPLES = 20.0, 95.0, 100


Trial = tuple[str, LatencyHistogram, list[LatencyHistogram]]


def trials(
    aa: Sequence[dict[str, Any]], slow: Sequence[dict[str, Any]], wrap: bool
) -> Iterator[Trial]:
    """(arm, current, history) as gate_matrix.judge forms them; history[0] the latest.
    ``wrap=False``: only the trials whose history is all earlier runs."""
    n = len(aa)
    bases = [LatencyHistogram.decode(r["histogram"]) for r in aa]
    for arm, runs in (("aa", aa), ("slow", slow)):
        for i, run in enumerate(runs):
            picks = history_of(arm, i, n)
            if not wrap and any(j > i for j in picks):
                continue
            yield arm, LatencyHistogram.decode(run["histogram"]), [bases[j] for j in picks]


def ratio(current: LatencyHistogram, history: Sequence[LatencyHistogram], q: float) -> float:
    return current.percentile_ms(q) / statistics.median(h.percentile_ms(q) for h in history)


def ceiling(aa: Sequence[float], slow: Sequence[float], allowed: int) -> int:
    """Slowed runs caught by the best threshold that fails at most ``allowed`` A/A runs."""
    ranked = sorted(aa, reverse=True)
    bar = ranked[allowed] if allowed < len(ranked) else 0.0
    return sum(r > bar for r in slow)


def rule_now(
    current: LatencyHistogram, history: Sequence[LatencyHistogram], floor_ms: float
) -> bool:
    return (
        regression_gate(
            current,
            history[0],
            limit_pct=LIMIT_PCT,
            floor_ms=floor_ms,
            confidence_pct=CONFIDENCE_PCT,
            min_samples=MIN_SAMPLES,
            history_p95_ms=tuple(h.percentile_ms(95) for h in history),
        ).outcome
        == "regression"
    )


def condition_row(name: str, cond: dict[str, Any]) -> list[object]:
    aa, slow = cond["aa"], cond["slow"]
    everything = list(trials(aa, slow, wrap=True))
    later = list(trials(aa, slow, wrap=False))

    def split(items: list[Trial], q: float) -> tuple[list[float], list[float]]:
        a = [ratio(c, h, q) for arm, c, h in items if arm == "aa"]
        s = [ratio(c, h, q) for arm, c, h in items if arm == "slow"]
        return a, s

    a95, s95 = split(everything, 95)
    a50, s50 = split(everything, 50)
    l95a, l95s = split(later, 95)

    def rule(floor_ms: float, items: list[Trial]) -> str:
        ff = sum(rule_now(c, h, floor_ms) for arm, c, h in items if arm == "aa")
        caught = sum(rule_now(c, h, floor_ms) for arm, c, h in items if arm == "slow")
        return f"{caught}/{sum(arm == 'slow' for arm, _, _ in items)}, {ff} ff"

    over_limit = sum(r > 1.0 + LIMIT_PCT / 100.0 for r in s95)

    return [
        name,
        f"x{max(a95):.2f} / x{min(s95):.2f}",
        f"{ceiling(a95, s95, 0)}/{len(s95)}",
        f"{ceiling(a95, s95, 1)}/{len(s95)}",
        f"{ceiling(l95a, l95s, 0)}/{len(l95s)}",
        f"{over_limit}/{len(s95)}",
        f"{ceiling(a50, s50, 0)}/{len(s50)}",
        rule(1.0, everything),
        rule(0.5, everything),
        rule(1.0, later),
        rule(0.5, later),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", nargs="*", help="gate_quality_matrix*.json (default: all)")
    parser.add_argument("--route", default="fast")
    parser.add_argument("--level", default="±0%")
    args = parser.parse_args()
    files = args.results or sorted(glob.glob(str(RESULTS / "gate_quality_matrix*.json")))
    rows = []
    for path in files:
        data = json.loads(Path(path).read_text())
        cond = data.get("conditions", {}).get(args.route, {}).get(args.level)
        if not cond or len(cond.get("aa", [])) <= HISTORY:
            continue
        samples = LatencyHistogram.decode(cond["aa"][0]["histogram"]).count
        rows.append(condition_row(f"{Path(path).stem} ({samples} samples)", cond))
    headers = [
        f"{args.route} {args.level}: results file",
        "p95 ratio: highest A/A / lowest slowed",
        "ceiling, 0 ff",
        "ceiling, 1 ff",
        "ceiling, 0 ff, no wrap",
        f"slowed over the {LIMIT_PCT:g} % limit",
        "p50 ceiling, 0 ff",
        "rule now, 1 ms floor",
        "rule now, 0.5 ms floor",
        "rule now, 1 ms, no wrap",
        "rule now, 0.5 ms, no wrap",
    ]
    print(table(headers, rows))


if __name__ == "__main__":
    main()

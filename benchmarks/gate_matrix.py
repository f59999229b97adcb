"""The regression gates side by side on the same real runs: the stored-baseline rule
before issue 14 ("old"), the rule now ("new"), the naive single-run "p95 ratio > 1.2",
and the live A/B comparison (``launchgate run --compare-url``), on a fast route and a
~20 ms one, under injected machine noise of 0, ±15 % and ±30 %.

    python benchmarks/gate_quality.py --matrix [--runs 20] [--routes fast,20ms]
        [--noises 0,15,30] [--restart-every 5] [--duration-scale 1] [--seed 3] [--quick]
        [--compensate] [--label L]
    python benchmarks/gate_quality.py --matrix-pilot [--routes fast,20ms] [--runs 3]

**The runs.** Each is a real ``launchgate run --compare-url`` (pinned to the client
core) of a config written here: the demo's ``login`` journey and one probe route,
``GET /dashboard`` as the logged-in demo customer, with ``max_extend`` so that an
inconclusive comparison measures longer, as the gate does. The candidate and the
control are two ``DemoServer`` processes on loopback, both pinned to the server core
with this script; the probe drives both on one schedule, interleaved. The routes:

* ``fast``: the dashboard as the demo ships it (no work knob), p95 about 4 ms; the
  slowed candidate burns ``slow_work_ms`` of CPU per request
  (``LAUNCHGATE_DEMO_DASHBOARD_WORK_MS``), piloted to make p95 about 30 % slower.
* ``20ms``: the dashboard burning ``work_ms`` (12 ms) per request, p95 about 20 ms;
  the slowed candidate burns more, piloted likewise.

Rates and durations are per route (see :data:`ROUTES`), each giving at least 200
samples per side, the gate's minimum, while two servers and the noise leave the
server core short of saturation.

**The noise.** At level ±L, every run draws its own duty cycle ``d`` uniformly from
[0, L] and a hog process pinned to the server core spins for ``d`` of every ~100 ms
period (random phase) for the whole run: another tenant taking up to L of the core,
differently on every run, as another CI runner would. Each period's length is drawn
from 50-150 ms, so the hog cannot phase-lock with the probe's periodic schedule (a
strict 100 ms period did, in a pilot: it hit one side's sends and not the other's).
Level 0: no hog.

**A trial, and what is shared.** Per route and noise level, ``--runs`` pairs, each an
A/A run (a healthy candidate against a healthy control) then a slowed run (the slowed
candidate against a healthy control), each at its own noise draw. The A/B verdict is
the run's own ``compare_decision`` from ``report.json``. The stored-baseline rules
need baselines taken on other runs, at other noise levels; rather than spend the
budget on separate baseline runs, the **candidate sides of the A/A runs are the
stored baselines**: a healthy app measured with the same probe settings (a control
beside it, as the gate requires of a baseline for a comparison run) at an independent
noise draw. A/A trial ``i`` is judged against A/A runs ``i-1 … i-5`` (``i-1`` the
latest entry, all five the history; indices wrap round, so the first trials read
later runs: the noise draws are independent, but the machine's own speed drifts
over a long run, so those trials set a build against a later stretch, as a history
from last week would; ``stored_ceiling.py`` counts with and without them), never its
own run; slowed trial ``i`` against A/A runs ``i … i-4``. So each baseline run serves
up to ten trials, and the rules' counts within a condition are not independent
trials of a history; the A/B counts are. The two healthy servers swap roles on every
A/A run, so consecutive baselines come from different server processes, and all three
servers are restarted every ``--restart-every`` pairs, so one process's luck does not
decide a condition. The old, new and naive rules are evaluated offline with
``regression_rules.py``'s functions (the old rule re-implemented there, with its 5 ms
floor; the new one launchgate's own ``regression_gate`` at a 1 ms floor) on the
candidate histograms of the reports, so all rules see identical numbers; an A/B run
that extended its window hands the longer histogram to all of them.

**Counted strictly.** On A/A runs, ``regression`` and anything undecided
(``inconclusive``; a run with no comparison) count as false fails; on slowed runs only
``regression`` counts as detected. The achieved slowdown is reported per condition
from merged histograms (all slowed candidates over all A/A candidates) and as the
median of the runs' own A/B ratios.

**Pilots** (``--matrix-pilot``, no noise, 3-4 pairs, on the 2-core development VM):
fast: p95 about 3-4 ms; 0.8 ms of work on the slowed candidate gave a live ratio of
x1.31-x1.36 (median x1.34; merged histograms, runs apart, x1.25). 20 ms: work 12 ms
gives p95 16-19 ms with the control beside it; 16.5 ms gave x1.29-x1.30 live (merged
x1.19). Under the hog the same knob is a smaller ratio (the hog's waiting adds to
both sides alike): at duty 0.3 about x1.22 (20 ms) and x1.27 (fast), so the ±30 %
column asks for a harder detection than +30 %; the table prints what each condition
achieved.

**Compensated knob** (``--compensate``): under the hog the fixed knob gives a smaller
p95 ratio the higher the run's duty, because the hog's scheduling delay is added to
both sides alike (with jittered sends, ``--label fast-x2-jitter``: x1.30 at duty 0,
about x1.2 at 0.3). A regression gate with a 20 % limit is right to pass a run whose
p95 rose by 19 %, so to ask "is a +30 % p95 regression caught under noise" the slowed
app must be +30 % slower in p95 at that noise. With ``--compensate`` the slowed app is
restarted before each slowed run with the knob scaled by ``a / (a - b·d)``, where
``ln(ratio) = a - b·d`` was fitted by least squares on the 60 slowed runs of
``fast-x2-jitter`` (fast: a 0.264, b 0.275) and on the 20 ms pilots (a 0.262, b 0.21).

**Budget.** A fast run takes about 6.5 s (4.2 s measured, 5 one-second blocks for the
paired comparison) and a 20 ms run about 12 s (9.5 s, 10 blocks); a run whose
comparison is inconclusive extends by up to ``--max-extend`` (8 s). The default matrix
(2 routes x 3 levels x 20 pairs, 240 runs) is about 39 minutes, printed before it
starts; ``--duration-scale 2`` gives the A/B twice the blocks for about 66 minutes.
``--quick``: 2 pairs per condition, about 4.5 minutes, results to the temp folder.
Results: ``benchmarks/results/gate_quality_matrix[_LABEL].json`` (``--label``).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchlib import loadavg, machine, run_client, save, table, wait_quiet
from regression_rules import HISTORY, RULES

from launchgate.demo import DemoServer
from launchgate.probe.histogram import LatencyHistogram

WORK_ENV = "LAUNCHGATE_DEMO_DASHBOARD_WORK_MS"
HOG_PERIOD_S = 0.1
ROUTE = "dashboard"
AB = "live A/B (compare)"
RULE_NAMES = (*RULES, AB)
UNDECIDED = ("inconclusive", "no figures", "no comparison")


@dataclass(frozen=True)
class RouteSetup:
    name: str
    work_ms: float  # the healthy app's dashboard work knob
    slow_work_ms: float  # the slowed candidate's
    rate_per_s: float  # per side
    duration_s: float
    # ln(live ratio) of the slowed knob fell linearly with the hog's duty d, as
    # ln r = a - b·d (fitted on the runs named in the module doc); ``--compensate``
    # scales the knob by a / (a - b·d) so a run's slowdown is the same p95 ratio at
    # every duty, x1.3-1.4 as with no hog.
    fit_a: float = 0.0
    fit_b: float = 0.0

    def slow_work_at(self, duty: float) -> float:
        if self.fit_a <= 0:
            return self.slow_work_ms
        return self.slow_work_ms * self.fit_a / max(self.fit_a - self.fit_b * duty, 1e-3)

    @property
    def est_run_s(self) -> float:
        return self.duration_s + 2.3  # warm-up 0.5 s, start, journeys, report (piloted)


ROUTES = {
    "fast": RouteSetup("fast", 0.0, 0.8, 50.0, 4.2, fit_a=0.264, fit_b=0.275),
    "20ms": RouteSetup("20ms", 12.0, 16.5, 22.0, 9.5, fit_a=0.262, fit_b=0.21),
}

CONFIG = """\
# Written by benchmarks/gate_matrix.py: the demo's login journey and one probe route.
version: 1
target: {{url: "${{LAUNCHGATE_URL}}", environment: bench, timeout: 10s, deadline: 5m}}
readiness: null
secrets: [LAUNCHGATE_DEMO_PASSWORD]
journeys:
  login:
    title: The demo customer can log in
    steps:
      - name: open the login form
        path: /login
        expect: {{status: 200}}
        capture:
          csrf: {{regex: 'name="csrf_token" value="([^"]+)"'}}
      - name: submit the login form
        method: POST
        path: /login
        form:
          email: demo@launchgate.test
          password: ${{LAUNCHGATE_DEMO_PASSWORD}}
          csrf_token: "{{{{ csrf }}}}"
        expect:
          status: 303
probe:
  rate: {rate:g}/s
  duration: {duration:g}s
  warmup: 0.5s
  ramp: 0s
  concurrency: 16
  timeout: 5s
  max_extend: {max_extend:g}s
  routes:
    {route}: {{path: /dashboard, session: login}}
  gates: {{p95: 5s, regression: 20%, regression_floor: 1ms}}
baseline: {{dir: "{baselines}"}}
"""

# Each period's length is drawn afresh (0.5-1.5 x the mean): a strictly periodic hog
# phase-locks with the probe's strictly periodic schedule (100 ms is five sends of one
# side at 50/s) and then always hits the same side's slots, noise no real runner makes.
HOG = """\
import random, sys, time
duty, mean = float(sys.argv[1]), float(sys.argv[2])
time.sleep(random.random() * mean)
while True:
    start, period = time.monotonic(), mean * random.uniform(0.5, 1.5)
    while time.monotonic() - start < duty * period:
        pass
    time.sleep(max(0.0, period - (time.monotonic() - start)))
"""


@contextmanager
def hog(duty: float) -> Iterator[int | None]:
    """A process spinning for ``duty`` of every (jittered) period, on this process's core (the
    server core: it inherits the affinity); stopped by its pid."""
    if duty <= 0:
        yield None
        return
    proc = subprocess.Popen(
        [sys.executable, "-c", HOG, f"{duty:.4f}", f"{HOG_PERIOD_S:g}"], stdin=subprocess.DEVNULL
    )
    try:
        yield proc.pid
    finally:
        proc.kill()
        proc.wait(timeout=10)


class Servers:
    """Two healthy demo apps and a slowed one, on the server core, one password."""

    def __init__(self, setup: RouteSetup) -> None:
        self.setup = setup
        self.password = secrets.token_urlsafe(16)
        self.healthy: list[DemoServer] = []
        self.slowed: DemoServer | None = None

    def _one(self, work_ms: float) -> DemoServer:
        server = DemoServer(password=self.password, extra_env={WORK_ENV: f"{work_ms:g}"})
        server.start()
        return server

    def start(self) -> None:
        self.healthy = [self._one(self.setup.work_ms), self._one(self.setup.work_ms)]
        self.slowed = self._one(self.setup.slow_work_ms)
        for server in (*self.healthy, self.slowed):
            server.wait_ready(timeout_s=120)

    def reslow(self, work_ms: float) -> None:
        """The slowed app restarted with another knob (``--compensate``)."""
        if self.slowed is not None:
            self.slowed.stop()
        self.slowed = self._one(work_ms)
        self.slowed.wait_ready(timeout_s=120)

    def stop(self) -> None:
        for server in (*self.healthy, *([self.slowed] if self.slowed else [])):
            server.stop()
        self.healthy, self.slowed = [], None


def gated_run(
    candidate: DemoServer,
    control: DemoServer,
    setup: RouteSetup,
    where: Path,
    args: argparse.Namespace,
) -> dict[str, Any]:
    """One ``launchgate run --compare-url``: the candidate against the control."""
    where.mkdir(parents=True, exist_ok=True)
    config = where / "launchgate.yml"
    config.write_text(
        CONFIG.format(
            rate=setup.rate_per_s,
            duration=setup.duration_s,
            max_extend=args.max_extend,
            route=ROUTE,
            baselines=where / "baselines",  # empty: the stored rules are judged offline
        )
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("LAUNCHGATE_")},
        "LAUNCHGATE_URL": candidate.url,
        "LAUNCHGATE_DEMO_PASSWORD": candidate.password,
        "NO_COLOR": "1",
    }
    cmd = [
        str(Path(sys.executable).parent / "launchgate"),
        "run",
        "--config",
        str(config),
        "--out",
        str(where / "out"),
        "--compare-url",
        control.url,
    ]
    load = loadavg()
    started = time.monotonic()
    done = run_client(cmd, timeout_s=300, env=env, cwd=where)
    wall = time.monotonic() - started
    report_path = where / "out" / "report.json"
    if not report_path.exists():
        return {"exit": done.returncode, "wall_s": wall, "error": done.stderr[-2000:]}
    report = json.loads(report_path.read_text())
    checks = {c["id"]: c for c in report["checks"]}
    route = next(r for r in report["routes"] if r["route"] == ROUTE)
    return {
        "exit": done.returncode,
        "wall_s": round(wall, 2),
        "verdict": report["verdict"],
        "p95_ms": route["p95_ms"],
        "samples": route["samples"],
        "histogram": route["histogram"],
        "regression_check": checks.get(f"probe::{ROUTE}::regression", {}).get("status"),
        "stored_decision": route.get("decision"),
        "compare_decision": route.get("compare_decision") or None,
        "compare_reason": route.get("compare_reason"),
        "compare_ratio": route.get("compare_ratio"),
        "compare_interval": route.get("compare_interval"),
        "control_p95_ms": route.get("control_p95_ms"),
        "control_samples": route.get("control_samples"),
        "client_foreign_cpu_s": done.foreign_cpu_s,
        "loadavg_before": load,
    }


def run_condition(
    setup: RouteSetup, noise_pct: float, args: argparse.Namespace, work: Path, rng: random.Random
) -> dict[str, Any]:
    """``--runs`` pairs (A/A, slowed), each run at its own noise draw."""
    aa: list[dict[str, Any]] = []
    slow: list[dict[str, Any]] = []
    servers = Servers(setup)
    label = f"{setup.name} ±{noise_pct:g}%"
    try:
        for i in range(args.runs):
            if i % args.restart_every == 0:
                servers.stop()
                servers.start()
            h = servers.healthy
            assert servers.slowed is not None
            arms = (
                ("aa", h[i % 2], h[(i + 1) % 2], aa),
                ("slow", servers.slowed, h[i % 2], slow),
            )
            for arm, candidate, control, into in arms:
                duty = rng.uniform(0.0, noise_pct / 100.0)
                knob = setup.work_ms
                if arm == "slow":
                    knob = setup.slow_work_at(duty) if args.compensate else setup.slow_work_ms
                    if args.compensate:
                        servers.reslow(knob)
                        assert servers.slowed is not None
                        candidate = servers.slowed
                with hog(duty):
                    run = gated_run(candidate, control, setup, work / f"{label}-{arm}-{i}", args)
                run.update(arm=arm, index=i, duty=round(duty, 4), work_ms=round(knob, 3))
                into.append(run)
                print(
                    f"  {label} {arm} {i + 1}/{args.runs}: duty {duty:.2f}, "
                    f"p95 {run.get('p95_ms', math.nan):.1f} ms vs control "
                    f"{run.get('control_p95_ms') or math.nan:.1f} ms, "
                    f"A/B {run.get('compare_decision')} ({run.get('wall_s', 0):.0f} s)",
                    flush=True,
                )
    finally:
        servers.stop()
    return {"aa": aa, "slow": slow, **judge(aa, slow)}


def _histogram(run: dict[str, Any]) -> LatencyHistogram | None:
    encoded = run.get("histogram")
    return LatencyHistogram.decode(encoded) if encoded else None


def history_of(arm: str, i: int, n: int) -> list[int]:
    """The A/A runs trial ``i`` of ``arm`` is judged against, the latest entry first:
    for an A/A trial the runs before it, for a slowed one A/A run ``i`` and before;
    indices wrap round (see the module doc)."""
    start = i - 1 if arm == "aa" else i
    picks = [(start - k) % n for k in range(min(HISTORY, n - (arm == "aa")))]
    return [j for j in picks if j != i or arm == "slow"]


def judge(aa: Sequence[dict[str, Any]], slow: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Every rule's counts over the condition's trials (see the module doc)."""
    n = len(aa)
    bases = [_histogram(r) for r in aa]
    counts = {
        name: {"aa_fail": 0, "aa_undecided": 0, "caught": 0, "slow_undecided": 0}
        for name in RULE_NAMES
    }
    outcomes: dict[str, list[dict[str, str]]] = {"aa": [], "slow": []}
    for arm, runs in (("aa", aa), ("slow", slow)):
        for i, run in enumerate(runs):
            history = [bases[j] for j in history_of(arm, i, n)]
            current = _histogram(run)
            seen: dict[str, str] = {}
            usable = [b for b in history if b is not None and b.count]
            for name, rule in RULES.items():
                if current is None or not usable:
                    seen[name] = "no figures"
                    continue
                p95s = tuple(b.percentile_ms(95) for b in usable)
                seen[name] = rule(current, usable[0], p95s)
            seen[AB] = run.get("compare_decision") or "no comparison"
            outcomes[arm].append(seen)
            for name, outcome in seen.items():
                c = counts[name]
                if arm == "aa":
                    c["aa_fail"] += outcome == "regression"
                    c["aa_undecided"] += outcome in UNDECIDED
                else:
                    c["caught"] += outcome == "regression"
                    c["slow_undecided"] += outcome in (
                        "inconclusive",
                        "no figures",
                        "no comparison",
                    )
    for c in counts.values():
        c["aa_blocked"] = c["aa_fail"] + c["aa_undecided"]
    return {"counts": counts, "outcomes": outcomes, "achieved": achieved(aa, slow)}


def achieved(aa: Sequence[dict[str, Any]], slow: Sequence[dict[str, Any]]) -> dict[str, float]:
    def merged(runs: Sequence[dict[str, Any]]) -> float:
        total = LatencyHistogram()
        for run in runs:
            h = _histogram(run)
            if h is not None:
                total.merge(h)
        return total.percentile_ms(95) if total.count else math.nan

    ratios = [r["compare_ratio"] for r in slow if r.get("compare_ratio")]
    aa_ratios = [r["compare_ratio"] for r in aa if r.get("compare_ratio")]
    aa_p95 = [r["p95_ms"] for r in aa if r.get("p95_ms") is not None]
    return {
        # What the noise did: the healthy candidate's p95 over the A/A runs.
        "aa_p95_ms_min": min(aa_p95, default=math.nan),
        "aa_p95_ms_median": statistics.median(aa_p95) if aa_p95 else math.nan,
        "aa_p95_ms_max": max(aa_p95, default=math.nan),
        "aa_p95_ms_merged": merged(aa),
        "slow_p95_ms_merged": merged(slow),
        "ratio_merged": merged(slow) / merged(aa),
        "ab_ratio_median_slow": statistics.median(ratios) if ratios else math.nan,
        "ab_ratio_median_aa": statistics.median(aa_ratios) if aa_ratios else math.nan,
    }


def blocked(counts: dict[str, int], runs: int) -> str:
    """False fails, strictly: a regression or an undecided A/A run; the latter named."""
    text = f"{counts['aa_blocked']}/{runs}"
    return text + (f" ({counts['aa_undecided']} undecided)" if counts["aa_undecided"] else "")


def route_table(name: str, conditions: dict[str, dict[str, Any]], runs: int) -> str:
    levels = list(conditions)
    headers = [f"{name}: rule ({runs} of each per level)"]
    headers += [f"A/A false fails {lv}" for lv in levels]
    headers += [f"+30 % caught {lv}" for lv in levels]
    rows: list[list[object]] = []
    for rule in RULE_NAMES:
        row: list[object] = [rule]
        row += [blocked(conditions[lv]["counts"][rule], runs) for lv in levels]
        row += [f"{conditions[lv]['counts'][rule]['caught']}/{runs}" for lv in levels]
        rows.append(row)
    ratio: list[object] = ["achieved slowdown: p95 ratio, merged (A/B median)"]
    ratio += ["" for _ in levels]
    ratio += [
        f"x{conditions[lv]['achieved']['ratio_merged']:.2f} "
        f"(x{conditions[lv]['achieved']['ab_ratio_median_slow']:.2f})"
        for lv in levels
    ]
    rows.append(ratio)
    spread: list[object] = ["healthy p95 over the A/A runs, ms: median (min-max)"]
    spread += [
        f"{conditions[lv]['achieved']['aa_p95_ms_median']:.1f} "
        f"({conditions[lv]['achieved']['aa_p95_ms_min']:.1f}-"
        f"{conditions[lv]['achieved']['aa_p95_ms_max']:.1f})"
        for lv in levels
    ]
    spread += ["" for _ in levels]
    rows.append(spread)
    return table(headers, rows)


def parse_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def estimate_s(
    setups: Sequence[RouteSetup], noises: Sequence[float], runs: int, restart_every: int
) -> float:
    per_level = sum(2 * runs * s.est_run_s for s in setups)
    restarts = math.ceil(runs / restart_every) * len(setups) * 5.0
    return len(noises) * (per_level + restarts)


def scaled(setup: RouteSetup, factor: float) -> RouteSetup:
    return dataclasses.replace(setup, duration_s=round(setup.duration_s * factor, 2))


def main_matrix(args: argparse.Namespace) -> None:
    setups = [scaled(knobbed(ROUTES[name], args.slow_knob), args.duration_scale)
              for name in parse_list(args.routes)]  # fmt: skip
    noises = [float(v) for v in parse_list(args.noises)]
    if args.quick:
        args.runs, args.restart_every = 2, 2
    est = estimate_s(setups, noises, int(args.runs), int(args.restart_every))
    print(f"matrix: {len(setups)} route(s) x {len(noises)} noise level(s) x {args.runs} pairs, "
          f"about {est / 60:.0f} min", flush=True)  # fmt: skip
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="lg-gate-matrix-"))
    results: dict[str, Any] = {
        "benchmark": "gate_quality_matrix",
        "machine": machine(),
        "settings": {
            **{k: v for k, v in vars(args).items() if k not in ("pilot",)},
            "routes": {s.name: vars(s) for s in setups},
            "hog_period_s": HOG_PERIOD_S,
            "history": HISTORY,
        },
        "loadavg_before": wait_quiet(1.0, max_wait_s=10 if args.quick else 300),
        "estimate_s": est,
    }
    started = time.monotonic()
    by_route: dict[str, dict[str, dict[str, Any]]] = {}
    for setup in setups:
        for noise in noises:
            level = f"±{noise:g}%"
            by_route.setdefault(setup.name, {})[level] = run_condition(
                setup, noise, args, work, rng
            )
    results["wall_s"] = round(time.monotonic() - started, 1)
    results["conditions"] = by_route
    print()
    for name, conditions in by_route.items():
        print(route_table(name, conditions, args.runs))
        print()
    print(f"wall {results['wall_s'] / 60:.1f} min (estimated {est / 60:.0f})")
    print(f"raw figures: {save(matrix_name(args.label), results, quick=args.quick)}")


def main_pilot(args: argparse.Namespace) -> None:
    """A few slowed-vs-healthy and healthy-vs-healthy runs per route, no noise: the
    ratio each slow knob gives, to set :data:`ROUTES`."""
    work = Path(tempfile.mkdtemp(prefix="lg-gate-matrix-pilot-"))
    for name in parse_list(args.routes):
        setup = ROUTES[name]
        if args.pilot_slow_work_ms is not None:
            setup = RouteSetup(setup.name, setup.work_ms, args.pilot_slow_work_ms,
                               setup.rate_per_s, setup.duration_s)  # fmt: skip
        servers = Servers(setup)
        try:
            servers.start()
            assert servers.slowed is not None
            aa, slow = [], []
            for i in range(args.runs):
                h = servers.healthy
                with hog(args.pilot_duty):
                    aa.append(gated_run(h[0], h[1], setup, work / f"{name}-aa-{i}", args))
                with hog(args.pilot_duty):
                    slow.append(
                        gated_run(servers.slowed, h[0], setup, work / f"{name}-s-{i}", args)
                    )
                print(
                    f"  {name} {i + 1}: A/A p95 {aa[-1]['p95_ms']:.2f} vs "
                    f"{aa[-1]['control_p95_ms']:.2f} ms; slowed (work {setup.slow_work_ms:g}) "
                    f"p95 {slow[-1]['p95_ms']:.2f} vs {slow[-1]['control_p95_ms']:.2f} ms, "
                    f"x{slow[-1]['compare_ratio']:.2f} {slow[-1]['compare_decision']}; "
                    f"{aa[-1]['wall_s']:.1f} s, {slow[-1]['wall_s']:.1f} s",
                    flush=True,
                )
        finally:
            servers.stop()
        print(f"{name}: {json.dumps(achieved(aa, slow))}")


def knobbed(setup: RouteSetup, knobs: str) -> RouteSetup:
    """``--slow-knob 20ms=15.4``: another slowed knob for a route (the fits stay)."""
    for item in parse_list(knobs):
        name, _, ms = item.partition("=")
        if name == setup.name:
            return dataclasses.replace(setup, slow_work_ms=float(ms))
    return setup


def matrix_name(label: str) -> str:
    return f"gate_quality_matrix_{label}" if label else "gate_quality_matrix"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("--matrix / --matrix-pilot")
    group.add_argument("--routes", default=",".join(ROUTES), help="fast, 20ms or both")
    group.add_argument("--noises", default="0,15,30", help="noise levels, %% of the core")
    group.add_argument("--restart-every", type=int, default=5, help="pairs between restarts")
    group.add_argument("--max-extend", type=float, default=8.0, help="the probe's, seconds")
    group.add_argument(
        "--compensate",
        action="store_true",
        help="scale the slowed knob with the run's hog duty (same p95 ratio at every duty)",
    )
    group.add_argument(
        "--duration-scale",
        type=float,
        default=1.0,
        help="multiply both routes' probe durations (more one-second blocks for the A/B)",
    )
    group.add_argument("--pilot-duty", type=float, default=0.0, help="the hog's, piloting")
    group.add_argument(
        "--label", default="", help="results in gate_quality_matrix_LABEL.json, kept apart"
    )
    group.add_argument(
        "--slow-knob",
        default="",
        help="ROUTE=MS,...: the slowed app's dashboard work per route, instead of ROUTES'",
    )
    group.add_argument(
        "--pilot-slow-work-ms", type=float, default=None, help="the slowed knob to pilot"
    )

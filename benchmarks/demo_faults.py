"""The demo's own faults, caught every time? ``launchgate demo`` clean and with each
fault, N times each, on an idle machine and with a CPU hog on one core.

    python benchmarks/demo_faults.py [--runs 20] [--faults login-500,missing-index]
        [--conditions idle,hog] [--hog-cpu N] [--fresh-cache] [--max-load 1.5] [--quick]
        [--compare]

Each run is the real command a newcomer types, ``python -m launchgate.cli demo
[--fault NAME]``, in a fresh temporary folder (its working directory and ``--out``),
so no run reads another's reports, with the demo's own defaults (probe rate and
duration included). A fault counts as **caught** when the run exits 1 *and* the check
that :data:`launchgate.demo.faults.CAUGHT_BY` names for it is among the blocking
findings of its ``report.json``: a run failing for some other reason does not count.
The clean demo counts as **passed** when it exits 0.

The calibration cache. ``launchgate demo`` calibrates its performance baseline once
per machine and version (under ``~/.cache/launchgate``) and every passing clean run
adds to it: what a user's tenth run meets is that cache, not an empty one. So one
cache, fresh at the start (``LAUNCHGATE_CACHE_DIR`` in a temp folder, never the
user's), serves every run of both conditions; an uncounted clean run calibrates it
first, on the first condition's machine state. ``--fresh-cache`` instead gives every
run an empty cache of its own, so each run calibrates and then runs: the newcomer's
very first try, at twice the time per run.

Conditions. ``idle``: nothing added (``--max-load`` waits, bounded, for the 1-minute
load average to drop under it first). ``hog``: a busy loop in a child process pinned
to one core (``--hog-cpu``, default the last one) with ``os.sched_setaffinity``,
started before the condition's first run and stopped by its pid after the last. The
demo itself is not pinned: it runs where the scheduler puts it, as it would for a
user, so it has one free core and a share of the hog's.

``--compare`` runs ``launchgate demo --compare [--fault NAME]`` instead: a healthy
demo app beside the faulted one, each route's regression decided live against it
(the demo makes and reads no calibration then, so none is run here). Its results are
labelled apart: ``demo_faults_compare[_LABEL].json``, and every run records each
route's ``compare_decision`` and ratio beside the stored-baseline figures.

Runs interleave within a condition (clean, then each fault, round after round), so a
drift of the machine touches every kind alike. Results: a table per condition on
stdout and every run's figures in ``benchmarks/results/demo_faults.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchlib import ROOT, loadavg, machine, save, table, wait_quiet

from launchgate.demo.faults import CAUGHT_BY, FAULTS

CLEAN = "clean"
CONDITIONS = ("idle", "hog")
RUN_TIMEOUT_S = 300.0


def demo_env(cache: Path) -> dict[str, str]:
    """The caller's environment without any launchgate setting (a demo knob left in a
    shell would change what is measured), plus the benchmark's cache."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAUNCHGATE_")}
    env["LAUNCHGATE_CACHE_DIR"] = str(cache)
    env["NO_COLOR"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(ROOT), env.get("PYTHONPATH"))))
    return env


def run_demo(kind: str, cache: Path, *, compare: bool = False) -> dict[str, Any]:
    """One ``launchgate demo`` run in a fresh folder; its outcome and main figures."""
    with tempfile.TemporaryDirectory(prefix="demo-faults-run-") as scratch:
        folder = Path(scratch)
        cmd = [sys.executable, "-m", "launchgate.cli", "demo", "--out", str(folder / "out")]
        if compare:
            cmd.append("--compare")
        if kind != CLEAN:
            cmd += ["--fault", kind]
        load = loadavg()
        started = time.monotonic()
        try:
            done = subprocess.run(
                cmd,
                cwd=folder,
                env=demo_env(cache),
                capture_output=True,
                text=True,
                timeout=RUN_TIMEOUT_S,
                check=False,
            )
            code, tail = done.returncode, (done.stdout + done.stderr)[-2000:]
        except subprocess.TimeoutExpired:
            code, tail = -1, f"timed out after {RUN_TIMEOUT_S:g} s"
        wall = time.monotonic() - started
        report_path = folder / "out" / "report.json"
        report = json.loads(report_path.read_text()) if report_path.exists() else None
    run: dict[str, Any] = {
        "kind": kind,
        "exit": code,
        "wall_s": round(wall, 2),
        "loadavg_before": load,
    }
    if report is None:
        run.update(blocking=[], routes={}, not_passed={}, output_tail=tail)
    else:
        run["blocking"] = sorted({f["check"] for f in report["findings"] if f["blocking"]})
        run["not_passed"] = {
            c["id"]: f"{c['status']}: {c.get('message') or ''}"[:300]
            for c in report["checks"]
            if c["status"] != "passed"
        }
        run["routes"] = {
            r["route"]: {
                "p50_ms": r["p50_ms"],
                "p95_ms": r["p95_ms"],
                "baseline_p95_ms": r["baseline_p95_ms"],
                "samples": r["samples"],
                "error_rate_pct": r["error_rate_pct"],
                "decision": r["decision"],
                "reason": r["decision_reason"],
                "compare_decision": r.get("compare_decision") or None,
                "compare_ratio": r.get("compare_ratio"),
                "control_p95_ms": r.get("control_p95_ms"),
                "compare_reason": r.get("compare_reason") or None,
            }
            for r in report["routes"]
        }
        if code not in (0, 1):
            run["output_tail"] = tail
    run["ok"] = judged_ok(run)
    return run


def judged_ok(run: dict[str, Any]) -> bool:
    """Clean: exit 0. A fault: exit 1 with its own check among the blockers."""
    if run["kind"] == CLEAN:
        return bool(run["exit"] == 0)
    return bool(run["exit"] == 1 and CAUGHT_BY[run["kind"]] in run["blocking"])


@contextmanager
def cpu_hog(cpu: int) -> Iterator[int]:
    """A busy loop pinned to ``cpu``, in a child process stopped by its pid."""
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"], stdin=subprocess.DEVNULL)
    try:
        os.sched_setaffinity(hog.pid, {cpu})
        yield hog.pid
    finally:
        hog.terminate()
        try:
            hog.wait(timeout=10)
        except subprocess.TimeoutExpired:
            hog.kill()
            hog.wait(timeout=10)


@contextmanager
def condition(name: str, hog_cpu: int, max_load: float | None) -> Iterator[dict[str, Any]]:
    info: dict[str, Any] = {"condition": name}
    if max_load is not None and name == "idle":
        info["loadavg_after_wait"] = wait_quiet(max_load)
    if name == "hog":
        with cpu_hog(hog_cpu) as pid:
            info.update(hog_pid=pid, hog_cpu=hog_cpu)
            yield info
    else:
        yield info


def calibrate(cache: Path) -> dict[str, Any]:
    """The uncounted clean run that makes the cache's first baseline entry."""
    run = run_demo(CLEAN, cache)
    if run["exit"] != 0:
        raise SystemExit(f"the calibrating clean run exited {run['exit']}: {run}")
    # The table size the demo chose for this machine (launchgate/demo/sizing.py).
    run["sizing"] = [json.loads(p.read_text()) for p in cache.glob("demo/*/sizing.json")]
    return run


def summary(runs: Sequence[dict[str, Any]], kinds: Sequence[str]) -> list[dict[str, Any]]:
    rows = []
    for cond in dict.fromkeys(r["condition"] for r in runs):
        for kind in kinds:
            mine = [r for r in runs if r["condition"] == cond and r["kind"] == kind]
            if not mine:
                continue
            dash = [
                r["routes"]["dashboard"]["p95_ms"]
                for r in mine
                if r["routes"].get("dashboard", {}).get("p95_ms") is not None
            ]
            rows.append(
                {
                    "condition": cond,
                    "kind": kind,
                    "expected": "exit 0" if kind == CLEAN else f"exit 1, {CAUGHT_BY[kind]}",
                    "ok": sum(r["ok"] for r in mine),
                    "runs": len(mine),
                    "exits": sorted({r["exit"] for r in mine}),
                    "dashboard_p95_ms_median": statistics.median(dash) if dash else None,
                    "dashboard_p95_ms_range": [min(dash), max(dash)] if dash else None,
                    "wall_s_median": statistics.median(r["wall_s"] for r in mine),
                }
            )
    return rows


def markdown(rows: Sequence[dict[str, Any]]) -> str:
    def p95(row: dict[str, Any]) -> str:
        low_high = row["dashboard_p95_ms_range"]
        if low_high is None:
            return "–"
        return f"{row['dashboard_p95_ms_median']:.1f} ({low_high[0]:.1f}–{low_high[1]:.1f})"

    return table(
        ["condition", "run", "counts as a success when", "successes", "exit codes",
         "dashboard p95 ms, median (range)", "wall s, median"],
        [
            [r["condition"], r["kind"], r["expected"], f"{r['ok']}/{r['runs']}",
             ", ".join(map(str, r["exits"])), p95(r), r["wall_s_median"]]
            for r in rows
        ],
    )  # fmt: skip


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="runs of each kind per condition")
    parser.add_argument(
        "--faults",
        default=",".join(FAULTS),
        help="comma-separated faults (default: every fault of launchgate demo --help)",
    )
    parser.add_argument("--conditions", default=",".join(CONDITIONS), help="idle, hog or both")
    parser.add_argument(
        "--hog-cpu", type=int, default=max(os.sched_getaffinity(0)), help="the hog's core"
    )
    parser.add_argument(
        "--fresh-cache", action="store_true", help="an empty calibration cache for every run"
    )
    parser.add_argument("--max-load", type=float, default=None, help="wait for idle first")
    parser.add_argument(
        "--quick", action="store_true", help="results to the temp folder, not benchmarks/results"
    )
    parser.add_argument(
        "--compare",
        action="store_true",
        help="launchgate demo --compare: gate live against a healthy control app",
    )
    parser.add_argument(
        "--label",
        default="",
        help="results in demo_faults_LABEL.json, so runs of several fault sets keep apart",
    )
    args = parser.parse_args(argv)
    args.faults = [f.strip() for f in args.faults.split(",") if f.strip()]
    args.conditions = [c.strip() for c in args.conditions.split(",") if c.strip()]
    unknown = sorted(set(args.faults) - set(FAULTS)) + sorted(
        set(args.conditions) - set(CONDITIONS)
    )
    if unknown or args.runs < 1:
        parser.error(f"unknown fault or condition: {', '.join(unknown)}" if unknown else "--runs")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    kinds = [CLEAN, *args.faults]
    started = time.time()
    runs: list[dict[str, Any]] = []
    calibration: dict[str, Any] | None = None
    conditions: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="demo-faults-cache-") as shared:
        for name in args.conditions:
            with condition(name, args.hog_cpu, args.max_load) as info:
                conditions.append(info)
                print(f"{name}: {args.runs} round(s) of {len(kinds)} runs", flush=True)
                if calibration is None and not (args.fresh_cache or args.compare):
                    calibration = calibrate(Path(shared))
                    calibration["condition"] = name
                    print(
                        f"  calibrated in {calibration['wall_s']:.0f} s: {calibration['sizing']}",
                        flush=True,
                    )
                for round_no in range(args.runs):
                    for kind in kinds:
                        if args.fresh_cache:
                            with tempfile.TemporaryDirectory(prefix="demo-faults-c-") as own:
                                run = run_demo(kind, Path(own), compare=args.compare)
                        else:
                            run = run_demo(kind, Path(shared), compare=args.compare)
                        run.update(condition=name, round=round_no)
                        runs.append(run)
                        mark = "ok" if run["ok"] else "MISS" if kind != CLEAN else "FALSE FAIL"
                        print(
                            f"  {round_no + 1}/{args.runs} {kind}: exit {run['exit']} "
                            f"{mark} ({run['wall_s']:.0f} s)",
                            flush=True,
                        )
    rows = summary(runs, kinds)
    print("\nlaunchgate demo --compare (gated live against a healthy control):" if args.compare
          else "\nlaunchgate demo (gated against the calibrated stored baseline):")  # fmt: skip
    print(markdown(rows))
    data: dict[str, object] = {
        "machine": machine(),
        "started_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(started)),
        "finished_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
        "settings": {
            "runs": args.runs,
            "faults": args.faults,
            "conditions": args.conditions,
            "hog_cpu": args.hog_cpu,
            "cache": "fresh per run" if args.fresh_cache else "one for all runs",
            "max_load": args.max_load,
            "compare": args.compare,
        },
        "calibration": calibration,
        "conditions": conditions,
        "summary": rows,
        "runs": runs,
    }
    name = "demo_faults_compare" if args.compare else "demo_faults"
    path = save(f"{name}_{args.label}" if args.label else name, data, quick=args.quick)
    print(f"\nraw figures: {path}")
    return 0 if all(r["ok"] == r["runs"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Capacity of the load probe on one core: the highest rate it sustains with its client
lag p99 under 5 ms, and its CPU time per 1,000 requests at 200 req/s, beside Locust
FastHttpUser, hey and a plain httpx.AsyncClient open loop.

    python benchmarks/probe_capacity.py [--quick] [--step-s 10] [--locust PATH]
        [--cpu-rounds 3] [--cpu-only]

The server is ``bench_servers.py fast`` (a minimal asyncio.Protocol server, pinned to
core 1, answering in well under a millisecond); every client is pinned to core 0.

* Capacity: each client is stepped through 500, 1000, 2000, 3000, … req/s until a step
  fails. The probe (its driver, ``Prober``, run directly: the config caps one route at
  2,000 req/s and ``report.json`` does not carry the client lag) sustains a rate when
  its client lag p99 and event-loop lag p99 are under 5 ms, it finished sending no
  more than 0.5 s late, and nothing failed. The httpx loop is judged the same way;
  hey and Locust, which measure no lag of their own, when they sent at least 98 % of
  the rate with no error.
* CPU: each client runs 30 s at 200 req/s; its CPU time (utime + stime from
  /proc/<pid>/stat) is sampled 5 s and 25 s after it started, so start-up and imports
  are left out: the steady-state cost of 4,000 requests, given per 1,000. The probe is
  measured both through ``launchgate run`` (what users run) and directly. A CPU figure
  of a few hundred microseconds per request moves by 10-20 % from minute to minute on
  a shared VM, so the clients take turns for ``--cpu-rounds`` rounds and each is
  given as its median, with its ratio to Locust taken within each round.
  ``--cpu-only`` skips the capacity steps (figures to ``probe_capacity_cpu.json``).

Targets (issue 3): at least 2,000 req/s sustained; CPU no more than Locust
FastHttpUser's.
"""

from __future__ import annotations

import argparse
import math
import statistics
import tempfile
from pathlib import Path

from benchlib import (
    Peers,
    Server,
    ToolResult,
    find_peers,
    loadavg,
    machine,
    run_hey,
    run_launchgate,
    run_locust,
    run_open_loop,
    save,
    table,
    wait_quiet,
)

STEPS = (500, 1000, 2000, 3000, 4000, 5000, 6000, 8000, 10000)
LAG_LIMIT_MS = 5.0
CPU_RATE = 200.0
CPU_RUN_S = 30.0
CPU_WINDOW_S = (5.0, 25.0)


def step(
    tool: str, peers: Peers, server: Server, rate: float, seconds: float, work: Path
) -> tuple[bool, dict[str, object]]:
    """Run one client at one rate; (sustained?, figures)."""
    url = server.url("/")
    if tool in ("probe", "httpx"):
        result, data = run_open_loop(tool, url, rate=rate, duration=seconds, warmup=1.0)
        lag = float(data["client_lag_p99_ms"])  # type: ignore[arg-type]
        loop_lag = float(data.get("loop_lag_p99_ms", 0.0))  # type: ignore[arg-type]
        overrun = float(data["overrun_s"])  # type: ignore[arg-type]
        ok = (
            lag < LAG_LIMIT_MS
            and loop_lag < LAG_LIMIT_MS
            and overrun < 0.5
            and result.errors == 0
            and result.achieved_rate_per_s >= 0.98 * rate
        )
        return ok, {
            **result.as_dict(),
            "client_lag_p99_ms": lag,
            "loop_lag_p99_ms": loop_lag,
            "overrun_s": overrun,
        }
    if tool == "hey":
        result = run_hey(peers.paths["hey"], url, rate=rate, duration=seconds, connections=50)
    elif tool == "locust":
        result = run_locust(
            peers.paths["locust"],
            server.url().rstrip("/"),
            "/",
            rate=rate,
            duration=seconds,
            users=50,
            work=work,
        )
    else:
        raise ValueError(tool)
    ok = result.errors == 0 and result.achieved_rate_per_s >= 0.98 * rate
    return ok, result.as_dict()


def cpu_run(tool: str, peers: Peers, server: Server, work: Path, quick: bool) -> ToolResult:
    seconds = 8.0 if quick else CPU_RUN_S
    window = (3.0, 7.0) if quick else CPU_WINDOW_S
    url = server.url("/")
    if tool == "launchgate":
        return run_launchgate(
            server.url().rstrip("/"),
            "/",
            rate=CPU_RATE,
            duration=seconds,
            work=work,
            cpu_window_s=window,
        )
    if tool in ("probe", "httpx"):
        return run_open_loop(
            tool, url, rate=CPU_RATE, duration=seconds, concurrency=50, cpu_window_s=window
        )[0]
    if tool == "hey":
        return run_hey(
            peers.paths["hey"],
            url,
            rate=CPU_RATE,
            duration=seconds,
            connections=10,
            cpu_window_s=window,
        )
    if tool == "locust":
        return run_locust(
            peers.paths["locust"],
            server.url().rstrip("/"),
            "/",
            rate=CPU_RATE,
            duration=seconds,
            users=10,
            work=work,
            cpu_window_s=window,
        )
    raise ValueError(tool)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short steps: a smoke run")
    parser.add_argument("--step-s", type=float, default=10.0, help="seconds per rate step")
    parser.add_argument("--locust", help="the locust executable (default: on PATH)")
    parser.add_argument("--max-load", type=float, default=1.0)
    parser.add_argument("--cpu-rounds", type=int, default=3)
    parser.add_argument("--cpu-only", action="store_true", help="skip the capacity steps")
    args = parser.parse_args()
    steps = () if args.cpu_only else STEPS[:3] if args.quick else STEPS
    seconds = 2.0 if args.quick else args.step_s
    peers = find_peers(["hey", "locust"], locust=args.locust)
    for tool, why in peers.missing.items():
        print(f"skipped {tool}: {why}")
    results: dict[str, object] = {
        "benchmark": "probe_capacity",
        "machine": machine(),
        "peers": peers.versions,
        "skipped": peers.missing,
        "settings": {
            "steps": steps,
            "step_s": seconds,
            "lag_limit_ms": LAG_LIMIT_MS,
            "cpu_rate_per_s": CPU_RATE,
            "cpu_run_s": CPU_RUN_S,
            "cpu_window_s": CPU_WINDOW_S,
        },
        "loadavg_before": wait_quiet(args.max_load, max_wait_s=10 if args.quick else 300),
    }
    work = Path(tempfile.mkdtemp(prefix="lg-capacity-"))
    server = Server("fast")
    try:
        capacity: dict[str, list[dict[str, object]]] = {}
        best: dict[str, float] = {}
        for tool in ("probe", "httpx", "hey", "locust"):
            if tool in ("hey", "locust") and not peers.has(tool):
                continue
            capacity[tool] = []
            best[tool] = 0.0
            for rate in steps:
                ok, figures = step(tool, peers, server, rate, seconds, work)
                capacity[tool].append(
                    {"rate_per_s": rate, "sustained": ok, **figures, "loadavg": loadavg()}
                )
                print(f"  {tool} at {rate}/s: {'sustained' if ok else 'NOT sustained'}")
                if not ok:
                    break
                best[tool] = rate
        cpu_rounds: list[list[dict[str, object]]] = []
        for round_no in range(1, args.cpu_rounds + 1):
            this_round: list[dict[str, object]] = []
            for tool in ("launchgate", "probe", "httpx", "hey", "locust"):
                if tool in ("hey", "locust") and not peers.has(tool):
                    continue
                (work / f"cpu-{tool}-{round_no}").mkdir(exist_ok=True)
                result = cpu_run(tool, peers, server, work / f"cpu-{tool}-{round_no}", args.quick)
                window = CPU_WINDOW_S if not args.quick else (3.0, 7.0)
                requests = CPU_RATE * (window[1] - window[0])
                per_1000 = (result.window_cpu_s or math.nan) / requests * 1000 * 1000
                this_round.append(
                    {**result.as_dict(), "cpu_ms_per_1000": per_1000, "loadavg": loadavg()}
                )
                print(
                    f"  round {round_no} {result.tool}: {per_1000:.0f} ms CPU per 1,000 "
                    "requests at 200/s"
                )
            cpu_rounds.append(this_round)
        cpu = _cpu_summary(cpu_rounds)
    finally:
        server.stop()
    results["capacity"] = capacity
    results["sustained_per_s"] = best
    results["cpu"] = cpu
    results["cpu_rounds"] = cpu_rounds
    rows = []
    for tool, runs in capacity.items():
        for run in runs:
            rows.append(
                [
                    tool,
                    run["rate_per_s"],
                    "yes" if run["sustained"] else "no",
                    f"{float(run['achieved_rate_per_s']):,.0f}",  # type: ignore[arg-type]
                    run.get("client_lag_p99_ms", "–"),
                    run.get("loop_lag_p99_ms", "–"),
                    run["p95_ms"],
                    run["errors"],
                ]
            )
    if rows:
        print("\ncapacity on one core (steps of", seconds, "s):\n")
        print(
            table(
                [
                    "client",
                    "rate asked",
                    "sustained",
                    "req/s achieved",
                    "client lag p99 (ms)",
                    "loop lag p99 (ms)",
                    "p95 (ms)",
                    "errors",
                ],
                rows,
            )
        )
    print(
        f"\nCPU per 1,000 requests at 200 req/s (steady state; median of {args.cpu_rounds} "
        "rounds, each client in turn):\n"
    )
    print(
        table(
            [
                "client",
                "CPU ms / 1,000 requests (median)",
                "each round",
                "vs Locust FastHttpUser (median of rounds)",
                "range of that ratio",
                "p95 (ms), last round",
            ],
            [
                [
                    c["tool"],
                    float(c["cpu_ms_per_1000"]),  # type: ignore[arg-type]
                    ", ".join(f"{v:,.0f}" for v in c["rounds_ms"]),  # type: ignore[attr-defined]
                    f"{float(c['vs_locust']):.2f}",  # type: ignore[arg-type]
                    c["vs_locust_range"],
                    c["p95_ms"],
                ]
                for c in cpu
            ],
        )
    )
    probe = next(c for c in cpu if str(c["tool"]).startswith("launchgate probe (`launchgate run`)"))
    targets = {"cpu_le_locust": float(probe["vs_locust"]) <= 1.0}  # type: ignore[arg-type]
    if not args.cpu_only:
        targets["sustained_2000"] = best.get("probe", 0) >= 2000
    results["targets_met"] = targets
    print(f"\ntargets: {targets}")
    name = "probe_capacity_cpu" if args.cpu_only else "probe_capacity"
    print(f"raw figures: {save(name, results, quick=args.quick)}")


def _cpu_summary(rounds: list[list[dict[str, object]]]) -> list[dict[str, object]]:
    """Each client's median over the rounds, and its ratio to Locust taken within each
    round (the two ran minutes apart at most), then the median and range of those."""
    by_tool: dict[str, list[dict[str, object]]] = {}
    for this_round in rounds:
        for c in this_round:
            by_tool.setdefault(str(c["tool"]), []).append(c)
    locust = "Locust FastHttpUser"
    summary = []
    for runs in by_tool.values():
        values = [float(c["cpu_ms_per_1000"]) for c in runs]  # type: ignore[arg-type]
        ratios = []
        for i, value in enumerate(values):
            peer = next((c for c in rounds[i] if c["tool"] == locust), None)
            if peer is not None:
                ratios.append(value / float(peer["cpu_ms_per_1000"]))  # type: ignore[arg-type]
        summary.append(
            {
                **runs[-1],
                "cpu_ms_per_1000": statistics.median(values),
                "rounds_ms": values,
                "vs_locust": statistics.median(ratios) if ratios else math.nan,
                "vs_locust_range": f"{min(ratios):.2f}-{max(ratios):.2f}" if ratios else "–",
            }
        )
    return summary


if __name__ == "__main__":
    main()

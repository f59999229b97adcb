"""Coordinated omission: a server that stalls its whole process for 1 s every 10 s, at
100 req/s intended, the probe's p95/p99 beside the peers' and beside the truth.

    python benchmarks/probe_stall.py [--quick] [--duration 40] [--locust PATH]
        [--autocannon PATH]

The server (``bench_servers.py stall``) answers at once, except that 5 s after the
first request, and every 10 s after that, it blocks its event loop with
``time.sleep(1)``; it logs each stall's real start and end. The truth is the open
model's: a customer population sending 100 requests per second whatever the server
does. For every intended send time t of that schedule, from the first request the
server saw to the last, the latency is the server's median service time, plus
(stall end - t) when t falls inside a stall. That is what customers would wait; a
tool that waits for an answer before sending the next request stops sending during
the stall, records one slow request per connection instead of a hundred, and reports
the stall away (coordinated omission).

The probe runs through the real CLI (``launchgate run``, default concurrency cap 32,
no warm-up so that its window is the server's); clients are pinned to core 0, the
server to core 1. Target (issue 3): the probe's p95 and p99 within 10 % of the truth.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from benchlib import (
    Peers,
    Server,
    ServerLog,
    ToolResult,
    find_peers,
    loadavg,
    machine,
    percentile,
    run_ab,
    run_autocannon,
    run_hey,
    run_launchgate,
    run_locust,
    run_open_loop,
    run_wrk,
    save,
    table,
    wait_quiet,
)

RATE = 100.0
TOOLS = ("launchgate", "hey", "wrk", "ab", "locust", "autocannon", "httpx")


def truth(log: ServerLog, rate: float) -> dict[str, float]:
    """The open-model latencies of a ``rate`` schedule over the window the server saw."""
    service_ms = percentile([s * 1000 for s in log.service_s], 50)
    stalls = log.stalls
    start, end = min(log.arrival_s), max(log.arrival_s)
    latencies = []
    for i in range(int((end - start) * rate) + 1):
        t = start + i / rate
        wait = next((b - t for a, b in stalls if a <= t < b), 0.0)
        latencies.append(service_ms + wait * 1000)
    return {
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "p99_ms": percentile(latencies, 99),
        "window_s": end - start,
        "stalls_in_window": sum(1 for a, _ in stalls if start <= a <= end),
        "service_p50_ms": service_ms,
        "intended_requests": len(latencies),
    }


def run_tool(
    tool: str, peers: Peers, server: Server, args: argparse.Namespace, work: Path
) -> ToolResult:
    url = server.url("/")
    d = args.duration
    if tool == "launchgate":
        return run_launchgate(server.url().rstrip("/"), "/", rate=RATE, duration=d, work=work)
    if tool == "httpx":
        return run_open_loop("httpx", url, rate=RATE, duration=d)[0]
    if tool == "hey":
        return run_hey(peers.paths["hey"], url, rate=RATE, duration=d, connections=10)
    if tool == "wrk":
        return run_wrk(peers.paths["wrk"], url, duration=d, connections=10, work=work)
    if tool == "ab":
        # As many requests as it can in the time: ab keeps every timing in memory, so
        # the count is bounded too.
        return run_ab(
            peers.paths["ab"],
            url,
            requests=2_000_000,
            connections=10,
            work=work,
            time_limit_s=d,
        )
    if tool == "locust":
        return run_locust(
            peers.paths["locust"],
            server.url().rstrip("/"),
            "/",
            rate=RATE,
            duration=d,
            users=10,
            work=work,
        )
    if tool == "autocannon":
        return run_autocannon(
            peers.paths["autocannon"], url, rate=RATE, duration=d, connections=10, work=work
        )
    raise ValueError(tool)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="12 s per tool: a smoke run")
    parser.add_argument("--duration", type=float, default=40.0, help="seconds per tool")
    parser.add_argument("--locust", help="the locust executable (default: on PATH)")
    parser.add_argument("--autocannon", help="autocannon's bin or npm prefix folder")
    parser.add_argument("--max-load", type=float, default=1.0)
    args = parser.parse_args()
    if args.quick:
        args.duration = 12.0
    peers = find_peers(
        [t for t in TOOLS if t not in ("launchgate", "httpx")],
        locust=args.locust,
        autocannon=args.autocannon,
    )
    for tool, why in peers.missing.items():
        print(f"skipped {tool}: {why}")
    tools = [t for t in TOOLS if t in ("launchgate", "httpx") or peers.has(t)]
    results: dict[str, object] = {
        "benchmark": "probe_stall",
        "machine": machine(),
        "peers": peers.versions,
        "skipped": peers.missing,
        "settings": {
            "rate_per_s": RATE,
            "duration_s": args.duration,
            "stall_s": 1.0,
            "period_s": 10.0,
            "first_stall_after_s": 5.0,
        },
        "loadavg_before": wait_quiet(args.max_load, max_wait_s=10 if args.quick else 300),
    }
    work = Path(tempfile.mkdtemp(prefix="lg-stall-"))
    rows, rows_json = [], []
    met = False
    for tool in tools:
        load = loadavg()
        server = Server("stall", log=work / f"{tool}.json")
        try:
            (work / tool).mkdir(exist_ok=True)
            result = run_tool(tool, peers, server, args, work / tool)
        finally:
            log = server.stop()
        true = truth(log, RATE)
        r95, r99 = result.p95_ms / true["p95_ms"], result.p99_ms / true["p99_ms"]
        rows_json.append(
            {
                **result.as_dict(),
                "truth": true,
                "p95_ratio": r95,
                "p99_ratio": r99,
                "server_requests": len(log.arrival_s),
                "loadavg_before": load,
                "loadavg_after": loadavg(),
            }
        )
        rows.append(
            [
                result.tool,
                f"{result.achieved_rate_per_s:,.0f}",
                result.p50_ms,
                result.p95_ms,
                result.p99_ms,
                true["p95_ms"],
                true["p99_ms"],
                f"{r95:.3f}",
                f"{r99:.3f}",
                f"{load[0]:.2f}",
            ]
        )
        print(f"  {result.tool}: p95 {result.p95_ms:.1f} ms, truth {true['p95_ms']:.1f} ms")
        if tool == "launchgate":
            met = abs(r95 - 1) <= 0.10 and abs(r99 - 1) <= 0.10
    results["tools"] = rows_json
    results["target_met"] = met
    print(f"\nstall 1 s every 10 s, {RATE:g} req/s intended, {args.duration:g} s per tool:\n")
    print(
        table(
            [
                "tool",
                "req/s sent",
                "p50",
                "p95",
                "p99",
                "true p95",
                "true p99",
                "p95 / true",
                "p99 / true",
                "load",
            ],
            rows,
        )
    )
    print(f"\ntarget (probe p95 and p99 within 10 % of the truth): {'met' if met else 'MISSED'}")
    print(f"raw figures: {save('probe_stall', results, quick=args.quick)}")


if __name__ == "__main__":
    main()

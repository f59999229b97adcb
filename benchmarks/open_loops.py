"""Two open-model load loops the benchmarks run as client processes (pinned by the caller).

    python benchmarks/open_loops.py probe URL --rate R --duration D [--warmup W] [--concurrency C]
    python benchmarks/open_loops.py httpx URL --rate R --duration D [--concurrency C]

Each prints one JSON object: latency percentiles (from the intended send time), how
many requests were sent and answered, the client's own lag behind its schedule, and
the process's CPU time.

* ``probe`` drives launchgate's own driver (``launchgate.probe.driver.Prober``)
  directly, for the capacity steps: the config caps one route at 2,000 req/s and
  ``report.json`` does not carry the client lag, both of which the capacity benchmark
  needs past.
* ``httpx`` is the plain alternative the probe was measured against: one shared
  ``httpx.AsyncClient``, the same schedule and the same timer-lag rule as the probe's
  driver (the clock starts at the intended time, or on waking when the timer itself
  was late), so only the HTTP client differs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from launchgate.eventloop import new_runner
from launchgate.probe.driver import Prober, ProbeSettings, ProbeTarget
from launchgate.probe.histogram import LatencyHistogram
from launchgate.probe.schedule import intended_offsets


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _figures(latency: LatencyHistogram) -> dict[str, float]:
    return {
        "p50_ms": latency.percentile_ms(50),
        "p95_ms": latency.percentile_ms(95),
        "p99_ms": latency.percentile_ms(99),
        "max_ms": latency.max_ms,
    }


async def probe(args: argparse.Namespace) -> dict[str, object]:
    target = ProbeTarget(
        route="bench",
        method="GET",
        url=args.url,
        headers=(),
        rate_per_s=args.rate,
        expect_status=frozenset({200}),
    )
    settings = ProbeSettings(
        concurrency=args.concurrency, timeout_s=5.0, max_requests=10_000_000, max_body=1 << 20
    )
    host = httpx.URL(args.url).host
    cpu0 = _cpu_s()
    async with Prober(
        [target], settings, allowed_host=host, ssl_context=False, user_agent="bench"
    ) as prober:
        began = time.monotonic()
        await prober.run(duration_s=args.duration, warmup_s=args.warmup)
        # Past the schedule's end: how far behind the client finished sending (the
        # driver's client lag only counts sends it slept for; see docs/benchmarks.md).
        overrun = time.monotonic() - began - args.duration - args.warmup - 0.05
        measurement = prober.measurement()
    route = measurement.routes[0]
    return {
        **_figures(route.latency),
        "service_p95_ms": route.service.percentile_ms(95),
        "requests": route.requests,
        "answered": route.successes,
        "errors": dict(route.errors),
        "achieved_rate_per_s": route.achieved_rate_per_s,
        "client_lag_p99_ms": route.client_lag.percentile_ms(99),
        "loop_lag_p99_ms": measurement.loop_lag_p99_ms,
        "overrun_s": overrun,
        "cpu_s": _cpu_s() - cpu0,
    }


async def httpx_loop(args: argparse.Namespace) -> dict[str, object]:
    latency, lag = LatencyHistogram(), LatencyHistogram()
    errors: dict[str, int] = {}
    limits = httpx.Limits(
        max_connections=args.concurrency, max_keepalive_connections=args.concurrency
    )
    slots = asyncio.Semaphore(args.concurrency)
    in_flight: set[asyncio.Task[None]] = set()
    sent = 0

    async def one(client: httpx.AsyncClient, ready: float) -> None:
        try:
            response = await client.get(args.url)
            await response.aread()
            if response.status_code == 200:
                latency.record_us((time.perf_counter() - ready) * 1e6)
            else:
                key = f"status {response.status_code}"
                errors[key] = errors.get(key, 0) + 1
        except httpx.HTTPError as exc:
            errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
        finally:
            slots.release()

    cpu0 = _cpu_s()
    async with httpx.AsyncClient(limits=limits, timeout=5.0, trust_env=False) as client:
        start = time.perf_counter() + 0.05
        for offset in intended_offsets(args.rate, args.duration):
            intended = start + offset
            delay = intended - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
                now = time.perf_counter()
                lag.record_us(max(0.0, now - intended) * 1e6)
                ready = now
            else:
                ready = intended  # behind: waiting for the server counts
            await slots.acquire()
            sent += 1
            task = asyncio.create_task(one(client, ready))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
        scheduled_until = time.perf_counter()  # when the last request went out
        if in_flight:
            await asyncio.wait(in_flight, timeout=6.0)
        measured = time.perf_counter() - start
    return {
        **_figures(latency),
        "requests": sent,
        "answered": latency.count,
        "errors": errors,
        "achieved_rate_per_s": sent / measured if measured > 0 else 0.0,
        "client_lag_p99_ms": lag.percentile_ms(99),
        "overrun_s": scheduled_until - start - args.duration,
        "cpu_s": _cpu_s() - cpu0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("client", choices=["probe", "httpx"])
    parser.add_argument("url")
    parser.add_argument("--rate", type=float, required=True)
    parser.add_argument("--duration", type=float, required=True)
    parser.add_argument("--warmup", type=float, default=0.0)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    run = probe if args.client == "probe" else httpx_loop
    # On launchgate's own loop (uvloop where installed), for both: what `launchgate run`
    # gives the probe, and the httpx loop's best case.
    with new_runner() as runner:
        print(json.dumps(runner.run(run(args))))


if __name__ == "__main__":
    main()

"""The cost of ``launchgate merge``: reading, checking and merging 64 shards x 10 routes,
and gating the merged figures, in time and memory.

    python benchmarks/shard_merge.py [--quick] [--shards 64] [--routes 10] [--samples 2000]

Shard results are synthesised (lognormal latencies, median 20 ms, sigma 0.5, seeded;
``--samples`` successes per route per shard) and written as the files a shard writes;
the timed part is what the merge does with them: read and decode every file
(:func:`launchgate.shardmerge.read_shards`), refuse or merge them and apply the gates
(:func:`launchgate.probe.shard_gates.gate_merged`). Memory is the peak of Python's
allocations during that part (tracemalloc) and the process's peak RSS. Each figure
is the median of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

from benchlib import machine, save

from launchgate.config import parse_config
from launchgate.probe.histogram import LatencyHistogram
from launchgate.probe.measurement import ProbeMeasurement, RouteMeasurement
from launchgate.probe.settings import probe_fingerprint
from launchgate.probe.shard import (
    Shard,
    ShardIdentity,
    ShardResult,
    shard_file_name,
    shard_to_dict,
)
from launchgate.probe.shard_gates import gate_merged
from launchgate.shardmerge import find_shard_files, read_shards


def _config(routes: int) -> str:
    lines = [f"    r{i}: {{path: /r{i}}}" for i in range(routes)]
    return "probe:\n  rate: 100/s\n  routes:\n" + "\n".join(lines) + "\n"


def _histogram(rng: random.Random, samples: int) -> LatencyHistogram:
    h = LatencyHistogram()
    for _ in range(samples):
        h.record_ms(rng.lognormvariate(3.0, 0.5))
    return h


def write_shards(folder: Path, shards: int, routes: int, samples: int, fingerprint: str) -> None:
    rng = random.Random(17)
    for index in range(1, shards + 1):
        measured = tuple(
            RouteMeasurement(
                route=f"r{i}",
                method="GET",
                path=f"/r{i}",
                rate_per_s=100 / shards,
                latency=(lat := _histogram(rng, samples)),
                service=lat,
                requests=samples,
                errors={},
                throttled=0,
                measured_s=20.0,
                client_lag=_histogram(rng, 50),
                sent=samples,
                answered={"2xx": samples},
            )
            for i in range(routes)
        )
        result = ShardResult(
            identity=ShardIdentity(Shard(index, shards), f"runner-{index}", datetime.now(UTC), 0.0),
            fingerprint=fingerprint,
            target="https://app.example",
            environment="bench",
            measurement=ProbeMeasurement(routes=measured, duration_s=23.0, loop_lag_p99_ms=0.4),
        )
        path = folder / shard_file_name(result.identity.shard)
        path.write_text(json.dumps(shard_to_dict(result)), "utf-8")


def merge_once(folder: Path, config_text: str) -> tuple[float, int, str]:
    spec = parse_config(config_text, Path("bench.yml"), {}).config.probe
    assert spec is not None
    tracemalloc.start()
    began = time.perf_counter()
    shards, unreadable = read_shards(find_shard_files([folder]))
    gated = gate_merged(
        shards, spec, environment="bench", baseline=None, baseline_error=None,
        baseline_file=folder / "none.json", unreadable=unreadable,
    )  # fmt: skip
    took = time.perf_counter() - began
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return took, peak, gated.results[0].status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shards", type=int, default=64)
    parser.add_argument("--routes", type=int, default=10)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="4 shards x 2 routes, 1 run")
    args = parser.parse_args()
    if args.quick:
        args.shards, args.routes, args.samples, args.repeat = 4, 2, 200, 1
    config_text = _config(args.routes)
    spec = parse_config(config_text, Path("bench.yml"), {}).config.probe
    assert spec is not None
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_shards(folder, args.shards, args.routes, args.samples, probe_fingerprint(spec))
        size = sum(p.stat().st_size for p in folder.iterdir())
        runs = [merge_once(folder, config_text) for _ in range(args.repeat)]
    seconds = statistics.median(r[0] for r in runs)
    peak = statistics.median(r[1] for r in runs)
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"{args.shards} shards x {args.routes} routes ({size / 1e6:.1f} MB of shard files): "
        f"merge and gates {seconds * 1000:.0f} ms (median of {args.repeat}), "
        f"peak Python allocations {peak / 1e6:.1f} MB, process peak RSS {rss_kib / 1024:.0f} MB; "
        f"probe check {runs[0][2]}"
    )
    save(
        "shard_merge",
        {
            "machine": machine(),
            "shards": args.shards,
            "routes": args.routes,
            "samples_per_route_per_shard": args.samples,
            "shard_files_bytes": size,
            "merge_s": [r[0] for r in runs],
            "peak_alloc_bytes": [r[1] for r in runs],
            "peak_rss_kib": rss_kib,
        },
        quick=args.quick,
    )


if __name__ == "__main__":
    main()

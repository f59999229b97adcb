"""What the probe benchmarks share: pinned processes, the servers, the peers and how
each one is run and read, the machine's description and the results files.

The machine has two cores: every client runs pinned to core 0 and every server to
core 1 (``taskset``), so a client never competes with the server it measures.
"""

from __future__ import annotations

import csv
import json
import math
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
RESULTS = BENCH / "results"
CLIENT_CORE = 0
SERVER_CORE = 1
_CLK_TCK = os.sysconf("SC_CLK_TCK")


# -- the machine --------------------------------------------------------------------


def loadavg() -> tuple[float, float, float]:
    one, five, fifteen = os.getloadavg()
    return (round(one, 2), round(five, 2), round(fifteen, 2))


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def machine() -> dict[str, object]:
    return {
        "cpu": _cpu_model(),
        "uname": " ".join(platform.uname()),
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "loadavg_at_start": loadavg(),
    }


def wait_quiet(limit: float = 1.0, max_wait_s: float = 240.0) -> tuple[float, float, float]:
    """Wait (bounded) until the 1-minute load average is under ``limit``: another
    engineer runs test suites on this machine. Returns the load average at the start."""
    deadline = time.monotonic() + max_wait_s
    while loadavg()[0] >= limit and time.monotonic() < deadline:
        time.sleep(5)
    load = loadavg()
    if load[0] >= limit:
        print(f"  (machine still busy after {max_wait_s:.0f}s: load {load}; running anyway)")
    return load


def save(name: str, data: dict[str, object], *, quick: bool) -> Path:
    """The raw figures of a run, as evidence, under benchmarks/results/; a --quick smoke
    run's go to the temp folder instead, so they never pass for the real ones."""
    folder = Path(tempfile.gettempdir()) / "launchgate-bench" if quick else RESULTS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}{'-quick' if quick else ''}.json"
    path.write_text(json.dumps(data, indent=1, sort_keys=True, default=str) + "\n")
    return path


# -- percentiles and tables ---------------------------------------------------------


def percentile(values: Sequence[float], pct: float) -> float:
    """HdrHistogram's rule, so that raw lists and the probe's histograms agree: the
    value of rank ``max(1, int(pct/100 * n + 0.5))`` in sorted order."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, int(pct / 100.0 * len(ordered) + 0.5))
    return ordered[min(rank, len(ordered)) - 1]


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table: printed by the scripts, pasted as is into docs/benchmarks.md."""

    def cell(value: object) -> str:
        if isinstance(value, float):
            if math.isnan(value):
                return "–"
            return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
        return str(value)

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


# -- processes ----------------------------------------------------------------------


def pinned(core: int, cmd: Sequence[str]) -> list[str]:
    return ["taskset", "-c", str(core), *cmd]


def _proc_cpu_s(pid: int) -> float | None:
    """utime + stime of a running process (all its threads, dead ones included)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _CLK_TCK


@dataclass
class Finished:
    returncode: int
    stdout: str
    stderr: str
    wall_s: float
    cpu_s: float  # the whole process, from wait4's rusage
    window_cpu_s: float | None = None  # CPU spent inside the sampling window, if asked
    # CPU time the client core spent on anything but this client (other people's work,
    # interrupts): a disturbed run shows here, whatever the load average says.
    foreign_cpu_s: float = 0.0


def _core_busy_s(core: int) -> float:
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith(f"cpu{core} "):
            ticks = [int(x) for x in line.split()[1:]]
            idle = ticks[3] + ticks[4]  # idle + iowait
            return (sum(ticks[:8]) - idle) / _CLK_TCK
    return 0.0


def run_client(
    cmd: Sequence[str],
    *,
    timeout_s: float,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    cpu_window_s: tuple[float, float] | None = None,
) -> Finished:
    """Run a client pinned to the client core; optionally sample its CPU time at two
    moments (seconds after start) to get a steady-state figure without start-up."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        busy0 = _core_busy_s(CLIENT_CORE)
        started = time.monotonic()
        proc = subprocess.Popen(pinned(CLIENT_CORE, cmd), stdout=out, stderr=err, cwd=cwd, env=env)
        samples: list[float] = []
        status = None
        for mark in (*(cpu_window_s or ()), math.inf):
            while status is None and time.monotonic() - started < min(mark, timeout_s):
                pid, status_, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    status = (status_, usage)
                    break
                time.sleep(0.05)
            if status is not None or time.monotonic() - started >= timeout_s:
                break
            cpu = _proc_cpu_s(proc.pid)
            if cpu is not None:
                samples.append(cpu)
        if status is None:
            proc.kill()
            _, status_, usage = os.wait4(proc.pid, 0)
            status = (status_, usage)
        proc.returncode = os.waitstatus_to_exitcode(status[0])
        wall = time.monotonic() - started
        busy = _core_busy_s(CLIENT_CORE) - busy0
        cpu = status[1].ru_utime + status[1].ru_stime
        out.seek(0)
        err.seek(0)
        window = samples[1] - samples[0] if len(samples) >= 2 else None
        return Finished(
            proc.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            wall,
            cpu,
            window,
            max(0.0, busy - cpu),
        )


@dataclass
class ServerLog:
    arrival_s: list[float]  # time.monotonic() when each request's head was read
    service_s: list[float]  # head read -> response handed to the kernel
    path: list[str]
    stalls: list[tuple[float, float]]  # (start, end), time.monotonic()


class Server:
    """One of ``bench_servers.py``'s servers, pinned to the server core."""

    def __init__(self, kind: str, *args: str, log: Path | None = None) -> None:
        self.kind = kind
        self.log_path = log
        extra = ["--log", str(log)] if log else []
        self.proc = subprocess.Popen(
            pinned(
                SERVER_CORE, [sys.executable, str(BENCH / "bench_servers.py"), kind, *extra, *args]
            ),
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            self.proc.kill()
            raise RuntimeError(f"the {kind} server did not start: {line!r}")
        self.port = int(line.split()[1])

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> ServerLog:
        """Stop it and return its log (empty for a server that keeps none)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.log_path and self.log_path.exists():
            data = json.loads(self.log_path.read_text())
            return ServerLog(
                arrival_s=[float(x) for x in data["arrival_s"]],
                service_s=[float(x) for x in data["service_s"]],
                path=[str(x) for x in data["path"]],
                stalls=[(float(a), float(b)) for a, b in data["stalls"]],
            )
        return ServerLog([], [], [], [])

    def __enter__(self) -> Server:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


# -- the peers ----------------------------------------------------------------------


@dataclass
class Peers:
    paths: dict[str, str] = field(default_factory=dict)  # tool -> executable or folder
    versions: dict[str, str] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)  # tool -> why it was skipped

    def has(self, tool: str) -> bool:
        return tool in self.paths


def _version(cmd: Sequence[str]) -> str:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)
    except OSError:
        return "?"
    text = (done.stdout + done.stderr).strip().splitlines()
    return text[0].strip() if text else "?"


def _dpkg_version(package: str) -> str | None:
    if not shutil.which("dpkg-query"):
        return None
    done = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Version}", package],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or None


def find_peers(
    wanted: Sequence[str], *, locust: str | None = None, autocannon: str | None = None
) -> Peers:
    """Peers on PATH (or where the flags say); an absent one is skipped and said so."""
    peers = Peers()
    for tool in wanted:
        if tool in ("hey", "wrk", "ab"):
            path = shutil.which(tool)
            if path is None:
                peers.missing[tool] = f"{tool} not on PATH (apt-get install {tool})"
                continue
            peers.paths[tool] = path
            package = {"ab": "apache2-utils"}.get(tool, tool)
            peers.versions[tool] = {
                "hey": f"hey {_dpkg_version(package) or '?'}",
                "wrk": _version([path, "-v"]),
                "ab": _version([path, "-V"]),
            }[tool]
        elif tool == "locust":
            path = locust or shutil.which("locust")
            if not path or not Path(path).exists():
                peers.missing[tool] = "locust not found (pass --locust PATH)"
                continue
            peers.paths[tool] = path
            peers.versions[tool] = _version([path, "--version"])
        elif tool == "autocannon":
            module = _autocannon_module(autocannon)
            if module is None or not shutil.which("node"):
                peers.missing[tool] = "autocannon or node not found (pass --autocannon PATH)"
                continue
            peers.paths[tool] = str(module)
            version = json.loads((module / "package.json").read_text())["version"]
            peers.versions[tool] = f"autocannon {version} (node {_version(['node', '-v'])})"
    return peers


def _autocannon_module(given: str | None) -> Path | None:
    """The autocannon package folder, from its bin, an npm --prefix folder or PATH."""
    candidates = [given] if given else [shutil.which("autocannon")]
    for candidate in candidates:
        if not candidate:
            continue
        path = Path(candidate).resolve()
        for option in (path, path.parent, path / "node_modules" / "autocannon"):
            if (option / "package.json").exists() and (option / "autocannon.js").exists():
                return option
    return None


# -- running each tool --------------------------------------------------------------


@dataclass
class ToolResult:
    tool: str
    p50_ms: float
    p95_ms: float
    p99_ms: float
    requests: int
    errors: int
    achieved_rate_per_s: float
    note: str = ""
    max_ms: float = math.nan
    cpu_s: float = math.nan
    window_cpu_s: float | None = None
    foreign_cpu_s: float = 0.0
    extra: dict[str, object] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


LAUNCHGATE_CONFIG = """\
# Written by benchmarks/benchlib.py: only the load probe, against one benchmark server.
version: 1
target: {{url: "{url}", environment: bench, timeout: 10s, deadline: 10m}}
readiness: null
probe:
  rate: {rate}/s
  duration: {duration}s
  warmup: {warmup}s
  ramp: 0s
  concurrency: {concurrency}
  timeout: 5s
  max_extend: 0s
  routes:
    bench: {{path: "{path}"}}
  gates: {{p95: 10s, min_samples: 20}}
baseline: {{dir: "{baselines}"}}
"""


def run_launchgate(
    base_url: str,
    path: str,
    *,
    rate: float,
    duration: float,
    work: Path,
    warmup: float = 0.0,
    concurrency: int = 32,
    cpu_window_s: tuple[float, float] | None = None,
) -> ToolResult:
    """The real CLI path: ``launchgate run`` with a config holding only a probe, then
    the route's figures from ``report.json``."""
    work.mkdir(parents=True, exist_ok=True)
    config = work / "launchgate.yml"
    config.write_text(
        LAUNCHGATE_CONFIG.format(
            url=base_url,
            rate=rate,
            duration=duration,
            warmup=warmup,
            path=path,
            concurrency=concurrency,
            baselines=work / "baselines",
        )
    )
    exe = Path(sys.executable).parent / "launchgate"
    env = {**os.environ, "NO_COLOR": "1"}
    done = run_client(
        [str(exe), "run", "--config", str(config), "--out", str(work / "out")],
        timeout_s=duration + warmup + 120,
        env=env,
        cwd=work,
        cpu_window_s=cpu_window_s,
    )
    report_path = work / "out" / "report.json"
    if not report_path.exists():
        raise RuntimeError(f"launchgate wrote no report (exit {done.returncode}): {done.stderr}")
    report = json.loads(report_path.read_text())
    route = report["routes"][0]
    probe: dict[str, Any] = next((c for c in report["checks"] if c["id"] == "probe"), {})
    return ToolResult(
        "launchgate probe (`launchgate run`)",
        route["p50_ms"],
        route["p95_ms"],
        route["p99_ms"],
        route["requests"],
        route["requests"] - route["samples"],
        route["achieved_rate_per_s"],
        note=f"open model, concurrency cap {concurrency}",
        max_ms=route["max_ms"],
        cpu_s=done.cpu_s,
        foreign_cpu_s=done.foreign_cpu_s,
        window_cpu_s=done.window_cpu_s,
        extra={
            "service_p95_ms": route["service_p95_ms"],
            "exit": done.returncode,
            "probe_check": probe.get("status"),
            "probe_message": probe.get("message"),
        },
    )


def run_open_loop(
    client: str,
    url: str,
    *,
    rate: float,
    duration: float,
    concurrency: int = 50,
    warmup: float = 0.0,
    cpu_window_s: tuple[float, float] | None = None,
) -> tuple[ToolResult, dict[str, object]]:
    cmd = [
        sys.executable,
        str(BENCH / "open_loops.py"),
        client,
        url,
        "--rate",
        str(rate),
        "--duration",
        str(duration),
        "--concurrency",
        str(concurrency),
        "--warmup",
        str(warmup),
    ]
    done = run_client(cmd, timeout_s=duration + warmup + 60, cpu_window_s=cpu_window_s)
    if done.returncode != 0:
        raise RuntimeError(f"open_loops.py {client} failed: {done.stderr[-2000:]}")
    data: dict[str, object] = json.loads(done.stdout)
    name = {
        "httpx": "plain `httpx.AsyncClient` open loop",
        "probe": "launchgate probe (`Prober`, direct)",
    }[client]
    errors = data["errors"]
    assert isinstance(errors, dict)
    result = ToolResult(
        name,
        float(data["p50_ms"]),  # type: ignore[arg-type]
        float(data["p95_ms"]),  # type: ignore[arg-type]
        float(data["p99_ms"]),  # type: ignore[arg-type]
        int(data["requests"]),  # type: ignore[call-overload]
        sum(errors.values()),
        float(data["achieved_rate_per_s"]),  # type: ignore[arg-type]
        note=f"open model, from intended send, {concurrency} in flight at most",
        max_ms=float(data["max_ms"]),  # type: ignore[arg-type]
        cpu_s=done.cpu_s,
        foreign_cpu_s=done.foreign_cpu_s,
        window_cpu_s=done.window_cpu_s,
        extra=data,
    )
    return result, data


def run_hey(
    hey: str,
    url: str,
    *,
    rate: float,
    duration: float,
    connections: int,
    cpu_window_s: tuple[float, float] | None = None,
) -> ToolResult:
    """hey's rate limit is per worker (-q), so -q rate/c with -c workers. Its per-request
    CSV (0.1 ms resolution) gives the figures, with the rule of hey's own summary."""
    per_worker = rate / connections
    cmd = [
        hey,
        "-z",
        f"{duration}s",
        "-q",
        f"{per_worker:g}",
        "-c",
        str(connections),
        "-o",
        "csv",
        url,
    ]
    done = run_client(cmd, timeout_s=duration + 60, cpu_window_s=cpu_window_s)
    times, errors = [], 0
    for row in csv.DictReader(done.stdout.splitlines()):
        if row.get("status-code") == "200":
            times.append(float(row["response-time"]) * 1000)
        else:
            errors += 1
    return ToolResult(
        "hey",
        percentile(times, 50),
        percentile(times, 95),
        percentile(times, 99),
        len(times) + errors,
        errors,
        (len(times) + errors) / duration,
        note=f"-c {connections} -q {per_worker:g} (rate limit per worker)",
        max_ms=max(times, default=math.nan),
        cpu_s=done.cpu_s,
        foreign_cpu_s=done.foreign_cpu_s,
        window_cpu_s=done.window_cpu_s,
    )


WRK_SCRIPT = """\
done = function(summary, latency, requests)
  io.write(string.format(
    '{"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, "requests": %d, '
    .. '"duration_us": %d, "errors": %d}\\n',
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.status + summary.errors.timeout))
end
"""


def run_wrk(wrk: str, url: str, *, duration: float, connections: int, work: Path) -> ToolResult:
    """wrk is a closed loop: -c connections each send the next request when the last
    one is answered, so it cannot hold a rate; -c is chosen to come near it."""
    script = work / "report.lua"
    script.write_text(WRK_SCRIPT)
    cmd = [wrk, "-t1", f"-c{connections}", f"-d{duration:g}s", "-s", str(script), url]
    done = run_client(cmd, timeout_s=duration + 60)
    line = next(x for x in done.stdout.splitlines() if x.startswith("{"))
    data = json.loads(line)
    return ToolResult(
        "wrk",
        data["p50_us"] / 1000,
        data["p95_us"] / 1000,
        data["p99_us"] / 1000,
        data["requests"],
        data["errors"],
        data["requests"] / (data["duration_us"] / 1e6),
        note=f"closed loop, -c {connections} (cannot hold a rate)",
        max_ms=data["max_us"] / 1000,
        cpu_s=done.cpu_s,
        foreign_cpu_s=done.foreign_cpu_s,
    )


def run_ab(
    ab: str,
    url: str,
    *,
    requests: int,
    connections: int,
    work: Path,
    time_limit_s: float | None = None,
) -> ToolResult:
    """ab is a closed loop too (-c concurrent, -k keep-alive); -e writes its percentiles
    with microsecond precision (its printed table rounds them to whole milliseconds).
    With ``time_limit_s`` it stops after that long or ``requests``, whichever is first."""
    percentiles = work / "ab.csv"
    limit = ["-t", f"{time_limit_s:g}"] if time_limit_s else []
    cmd = [
        ab,
        "-q",
        "-k",
        "-c",
        str(connections),
        *limit,
        "-n",
        str(requests),
        "-e",
        str(percentiles),
        url,
    ]
    done = run_client(cmd, timeout_s=(time_limit_s or requests / 50) + 60)
    table_ = {
        int(row[0]): float(row[1])
        for row in csv.reader(percentiles.read_text().splitlines()[1:])
        if row
    }
    stats = dict(
        (k.strip(), v.strip())
        for k, _, v in (line.partition(":") for line in done.stdout.splitlines())
        if v
    )
    complete = int(stats.get("Complete requests", "0"))
    failed = int(stats.get("Failed requests", "0"))
    rate = float(stats.get("Requests per second", "0 ").split()[0])
    return ToolResult(
        "ab",
        table_[50],
        table_[95],
        table_[99],
        complete,
        failed,
        rate,
        note=f"closed loop, -k -c {connections}",
        max_ms=table_[100],
        cpu_s=done.cpu_s,
        foreign_cpu_s=done.foreign_cpu_s,
    )


LOCUSTFILE = """\
from locust import FastHttpUser, constant_throughput, task


class Bench(FastHttpUser):
    wait_time = constant_throughput({per_user})

    @task
    def get(self):
        self.client.get("{path}")
"""


def run_locust(
    locust: str,
    base_url: str,
    path: str,
    *,
    rate: float,
    duration: float,
    users: int,
    work: Path,
    cpu_window_s: tuple[float, float] | None = None,
) -> ToolResult:
    """Locust's FastHttpUser, ``users`` users each at constant_throughput(rate/users);
    a user waits for each answer, so under a stall it is a closed loop."""
    locustfile = work / "locustfile.py"
    locustfile.write_text(LOCUSTFILE.format(per_user=rate / users, path=path))
    prefix = work / "locust"
    cmd = [
        locust,
        "-f",
        str(locustfile),
        "--headless",
        "-u",
        str(users),
        "-r",
        str(users),
        "-t",
        f"{duration:g}s",
        "-H",
        base_url,
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "ERROR",
    ]
    done = run_client(cmd, timeout_s=duration + 90, cwd=work, cpu_window_s=cpu_window_s)
    stats_path = Path(f"{prefix}_stats.csv")
    if not stats_path.exists():
        raise RuntimeError(f"locust wrote no stats (exit {done.returncode}): {done.stderr[-2000:]}")
    rows = list(csv.DictReader(stats_path.read_text().splitlines()))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    return ToolResult(
        "Locust FastHttpUser",
        float(total["50%"]),
        float(total["95%"]),
        float(total["99%"]),
        int(total["Request Count"]),
        int(total["Failure Count"]),
        float(total["Requests/s"]),
        note=f"{users} users x constant_throughput({rate / users:g})",
        max_ms=float(total["Max Response Time"]),
        cpu_s=done.cpu_s,
        foreign_cpu_s=done.foreign_cpu_s,
        window_cpu_s=done.window_cpu_s,
    )


AUTOCANNON_SCRIPT = """\
const fs = require('fs');
const [where, url, connections, rate, duration, out] = process.argv.slice(2);
const autocannon = require(where);
const times = [];
const instance = autocannon({
  url, connections: +connections, overallRate: +rate, duration: +duration,
}, (err, result) => {
  if (err) { console.error(err); process.exit(2); }
  // A file, not stdout: node cuts piped output at 64 KiB when it exits.
  fs.writeFileSync(out, JSON.stringify({latency: result.latency, requests: result.requests,
    errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx,
    duration: result.duration, times}));
});
instance.on('response', (client, status, bytes, responseTime) => times.push(responseTime));
"""


def run_autocannon(
    module: str, url: str, *, rate: float, duration: float, connections: int, work: Path
) -> ToolResult:
    """autocannon -R (overall rate) through its API, so that each response time is kept:
    its own summary has no p95 (p90, p97.5, p99), and with a rate it records every
    latency 'with an expected interval' of ceil(1000/rate per connection) ms, adding
    synthetic samples. Both are kept: raw-response figures here, its own in extra."""
    script = work / "autocannon.cjs"  # CommonJS whatever a package.json above says
    script.write_text(AUTOCANNON_SCRIPT)
    out = work / "autocannon.json"
    cmd = [
        "node",
        str(script),
        module,
        url,
        str(connections),
        f"{rate:g}",
        f"{duration:g}",
        str(out),
    ]
    done = run_client(cmd, timeout_s=duration + 60)
    if not out.exists():
        raise RuntimeError(f"autocannon failed (exit {done.returncode}): {done.stderr[-2000:]}")
    data = json.loads(out.read_text())
    times = [float(t) for t in data["times"]]
    own = data["latency"]
    errors = int(data["errors"]) + int(data["non2xx"])
    return ToolResult(
        "autocannon",
        percentile(times, 50),
        percentile(times, 95),
        percentile(times, 99),
        len(times) + int(data["errors"]),
        errors,
        len(times) / float(data["duration"]),
        note=f"-R {rate:g} -c {connections}; figures from each response's time",
        max_ms=max(times, default=math.nan),
        cpu_s=done.cpu_s,
        foreign_cpu_s=done.foreign_cpu_s,
        extra={"own_summary": {k: own[k] for k in ("p50", "p90", "p97_5", "p99", "max")}},
    )

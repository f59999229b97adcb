"""The open-model load driver: requests go out on schedule, whatever is in flight.

The hot-path client is launchgate's own lean HTTP/1.1 client (``h1client``), not
httpx (which journeys and fixtures use) nor aiohttp, by measurement: on one core a
loop over one shared ``httpx.AsyncClient`` costs ~1.1 ms of CPU per request and
reaches ~370 req/s at 50 in flight, because httpcore's pool scans every queued
request against every connection (encode/httpx#3215); after a stall the queue jams
and p95 is overstated several-fold. aiohttp kept a stall's figures honest and
sustained 3,000 req/s, but at the gate's usual rates its per-request Python was half
the probe's CPU and sat inside every measured latency (``h1client`` says more). See
``benchmarks/probe_capacity.py`` and docs/benchmarks.md for the figures on this code.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from yarl import URL

from launchgate.probe.h1client import H1Origin, ProbeHTTPError, encode_request
from launchgate.probe.histogram import LatencyHistogram
from launchgate.probe.measurement import ProbeMeasurement, RouteRecorder
from launchgate.probe.schedule import intended_offsets

__all__ = ["ProbeSettings", "ProbeTarget", "Prober"]

_MAX_RETRY_AFTER_S = 30.0
_COLLAPSE_RATE = 0.5  # errors among the last outcomes of a route that mean "collapsing"
_COLLAPSE_MIN = 20  # outcomes needed before the collapse rule applies


@dataclass(frozen=True)
class ProbeTarget:
    route: str
    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    rate_per_s: float
    expect_status: frozenset[int]


@dataclass(frozen=True)
class ProbeSettings:
    concurrency: int  # per route
    timeout_s: float
    max_requests: int  # all routes, warm-up included
    max_body: int


Progress = Callable[[float, int, float, int], None]  # elapsed s, sent, p95 ms, errors


class Prober:
    """Drives load at a set of routes over keep-alive connections to the target;
    ``run`` may be called again to extend the measurement (the figures accumulate)."""

    def __init__(
        self,
        targets: Sequence[ProbeTarget],
        settings: ProbeSettings,
        *,
        allowed_host: str,
        ssl_context: ssl.SSLContext | bool,
        user_agent: str,
        progress: Progress | None = None,
    ) -> None:
        for target in targets:
            host = URL(target.url).host
            if host != allowed_host:  # defence in depth: routes are paths on the target
                raise ValueError(f"the probe only sends to {allowed_host}, not {host}")
        self.targets = tuple(targets)
        self.settings = settings
        self.recorders = {
            t.route: RouteRecorder(t.route, t.method, _path(t.url), t.rate_per_s) for t in targets
        }
        self._ssl = ssl_context
        self._user_agent = user_agent
        self._progress = progress
        self._sent = 0
        self._measured_s = 0.0
        self._wall_s = 0.0
        self._loop_lag = LatencyHistogram()
        self._stop_reason: str | None = None
        self._origins: dict[tuple[str, str, int], H1Origin] = {}
        self._wires = {t.route: self._wire(t) for t in targets}
        self._open = False

    def _wire(self, target: ProbeTarget) -> _Wire:
        """The route's origin and its request, encoded once."""
        url = URL(target.url)
        scheme, host = url.scheme, url.host or ""
        port = url.port or (443 if scheme == "https" else 80)
        key = (scheme, host, port)
        if key not in self._origins:
            self._origins[key] = H1Origin(
                host,
                port,
                ssl_context=_ssl_context(self._ssl) if scheme == "https" else None,
                max_body=self.settings.max_body,
            )
        host_header = f"[{host}]" if ":" in host else host
        if url.explicit_port:
            host_header += f":{port}"
        headers = target.headers
        if not any(name.lower() == "user-agent" for name, _ in headers):
            headers = (("User-Agent", self._user_agent), *headers)
        request = encode_request(target.method, _path(target.url), host_header, headers)
        return _Wire(self._origins[key], request, target.method.upper() == "HEAD")

    async def __aenter__(self) -> Prober:
        self._open = True
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._open = False
        for origin in self._origins.values():
            origin.close()

    @property
    def stopped_early(self) -> str | None:
        return self._stop_reason

    async def run(self, *, duration_s: float, warmup_s: float = 0.0, ramp_s: float = 0.0) -> None:
        """Send on schedule for ``warmup_s + duration_s``; measure after the warm-up."""
        if not self._open:
            raise RuntimeError("use `async with Prober(...)`")
        if self._stop_reason:
            return
        loop = asyncio.get_running_loop()
        start = loop.time() + 0.05  # a moment to start every scheduler
        stop = asyncio.Event()
        in_flight: set[asyncio.Task[None]] = set()
        schedulers = [
            asyncio.create_task(
                self._schedule(t, start, warmup_s, ramp_s, warmup_s + duration_s, stop, in_flight)
            )
            for t in self.targets
        ]
        monitor = asyncio.create_task(self._watch(start, stop))
        began = time.monotonic()
        try:
            await asyncio.gather(*schedulers)
            if in_flight:  # the last requests are given their timeout, no more
                await asyncio.wait(in_flight, timeout=self.settings.timeout_s + 1)
        finally:
            stop.set()
            for task in (*schedulers, *in_flight):
                task.cancel()
            monitor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*schedulers, *in_flight, monitor, return_exceptions=True)
        self._wall_s += time.monotonic() - began
        self._measured_s += max(0.0, min(duration_s, loop.time() - start - warmup_s))

    def measurement(
        self, *, invalid: str | None = None, extended_s: float = 0.0
    ) -> ProbeMeasurement:
        return ProbeMeasurement(
            routes=tuple(r.freeze(self._measured_s) for r in self.recorders.values()),
            duration_s=self._wall_s,
            loop_lag_p99_ms=self._loop_lag.percentile_ms(99),
            stopped_early=self._stop_reason,
            invalid=invalid,
            extended_s=extended_s,
        )

    # -- the schedule ------------------------------------------------------------------

    async def _schedule(
        self,
        target: ProbeTarget,
        start: float,
        warmup_s: float,
        ramp_s: float,
        total_s: float,
        stop: asyncio.Event,
        in_flight: set[asyncio.Task[None]],
    ) -> None:
        loop = asyncio.get_running_loop()
        recorder = self.recorders[target.route]
        slots = asyncio.Semaphore(self.settings.concurrency)
        paused_until = 0.0
        for offset in intended_offsets(target.rate_per_s, total_s, ramp_s):
            intended = start + offset
            delay = intended - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            now = loop.time()
            if stop.is_set() or self._stop_reason:
                return
            if self._sent >= self.settings.max_requests:
                self._stop(f"reached probe.max_requests ({self.settings.max_requests})")
                return
            measured = offset >= warmup_s
            if delay > 0:
                # We slept until the intended time and woke late: that lateness is our
                # own timer's, not the server's, so this request's clock starts on waking.
                lag = max(0.0, now - intended)
                recorder.client_lag.record_us(lag * 1e6)
                ready = now
            else:
                # Already behind: we were waiting for a free slot, that is for the server
                # to answer. The clock starts at the intended time, so the wait counts
                # (a stalled server cannot hide its stall).
                ready = intended
            if now < paused_until:  # honouring Retry-After: this send is skipped
                if measured:
                    recorder.throttled += 1
                    recorder.requests += 1
                continue
            await slots.acquire()  # waiting here is the server's slowness: still counted
            self._sent += 1
            task = asyncio.create_task(self._one(target, ready, measured, slots))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
            if recorder.throttle_until > paused_until:
                paused_until = recorder.throttle_until

    async def _one(
        self, target: ProbeTarget, ready: float, measured: bool, slots: asyncio.Semaphore
    ) -> None:
        loop = asyncio.get_running_loop()
        recorder = self.recorders[target.route]
        sent = loop.time()
        error: str | None = None
        status = 0
        retry_after: str | None = None
        wire = self._wires[target.route]
        try:
            async with asyncio.timeout(self.settings.timeout_s):
                # No redirect is followed: a redirect never takes the probe elsewhere.
                response = await wire.origin.request(wire.request, head_only=wire.head_only)
            status, retry_after = response.status, response.retry_after
        except TimeoutError:
            error = f"timeout ({self.settings.timeout_s:g}s)"
        except ProbeHTTPError as exc:
            error = exc.cause
        finally:
            slots.release()
        done = loop.time()
        if error is None and status == 429:
            recorder.throttle_until = done + _retry_after_s(retry_after)
            if measured:
                recorder.throttled += 1
                recorder.requests += 1
            return
        if error is None and status not in target.expect_status:
            error = f"status {status}"
        if measured:
            # Only measured outcomes judge a collapse: a cold app may stumble in warm-up.
            recorder.outcome(error=error is not None)
            recorder.requests += 1
            if error is None:
                recorder.latency.record_us((done - ready) * 1e6)
                recorder.service.record_us((done - sent) * 1e6)
            else:
                recorder.errors[error] += 1
        if len(recorder.recent) >= _COLLAPSE_MIN and recorder.recent_error_rate() >= _COLLAPSE_RATE:
            self._stop(
                f"the target is collapsing: {recorder.recent_error_rate():.0%} of the last "
                f"{len(recorder.recent)} requests to {target.route} failed; stopped early"
            )

    def _stop(self, reason: str) -> None:
        if self._stop_reason is None:
            self._stop_reason = reason

    async def _watch(self, start: float, stop: asyncio.Event) -> None:
        """Event-loop lag (a saturated client) and the live progress line."""
        loop = asyncio.get_running_loop()
        # Ten samples a second: each wake-up of an idle loop costs CPU (~0.25 ms on a
        # small VM), and every scheduled send already records its own timer's lateness.
        tick = 0.1
        last_progress = loop.time()
        while not stop.is_set():
            before = loop.time()
            await asyncio.sleep(tick)
            self._loop_lag.record_us(max(0.0, loop.time() - before - tick) * 1e6)
            if self._progress is not None and loop.time() - last_progress >= 1.0:
                last_progress = loop.time()
                merged = LatencyHistogram()
                errors = 0
                for recorder in self.recorders.values():
                    merged.merge(recorder.latency)
                    errors += sum(recorder.errors.values())
                self._progress(loop.time() - start, self._sent, merged.percentile_ms(95), errors)


def _path(url: str) -> str:
    parsed = URL(url)
    return parsed.raw_path_qs


def _retry_after_s(value: str | None) -> float:
    if not value:
        return 1.0
    try:
        return min(max(float(value), 0.0), _MAX_RETRY_AFTER_S)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return 1.0
    return min(max(when - time.time(), 0.0), _MAX_RETRY_AFTER_S)


def _ssl_context(given: ssl.SSLContext | bool) -> ssl.SSLContext:
    if isinstance(given, ssl.SSLContext):
        return given
    context = ssl.create_default_context()
    if not given:  # the config said not to verify (target.verify_tls: false)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


@dataclass(frozen=True)
class _Wire:
    origin: H1Origin
    request: bytes
    head_only: bool

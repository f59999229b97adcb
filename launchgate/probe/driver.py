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

At a gate's rates the probe's CPU is mostly event-loop wake-ups, so each request is
driven by callbacks (``_RouteLoad``), not a task: one timer wake-up sends it, one
socket wake-up reads its answer. With that, and uvloop (``launchgate.eventloop``), the
probe costs less CPU per request than Locust's FastHttpUser at 200 req/s.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from launchgate.checks.pinning import Pinning
from launchgate.probe.h1client import (
    Connection,
    H1Origin,
    ProbeHTTPError,
    ProbeResponse,
    encode_request,
)
from launchgate.probe.histogram import LatencyHistogram
from launchgate.probe.measurement import ProbeMeasurement, RouteRecorder
from launchgate.probe.schedule import Jitter, intended_offsets
from launchgate.retry_after import parse_retry_after

__all__ = ["PAUSED", "SESSION_LOST", "ProbeSettings", "ProbeTarget", "Prober"]

# Every timestamp of a measurement comes from this clock, never from loop.time():
# uvloop's loop.time() is libuv's cached millisecond clock, which would round every
# latency to whole milliseconds and date each answer to the start of its loop turn.
_clock = time.perf_counter

_MAX_RETRY_AFTER_S = 30.0
_DEFAULT_RETRY_AFTER_S = 1.0  # a 429 without a readable Retry-After
_COLLAPSE_RATE = 0.5  # errors among the last outcomes of a route that mean "collapsing"
_COLLAPSE_MIN = 20  # outcomes needed before the collapse rule applies
# Why a send the schedule called for did not go out (RouteMeasurement.not_sent).
PAUSED = "paused for Retry-After"
_STOPPED = "dropped after the probe stopped"
_ABANDONED = "no answer before the probe ended"
SESSION_LOST = "the session was lost"


@dataclass(frozen=True)
class ProbeTarget:
    route: str
    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    rate_per_s: float
    expect_status: frozenset[int]
    # Measured as a logged-in customer: a redirect away from the page means the
    # session is gone, and what follows would time the login page, not this one.
    session: bool = False
    # The share of one interval its sends are shifted by: 0.5 for a live comparison's
    # control, whose sends then fall between the candidate's.
    phase: float = 0.0
    # A random share of an interval added to each send (see probe.schedule): a control
    # takes its candidate's seed, so the two stay interleaved.
    jitter: Jitter | None = None


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
        also_allowed: Collection[str] = (),
        ssl_context: ssl.SSLContext | bool,
        user_agent: str,
        progress: Progress | None = None,
        pinning: Pinning | None = None,
    ) -> None:
        named = {allowed_host, *also_allowed}  # the target, and a live comparison's control
        for target in targets:
            host = httpx.URL(target.url).host
            if host not in named:  # defence in depth: routes are paths on named hosts
                raise ValueError(
                    f"the probe only sends to {' and '.join(sorted(named))}, not {host}"
                )
        self.targets = tuple(targets)
        self.settings = settings
        self.recorders = {
            t.route: RouteRecorder(t.route, t.method, _path(t.url), t.rate_per_s) for t in targets
        }
        self._ssl = ssl_context
        self._pinning = pinning
        self._user_agent = user_agent
        self._progress = progress
        self._sent = 0
        self._measured_s = 0.0
        self._wall_s = 0.0
        self._loop_lag = LatencyHistogram()
        self._stop_reason: str | None = None
        self._collapsed: str | None = None  # the route that was collapsing, if one was
        self._origins: dict[tuple[str, str, int], H1Origin] = {}
        self._wires = {t.route: self._wire(t) for t in targets}
        self._open = False

    def _wire(self, target: ProbeTarget) -> _Wire:
        """The route's origin and its request, encoded once."""
        url = httpx.URL(target.url)
        scheme, host = url.scheme, url.host
        port = url.port or (443 if scheme == "https" else 80)
        key = (scheme, host, port)
        if key not in self._origins:
            self._origins[key] = H1Origin(
                host,
                port,
                ssl_context=_ssl_context(self._ssl) if scheme == "https" else None,
                max_body=self.settings.max_body,
                pinning=self._pinning,
            )
        host_header = f"[{host}]" if ":" in host else host
        if url.port is not None:  # httpx drops a scheme's default port, as browsers do
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
        start = _clock() + 0.05  # a moment to start every route
        total_s = warmup_s + duration_s
        loads = [
            _RouteLoad(
                self, t, self._wires[t.route], start, warmup_s, ramp_s, total_s, self._measured_s
            )
            for t in self.targets
        ]
        stop = asyncio.Event()
        monitor = asyncio.create_task(self._watch(start, stop, loads))
        began = time.monotonic()
        try:
            for load in loads:
                load.begin()
            # Every request ends by its timeout (the monitor sweeps them), so this
            # bound is only a guard against a bug turning into a hang.
            try:
                async with asyncio.timeout(total_s + 2 * self.settings.timeout_s + 5):
                    await asyncio.gather(*(load.finished for load in loads))
            except TimeoutError:
                self.stop("the probe's requests did not wind down in time; stopped")
        finally:
            stop.set()
            for load in loads:
                load.abandon()
            monitor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(
                    monitor,
                    *(task for load in loads for task in load.connecting),
                    return_exceptions=True,
                )
        self._wall_s += time.monotonic() - began
        self._measured_s += max(0.0, min(duration_s, _clock() - start - warmup_s))

    def measurement(
        self, *, invalid: str | None = None, extended_s: float = 0.0
    ) -> ProbeMeasurement:
        return ProbeMeasurement(
            routes=tuple(r.freeze(self._measured_s) for r in self.recorders.values()),
            duration_s=self._wall_s,
            loop_lag_p99_ms=self._loop_lag.percentile_ms(99),
            stopped_early=self._stop_reason,
            collapsed=self._collapsed is not None,
            collapsed_route=self._collapsed,
            invalid=invalid,
            extended_s=extended_s,
        )

    def stop(self, reason: str, *, collapsed: str | None = None) -> None:
        """Stop every route early (at its next send), keeping the first reason given;
        ``collapsed``: the route whose target was failing, which is a finding of its own
        (or, for a live comparison's control, what leaves it undecided)."""
        if self._stop_reason is None:
            self._stop_reason = reason
            self._collapsed = collapsed

    def claim_send(self) -> bool:
        """Count one more request against ``probe.max_requests``; False (and the probe
        stops) once the cap is reached."""
        if self._sent >= self.settings.max_requests:
            self.stop(f"reached probe.max_requests ({self.settings.max_requests})")
            return False
        self._sent += 1
        return True

    async def _watch(self, start: float, stop: asyncio.Event, loads: list[_RouteLoad]) -> None:
        """Event-loop lag (a saturated client), request timeouts and the live line."""
        # Ten samples a second: each wake-up of an idle loop costs CPU (~0.25 ms on a
        # small VM), and every scheduled send already records its own timer's lateness.
        tick = 0.1
        last_progress = _clock()
        while not stop.is_set():
            before = _clock()
            await asyncio.sleep(tick)
            now = _clock()
            self._loop_lag.record_us(max(0.0, now - before - tick) * 1e6)
            for load in loads:
                load.expire(now)
            if self._progress is not None and now - last_progress >= 1.0:
                last_progress = now
                merged = LatencyHistogram()
                errors = 0
                for recorder in self.recorders.values():
                    merged.merge(recorder.latency)
                    errors += sum(recorder.errors.values())
                self._progress(now - start, self._sent, merged.percentile_ms(95), errors)


def _origin(scheme: str, host: str | None, port: int | None) -> str:
    default = {"http": 80, "https": 443}.get(scheme)
    shown = f"[{host}]" if host and ":" in host else host or ""
    return f"{scheme}://{shown}" + (f":{port}" if port is not None and port != default else "")


def _path(url: str) -> str:
    return httpx.URL(url).raw_path.decode("ascii")


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


class _Flight:
    """One request on the wire; called back with its answer."""

    __slots__ = ("connection", "deadline", "load", "measured", "ready", "sent")

    def __init__(
        self, load: _RouteLoad, connection: Connection, ready: float, sent: float, measured: bool
    ) -> None:
        self.load = load
        self.connection = connection
        self.ready = ready
        self.sent = sent
        self.measured = measured
        self.deadline = ready + load.timeout_s

    def __call__(self, response: ProbeResponse | None, cause: str | None) -> None:
        self.load.answered(self, response, cause)


class _RouteLoad:
    """One route's open-model schedule for one ``Prober.run``, driven by timer
    callbacks rather than a task per request: each send is one timer wake-up and
    each answer one socket wake-up, the least an event loop can do (a task and its
    future cost two more turns of the loop per request; see ``h1client``).

    Sends never wait for answers. When ``concurrency`` requests are already out, a
    due send waits in the backlog for a free connection, and that wait counts in
    its latency: it is the server's slowness, not ours. Only the lateness of our
    own timer is kept out (as client lag), and a run with much of it is invalid.
    """

    def __init__(
        self,
        prober: Prober,
        target: ProbeTarget,
        wire: _Wire,
        start: float,
        warmup_s: float,
        ramp_s: float,
        total_s: float,
        measured_before_s: float,
    ) -> None:
        self.loop = asyncio.get_running_loop()
        # An extension's window continues the earlier ones', so its blocks do too.
        self.window_start = start + warmup_s - measured_before_s
        self.prober = prober
        self.target = target
        self.wire = wire
        self.recorder = prober.recorders[target.route]
        self.start = start
        self.warmup_s = warmup_s
        self.timeout_s = prober.settings.timeout_s
        self.concurrency = prober.settings.concurrency
        self.finished: asyncio.Future[None] = self.loop.create_future()
        self.connecting: set[asyncio.Task[None]] = set()
        self._offsets: Iterator[float] = intended_offsets(
            target.rate_per_s, total_s, ramp_s, phase=target.phase, jitter=target.jitter
        )
        self._timer: asyncio.TimerHandle | None = None
        self._in_flight: dict[Connection, _Flight] = {}
        self._backlog: deque[tuple[float, bool]] = deque()  # (ready, measured)
        self._scheduled_all = False
        route = urlsplit(target.url)
        self._route_path = route.path or "/"
        self._route_parts = (_origin(route.scheme, route.hostname, route.port), self._route_path)

    # -- the schedule ------------------------------------------------------------------

    def begin(self) -> None:
        self._arm()

    def _arm(self) -> None:
        offset = next(self._offsets, None)
        if offset is None:
            self._end_schedule()
            return
        delay = self.start + offset - _clock()
        self._timer = self.loop.call_later(max(0.0, delay), self._due, offset)

    def _due(self, offset: float) -> None:
        self._timer = None
        if self.prober.stopped_early:
            self._not_sent((offset >= self.warmup_s,))
            self._end_schedule()
            return
        now = _clock()
        # The timer fired late by this much: our lateness, not the server's, so the
        # request's clock starts now and the lag is kept apart. (uvloop's millisecond
        # timers may also fire up to a millisecond early: the request then goes out
        # that much early, and its clock starts when it does.)
        self.recorder.client_lag.record_us(max(0.0, now - self.start - offset) * 1e6)
        measured = offset >= self.warmup_s
        if now < self.recorder.throttle_until:
            if measured:  # honouring Retry-After: this send is skipped, not sent
                self.recorder.not_sent[PAUSED] += 1
        elif self._busy() >= self.concurrency:
            self._backlog.append((now, measured))
        else:
            self._send(now, measured)
        if not self._scheduled_all and self._timer is None:
            self._arm()

    def _stop_scheduling(self) -> None:
        self._scheduled_all = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _end_schedule(self) -> None:
        self._stop_scheduling()
        if self.prober.stopped_early:
            # Neither sent nor measured, but counted: "N requests" must never include
            # what the probe gave up on, nor hide that it gave up.
            self._drop_backlog()
            self._not_sent(offset >= self.warmup_s for offset in self._offsets)
        self._check_finished()

    def _drop_backlog(self) -> None:
        self._not_sent(measured for _, measured in self._backlog)
        self._backlog.clear()

    def _not_sent(self, measured: Iterable[bool]) -> None:
        """Count the measured ones among sends given up on after the probe stopped."""
        count = sum(measured)
        if count:
            self.recorder.not_sent[_STOPPED] += count

    def _busy(self) -> int:
        return len(self._in_flight) + len(self.connecting)

    # -- sending ------------------------------------------------------------------------

    def _send(self, ready: float, measured: bool) -> None:
        if not self.prober.claim_send():
            self._not_sent((measured,))
            self._end_schedule()
            return
        connection = self.wire.origin.take_idle()
        if connection is None:
            task = self.loop.create_task(self._connect_and_send(ready, measured))
            self.connecting.add(task)
            task.add_done_callback(self.connecting.discard)
            return
        self._start(connection, ready, measured)

    async def _connect_and_send(self, ready: float, measured: bool) -> None:
        try:
            async with asyncio.timeout(max(0.0, ready + self.timeout_s - _clock())):
                connection = await self.wire.origin.connect()
        except TimeoutError:
            cause = self._timeout_cause()
        except ProbeHTTPError as exc:
            cause = exc.cause
        else:
            self._no_longer_connecting()
            self._start(connection, ready, measured)
            return
        self._no_longer_connecting()
        self._record(ready, ready, measured, None, cause)
        self._after_answer()

    def _no_longer_connecting(self) -> None:
        # Now, not when the task's done-callback runs a turn later: until then the
        # slot would look taken and a due send would wait in the backlog for nothing.
        task = asyncio.current_task()
        if task is not None:
            self.connecting.discard(task)

    def _start(self, connection: Connection, ready: float, measured: bool) -> None:
        flight = _Flight(self, connection, ready, _clock(), measured)
        self._in_flight[connection] = flight
        try:
            # No redirect is followed: a redirect never takes the probe elsewhere.
            connection.start(self.wire.request, head_only=self.wire.head_only, done=flight)
        except ProbeHTTPError as exc:
            del self._in_flight[connection]
            self.wire.origin.discard(connection)
            self._record(ready, flight.sent, measured, None, exc.cause)
            # On the next turn: a run of dead connections must not recurse through
            # the backlog.
            self.loop.call_soon(self._after_answer)
            return
        if measured:
            self.recorder.sent += 1
        else:
            self.recorder.warmup_sent += 1

    def answered(self, flight: _Flight, response: ProbeResponse | None, cause: str | None) -> None:
        if self._in_flight.pop(flight.connection, None) is None:
            return  # already given up on (timed out or abandoned)
        if response is not None:
            self.wire.origin.give_back(flight.connection)
        else:
            self.wire.origin.discard(flight.connection)
        self._record(flight.ready, flight.sent, flight.measured, response, cause)
        self._after_answer()

    def _after_answer(self) -> None:
        """A connection is free: the longest-waiting due send goes out on it."""
        while self._backlog and self._busy() < self.concurrency:
            if self.prober.stopped_early:
                self._drop_backlog()
                break
            ready, measured = self._backlog.popleft()
            self._send(ready, measured)
        self._check_finished()

    def _check_finished(self) -> None:
        if (
            self._scheduled_all
            and not self._backlog
            and not self._in_flight
            and not self.connecting
            and not self.finished.done()
        ):
            self.finished.set_result(None)

    # -- timeouts and the end -----------------------------------------------------------

    def expire(self, now: float) -> None:
        """Time out requests older than the timeout, on the wire or still waiting for
        a connection (swept by the probe's monitor, ten times a second: one timer per
        request would cost the hot path more than a timeout's 0.1 s of slack)."""
        late = [f for f in self._in_flight.values() if f.deadline <= now]
        for flight in late:
            del self._in_flight[flight.connection]
            flight.connection.abandon()
            self.wire.origin.discard(flight.connection)
            self._record(flight.ready, flight.sent, flight.measured, None, self._timeout_cause())
        while self._backlog and self._backlog[0][0] + self.timeout_s <= now:
            ready, measured = self._backlog.popleft()
            self._record(ready, now, measured, None, self._timeout_cause())
        if late:
            self._after_answer()
        else:
            self._check_finished()

    def abandon(self) -> None:
        """The run is over (or cancelled): nothing more is sent, and what is still
        in flight ends as an error rather than vanishing from the counts."""
        self._stop_scheduling()
        self._drop_backlog()
        for flight in self._in_flight.values():
            flight.connection.abandon()
            self.wire.origin.discard(flight.connection)
            if flight.measured:  # sent, so counted: it ends as an error, not silence
                self.recorder.requests += 1
                self.recorder.errors[_ABANDONED] += 1
        self._in_flight.clear()
        for task in self.connecting:
            task.cancel()

    def _timeout_cause(self) -> str:
        return f"timeout ({self.timeout_s:g}s)"

    # -- recording ----------------------------------------------------------------------

    def _record(
        self,
        ready: float,
        sent: float,
        measured: bool,
        response: ProbeResponse | None,
        cause: str | None,
    ) -> None:
        recorder = self.recorder
        done = _clock()
        error = cause
        if response is not None:
            if measured:
                recorder.answered[f"{response.status // 100}xx"] += 1
            if response.status == 429:
                pause = parse_retry_after(response.retry_after, cap_s=_MAX_RETRY_AFTER_S)
                recorder.throttle_until = done + (
                    _DEFAULT_RETRY_AFTER_S if pause is None else pause
                )
                if measured:
                    recorder.throttled += 1
                    recorder.requests += 1
                return
            error = self._judge(response)
        if measured:
            # Only measured outcomes judge a collapse: a cold app may stumble in warm-up.
            recorder.outcome(error=error is not None)
            recorder.requests += 1
            recorder.send_offsets.append(ready - self.window_start)
            if error is None:
                recorder.measured_success(ready - self.window_start, (done - ready) * 1e3)
                recorder.latency.record_us((done - ready) * 1e6)
                recorder.service.record_us((done - sent) * 1e6)
            else:
                recorder.errors[error] += 1
        if len(recorder.recent) >= _COLLAPSE_MIN and recorder.recent_error_rate() >= _COLLAPSE_RATE:
            self.prober.stop(
                f"the target is collapsing: {recorder.recent_error_rate():.0%} of the last "
                f"{len(recorder.recent)} requests to {self.target.route} failed; stopped early",
                collapsed=self.target.route,
            )

    def _judge(self, response: ProbeResponse) -> str | None:
        """The error an answer is, or None when it counts as served: as a journey
        reads it, a redirect to the login page is not the page."""
        status = response.status
        redirect = 300 <= status < 400 and response.location is not None
        if redirect and self.target.session:
            elsewhere = self._elsewhere(response.location or "")
            if elsewhere is not None:
                return f"{SESSION_LOST}: {self._route_path} redirected to {elsewhere}"
        if status in self.target.expect_status:
            return None
        if redirect:
            where = self._elsewhere(response.location or "") or self._route_path
            return f"status {status} (redirect to {where})"
        return f"status {status}"

    def _elsewhere(self, location: str) -> str | None:
        """Where a redirect points, when that is not this route; credentials and the
        query are left out (they may carry a token, and would split one cause into
        many)."""
        try:
            parts = urlsplit(urljoin(self.target.url, location))
            origin = _origin(parts.scheme, parts.hostname, parts.port)
        except ValueError:  # a port that is not a number, an unbalanced [
            return "an unusable Location"
        path = parts.path or "/"
        if (origin, path) == self._route_parts:
            return None
        return path if origin == self._route_parts[0] else origin + path

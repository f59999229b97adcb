"""Prometheus metrics of the watcher, through the official client.

A registry of our own (not the client's global one), so two watchers in one process,
and the tests, never share counters. :meth:`WatchMetrics.serve` starts the client's
own HTTP server on a daemon thread; it binds loopback unless told otherwise, because
a metrics endpoint names the routes and the health of an app.
"""

from __future__ import annotations

import threading
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

__all__ = ["LATENCY_BUCKETS_S", "WatchMetrics"]

LATENCY_BUCKETS_S = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class WatchMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.up = Gauge(
            "launchgate_watch_up",
            "1 while the check is up, 0 while it is down",
            ["check"],
            registry=r,
        )
        self.last_ok = Gauge(
            "launchgate_watch_last_round_ok",
            "1 if the check passed in the last round it ran, else 0",
            ["check"],
            registry=r,
        )
        self.latency = Histogram(
            "launchgate_watch_latency_seconds",
            "How long each check took, per round",
            ["check"],
            buckets=LATENCY_BUCKETS_S,
            registry=r,
        )
        self.p95 = Gauge(
            "launchgate_watch_latency_p95_seconds",
            "Rolling p95 of the check's latency over watch.p95_window rounds",
            ["check"],
            registry=r,
        )
        self.alerts = Counter(
            "launchgate_watch_alerts_sent",
            "Alerts delivered, per channel and kind",
            ["channel", "kind"],
            registry=r,
        )
        self.delivery_failures = Counter(
            "launchgate_watch_alert_delivery_failures",
            "Delivery attempts that failed, per channel",
            ["channel"],
            registry=r,
        )
        self.pending = Gauge(
            "launchgate_watch_alerts_pending",
            "Alerts waiting to be delivered, per channel",
            ["channel"],
            registry=r,
        )
        self.dropped = Counter(
            "launchgate_watch_alerts_dropped",
            "Alerts dropped because too many were pending (watch.max_pending)",
            ["channel"],
            registry=r,
        )
        self.rounds = Counter("launchgate_watch_rounds", "Rounds of checks run", registry=r)
        self.log_lines = Counter("launchgate_watch_log_lines", "Log lines read (--log)", registry=r)
        self.log_burst = Gauge(
            "launchgate_watch_log_burst",
            "1 while a log burst is going on, per rule",
            ["rule"],
            registry=r,
        )
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None

    def serve(self, port: int, addr: str = "127.0.0.1") -> int:
        """Serve ``/metrics`` on ``addr:port`` (0: a free port); return the port."""
        server, thread = start_http_server(port, addr=addr, registry=self.registry)
        self._server, self._thread = server, thread
        return int(server.server_port)

    def close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

"""The probe's effective settings per route, resolved once from the config: a route's
own ``rate`` and ``p95`` where it sets them, else the probe's. Every reader (the load
driver, the gate checks' titles and judgements, the report's target, the baseline's
fingerprint) reads these values, so no two places can resolve a default differently."""

from __future__ import annotations

from dataclasses import dataclass

from launchgate.baseline.store import fingerprint
from launchgate.config.model import ProbeSpec
from launchgate.results import Severity

__all__ = ["RouteSettings", "probe_fingerprint", "resolve"]


@dataclass(frozen=True)
class RouteSettings:
    name: str
    method: str
    path: str
    session: str | None  # the journey whose logged-in session it is measured with
    rate_per_s: float  # route.rate, else probe.rate
    expect_status: frozenset[int]  # what counts as served; default 2xx
    p95_target_ms: float  # route.p95, else probe.gates.p95
    error_budget_pct: float  # probe.gates.error_budget
    regression_pct: float  # probe.gates.regression
    min_samples: int  # probe.gates.min_samples
    drift_pct: float  # probe.gates.drift
    drift_severity: Severity  # probe.gates.drift_severity
    # probe.compare.limit, else probe.gates.regression, when a control is probed beside
    # the target (the regression is then decided against it); None: no control.
    compare_pct: float | None = None


def resolve(spec: ProbeSpec) -> tuple[RouteSettings, ...]:
    """One value per route, in the config's order."""
    gates = spec.gates
    return tuple(
        RouteSettings(
            name=name,
            method=route.method,
            path=route.path,
            session=route.session,
            rate_per_s=route.rate or spec.rate,
            # As a journey step reads it: a redirect or an error page is not the page.
            expect_status=frozenset(route.expect_status or range(200, 300)),
            p95_target_ms=(route.p95 if route.p95 is not None else gates.p95) * 1000,
            error_budget_pct=gates.error_budget,
            regression_pct=gates.regression,
            min_samples=gates.min_samples,
            drift_pct=gates.drift,
            drift_severity=Severity(gates.drift_severity),
            compare_pct=_compare_pct(spec),
        )
        for name, route in spec.routes.items()
    )


def _compare_pct(spec: ProbeSpec) -> float | None:
    if spec.control_url is None:
        return None
    limit = spec.compare.limit if spec.compare else None
    return limit if limit is not None else spec.gates.regression


def probe_fingerprint(spec: ProbeSpec) -> str:
    """What a comparison depends on: routes, rates, sessions, concurrency, timeout —
    not the duration (that only changes how many samples there are) — and whether a
    control was probed beside the target (twice the load on the client, and on a
    runner that serves both, on the server's machine). The digest's input is fixed:
    baselines written by earlier versions must still match."""
    settings: dict[str, object] = {
        "routes": {
            r.name: {
                "path": r.path,
                "method": r.method,
                "rate": r.rate_per_s,
                "session": r.session,
            }
            for r in sorted(resolve(spec), key=lambda r: r.name)
        },
        "concurrency": spec.concurrency,
        "timeout": spec.timeout,
    }
    if spec.control_url is not None:  # only then: earlier digests stay as they were
        settings["with_control"] = True
    return fingerprint(settings)

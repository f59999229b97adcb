"""Each route's effective probe settings are resolved once: the route's own rate and
p95 where it sets them, the probe's otherwise; the fingerprint baselines are matched
by is the one earlier versions wrote."""

from __future__ import annotations

from launchgate.config.model import CompareSpec, ProbeSpec
from launchgate.probe.settings import RouteSettings, probe_fingerprint, resolve
from launchgate.results import Severity

SPEC = ProbeSpec.model_validate(
    {
        "rate": 20,
        "concurrency": 8,
        "timeout": 2,
        "routes": {
            "home": {"path": "/"},
            "dashboard": {
                "path": "/dashboard",
                "session": "login",
                "rate": 5,
                "p95": 0.25,
                "method": "HEAD",
                "expect_status": [200, 304],
            },
        },
        "gates": {"p95": 0.4, "error_budget": 2, "regression": 15},
    }
)


def test_a_route_without_overrides_takes_the_probe_s_settings():
    home, _ = resolve(SPEC)
    assert home == RouteSettings(
        name="home",
        method="GET",
        path="/",
        session=None,
        rate_per_s=20.0,
        expect_status=frozenset(range(200, 300)),
        p95_target_ms=400.0,
        error_budget_pct=2.0,
        regression_pct=15.0,
        min_samples=SPEC.gates.min_samples,
        drift_pct=20.0,
        drift_severity=Severity.HIGH,
    )


def test_a_route_s_own_settings_win():
    _, dashboard = resolve(SPEC)
    assert dashboard == RouteSettings(
        name="dashboard",
        method="HEAD",
        path="/dashboard",
        session="login",
        rate_per_s=5.0,
        expect_status=frozenset({200, 304}),
        p95_target_ms=250.0,
        error_budget_pct=2.0,
        regression_pct=15.0,
        min_samples=SPEC.gates.min_samples,
        drift_pct=20.0,
        drift_severity=Severity.HIGH,
    )


def test_routes_keep_the_config_s_order():
    assert [r.name for r in resolve(SPEC)] == ["home", "dashboard"]


def test_the_fingerprint_is_the_one_earlier_versions_wrote():
    # Computed with the code before the settings were resolved in one place (8f765e7):
    # a baseline written then must still be comparable.
    assert probe_fingerprint(SPEC) == "ac4fbd12f35ec1fd"


def test_the_fingerprint_ignores_what_only_changes_the_sample_count():
    longer = SPEC.model_copy(update={"duration": 60.0, "warmup": 10.0})
    assert probe_fingerprint(longer) == probe_fingerprint(SPEC)
    faster = SPEC.model_copy(update={"rate": 40.0})
    assert probe_fingerprint(faster) != probe_fingerprint(SPEC)


def with_control(url: str, limit: float | None = None) -> ProbeSpec:
    return SPEC.model_copy(
        update={"compare": CompareSpec.model_validate({"url": url, "limit": limit})}
    )


def test_a_control_changes_the_fingerprint_but_not_which_one():
    """Measured beside a control, the target carries twice the client's load (and, on
    a runner that serves both, its machine does): such figures are compared only with
    their like; which control it was does not matter."""
    assert probe_fingerprint(with_control("https://a.example")) != probe_fingerprint(SPEC)
    assert probe_fingerprint(with_control("https://a.example")) == probe_fingerprint(
        with_control("https://b.example", limit=5)
    )
    # An empty URL (``${PREVIOUS_URL:-}``) is no control at all.
    assert probe_fingerprint(with_control("")) == probe_fingerprint(SPEC)


def test_the_compare_limit_defaults_to_the_regression_limit():
    assert {r.compare_pct for r in resolve(SPEC)} == {None}
    assert {r.compare_pct for r in resolve(with_control("https://a.example"))} == {15.0}
    assert {r.compare_pct for r in resolve(with_control("https://a.example", 30))} == {30.0}


def test_a_baseline_taken_alone_is_named_as_such_beside_a_compared_run():
    from launchgate.baseline.store import (
        SCHEMA_VERSION,
        BaselineEntry,
        BaselineFile,
        RouteBaseline,
    )
    from launchgate.probe.figures import decide_routes
    from launchgate.probe.histogram import LatencyHistogram
    from launchgate.probe.measurement import ProbeMeasurement, RouteMeasurement

    latency = LatencyHistogram()
    for _ in range(300):
        latency.record_us(4000)
    measured = RouteMeasurement("home", "GET", "/", 20, latency, latency, 300, {}, 0, 15.0,
                                LatencyHistogram())  # fmt: skip
    stored = RouteBaseline(method="GET", path="/", rate_per_s=20, samples=300, p50_ms=4,
                           p95_ms=4, p99_ms=4, max_ms=4, error_rate_pct=0,
                           histogram=latency.encode())  # fmt: skip
    solo, compared = probe_fingerprint(SPEC), probe_fingerprint(with_control("https://a.example"))
    entry = BaselineEntry(created_at="2026-12-01T00:00:00Z", launchgate_version="1",
                          config_fingerprint=solo, git=None, routes={"home": stored})  # fmt: skip
    baseline = BaselineFile(schema_version=SCHEMA_VERSION, environment="ci", entries=[entry])
    measurement = ProbeMeasurement(routes=(measured,), duration_s=15.0, loop_lag_p99_ms=0.1)
    gates = SPEC.gates
    (named,) = decide_routes(measurement, gates, baseline, compared, solo_fingerprint=solo).values()
    assert named.outcome == "incomparable"
    assert "measured with the target alone" in named.reason
    (plain,) = decide_routes(measurement, gates, baseline, compared).values()
    assert "the probe settings changed" in plain.reason

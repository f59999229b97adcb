"""Each route's effective probe settings are resolved once: the route's own rate and
p95 where it sets them, the probe's otherwise; the fingerprint baselines are matched
by is the one earlier versions wrote."""

from __future__ import annotations

from launchgate.config.model import ProbeSpec
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

"""The benchmark-only dashboard work knob (LAUNCHGATE_DEMO_DASHBOARD_WORK_MS): parsed
with clear refusals, off by default, and a real CPU cost on every dashboard request."""

from __future__ import annotations

import time
import uuid

import pytest

from launchgate.demo import DemoSettings
from launchgate.demo.views import burn_cpu


def test_off_by_default():
    assert DemoSettings.from_env({}).dashboard_work_ms == 0.0


@pytest.mark.parametrize(("raw", "value"), [("0", 0.0), ("12.5", 12.5), ("1000", 1000.0)])
def test_read_as_milliseconds(raw, value):
    env = {"LAUNCHGATE_DEMO_DASHBOARD_WORK_MS": raw}
    assert DemoSettings.from_env(env).dashboard_work_ms == value


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("fast", "must be a number, got 'fast'"),
        ("-1", "must be between 0 and 1000"),
        ("1001", "must be between 0 and 1000"),
        ("nan", "must be between 0 and 1000"),
    ],
)
def test_bad_values_are_refused_naming_the_variable(raw, message):
    with pytest.raises(ValueError, match="LAUNCHGATE_DEMO_DASHBOARD_WORK_MS") as info:
        DemoSettings.from_env({"LAUNCHGATE_DEMO_DASHBOARD_WORK_MS": raw})
    assert message in str(info.value)


def test_burn_cpu_spends_cpu_time_not_wall_time():
    before = time.thread_time()
    burn_cpu(0.02)
    assert time.thread_time() - before >= 0.02


def test_the_dashboard_burns_the_configured_work(demo_server, browser):
    server = demo_server(extra_env={"LAUNCHGATE_DEMO_DASHBOARD_WORK_MS": "150"})
    b = browser(server)
    email, password = f"user-{uuid.uuid4().hex[:12]}@example.test", "correct horse battery"
    assert b.signup(email, password).status_code == 200
    assert b.login(email, password).status_code == 303
    started = time.perf_counter()
    dashboard = b.client.get("/dashboard")
    assert dashboard.status_code == 200
    assert time.perf_counter() - started >= 0.15  # 150 ms of CPU take at least as long
    home_started = time.perf_counter()
    assert b.client.get("/").status_code == 200
    assert time.perf_counter() - home_started < 0.15  # only the dashboard pays it

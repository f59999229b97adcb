"""Log formats and sliding-window bursts: pure, so times are plain numbers here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from launchgate.config.watch_model import FailedLoginRule, LogSpec
from launchgate.watch.bursts import BurstDetector
from launchgate.watch.logparse import LogEvent, LogParser, is_failed_login
from launchgate.watch.logwatch import LogWatch

NGINX = (
    '203.0.113.7 - - [10/Oct/2024:13:55:36 +0000] "{method} {path} HTTP/1.1" {status} 512 '
    '"https://shop.example/" "Mozilla/5.0 (X11; Linux x86_64)"'
)


@pytest.mark.parametrize(
    ("line", "event"),
    [
        (NGINX.format(method="GET", path="/", status=200), LogEvent(200, "/", "GET")),
        (
            NGINX.format(method="POST", path="/login?next=/x", status=401),
            LogEvent(401, "/login", "POST"),
        ),
        (  # Apache common: no referer or agent
            '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 503 2326',
            LogEvent(503, "/a.gif", "GET"),
        ),
        (  # nginx escapes a quote in the request as \x22
            '1.2.3.4 - - [t] "GET /x\\x22y HTTP/1.1" 502 0 "-" "-"',
            LogEvent(502, "/x\\x22y", "GET"),
        ),
        (
            json.dumps({"status": 500, "path": "/api", "method": "GET"}),
            LogEvent(500, "/api", "GET"),
        ),
        (json.dumps({"status_code": "404", "uri": "/nope?a=1"}), LogEvent(404, "/nope", None)),
        (
            json.dumps({"request": "POST /login HTTP/1.1", "status": 403}),
            LogEvent(403, "/login", "POST"),
        ),
        ("not an access log line", None),
        ('{"level": "info", "msg": "started"}', None),
        ('{"status": true}', None),
        ('{"status": 999}', None),
        ("", None),
    ],
)
def test_auto_format(line: str, event: LogEvent | None) -> None:
    assert LogParser(LogSpec()).parse(line) == event


def test_nested_json_field_and_regex_format() -> None:
    spec = LogSpec(format="json", status_field="http.status", path_field="http.path")
    line = json.dumps({"http": {"status": 502, "path": "/pay"}})
    assert LogParser(spec).parse(line) == LogEvent(502, "/pay", None)
    regex = LogSpec(format="regex", regex=r"code=(?P<status>\d+) route=(?P<path>\S+)")
    assert LogParser(regex).parse("t=1 code=503 route=/a?b") == LogEvent(503, "/a", None)
    assert LogParser(regex).parse(NGINX.format(method="GET", path="/", status=500)) is None


def test_failed_login_rule() -> None:
    rule = FailedLoginRule(threshold=20)
    assert is_failed_login(LogEvent(401, "/login"), "", rule)
    assert is_failed_login(LogEvent(403, "/login/sso"), "", rule)
    assert not is_failed_login(LogEvent(401, "/loginx"), "", rule)
    assert not is_failed_login(LogEvent(200, "/login"), "", rule)
    assert not is_failed_login(LogEvent(401, "/api"), "", rule)
    pattern = FailedLoginRule(threshold=20, pattern=r"authentication failure")
    assert is_failed_login(None, "sshd: authentication failure for root", pattern)


def test_burst_trips_once_and_subsides_below_half() -> None:
    d = BurstDetector(threshold=10, window_s=60)
    events = [d.feed(100 + i) for i in range(9)]
    assert events == [None] * 9
    burst = d.feed(109)
    assert burst is not None and burst.kind == "burst" and burst.count == 10
    assert burst.since == 100
    assert all(d.feed(110 + i) is None for i in range(20))  # one alert per burst
    assert d.tick(150) is None  # still 20+ lines in the window
    end = d.tick(126 + 60)  # lines before 126 expired: 4 remain, below half of 10
    assert end is not None and end.kind == "subsided" and end.duration_s == 86


def test_a_rate_hovering_at_the_threshold_is_one_burst() -> None:
    d = BurstDetector(threshold=4, window_s=10)
    kinds = []
    for t in range(0, 200, 3):  # ~3.3 lines per 10 s, ramps around the threshold
        for offset in (0.0, 0.5):
            event = d.feed(t + offset)
            if event:
                kinds.append(event.kind)
    assert kinds == ["burst"]


def test_logwatch_alerts_quote_no_raw_line() -> None:
    watch = LogWatch(LogSpec(), source="access.log", target="https://shop.example")
    alerts = []
    for i in range(12):
        line = NGINX.format(method="GET", path=f"/reset?token=SECRET{i}", status=502)
        alerts += watch.line(line, now=1000.0 + i)
    (alert,) = alerts
    assert alert.kind == "burst" and alert.subject == "logs:errors"
    assert alert.count == 10 and alert.severity == "critical"
    assert "SECRET" not in repr(alert)  # the query string never reaches an alert
    assert "GET /reset -> 502" in alert.problem
    (done,) = watch.tick(1000.0 + 11 + 60)
    assert done.kind == "subsided" and done.alert_id.startswith("logs:errors-1000000/")


def test_each_log_rule_key_defaults_on_its_own(tmp_path: Path) -> None:
    from launchgate.config.load import parse_config

    text = """
version: 1
watch:
  checks:
    homepage: {path: /}
  logs:
    errors: {window: 10s}
    failed_logins: {threshold: 20, window: 10s}
"""
    loaded = parse_config(text, tmp_path / "launchgate.yml", {})
    assert loaded.config.watch is not None
    logs = loaded.config.watch.logs
    assert (logs.errors.threshold, logs.errors.window, logs.errors.severity) == (
        10,
        10.0,
        "critical",
    )
    failed = logs.failed_logins
    assert (failed.threshold, failed.window, failed.severity) == (20, 10.0, "warning")
    assert failed.paths == ["/login"] and failed.statuses == [401, 403]
    assert LogSpec().failed_logins.severity == "warning"
    assert LogSpec().errors.threshold == 10

"""Values that parse but mean nothing (a URL without a scheme, a zero timeout, a zero
measuring time) are config errors at load time, naming the file, the line and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from launchgate.cli import main
from launchgate.config import parse_config
from launchgate.errors import ConfigError

FILE = Path("launchgate.yml")
JOURNEY = "journeys:\n  home:\n    steps:\n      - path: /\n"


def problems(text: str, environ: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(text, FILE, environ or {})
    return [str(p) for p in info.value.problems]


def test_a_target_url_without_a_scheme_names_file_line_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "launchgate.yml").write_text("target:\n  url: 127.0.0.1:8000\n" + JOURNEY)
    monkeypatch.chdir(tmp_path)
    code = main(["run", "--out", str(tmp_path / "out")], environ={})
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err == [
        "error: launchgate.yml:2: target.url: expected an http:// or https:// URL with a "
        "host (got '127.0.0.1:8000')"
    ]
    assert not (tmp_path / "out").exists()  # nothing ran


@pytest.mark.parametrize(
    "url", ["localhost:8000", "ftp://example.com", "http://", "https://host:port", "/app"]
)
def test_every_url_that_is_not_http_with_a_host_is_refused(url: str) -> None:
    (problem,) = problems(f"target:\n  url: '{url}'\n" + JOURNEY)
    assert problem.startswith("launchgate.yml:2: target.url: expected an http:// or https://")


def test_a_bad_url_from_the_environment_names_the_variable_not_the_value() -> None:
    text = "target:\n  url: ${APP_URL}\n" + JOURNEY
    (problem,) = problems(text, {"APP_URL": "127.0.0.1:8000"})
    assert problem == (
        "launchgate.yml:2: target.url: expected an http:// or https:// URL with a host "
        "(got a value from the environment: $APP_URL)"
    )
    assert parse_config(text, FILE, {"APP_URL": "http://127.0.0.1:8000"}).config.target.url


def test_an_empty_url_still_means_not_given_here() -> None:
    loaded = parse_config("target:\n  url: ${APP_URL:-}\n" + JOURNEY, FILE, {})
    assert loaded.config.target.url == ""


def test_url_and_environment_overrides_keep_naming_their_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "launchgate.yml"
    config.write_text(JOURNEY)
    code = main(["run", "--config", str(config)], environ={"LAUNCHGATE_URL": "127.0.0.1:8000"})
    assert code == 2
    assert capsys.readouterr().err.strip() == (
        "error: LAUNCHGATE_URL: expected an http:// or https:// URL with a host, "
        "got '127.0.0.1:8000'"
    )


PROBE = """\
target: {url: http://127.0.0.1:8000}
probe:
  duration: 10s
  routes: {home: {path: /}}
"""

PREFIX = "target:\n  url: http://x.test\n"  # lines 1-2
# (text after PREFIX, line of the key, key): each a duration where zero means nothing.
ZERO = [
    ("  timeout: 0s\n", 3, "target.timeout"),
    ("  deadline: 0ms\n", 3, "target.deadline"),
    ("readiness:\n  timeout: 0s\n", 4, "readiness.timeout"),
    ("readiness:\n  interval: 0s\n", 4, "readiness.interval"),
    ("readiness:\n  max_interval: 0s\n", 4, "readiness.max_interval"),
    ("readiness:\n  request_timeout: 0\n", 4, "readiness.request_timeout"),
    (
        "journeys:\n  a:\n    steps:\n      - path: /\n        timeout: 0s\n",
        7,
        "journeys.a.steps[0].timeout",
    ),
    (
        "journeys:\n  a:\n    steps:\n      - path: /\n        expect: {max_latency: 0ms}\n",
        7,
        "journeys.a.steps[0].expect.max_latency",
    ),
    (
        "webhooks:\n  w:\n    path: /hook\n    secret: s\n    tolerance: 0s\n",
        7,
        "webhooks.w.tolerance",
    ),
    ("email:\n  domain: example.com\n  timeout: 0s\n", 5, "email.timeout"),
    ("edge:\n  url: https://example.com\n  timeout: 0s\n", 5, "edge.timeout"),
    ("watch:\n  checks: {home: {path: /}}\n  interval: 0s\n", 5, "watch.interval"),
]
PROBE_ZERO = [
    ("  duration: 10s\n", "  duration: 0s\n", 3, "probe.duration"),
    ("  duration: 10s\n", "  duration: 10s\n  timeout: 0s\n", 4, "probe.timeout"),
    ("  duration: 10s\n", "  duration: 10s\n  gates: {p95: 0ms}\n", 4, "probe.gates.p95"),
    (
        "{home: {path: /}}",
        "{home: {path: /, p95: 0s}}",
        4,
        "probe.routes.home.p95",
    ),
]


@pytest.mark.parametrize(("section", "line", "key"), ZERO, ids=[z[2] for z in ZERO])
def test_a_zero_duration_that_means_nothing_is_refused(section: str, line: int, key: str) -> None:
    text = PREFIX + section + (JOURNEY if "journeys" not in section else "")
    (problem,) = problems(text)
    assert problem.startswith(
        f"launchgate.yml:{line}: {key}: expected a duration such as 500ms, 20s, 2m, 1h or 7d "
        "(a bare number means seconds), above zero (got "
    )


@pytest.mark.parametrize(("old", "new", "line", "key"), PROBE_ZERO, ids=[z[3] for z in PROBE_ZERO])
def test_a_probe_that_would_measure_nothing_is_refused(
    old: str, new: str, line: int, key: str
) -> None:
    (problem,) = problems(PROBE.replace(old, new))
    assert problem.startswith(f"launchgate.yml:{line}: {key}: expected a duration")
    assert "above zero" in problem


def test_zero_stays_allowed_where_it_means_something() -> None:
    text = PROBE.replace(
        "  duration: 10s\n",
        "  duration: 10s\n  warmup: 0s\n  ramp: 0s\n  max_extend: 0s\n"
        "  gates: {regression_floor: 0ms, error_budget: 0%}\n",
    )
    probe = parse_config(text, FILE, {}).config.probe
    assert probe is not None
    assert (probe.warmup, probe.ramp, probe.max_extend) == (0, 0, 0)
    assert probe.gates.error_budget == 0


@pytest.mark.parametrize(
    ("gates", "key"),
    [("{confidence: 100%}", "confidence"), ("{confidence: 0%}", "confidence"),
     ("{error_budget: 150%}", "error_budget")],
)  # fmt: skip
def test_percentages_out_of_their_range_are_refused(gates: str, key: str) -> None:
    (problem,) = problems(
        PROBE.replace("  duration: 10s\n", f"  duration: 10s\n  gates: {gates}\n")
    )
    assert problem.startswith(f"launchgate.yml:4: probe.gates.{key}: expected a percentage")


def test_a_zero_probe_duration_no_longer_runs_and_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "launchgate.yml"
    config.write_text(PROBE.replace("10s", "0s").replace("target: {url: http://127.0.0.1:8000}\n",
                                                         "readiness: null\n"))  # fmt: skip
    code = main(
        ["run", "--config", str(config), "--url", "http://127.0.0.1:9", "--out",
         str(tmp_path / "out")],
        environ={},
    )  # fmt: skip
    assert code == 2
    assert f"{config}:3: probe.duration: expected a duration" in capsys.readouterr().err

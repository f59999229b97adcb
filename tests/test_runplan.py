"""``prepare()``: the one start-up of a run, for every face (the CLI, pytest, the Action)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from launchgate.commands.edge import _FLAGS as EDGE_FLAGS
from launchgate.commands.edge import edge_config
from launchgate.commands.email import _FLAGS as EMAIL_FLAGS
from launchgate.config.load import LoadedConfig, parse_config
from launchgate.engine import Run
from launchgate.errors import ConfigError, UsageError
from launchgate.options import DEFAULT_CONFIG, DEFAULT_OUT
from launchgate.redact import Redactor
from launchgate.runplan import config_from_flags, config_path, out_path, prepare

FILE = Path("launchgate.yml")
JOURNEY = "journeys:\n  home:\n    steps: [{path: /}]\n"
TOKEN = "tok-" + "s3cr3t" * 4
HOOK_SECRET = "whsec-" + "h00k" * 5
URL_PASSWORD = "pa55-" + "w0rd" * 5


def load(text: str, environ: dict[str, str] | None = None) -> LoadedConfig:
    return parse_config(text, FILE, environ or {})


class CountingRedactor(Redactor):
    def __init__(self) -> None:
        super().__init__()
        self.added: list[str] = []

    def add(self, value: str, *, warn_if_short: bool = True) -> None:
        self.added.append(value)
        super().add(value, warn_if_short=warn_if_short)


def test_the_option_defaults_are_applied() -> None:
    assert config_path(None) == Path(DEFAULT_CONFIG) == Path("launchgate.yml")
    assert out_path("") == Path(DEFAULT_OUT) == Path("launchgate-results")
    assert config_path("ci/gate.yml") == Path("ci/gate.yml")
    assert out_path("out") == Path("out")


def test_the_url_flag_wins_over_the_environment_and_the_config(tmp_path: Path) -> None:
    loaded = load("target: {url: http://config.example}\n" + JOURNEY)

    def url(flag: str | None, environ: dict[str, str]) -> str:
        plan = prepare(loaded, url=flag, environ=environ, redactor=Redactor(), out_dir=tmp_path)
        return plan.target_url

    env = {"LAUNCHGATE_URL": "http://env.example"}
    assert url("http://flag.example/", env) == "http://flag.example"
    assert url(None, env) == "http://env.example"
    assert url(None, {}) == "http://config.example"


def test_a_missing_url_is_a_usage_error_naming_every_way_to_give_one(tmp_path: Path) -> None:
    loaded = load(JOURNEY)

    with pytest.raises(UsageError, match="no target URL: pass --url, set LAUNCHGATE_URL"):
        prepare(loaded, url=None, environ={}, redactor=Redactor(), out_dir=tmp_path)


def test_a_bad_url_names_where_it_came_from(tmp_path: Path) -> None:
    loaded = load(JOURNEY)

    with pytest.raises(UsageError, match=r"^LAUNCHGATE_URL: "):
        prepare(
            loaded,
            url=None,
            environ={"LAUNCHGATE_URL": "ftp://x"},
            redactor=Redactor(),
            out_dir=tmp_path,
        )


def test_offline_checks_need_no_url_and_url_required_false_takes_none(tmp_path: Path) -> None:
    offline = load("email: {domain: example.com}\nreadiness: null\n")
    online = load(JOURNEY)

    plan = prepare(offline, url=None, environ={}, redactor=Redactor(), out_dir=tmp_path)
    never = prepare(
        online,
        url=None,
        environ={"LAUNCHGATE_URL": "http://env.example"},
        redactor=Redactor(),
        out_dir=tmp_path,
        url_required=False,
    )

    assert plan.target_url == ""
    assert never.target_url == ""


def test_an_output_folder_that_is_a_file_is_a_clear_error(tmp_path: Path) -> None:
    loaded = load("target: {url: http://app.example}\n" + JOURNEY)
    taken = tmp_path / "results"
    taken.write_text("not a folder")

    with pytest.raises(UsageError, match="exists but is not a folder; choose another with --out"):
        prepare(loaded, url=None, environ={}, redactor=Redactor(), out_dir=taken)
    # Not this process's folder (an xdist worker): not checked.
    plan = prepare(
        loaded, url=None, environ={}, redactor=Redactor(), out_dir=taken, check_out=False
    )
    assert plan.out_dir == taken


def test_every_secret_is_registered_once_before_the_run(tmp_path: Path) -> None:
    loaded = load(
        "target: {url: 'http://user:${URL_PASSWORD}@app.example'}\n"
        "secrets: [API_TOKEN, HOOK_SECRET, URL_PASSWORD]\n"
        + JOURNEY
        + "on_fail:\n  webhook:\n    url: https://deploy.example/hook\n"
        "    secret: ${HOOK_SECRET}\n    signature: sha256\n",
        {"API_TOKEN": TOKEN, "HOOK_SECRET": HOOK_SECRET, "URL_PASSWORD": URL_PASSWORD},
    )
    redactor = CountingRedactor()

    plan = prepare(loaded, url=None, environ={}, redactor=redactor, out_dir=tmp_path)
    before_run = list(redactor.added)
    run = plan.new_run()

    assert sorted(plan.secrets) == sorted(
        {TOKEN, HOOK_SECRET, URL_PASSWORD, "https://deploy.example/hook"}
    )
    assert sorted(before_run) == sorted(plan.secrets)  # each exactly once
    # The run adds only what it makes itself: the generated password.
    assert redactor.added[len(before_run) :] == [run.variables["run.password"]]
    assert TOKEN not in redactor.redact(f"token {TOKEN}")


def test_a_run_not_given_a_plan_still_registers_the_config_secrets() -> None:
    loaded = load(
        "target: {url: http://app.example}\nsecrets: [API_TOKEN]\n" + JOURNEY,
        {"API_TOKEN": TOKEN},
    )
    redactor = CountingRedactor()

    Run(loaded, target_url="http://app.example", redactor=redactor)

    assert redactor.added.count(TOKEN) == 1


def edge_args(*extra: str) -> argparse.Namespace:
    values: dict[str, str | list[str] | None] = {
        "url": "https://example.com",
        "alias": [],
        "subdomain": [],
        "nameserver": [],
        "resolve": [],
        "ca_bundle": None,
        "timeout": "10s",
        "deadline": "2m",
        "fail_on": "blocker",
    }
    for flag, value in zip(extra[::2], extra[1::2], strict=True):
        key = flag.removeprefix("--").replace("-", "_")
        current = values[key]
        values[key] = [*current, value] if isinstance(current, list) else value
    return argparse.Namespace(**values)


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (("--resolve", "example.com:443"), "--resolve: expected"),
        (("--nameserver", "1.1.1.1:x"), "--nameserver: bad port"),
        (("--timeout", "soon"), "--timeout: "),
    ],
)
def test_a_bad_edge_flag_is_a_config_error_naming_the_flag(
    flags: tuple[str, ...], named: str
) -> None:
    with pytest.raises(ConfigError) as info:
        config_from_flags(edge_config(edge_args(*flags)), flags=EDGE_FLAGS, section="edge")

    problems = info.value.problems
    assert problems and all(p.file is None and p.line is None for p in problems)
    assert named in str(info.value)


def test_a_bad_email_flag_is_a_config_error_naming_the_flag() -> None:
    data = {
        "readiness": None,
        "email": {"domain": "example.com", "dkim_selectors": [], "nameservers": ["1.1.1.1:x"]},
    }

    with pytest.raises(ConfigError) as info:
        config_from_flags(data, flags=EMAIL_FLAGS, section="email")

    assert [p.key for p in info.value.problems] == ["--nameserver"]
    assert str(info.value).startswith("--nameserver: ")


def test_good_flags_make_a_config_from_the_command_line() -> None:
    loaded = config_from_flags(edge_config(edge_args()), flags=EDGE_FLAGS, section="edge")

    assert loaded.path == Path("(command line)")
    assert loaded.config.edge is not None
    assert loaded.secret_values == ()


PROBE = "probe:\n  routes: {home: {path: /}}\n"


def test_the_compare_url_flag_sets_the_probes_control(tmp_path: Path) -> None:
    loaded = load(
        "target: {url: http://new.example}\n" + PROBE + "  compare: {url: http://a.example, "
        "limit: 15%}\n"
    )
    plan = prepare(
        loaded,
        url=None,
        environ={},
        redactor=Redactor(),
        out_dir=tmp_path,
        compare_url="http://old.example/",
    )
    assert plan.config.probe is not None
    assert plan.config.probe.control_url == "http://old.example"
    assert plan.config.probe.compare is not None
    assert plan.config.probe.compare.limit == 15.0  # the flag replaces only the URL
    unchanged = prepare(loaded, url=None, environ={}, redactor=Redactor(), out_dir=tmp_path)
    assert unchanged.config.probe is not None
    assert unchanged.config.probe.control_url == "http://a.example"


def test_an_empty_compare_url_in_the_config_sets_no_control(tmp_path: Path) -> None:
    """``url: ${PREVIOUS_URL:-}``: no previous deployment, no comparison."""
    loaded = load("target: {url: http://new.example}\n" + PROBE + "  compare: {url: ''}\n")
    plan = prepare(loaded, url=None, environ={}, redactor=Redactor(), out_dir=tmp_path)
    assert plan.config.probe is not None and plan.config.probe.control_url is None


@pytest.mark.parametrize(
    ("text", "given", "message"),
    [
        (JOURNEY, "http://old.example", "--compare-url: the config has no probe: section"),
        (PROBE, "ftp://old.example", "--compare-url: "),
    ],
)
def test_a_compare_url_that_cannot_be_used_is_a_usage_error(
    tmp_path: Path, text: str, given: str, message: str
) -> None:
    loaded = load("target: {url: http://new.example}\n" + text)
    with pytest.raises(UsageError, match=message):
        prepare(
            loaded, url=None, environ={}, redactor=Redactor(), out_dir=tmp_path, compare_url=given
        )


def test_a_password_in_the_control_url_is_registered_as_a_secret(tmp_path: Path) -> None:
    loaded = load("target: {url: http://new.example}\n" + PROBE)
    redactor = CountingRedactor()
    prepare(
        loaded,
        url=None,
        environ={},
        redactor=redactor,
        out_dir=tmp_path,
        compare_url=f"http://preview:{URL_PASSWORD}@old.example",
    )
    assert URL_PASSWORD in redactor.added
    assert URL_PASSWORD not in redactor.redact(f"shown: {URL_PASSWORD}")

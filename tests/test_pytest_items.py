"""Every kind of check points at the launchgate.yml line it comes from: in pytest's
report location and at the end of a failure's text, as ``launchgate.yml:N: key``."""

from __future__ import annotations

from pathlib import Path

import pytest

from launchgate.config.load import LoadedConfig, parse_config
from launchgate.config.yamlsource import format_key
from launchgate.engine import plan_checks
from launchgate.plugin.items import config_key, config_line
from tests.plugin_target import gate_yml, shop

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

EVERY_KIND = """\
version: 1
target:
  url: https://app.example.com
readiness:
  path: /healthz
journeys:
  login:
    steps:
      - path: /login
  dashboard:
    session: login
    steps:
      - path: /dashboard
  signup:
    steps:
      - method: POST
        path: /signup
        form: {email: "{{ run.email }}", password: "{{ run.password }}"}
webhooks:
  billing:
    path: /hooks/billing
    secret: whsec_test
probe:
  routes:
    home:
      path: /
email:
  domain: example.com
  dkim_selectors:
    - s1
    - s2
secret_scan: {}
edge:
  url: https://example.com
  aliases:
    - https://www.example.com
    - http://shop.example.com/store
  subdomains:
    - api.example.com
  private_pages:
    dashboard:
      - /account
security:
  login_rate_limit:
    journey: signup
logs:
  sources:
    - /var/log/app.log
"""


def line_of(text: str, fragment: str) -> int:
    return 1 + next(i for i, line in enumerate(text.splitlines()) if fragment in line)


EXPECTED = {
    "readiness": (("readiness",), "readiness:"),
    "journey::login": (("journeys", "login"), "  login:"),
    "journey::dashboard": (("journeys", "dashboard"), "  dashboard:"),
    "webhook::billing::signed": (("webhooks", "billing"), "  billing:"),
    "webhook::billing::forged": (("webhooks", "billing"), "  billing:"),
    "probe": (("probe",), "probe:"),
    "probe::home::p95": (("probe", "routes", "home"), "    home:"),
    "probe::home::errors": (("probe", "routes", "home"), "    home:"),
    "email::spf": (("email", "domain"), "  domain: example.com"),
    "email::dkim::s2": (("email", "dkim_selectors", 1), "    - s2"),
    "email::dmarc": (("email", "domain"), "  domain: example.com"),
    "secrets::scan": (("secret_scan",), "secret_scan:"),
    "edge::dns::example.com": (("edge", "url"), "  url: https://example.com"),
    "edge::dns::api.example.com": (("edge", "subdomains", 0), "    - api.example.com"),
    "edge::https": (("edge", "url"), "  url: https://example.com"),
    "edge::tls": (("edge", "url"), "  url: https://example.com"),
    "edge::page": (("edge", "url"), "  url: https://example.com"),
    "edge::alias::https://www.example.com": (("edge", "aliases", 0), "www.example.com"),
    "edge::alias::http://shop.example.com/store": (("edge", "aliases", 1), "/store"),
    "edge::private-cache::dashboard": (("edge", "private_pages", "dashboard"), "    dashboard:"),
    "security::login-rate-limit": (("security", "login_rate_limit"), "  login_rate_limit:"),
    "logs::leaks": (("logs",), "logs:"),
}


@pytest.fixture(scope="module")
def loaded() -> LoadedConfig:
    return parse_config(EVERY_KIND, Path("launchgate.yml"), {})


@pytest.mark.parametrize("check_id", list(EXPECTED))
def test_each_kind_maps_to_its_yaml_key_and_line(loaded: LoadedConfig, check_id: str) -> None:
    key, fragment = EXPECTED[check_id]
    assert config_key(check_id, loaded.config) == key
    assert config_line(key, loaded.locations) == (key, line_of(EVERY_KIND, fragment))


def test_every_planned_check_has_a_line(loaded: LoadedConfig) -> None:
    kinds = set()
    for planned in plan_checks(loaded.config):
        assert config_line(config_key(planned.check_id, loaded.config), loaded.locations)
        kinds.add(planned.kind)
    assert kinds == {
        *("readiness", "journey", "webhook", "probe", "edge", "email", "secrets", "security"),
        "logs",
    }


def test_a_key_not_written_falls_back_to_the_section_or_to_none(loaded: LoadedConfig) -> None:
    located = config_line(("journeys", "login", "steps", 0, "expect"), loaded.locations)
    assert located == (("journeys", "login", "steps", 0), line_of(EVERY_KIND, "- path: /login"))
    bare = parse_config("version: 1\nemail: {domain: example.com}\n", Path("g.yml"), {})
    assert config_line(("readiness",), bare.locations) is None  # the default, not written


def test_a_private_cache_check_without_listed_pages_points_at_its_journey() -> None:
    text = EVERY_KIND.replace("  private_pages:\n    dashboard:\n      - /account\n", "")
    loaded = parse_config(text, Path("launchgate.yml"), {})
    assert config_key("edge::private-cache::dashboard", loaded.config) == ("journeys", "dashboard")


def test_the_failure_text_ends_with_the_file_line_and_key(pytester: pytest.Pytester) -> None:
    server = shop(homepage_ok=False)
    try:
        text = gate_yml(server.url)
        (pytester.path / "launchgate.yml").write_text(text)
        result = pytester.runpytest_subprocess("--launchgate", "-p", "no:cacheprovider")
    finally:
        server.stop()
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    where = f"launchgate.yml:{line_of(text, '  homepage:')}: {format_key(('journeys', 'homepage'))}"
    lines = result.stdout.lines
    failure = lines.index(next(x for x in lines if x.startswith("journey::homepage failed")))
    end = next(i for i in range(failure, len(lines)) if lines[i] == where)
    # Nothing of the failure's own text comes after it: the next line is pytest's.
    assert not lines[end + 1].startswith(" ")
    assert lines[end - 1].startswith(" ")  # the failure's detail lines, indented

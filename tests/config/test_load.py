"""Loading launchgate.yml: every mistake names the file, the line and the key."""

import json
from pathlib import Path

import pytest

from launchgate.config import json_schema, parse_config, schema_text, starter_text
from launchgate.errors import ConfigError

FILE = Path("launchgate.yml")
MINIMAL = """\
target:
  url: http://127.0.0.1:8000
journeys:
  home:
    steps:
      - path: /
"""


def problems(text: str, environ: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(text, FILE, environ or {})
    return [str(p) for p in info.value.problems]


def test_minimal_config_gets_safe_defaults():
    loaded = parse_config(MINIMAL, FILE, {})
    config = loaded.config
    assert config.target.timeout == 10.0
    assert config.target.deadline == 300.0
    assert config.readiness is not None
    assert config.readiness.path == "/healthz"
    assert config.gate.fail_on == "blocker"
    assert config.journeys["home"].steps[0].method == "GET"


def test_the_demo_and_starter_configs_load():
    demo = (Path(__file__).parents[2] / "launchgate/demo/launchgate.yml").read_text()
    env = {"LAUNCHGATE_DEMO_PASSWORD": "pw-123456", "LAUNCHGATE_DEMO_WEBHOOK_SECRET": "whsec_x"}
    env |= {
        "LAUNCHGATE_DEMO_HTTP_PORT": "8080",
        "LAUNCHGATE_DEMO_HTTPS_PORT": "8443",
        "LAUNCHGATE_DEMO_NAMESERVER": "127.0.0.1:5353",
        "LAUNCHGATE_DEMO_CA_BUNDLE": "demo-ca.pem",
        "LAUNCHGATE_DEMO_LOG": "app.log",
    }
    config = parse_config(demo, FILE, env).config
    assert config.journeys
    assert config.edge is not None
    env = {"LAUNCHGATE_PASSWORD": "pw-123456", "BILLING_WEBHOOK_SECRET": "whsec_x"}
    starter = parse_config(starter_text(), FILE, env).config
    assert set(starter.journeys) == {"homepage", "signup", "login", "dashboard"}
    assert set(starter.webhooks) == {"billing"}
    assert starter_text().startswith("# yaml-language-server: $schema=")


def test_unknown_key_names_line_and_suggests_the_right_one():
    text = MINIMAL.replace("  url:", "  tiemout: 5s\n  url:")
    (problem,) = problems(text)
    assert problem == (
        "launchgate.yml:2: target.tiemout: unknown key 'tiemout'; did you mean 'timeout'?"
    )


def test_unknown_key_without_a_close_match_lists_the_known_keys():
    (problem,) = problems(MINIMAL + "colour: blue\n")
    assert "launchgate.yml:7: colour: unknown key 'colour'" in problem
    assert "known keys:" in problem
    assert "journeys" in problem


def test_unknown_key_deep_inside_a_step():
    text = MINIMAL + "        expect: {stauts: 200}\n"
    (problem,) = problems(text)
    assert problem.startswith("launchgate.yml:7: journeys.home.steps[0].expect.stauts:")
    assert "did you mean 'status'?" in problem


def test_wrong_type_names_key_and_expected_form():
    text = MINIMAL + "        expect: {status: abc}\n"
    (problem,) = problems(text)
    assert problem.startswith("launchgate.yml:7: journeys.home.steps[0].expect.status:")
    assert "status code such as 200" in problem
    assert "'abc'" in problem


def test_bad_duration_says_what_a_duration_looks_like():
    (problem,) = problems(MINIMAL.replace("  url:", "  timeout: soon\n  url:"))
    assert problem.startswith("launchgate.yml:2: target.timeout: expected a duration")
    assert "500ms" in problem


def test_yaml_syntax_error_names_the_line():
    (problem,) = problems("target:\n  url: [unclosed\njourneys: {}\n")
    assert problem.startswith("launchgate.yml:3:")
    assert "YAML syntax error" in problem


def test_duplicate_keys_are_an_error_not_a_silent_overwrite():
    text = MINIMAL + "target:\n  url: http://other\n"
    (problem,) = problems(text)
    assert "launchgate.yml:7: target: duplicate key (first defined on line 1)" in problem


def test_missing_environment_variable_names_the_variable():
    text = MINIMAL + "        headers: {Authorization: 'Bearer ${API_TOKEN}'}\n"
    (problem,) = problems(text)
    assert problem.startswith("launchgate.yml:7: journeys.home.steps[0].headers.Authorization:")
    assert "environment variable API_TOKEN is not set" in problem


def test_interpolation_with_defaults_and_escapes():
    text = (
        MINIMAL.replace("http://127.0.0.1:8000", "${HOST:-http://127.0.0.1:9}")
        + "        query: {literal: '$${NOT_A_VAR}', empty_default: '${EMPTY:-fallback}'}\n"
    )
    loaded = parse_config(text, FILE, {"EMPTY": ""})
    assert loaded.config.target.url == "http://127.0.0.1:9"
    step = loaded.config.journeys["home"].steps[0]
    assert step.query == {"literal": "${NOT_A_VAR}", "empty_default": "fallback"}


def test_interpolated_numbers_are_coerced():
    text = MINIMAL.replace("  url:", "  timeout: ${T:-3}\n  verify_tls: ${V:-false}\n  url:")
    config = parse_config(text, FILE, {}).config
    assert config.target.timeout == 3.0
    assert config.target.verify_tls is False


def test_a_value_from_the_environment_is_never_echoed_in_an_error():
    sentinel = "SENTINEL-s3cr3t-value"
    text = MINIMAL.replace("  url:", "  timeout: ${SECRET}\n  url:")
    (problem,) = problems(text, {"SECRET": sentinel})
    assert sentinel not in problem
    assert "a value from the environment" in problem


def test_secret_values_are_collected_for_redaction():
    text = "secrets: [A, B, UNSET]\n" + MINIMAL
    loaded = parse_config(text, FILE, {"A": "alpha-secret", "B": "beta-secret"})
    assert loaded.secret_values == ("alpha-secret", "beta-secret")


def test_status_classes_expand():
    text = MINIMAL + "        expect: {status: [2xx, 404]}\n"
    status = parse_config(text, FILE, {}).config.journeys["home"].steps[0].expect.status
    assert status is not None
    assert 200 in status and 299 in status and 404 in status and 300 not in status


def test_unknown_session_journey():
    text = MINIMAL + "  dash:\n    session: logn\n    steps: [{path: /d}]\n"
    (problem,) = problems(text)
    assert problem.startswith("launchgate.yml:8: journeys.dash.session: no journey named 'logn'")


def test_dependency_loop_is_refused():
    text = (
        "journeys:\n"
        "  a: {needs: [b], steps: [{path: /a}]}\n"
        "  b: {session: a, steps: [{path: /b}]}\n"
    )
    (problem,) = problems(text)
    assert "loop" in problem
    assert "a -> b -> a" in problem or "b -> a -> b" in problem


def test_unknown_template_variable_lists_what_is_known():
    text = MINIMAL.replace("path: /", "path: '/u/{{ user_id }}'")
    (problem,) = problems(text)
    assert problem.startswith("launchgate.yml:6: journeys.home.steps[0].path:")
    assert "unknown variable {{ user_id }}" in problem
    assert "run.email" in problem


def test_captures_are_known_to_later_steps_and_session_journeys():
    text = """\
journeys:
  login:
    steps:
      - path: /login
        capture: {token: {json: $.token}}
      - path: '/me?t={{ token }}'
  dash:
    session: login
    steps:
      - path: /dash
        headers: {Authorization: 'Bearer {{ token }}'}
"""
    assert parse_config(text, FILE, {}).config.journeys["dash"].session == "login"


def test_a_capture_is_not_known_before_its_step():
    text = """\
journeys:
  login:
    steps:
      - path: '/me?t={{ token }}'
      - path: /login
        capture: {token: {json: $.token}}
"""
    (problem,) = problems(text)
    assert "journeys.login.steps[0].path" in problem
    assert "unknown variable {{ token }}" in problem


@pytest.mark.parametrize(
    ("capture", "message"),
    [
        ("{json: $.a, header: X}", "exactly one of json, header, cookie or regex"),
        ("{}", "exactly one of json, header, cookie or regex"),
        ("{regex: '([a-z'}", "not a valid regular expression"),
        ("{json: '$..['}", "not a valid JSON path"),
    ],
)
def test_bad_captures(capture, message):
    (problem,) = problems(MINIMAL + f"        capture: {{x: {capture}}}\n")
    assert message in problem
    assert problem.startswith("launchgate.yml:7:")


def test_two_bodies_on_one_step():
    (problem,) = problems(MINIMAL + "        form: {a: b}\n        body: raw\n")
    assert "give one request body, not form and body" in problem


def test_a_config_with_nothing_to_check_is_refused():
    (problem,) = problems("target: {url: http://127.0.0.1:1}\n")
    assert "nothing to check" in problem


def test_an_empty_file_is_refused_too():
    (problem,) = problems("")
    assert "nothing to check" in problem


def test_a_list_at_the_top_is_refused():
    (problem,) = problems("- a\n- b\n")
    assert "expected a mapping" in problem


def test_every_problem_is_reported_at_once_one_line_each():
    text = MINIMAL.replace("  url:", "  tiemout: 5s\n  deadline: never\n  url:")
    found = problems(text)
    assert len(found) == 2
    assert all("\n" not in p for p in found)


def test_shipped_schema_matches_the_models():
    shipped = Path(__file__).parents[2] / "launchgate/config/launchgate.schema.json"
    assert json.loads(shipped.read_text()) == json_schema(), (
        "the config models changed: regenerate with `launchgate schema > "
        "launchgate/config/launchgate.schema.json`"
    )
    assert json.loads(schema_text())["title"] == "launchgate.yml"

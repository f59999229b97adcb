"""The security: section: what it accepts, and every mistake located by file, line and
key, including the rules that keep the login burst on the run's own throwaway account."""

from __future__ import annotations

from pathlib import Path

import pytest

from launchgate.config import parse_config
from launchgate.config.security_rules import login_lead_in, login_step
from launchgate.engine import plan_checks
from launchgate.errors import ConfigError

FILE = Path("launchgate.yml")
JOURNEYS = """\
journeys:
  signup:
    steps:
      - name: signup form
        path: /signup
      - name: create
        method: POST
        path: /signup
        form: {email: "{{ run.email }}", password: "{{ run.password }}"}
      - name: login form
        path: /login
        capture: {csrf: {regex: 'value="([^"]+)"'}}
      - name: log in
        method: POST
        path: /login
        form: {email: "{{ run.email }}", password: "{{ run.password }}", csrf: "{{ csrf }}"}
        expect: {status: 303}
  customer:
    steps:
      - name: log in
        method: POST
        path: /login
        form: {email: owner@example.com, password: "{{ run.password }}"}
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(JOURNEYS + text, FILE, {})
    return [str(p) for p in info.value.problems]


def test_off_unless_configured():
    config = parse_config(JOURNEYS, FILE, {}).config
    assert config.security.login_rate_limit is None
    assert not [c for c in plan_checks(config) if c.kind == "security"]


def test_the_defaults_and_the_login_step_found_by_its_password():
    text = JOURNEYS + "security:\n  login_rate_limit: {journey: signup}\n"
    config = parse_config(text, FILE, {}).config
    spec = config.security.login_rate_limit
    assert spec is not None
    assert (spec.attempts, spec.within, spec.signal.status) == (20, 10.0, [])
    index = login_step(config, spec)
    assert index == 3  # the last step that sends {{ run.password }}
    assert [s.label for s in login_lead_in(config, spec, 3)] == ["login form"]
    (check,) = [c for c in plan_checks(config) if c.kind == "security"]
    # The id reports, baselines and -k select on: it must not change.
    assert check.check_id == "security::login-rate-limit"
    assert check.severity.value == "high"
    assert "journey::signup" in check.needs


def test_every_key():
    text = JOURNEYS + (
        "security:\n"
        "  login_rate_limit:\n"
        "    journey: signup\n"
        "    step: log in\n"
        "    attempts: 8\n"
        "    within: 4s\n"
        "    signal: {status: [403, 503], body_contains: Too many attempts}\n"
    )
    spec = parse_config(text, FILE, {}).config.security.login_rate_limit
    assert spec is not None
    assert (spec.step, spec.attempts, spec.within) == ("log in", 8, 4.0)
    assert spec.signal.status == [403, 503]
    assert spec.signal.body_contains == ["Too many attempts"]


LINE = len(JOURNEYS.splitlines())  # the line before security:


@pytest.mark.parametrize(
    ("lines", "where", "message"),
    [
        (
            "    journey: nobody\n",
            "journey",
            "no journey named 'nobody' (journeys: signup, customer)",
        ),
        (
            "    journey: signup\n    step: sign in\n",
            "step",
            "journey 'signup' has no step named 'sign in' (its steps: 'signup form', 'create', "
            "'login form', 'log in')",
        ),
        (
            "    journey: customer\n",
            "journey",
            "does not send {{ run.email }}: the burst may only guess at the run's own "
            "throwaway account, never at a real user's",
        ),
        (
            "    journey: signup\n    step: login form\n",
            "step",
            "does not send {{ run.password }}",
        ),
        ("    journey: signup\n    attempts: 1000\n", "attempts", "less than or equal to 100"),
        ("    journey: signup\n    within: 5m\n", "within", "capped at 60s"),
        ("    journey: signup\n    atempts: 5\n", "atempts", "did you mean 'attempts'"),
        ("    journey: signup\n    signal: {status: 42}\n", "signal.status", "status code"),
    ],
)
def test_each_mistake_names_its_file_line_and_key(lines, where, message):
    found = problems("security:\n  login_rate_limit:\n" + lines)
    located = [p for p in found if f"security.login_rate_limit.{where}:" in p and message in p]
    assert located, found
    problem = located[0]
    key = where.split(".")[0]
    own = next(i for i, t in enumerate(lines.splitlines(), 1) if t.startswith(f"    {key}:"))
    assert problem.startswith(f"launchgate.yml:{LINE + 2 + own}:"), problem  # the key's line


def test_a_literal_address_in_the_login_step_is_refused():
    text = (
        JOURNEYS.replace('csrf: "{{ csrf }}"}', 'csrf: "{{ csrf }}", cc: boss@example.com}')
        + "security:\n  login_rate_limit: {journey: signup}\n"
    )
    with pytest.raises(ConfigError) as info:
        parse_config(text, FILE, {})
    (problem,) = [str(p) for p in info.value.problems]
    assert "security.login_rate_limit.journey:" in problem
    assert "sends the address boss@example.com" in problem


def test_an_unknown_key_under_security_names_it():
    (problem,) = problems("security:\n  login_rate_limits: {journey: signup}\n")
    assert problem.startswith(f"launchgate.yml:{LINE + 2}: security.login_rate_limits:"), problem

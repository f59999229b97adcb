"""``on_fail:``: the rollback hooks' keys, validated before anything runs."""

import re
from pathlib import Path

import pytest

from launchgate.config import json_schema, parse_config
from launchgate.errors import ConfigError

FILE = Path("launchgate.yml")
BASE = "target: {url: http://127.0.0.1:8000}\njourneys:\n  home:\n    steps: [{path: /}]\n"


def load(on_fail: str, environ: dict[str, str] | None = None):
    return parse_config(BASE + "on_fail:\n" + on_fail, FILE, environ or {}).config.on_fail


def problems(on_fail: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load(on_fail)
    return [str(p) for p in info.value.problems]


def test_a_command_as_text_is_short_for_run() -> None:
    spec = load("  command: ./scripts/rollback.sh\n")
    assert spec is not None and spec.command is not None
    assert spec.command.run == "./scripts/rollback.sh"
    assert spec.command.timeout == 300.0
    assert spec.webhook is None


def test_both_hooks_with_their_settings() -> None:
    spec = load(
        "  command: {run: 'heroku rollback', timeout: 2m}\n"
        "  webhook:\n"
        "    url: https://deploy.example.com/hooks/rollback\n"
        "    secret: ${HOOK_SECRET}\n"
        "    signature: sha256\n"
        "    timeout: 45s\n"
        "    attempts: 5\n"
        "    headers: {x-team: web}\n",
        {"HOOK_SECRET": "any text works for sha256"},
    )
    assert spec is not None and spec.command is not None and spec.webhook is not None
    assert spec.command.timeout == 120.0
    assert (spec.webhook.signature, spec.webhook.timeout, spec.webhook.attempts) == (
        "sha256",
        45.0,
        5,
    )


@pytest.mark.parametrize(
    ("on_fail", "expected"),
    [
        (
            "  command: {run: x, timeout: 0s}\n",
            "launchgate.yml:6: on_fail.command.timeout: expected a duration longer than 0s",
        ),
        ("  webhook: {url: 'https://x', timeout: 2h}\n", "webhook.timeout: expected a duration"),
        ("  command: {run: ''}\n", "on_fail.command.run"),
        ("  webhook: {url: ftp://x}\n", "on_fail.webhook.url"),
        ("  webhook: {url: 'https://x', attempts: 0}\n", "on_fail.webhook.attempts"),
        ("  webhook: {url: 'https://x', secret: not-base64!}\n", "whsec_<base64>"),
        ("  comand: x\n", "unknown key 'comand'; did you mean 'command'?"),
    ],
)
def test_mistakes_name_the_key(on_fail: str, expected: str) -> None:
    found = problems(on_fail)
    assert any(expected in p for p in found), found


def test_a_bad_standard_secret_is_not_quoted_back() -> None:
    found = problems("  webhook: {url: 'https://x', secret: 'Sekr3t value!'}\n")
    assert not any("Sekr3t" in p for p in found)


def test_the_schema_describes_on_fail() -> None:
    schema = json_schema()
    assert "on_fail" in schema["properties"]
    assert {"WebhookHook", "OnFailSpec"} <= set(schema["$defs"])
    command = schema["$defs"]["OnFailSpec"]["properties"]["command"]
    assert {"type": "string"} in command["anyOf"]  # the `command: ./rollback.sh` shorthand


def test_the_readme_on_fail_example_loads() -> None:
    text = (Path(__file__).parents[2] / "README.md").read_text()
    match = re.search(
        r"```yaml\n(secrets: \[ROLLBACK_HOOK_SECRET.*?\non_fail:\n.*?)```", text, re.S
    )
    assert match, "the README lost its on_fail example"
    environ = {"ROLLBACK_HOOK_SECRET": "whsec_" + "a2V5LWZvci10aGUtcmVhZG1l"}
    spec = parse_config(BASE + match.group(1), FILE, environ).config.on_fail
    assert spec is not None and spec.command is not None and spec.webhook is not None
    assert spec.command.run.startswith("heroku rollback")

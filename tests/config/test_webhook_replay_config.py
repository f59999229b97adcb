"""``webhooks.<name>.replay``: its keys validated before anything runs, each mistake
named by file, line and key."""

from pathlib import Path

import pytest

from launchgate.config import json_schema, parse_config
from launchgate.errors import ConfigError

FILE = Path("launchgate.yml")
BASE = "webhooks:\n  billing:\n    path: /hook\n    secret: whsec_x\n    replay:\n"


def problems(replay: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(BASE + replay, FILE, {})
    return [str(p) for p in info.value.problems]


def test_replay_defaults_to_reject_and_takes_acknowledge_with_verify() -> None:
    plain = parse_config(BASE.removesuffix("    replay:\n"), FILE, {}).config
    assert plain.webhooks["billing"].replay.expect == "reject"
    text = (
        "      expect: acknowledge\n"
        "      verify: {path: '/events/{{ event.id }}', count: $.processed}\n"
    )
    replay = parse_config(BASE + text, FILE, {}).config.webhooks["billing"].replay
    assert replay.expect == "acknowledge"
    assert replay.verify is not None
    assert replay.verify.count == "$.processed"


@pytest.mark.parametrize(
    ("replay", "expected"),
    [
        ("      expect: ignore\n", "launchgate.yml:6: webhooks.billing.replay.expect"),
        (
            "      verify: {path: /count, count: $.n}\n",
            "launchgate.yml:6: webhooks.billing.replay: replay.verify applies to expect: "
            "acknowledge only",
        ),
        (
            "      expect: acknowledge\n      verify: {path: count, count: $.n}\n",
            "webhooks.billing.replay.verify.path",
        ),
        (
            "      expect: acknowledge\n      verify: {path: '/c/{{ event.nope }}', count: $.n}\n",
            "webhooks.billing.replay.verify.path: unknown variable {{ event.nope }}",
        ),
        (
            "      expect: acknowledge\n      verify: {path: /c, count: '$[[['}\n",
            "webhooks.billing.replay.verify.count",
        ),
        ("      expct: reject\n", "unknown key 'expct'; did you mean 'expect'?"),
    ],
)
def test_mistakes_name_file_line_and_key(replay: str, expected: str) -> None:
    found = problems(replay)
    assert any(expected in p for p in found), found


def test_the_schema_describes_replay() -> None:
    hook = json_schema()["$defs"]["ReplaySpec"]["properties"]
    assert hook["expect"]["enum"] == ["reject", "acknowledge"]
    assert "Stripe" in hook["expect"]["description"]

"""The README's watch example is a config that loads, and the demo's watch config too:
documentation that drifts from the code is worse than none."""

from __future__ import annotations

import re
from pathlib import Path

from launchgate.config.load import load_config, parse_config
from launchgate.watch.rounds import watched_checks

ROOT = Path(__file__).parents[2]


def test_readme_watch_example_loads() -> None:
    text = (ROOT / "README.md").read_text()
    match = re.search(r"```yaml\n(secrets: \[SLACK.*?)```", text, re.DOTALL)
    assert match, "the README lost its watch example"
    config = (
        "version: 1\n"
        + match.group(1)
        + ("journeys:\n  login: {steps: [{path: /login}]}\n  dashboard: {steps: [{path: /d}]}\n")
    )
    env = {
        "SLACK_WEBHOOK_URL": "https://hooks.slack.example/services/T/B/x",
        "SMTP_PASSWORD": "an-smtp-password",
        "ALERT_HOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    }
    loaded = parse_config(config, Path("README.md"), env)
    assert loaded.config.watch is not None
    assert set(loaded.config.watch.channels) == {"team", "oncall", "pager"}
    severities = {c.name: c.severity for c in watched_checks(loaded.config)}
    assert severities == {"homepage": "warning", "login": "critical", "dashboard": "critical"}


def test_demo_watch_config_loads() -> None:
    loaded = load_config(
        ROOT / "launchgate/demo/watch.yml", {"LAUNCHGATE_DEMO_PASSWORD": "demo-password-1"}
    )
    assert [c.name for c in watched_checks(loaded.config)] == ["homepage", "login", "dashboard"]

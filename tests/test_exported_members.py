"""The public surface changes only on purpose (httpx keeps the same test)."""

import launchgate

PUBLIC = {
    "BaselineError", "CheckResult", "Config", "ConfigError", "ConfigProblem", "Finding",
    "LaunchgateError", "LoadedConfig", "PlannedCheck", "Redactor", "Run", "RunReport",
    "Severity", "StepRecord", "UsageError", "Verdict", "__version__",
    "decide", "load_config", "parse_config",
}  # fmt: skip


def test_public_names_are_exactly_these():
    assert set(launchgate.__all__) == PUBLIC


def test_every_public_name_resolves_to_its_home():
    for name in launchgate.__all__:
        value = getattr(launchgate, name)
        if name != "__version__":
            assert value.__name__ == name
            assert value.__module__.startswith("launchgate.")

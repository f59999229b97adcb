"""The options both faces take, defined once: the CLI flag, the pytest flag, the ini key
and the environment variable of each, and one function that resolves them in order
(command line, then environment, then ini, then default)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "COMPARE_URL",
    "CONFIG",
    "DEFAULT_CONFIG",
    "DEFAULT_OUT",
    "OPTIONS",
    "OUT",
    "URL",
    "Option",
    "resolve",
]

DEFAULT_CONFIG = "launchgate.yml"
DEFAULT_OUT = "launchgate-results"


@dataclass(frozen=True)
class Option:
    name: str
    cli_flag: str  # launchgate run --config
    pytest_flag: str  # pytest --launchgate-config
    ini: str  # [pytest] launchgate_config =
    env: str | None  # LAUNCHGATE_CONFIG
    metavar: str
    help: str
    default: str | None


CONFIG = Option(
    "config",
    "--config",
    "--launchgate-config",
    "launchgate_config",
    "LAUNCHGATE_CONFIG",
    "FILE",
    f"the gate's config file (default: {DEFAULT_CONFIG})",
    DEFAULT_CONFIG,
)
URL = Option(
    "url",
    "--url",
    "--launchgate-url",
    "launchgate_url",
    "LAUNCHGATE_URL",
    "URL",
    "base URL of the app to check (default: LAUNCHGATE_URL, then target.url)",
    None,
)
OUT = Option(
    "out",
    "--out",
    "--launchgate-out",
    "launchgate_out",
    "LAUNCHGATE_OUT",
    "DIR",
    f"folder for junit.xml, report.json and summary.md (default: {DEFAULT_OUT})",
    DEFAULT_OUT,
)
COMPARE_URL = Option(
    "compare_url",
    "--compare-url",
    "--launchgate-compare-url",
    "launchgate_compare_url",
    "LAUNCHGATE_COMPARE_URL",
    "URL",
    "a control to probe beside the target, such as the previous deployment's URL: each "
    "route's regression is then decided against it, live (default: probe.compare.url)",
    None,
)
OPTIONS = (CONFIG, URL, OUT, COMPARE_URL)


def resolve(
    option: Option,
    *,
    given: str | None,
    environ: Mapping[str, str],
    ini: str | None = None,
) -> str | None:
    if given:
        return given
    if option.env and environ.get(option.env):
        return environ[option.env]
    if ini:
        return ini
    return option.default

"""launchgate: a deploy gate and smoke-test harness for small web products.

The public surface is what ``__all__`` lists; everything else is internal and may
change. Names are imported on first use: the pytest plugin imports this package in
every pytest run, and a run without ``--launchgate`` must not pay for the engine.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("launchgate")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

if TYPE_CHECKING:
    from launchgate.config import Config, LoadedConfig, load_config, parse_config
    from launchgate.engine import PlannedCheck, Run
    from launchgate.errors import (
        BaselineError,
        ConfigError,
        ConfigProblem,
        LaunchgateError,
        UsageError,
    )
    from launchgate.redact import Redactor
    from launchgate.results import CheckResult, Finding, Severity, StepRecord
    from launchgate.runreport import RunReport
    from launchgate.verdict import Verdict, decide

_HOMES = {
    "Config": "launchgate.config",
    "LoadedConfig": "launchgate.config",
    "load_config": "launchgate.config",
    "parse_config": "launchgate.config",
    "PlannedCheck": "launchgate.engine",
    "Run": "launchgate.engine",
    "BaselineError": "launchgate.errors",
    "ConfigError": "launchgate.errors",
    "ConfigProblem": "launchgate.errors",
    "LaunchgateError": "launchgate.errors",
    "UsageError": "launchgate.errors",
    "Redactor": "launchgate.redact",
    "CheckResult": "launchgate.results",
    "Finding": "launchgate.results",
    "Severity": "launchgate.results",
    "StepRecord": "launchgate.results",
    "RunReport": "launchgate.runreport",
    "Verdict": "launchgate.verdict",
    "decide": "launchgate.verdict",
}

__all__ = [
    "BaselineError",
    "CheckResult",
    "Config",
    "ConfigError",
    "ConfigProblem",
    "Finding",
    "LaunchgateError",
    "LoadedConfig",
    "PlannedCheck",
    "Redactor",
    "Run",
    "RunReport",
    "Severity",
    "StepRecord",
    "UsageError",
    "Verdict",
    "__version__",
    "decide",
    "load_config",
    "parse_config",
]


if not TYPE_CHECKING:
    # Hidden from the type checker, which sees the imports above instead: a module
    # __getattr__ would make it accept any name from this package, a typo or a module
    # that moved included.
    def __getattr__(name: str) -> Any:
        home = _HOMES.get(name)
        if home is None:
            raise AttributeError(f"module 'launchgate' has no attribute {name!r}")
        return getattr(importlib.import_module(home), name)

"""launchgate's exceptions, for when launchgate itself cannot do its job.

A failed check is *not* an exception: it is a :class:`~launchgate.results.CheckResult`
with findings. Exceptions are reserved for the gate's own trouble, and each becomes
either a usage error (exit 2, nothing was checked) or a could-not-decide verdict
(exit 3, fail closed).

    LaunchgateError
    ├── UsageError            exit 2: bad command line, unwritable output folder
    │   └── ConfigError       exit 2: launchgate.yml is wrong (file, line, key)
    └── BaselineError         a stored baseline is corrupt, truncated or too new

Messages are written for people: what was wrong, where, and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "BaselineError",
    "ConfigError",
    "ConfigProblem",
    "LaunchgateError",
    "UsageError",
]


class LaunchgateError(Exception):
    """Root of every error launchgate raises on purpose."""


class UsageError(LaunchgateError):
    """The command line or environment is wrong; nothing was checked (exit 2)."""


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong with a config file, located as precisely as we can."""

    file: Path | None
    line: int | None  # 1-based; None when the problem is not tied to a line
    key: str  # dotted path such as ``journeys.login.steps[0].expect.status``
    message: str

    def __str__(self) -> str:
        if self.file is None:  # a config built from flags: the key names the flag
            return f"{self.key}: {self.message}" if self.key else self.message
        where = str(self.file)
        if self.line is not None:
            where = f"{where}:{self.line}"
        key = f" {self.key}:" if self.key else ""
        return f"{where}:{key} {self.message}"


class ConfigError(UsageError):
    """launchgate.yml could not be loaded; carries every problem found, one per line."""

    def __init__(self, problems: list[ConfigProblem] | ConfigProblem) -> None:
        self.problems: tuple[ConfigProblem, ...] = (
            (problems,) if isinstance(problems, ConfigProblem) else tuple(problems)
        )
        super().__init__("\n".join(str(p) for p in self.problems))


class BaselineError(LaunchgateError):
    """A stored baseline cannot be trusted; never read as a pass."""

    def __init__(self, message: str, *, path: Path) -> None:
        self.path = path
        super().__init__(f"{path}: {message}")

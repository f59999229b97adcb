"""The typed shape of the ``logs:`` section: where the app's logs are, for the log
check (:mod:`launchgate.checks.logs`), which searches them for the run's secrets.

Kept apart from ``model.py`` as the security and watch sections are. Nothing here
touches the files: a log lives on the deploy host, and a path that cannot be read at
run time is the check's could-not-decide, not a config error.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from launchgate.config.fields import PositiveDuration, Size, shorthand, string_or

__all__ = ["LOG_TEMPLATE_NAMES", "LogSource", "LogsSpec"]

LOG_TEMPLATE_NAMES = frozenset({"run.started", "run.started_unix"})
"""What a log command may use besides the generated names: when the run began."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class LogSource(_Model):
    file: str | None = Field(
        None,
        min_length=1,
        description="A log file or a glob (/var/log/app/*.log). Its rotated files "
        "(app.log.1, app.log.2.gz, app.log-20261203) are read too; only what was "
        "written during the run is searched.",
    )
    command: str | None = Field(
        None,
        min_length=1,
        description="A shell command whose output (stdout and stderr) is the log for "
        "the run, e.g. docker logs --since {{ run.started }} app; {{ run.started }} is "
        "the run's start in RFC 3339 (UTC), {{ run.started_unix }} in Unix seconds.",
    )
    timeout: PositiveDuration | None = Field(
        None, description="command: its time limit; default: logs.timeout."
    )
    max_size: Size | None = Field(
        None, description="Most bytes read from this source; default: logs.max_size."
    )

    @model_validator(mode="after")
    def _one_source(self) -> LogSource:
        if (self.file is None) == (self.command is None):
            raise ValueError("give exactly one of file or command")
        return self


# ``- /var/log/app.log`` is short for ``- file: /var/log/app.log``.
LogSourceItem = Annotated[LogSource, shorthand("file"), string_or(LogSource)]


class LogsSpec(_Model):
    sources: list[LogSourceItem] = Field(
        ...,
        min_length=1,
        description="Where the app's logs for the run are: files (a path or glob) or "
        "commands whose output is the log.",
    )
    timeout: PositiveDuration = Field(30.0, description="Time limit of a log command.")
    max_size: Size = Field(
        32 * 1024 * 1024,
        description="Most bytes read from one source; more than that leaves the check "
        "undecided unless a leak was found in what was read.",
    )

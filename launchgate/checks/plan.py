"""The seam every capability plugs into: a planner turns its section of the config
into planned checks, each carrying the coroutine that runs it.

The engine knows nothing of journeys, webhooks or anything added later: it orders
planned checks by their ``needs``, runs each at most once under the run's deadline,
and turns a crash into could-not-decide. A new capability adds a planner to
``launchgate.engine.PLANNERS``.

What a check measured beyond its verdict (the probe's figures) travels back the same
way as the verdict: the runner returns it beside its result, as :class:`Measured`,
and the engine keeps it by check id. Nothing is left behind in the shared context
for another module to read back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from launchgate.checks.context import CheckContext
from launchgate.config.model import Config
from launchgate.results import (
    BaselineRef,
    CheckKind,
    CheckResult,
    CheckStatus,
    RouteFigures,
    Severity,
)

__all__ = ["CheckOutcome", "CheckRunner", "Measured", "PlannedCheck", "Planner"]


class CheckOutcome(Protocol):
    """What a check measured, beyond its result, that the run's report carries.

    Only what the report reads is part of the protocol; a face that needs more (a
    baseline update needs the probe's measurement) asks the engine for the concrete
    type with :meth:`launchgate.engine.Run.outcome`."""

    @property
    def routes(self) -> tuple[RouteFigures, ...]: ...

    @property
    def baseline(self) -> BaselineRef | None: ...


@dataclass(frozen=True)
class Measured:
    """A check's result together with what it measured."""

    result: CheckResult
    outcome: CheckOutcome


CheckRunner = Callable[[CheckContext], Awaitable[CheckResult | Measured]]


@dataclass(frozen=True, kw_only=True)
class PlannedCheck:
    check_id: str
    kind: CheckKind
    title: str
    severity: Severity
    needs: tuple[str, ...]  # check ids that must pass first
    run: CheckRunner = field(compare=False, repr=False)
    # Check ids that run first whatever their outcome: this check copes without them
    # (the probe measures what it can when a session journey failed).
    after: tuple[str, ...] = ()
    # Judges what the other checks of the app did (the log check reads what they made
    # the app write): it runs after every one of them, whatever their outcome.
    last: bool = False
    # Called once as the run starts, before any check: a check that judges the run's
    # window notes where "before the run" ends (how long each log file was).
    on_start: Callable[[CheckContext], None] | None = field(default=None, compare=False, repr=False)

    def result(
        self,
        status: CheckStatus,
        message: str,
        *,
        duration_s: float = 0.0,
        blocked_by: tuple[str, ...] = (),
    ) -> CheckResult:
        """A result of this check that the check itself did not make: skipped, not
        selected, or an error of the run around it (deadline, crash, interruption)."""
        return CheckResult(
            check_id=self.check_id,
            kind=self.kind,
            title=self.title,
            severity=self.severity,
            status=status,
            duration_s=duration_s,
            message=message,
            blocked_by=blocked_by,
        )


Planner = Callable[[Config, Sequence[str]], list[PlannedCheck]]
"""``(config, base_needs) -> checks``; ``base_needs`` is what every check of the
target should wait for (readiness), for planners whose checks talk to the app."""

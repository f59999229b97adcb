"""The seam every capability plugs into: a planner turns its section of the config
into planned checks, each carrying the coroutine that runs it.

The engine knows nothing of journeys, webhooks or anything added later: it orders
planned checks by their ``needs``, runs each at most once under the run's deadline,
and turns a crash into could-not-decide. A new capability adds a planner to
``launchgate.engine.PLANNERS``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from launchgate.checks.context import CheckContext
from launchgate.config.model import Config
from launchgate.results import CheckKind, CheckResult, CheckStatus, Severity

__all__ = ["CheckRunner", "PlannedCheck", "Planner"]

CheckRunner = Callable[[CheckContext], Awaitable[CheckResult]]


@dataclass(frozen=True)
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

"""What checks produce: findings, step records and check results, as frozen values.

A check never raises to say "the target is broken"; it returns a :class:`CheckResult`
whose findings say what is wrong and how bad it is. The verdict (``verdict.py``) is a
pure function of these values; reporters render them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "BaselinePoint",
    "BaselineRef",
    "CheckKind",
    "CheckResult",
    "CheckStatus",
    "Finding",
    "HookKind",
    "HookResult",
    "HookStatus",
    "RouteFigures",
    "Severity",
    "ShardFigures",
    "StepRecord",
]


class Severity(enum.Enum):
    """How bad a finding is. Only ``blocker`` fails the gate unless the config says so."""

    BLOCKER = "blocker"
    HIGH = "high"
    MEDIUM = "medium"

    @property
    def rank(self) -> int:
        """0 for the worst; sorts a risk list worst first."""
        return _RANK[self]

    def at_least(self, other: Severity) -> bool:
        return self.rank <= other.rank


_RANK = {Severity.BLOCKER: 0, Severity.HIGH: 1, Severity.MEDIUM: 2}

CheckStatus = Literal["passed", "failed", "error", "skipped"]
"""``failed``: the target is wrong. ``error``: launchgate could not decide (a crash, the
run deadline). ``skipped``: not run, because a prerequisite did not pass."""

CheckKind = Literal[
    "readiness", "journey", "webhook", "probe", "edge", "email", "secrets", "security", "logs"
]


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One launch risk, written for the person who has to fix it."""

    check_id: str
    severity: Severity
    title: str  # one line: "login answered 500, expected 303"
    detail: str = ""  # redacted context: what was sent, what came back
    remedy: str = ""  # what to change, when we can tell
    # Reported at its severity but never a reason to roll back: a check the deploy
    # cannot change, in a run that gates one (gate.independent, launchgate/severities.py).
    advisory: bool = False


@dataclass(frozen=True, kw_only=True)
class StepRecord:
    """One request a check made, as it may be shown to a user (already redacted)."""

    name: str
    method: str
    path: str
    status_code: int | None
    elapsed_ms: float | None
    ok: bool
    error: str | None = None


@dataclass(frozen=True, kw_only=True)
class CheckResult:
    """The outcome of one check. ``passed`` has no findings; ``failed`` has at least one."""

    check_id: str  # stable and readable: "journey::login", "webhook::billing::forged"
    kind: CheckKind
    title: str
    severity: Severity  # the severity of this check's findings when it fails
    status: CheckStatus
    duration_s: float
    findings: tuple[Finding, ...] = ()
    message: str = ""  # one line, for JUnit and the terminal; empty when passed
    steps: tuple[StepRecord, ...] = field(default=())
    blocked_by: tuple[str, ...] = ()  # for "skipped": the prerequisites that did not pass

    def __post_init__(self) -> None:
        if self.status == "passed" and self.findings:
            raise ValueError(f"{self.check_id}: a passed check cannot carry findings")
        if self.status == "failed" and not self.findings:
            raise ValueError(f"{self.check_id}: a failed check needs at least one finding")
        if self.status != "passed" and not self.message:
            raise ValueError(f"{self.check_id}: a {self.status} check needs a message")

    @property
    def worst(self) -> Severity | None:
        if not self.findings:
            return None
        return min((f.severity for f in self.findings), key=lambda s: s.rank)


@dataclass(frozen=True, kw_only=True)
class RouteFigures:
    """What the load probe measured on one route, and how it compared: for reports."""

    route: str
    method: str
    path: str
    samples: int  # successful measured requests, each in the histogram
    requests: int  # measured attempts: successes, errors and 429 answers
    rate_per_s: float  # configured
    achieved_rate_per_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    service_p95_ms: float  # from the actual send; p95_ms is from the intended send
    error_rate_pct: float
    errors: tuple[tuple[str, int], ...]  # cause, count
    throttled: int  # 429 answers received
    target_p95_ms: float
    baseline_p95_ms: float | None
    change_pct: float | None
    decision: str  # no_baseline, incomparable, regression, inconclusive, within_noise, …
    decision_reason: str
    histogram: str  # HdrHistogram encoding: the figures can be recomputed or merged
    # What became of the measured requests (defaults: figures from older reports).
    sent: int = 0  # written to a connection: what the server can have received
    answered: tuple[tuple[str, int], ...] = ()  # status class ("2xx"), count
    not_sent: tuple[tuple[str, int], ...] = ()  # reason, count
    warmup_sent: int = 0
    # Against the baseline several deploys ago (probe.gates.drift_window): "drift",
    # "steady", "no_history", or "" where it was not decided (older reports).
    drift: str = ""
    drift_reason: str = ""
    # Against a control probed in the same window (probe.compare), when there was one:
    # the control's URL for this route, its figures, and the paired decision
    # ("regression", "inconclusive", "unchanged", "improvement"; "" with no control).
    control: str = ""
    control_samples: int = 0
    control_p95_ms: float | None = None
    compare_ratio: float | None = None  # target p95 / control p95
    compare_low: float | None = None  # the ratio's confidence interval
    compare_high: float | None = None
    compare_decision: str = ""
    compare_reason: str = ""


@dataclass(frozen=True, kw_only=True)
class BaselinePoint:
    """One stored baseline entry as the p95 trend chart needs it."""

    created_at: str
    commit: str | None
    p95_ms: tuple[tuple[str, float], ...]  # (route, p95), finite values only


@dataclass(frozen=True, kw_only=True)
class BaselineRef:
    """The stored baseline a run was compared with (and what became of it)."""

    path: str
    environment: str
    created_at: str | None
    commit: str | None
    entries: int
    update: str = ""  # after the run: "updated", or why it was not
    # The entries measured with this run's probe settings, newest first: the p95 trend.
    history: tuple[BaselinePoint, ...] = ()


HookKind = Literal["command", "webhook"]
HookStatus = Literal["ok", "failed", "timeout", "skipped"]
"""``failed``: it ran and said no (exit status, HTTP status, no answer). ``timeout``: it
was stopped at its limit. ``skipped``: not run (the run was interrupted)."""


@dataclass(frozen=True, kw_only=True)
class HookResult:
    """What a rollback hook did. It is reported; it never changes the verdict."""

    kind: HookKind
    status: HookStatus
    message: str  # one line, already redacted: "exit 0 after 1.20 s", "answered 500 (3 tries)"
    duration_s: float
    attempts: int = 0
    exit_code: int | None = None  # command
    status_code: int | None = None  # webhook: the last answer
    output: str = ""  # command: the tail of stdout and stderr together, redacted


@dataclass(frozen=True, kw_only=True)
class ShardFigures:
    """One shard of a merged probe (``launchgate merge``): where and when it ran, and
    whether it kept up with its share of the load."""

    shard: str  # "2/4"
    host: str
    started_at: str  # ISO, by the shard's own clock
    clock_offset_s: float | None  # its clock minus the target's; None: unknown
    requests: int
    rate_per_s: float  # its configured share, all routes
    achieved_rate_per_s: float
    client_lag_p99_ms: float | None  # how late its own timers fired; None: no sends
    source: str  # the file it was read from

"""Everything a finished run hands to the reporters, as one frozen value."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from launchgate.results import BaselineRef, CheckResult, HookResult, RouteFigures, ShardFigures
from launchgate.verdict import Verdict

__all__ = ["RunReport"]


@dataclass(frozen=True, kw_only=True)
class RunReport:
    run_id: str  # short random id; also in the User-Agent and generated emails
    launchgate_version: str
    target_url: str  # already redacted (no userinfo, no secret query values)
    config_path: Path | None
    environment: str  # selects the baseline file later; "default" when unset
    started_at: datetime  # timezone-aware UTC
    duration_s: float
    results: tuple[CheckResult, ...]  # in the order the checks ran
    verdict: Verdict
    routes: tuple[RouteFigures, ...] = ()  # the load probe's figures, when it ran
    baseline: BaselineRef | None = None
    commit: str | None = None  # the commit under test: GITHUB_SHA, else the work tree's HEAD
    hooks: tuple[HookResult, ...] = ()  # the rollback hooks (on_fail:), when they ran
    shards: tuple[ShardFigures, ...] = ()  # the merged probe's shards (launchgate merge)

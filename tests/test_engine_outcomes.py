"""What a check measured travels back beside its result: the engine keeps a
``Measured`` outcome by check id, hands it back typed, and the report reads its
figures; a plain result leaves no outcome."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import pytest

from launchgate.checks.context import CheckContext
from launchgate.checks.plan import Measured, PlannedCheck
from launchgate.config.load import parse_config
from launchgate.engine import Run
from launchgate.results import BaselineRef, CheckResult, RouteFigures, Severity


@dataclass(frozen=True)
class Figures:
    routes: tuple[RouteFigures, ...]
    baseline: BaselineRef | None
    note: str


@dataclass(frozen=True)
class Other:
    routes: tuple[RouteFigures, ...] = ()
    baseline: BaselineRef | None = None


BASELINE = BaselineRef(
    path="baselines/test.json", environment="test", created_at=None, commit=None, entries=0
)
MEASURED = Figures(routes=(), baseline=BASELINE, note="what the check measured")


def _result(check_id: str) -> CheckResult:
    return CheckResult(
        check_id=check_id,
        kind="journey",
        title=check_id,
        severity=Severity.BLOCKER,
        status="passed",
        duration_s=0.0,
    )


async def _measuring(ctx: CheckContext) -> CheckResult | Measured:
    return Measured(_result("measures"), MEASURED)


async def _plain(ctx: CheckContext) -> CheckResult | Measured:
    return _result("plain")


class _Run(Run):
    def _plan(self) -> tuple[PlannedCheck, ...]:
        return tuple(
            PlannedCheck(
                check_id=check_id,
                kind="journey",
                title=check_id,
                severity=Severity.BLOCKER,
                needs=(),
                run=runner,
            )
            for check_id, runner in (("measures", _measuring), ("plain", _plain))
        )


def run_both() -> Run:
    text = "target: {environment: test}\njourneys: {home: {steps: [{path: /}]}}\n"
    loaded = parse_config(text, Path("launchgate.yml"), {})
    run = _Run(loaded, target_url="http://127.0.0.1:9")
    asyncio.run(run.execute_all())
    return run


def test_a_measured_check_leaves_its_result_and_its_outcome():
    run = run_both()
    assert run.results["measures"] == _result("measures")
    assert run.outcomes == {"measures": MEASURED}
    assert run.outcome("measures", Figures) is MEASURED


def test_a_plain_result_has_no_outcome():
    run = run_both()
    assert run.results["plain"] == _result("plain")
    assert run.outcome("plain", Figures) is None
    assert run.outcome("never-planned", Figures) is None


def test_asking_for_the_wrong_type_is_a_programming_error():
    run = run_both()
    with pytest.raises(TypeError, match="measured a Figures, not a Other"):
        run.outcome("measures", Other)


def test_the_report_reads_the_baseline_from_the_outcomes():
    report = run_both().report()
    assert report.baseline == BASELINE
    assert report.routes == ()

"""Builders of RunReport values for the reporter tests: the real types, no mocks."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from launchgate.results import (
    BaselinePoint,
    BaselineRef,
    CheckKind,
    CheckResult,
    CheckStatus,
    Finding,
    RouteFigures,
    Severity,
    StepRecord,
)
from launchgate.runreport import RunReport
from launchgate.verdict import decide

STARTED = datetime(2024, 5, 1, 12, 30, 5, tzinfo=UTC)


def finding(
    check_id: str,
    severity: Severity = Severity.BLOCKER,
    title: str = "login answered 500, expected 303",
    detail: str = "",
    remedy: str = "",
) -> Finding:
    return Finding(check_id=check_id, severity=severity, title=title, detail=detail, remedy=remedy)


def step(
    name: str = "post login",
    method: str = "POST",
    path: str = "/login",
    status_code: int | None = 303,
    elapsed_ms: float | None = 12.34,
    *,
    ok: bool = True,
    error: str | None = None,
) -> StepRecord:
    return StepRecord(
        name=name,
        method=method,
        path=path,
        status_code=status_code,
        elapsed_ms=elapsed_ms,
        ok=ok,
        error=error,
    )


def check(
    check_id: str,
    status: CheckStatus = "passed",
    *,
    kind: CheckKind = "journey",
    severity: Severity = Severity.BLOCKER,
    findings: Sequence[Finding] = (),
    message: str = "",
    duration_s: float = 0.25,
    steps: Sequence[StepRecord] = (),
    blocked_by: Sequence[str] = (),
) -> CheckResult:
    return CheckResult(
        check_id=check_id,
        kind=kind,
        title=check_id.replace("::", " "),
        severity=severity,
        status=status,
        duration_s=duration_s,
        findings=tuple(findings),
        message=message,
        steps=tuple(steps),
        blocked_by=tuple(blocked_by),
    )


def make_report(
    results: Sequence[CheckResult],
    *,
    fail_on: Severity = Severity.BLOCKER,
    duration_s: float = 3.5,
    target_url: str = "https://staging.example.com",
) -> RunReport:
    return RunReport(
        run_id="r-7f3a",
        launchgate_version="0.1.0",
        target_url=target_url,
        config_path=Path("launchgate.yml"),
        environment="staging",
        started_at=STARTED,
        duration_s=duration_s,
        results=tuple(results),
        verdict=decide(results, fail_on=fail_on),
    )


# The scenarios a user meets; each test module picks the ones it needs.


def all_passed() -> RunReport:
    return make_report(
        [
            check("journey::homepage", steps=[step("home", "GET", "/", 200, 8.0)]),
            check("journey::login", steps=[step()]),
            check("edge::hsts", kind="edge", duration_s=0.05),
        ]
    )


def blocker_with_skip() -> RunReport:
    signup_blocker = finding(
        "journey::signup",
        title="new user cannot log in after signup",
        detail="POST /signup -> 200\nPOST /login -> 401",
        remedy="check that signup commits the user row",
    )
    return make_report(
        [
            check("journey::homepage"),
            check(
                "journey::signup",
                "failed",
                findings=[signup_blocker],
                message="new user cannot log in after signup",
                steps=[step("signup", "POST", "/signup", 200), step(status_code=401, ok=False)],
            ),
            check(
                "journey::dashboard",
                "skipped",
                message="prerequisite journey::signup failed",
                blocked_by=["journey::signup"],
                duration_s=0.0,
            ),
            check(
                "edge::headers",
                "failed",
                kind="edge",
                severity=Severity.MEDIUM,
                findings=[
                    finding(
                        "edge::headers",
                        Severity.MEDIUM,
                        "no Content-Security-Policy header",
                        remedy="add a CSP",
                    )
                ],
                message="1 security header missing",
            ),
        ]
    )


def nonblocking_high() -> RunReport:
    return make_report(
        [
            check("journey::login"),
            check(
                "edge::tls",
                "failed",
                kind="edge",
                severity=Severity.HIGH,
                findings=[
                    finding(
                        "edge::tls",
                        Severity.HIGH,
                        "certificate expires in 9 days",
                        remedy="renew the certificate",
                    )
                ],
                message="certificate expires in 9 days",
            ),
        ]
    )


def errored_check() -> RunReport:
    return make_report(
        [
            check("journey::homepage"),
            check(
                "webhook::billing",
                "error",
                kind="webhook",
                message="check crashed: RuntimeError: boom",
            ),
        ]
    )


def zero_checks() -> RunReport:
    return make_report([])


def deadline_skip() -> RunReport:
    """A check not run because the run deadline passed: no failure explains it."""
    return make_report(
        [
            check("journey::homepage"),
            check("journey::login", "skipped", message="run deadline passed", duration_s=0.0),
        ]
    )


def parse_xml(text: str) -> ET.Element:
    # Our own output, in a test: the entity-expansion attacks S314 warns about need a
    # DTD, which junit_xml never writes.
    return ET.fromstring(text)


def route(
    name: str = "dashboard",
    *,
    p95_ms: float = 12.0,
    baseline_p95_ms: float | None = 11.0,
    decision: str = "within_noise",
) -> RouteFigures:
    return RouteFigures(
        route=name,
        method="GET",
        path=f"/{name}",
        samples=240,
        requests=240,
        rate_per_s=30.0,
        achieved_rate_per_s=29.9,
        p50_ms=p95_ms / 2,
        p95_ms=p95_ms,
        p99_ms=p95_ms * 1.5,
        max_ms=p95_ms * 2,
        service_p95_ms=p95_ms,
        error_rate_pct=0.0,
        errors=(),
        throttled=0,
        target_p95_ms=500.0,
        baseline_p95_ms=baseline_p95_ms,
        change_pct=None if baseline_p95_ms is None else (p95_ms / baseline_p95_ms - 1) * 100,
        decision=decision,
        decision_reason="",
        histogram="HISTFAAAAB",
    )


def history(*p95s: dict[str, float]) -> tuple[BaselinePoint, ...]:
    """Baseline entries, newest first, a day apart, as the probe reads them."""
    return tuple(
        BaselinePoint(
            created_at=f"2024-04-{30 - i:02d}T09:15:00Z",
            commit=f"{i:040x}",
            p95_ms=tuple(values.items()),
        )
        for i, values in enumerate(p95s)
    )


def with_probe(
    report: RunReport, routes: Sequence[RouteFigures], points: tuple[BaselinePoint, ...] = ()
) -> RunReport:
    ref = BaselineRef(
        path="baselines/staging.json",
        environment="staging",
        created_at=points[0].created_at if points else None,
        commit=points[0].commit if points else None,
        entries=len(points),
        history=points,
    )
    return dataclasses.replace(report, routes=tuple(routes), baseline=ref)

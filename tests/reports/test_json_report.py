from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

import pytest

from launchgate.reports.json_report import render_json, report_dict
from launchgate.reports.latency import latency_rows
from launchgate.results import HookResult, Severity

from .factories import (
    all_passed,
    blocker_with_skip,
    check,
    errored_check,
    finding,
    history,
    make_report,
    nonblocking_high,
    route,
    step,
    with_probe,
    zero_checks,
)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def load(text: str) -> dict[str, Any]:
    data = json.loads(text, parse_constant=_reject_constant)
    assert isinstance(data, dict)
    return data


def test_failed_run_carries_the_rollback_signal_and_each_check() -> None:
    data = load(render_json(blocker_with_skip()))
    assert data["schema_version"] == 1
    assert (data["verdict"], data["rollback"], data["exit_code"]) == ("fail", True, 1)
    assert data["reason"] == "blocker: journey::signup: new user cannot log in after signup"
    assert data["target"] == "https://staging.example.com"
    assert data["environment"] == "staging"
    assert data["config"] == "launchgate.yml"
    assert data["started_at"] == "2024-05-01T12:30:05.000Z"
    assert [c["id"] for c in data["checks"]] == [
        "journey::homepage",
        "journey::signup",
        "journey::dashboard",
        "edge::headers",
    ]
    signup = data["checks"][1]
    assert signup["status"] == "failed"
    assert signup["blocking"] is True
    assert signup["severity"] == "blocker"
    assert signup["steps"][1] == {
        "name": "post login",
        "method": "POST",
        "path": "/login",
        "status_code": 401,
        "elapsed_ms": 12.3,
        "ok": False,
        "error": None,
    }
    assert data["checks"][2]["blocked_by"] == ["journey::signup"]
    assert data["checks"][3]["blocking"] is False
    assert data["counts"]["status"] == {"passed": 1, "failed": 2, "error": 0, "skipped": 1}
    assert data["counts"]["severity"] == {"blocker": 1, "high": 0, "medium": 1}
    assert data["routes"] == []
    assert data["baseline"] is None


def test_findings_are_ranked_worst_first_with_their_check() -> None:
    report = make_report(
        [
            check(
                "edge::headers",
                "failed",
                findings=[finding("edge::headers", Severity.MEDIUM, "no CSP")],
                message="m",
            ),
            check(
                "edge::tls", "failed", findings=[finding("edge::tls", Severity.HIGH)], message="m"
            ),
            check("journey::login", "failed", findings=[finding("journey::login")], message="m"),
        ]
    )
    ranked = load(render_json(report))["findings"]
    assert [(f["severity"], f["check"]) for f in ranked] == [
        ("blocker", "journey::login"),
        ("high", "edge::tls"),
        ("medium", "edge::headers"),
    ]
    assert [f["blocking"] for f in ranked] == [True, False, False]


@pytest.mark.parametrize(
    ("factory", "verdict", "rollback", "exit_code"),
    [
        (all_passed, "pass", False, 0),
        (nonblocking_high, "pass", False, 0),
        (errored_check, "error", True, 3),
        (zero_checks, "error", True, 3),
    ],
)
def test_verdict_fields(factory: Any, verdict: str, rollback: bool, exit_code: int) -> None:
    data = load(render_json(factory()))
    assert (data["verdict"], data["rollback"], data["exit_code"]) == (verdict, rollback, exit_code)


def test_zero_checks_has_empty_lists_not_missing_keys() -> None:
    data = load(render_json(zero_checks()))
    assert data["checks"] == []
    assert data["findings"] == []
    assert data["reason"] == "no check ran, so nothing was decided"


def test_nan_and_infinity_become_null() -> None:
    report = make_report(
        [check("journey::login", duration_s=math.nan, steps=[step(elapsed_ms=math.inf)])],
        duration_s=-math.inf,
    )
    data = load(render_json(report))
    assert data["duration_s"] is None
    assert data["checks"][0]["duration_s"] is None
    assert data["checks"][0]["steps"][0]["elapsed_ms"] is None


def test_text_is_utf8_not_escaped_and_one_trailing_newline() -> None:
    report = make_report(
        [check("journey::login", "error", message='connexion refusée "vite" \\ ok')]
    )
    text = render_json(report)
    assert "refusée" in text
    assert text.endswith("}\n")
    assert load(text)["checks"][0]["message"] == 'connexion refusée "vite" \\ ok'


def test_report_dict_is_plain_data() -> None:
    data = report_dict(blocker_with_skip())
    assert json.loads(json.dumps(data, allow_nan=False)) == data


def test_hooks_commit_and_baseline_history_are_carried() -> None:
    report = with_probe(
        blocker_with_skip(), [route("dashboard")], history({"dashboard": 11.123456})
    )
    report = dataclasses.replace(
        report,
        commit="0123abcd" * 5,
        hooks=(
            HookResult(
                kind="command",
                status="timeout",
                message="killed after 5s",
                duration_s=5.0004,
                attempts=1,
                exit_code=None,
                status_code=None,
                output="...",
            ),
            HookResult(
                kind="webhook",
                status="failed",
                message="answered 500",
                duration_s=1.5,
                attempts=3,
                exit_code=None,
                status_code=500,
            ),
        ),
    )
    data = load(render_json(report))
    assert data["commit"] == "0123abcd" * 5
    assert data["hooks"] == [
        {
            "kind": "command", "status": "timeout", "message": "killed after 5s",
            "duration_s": 5.0, "attempts": 1, "exit_code": None, "status_code": None,
            "output": "...",
        },
        {
            "kind": "webhook", "status": "failed", "message": "answered 500",
            "duration_s": 1.5, "attempts": 3, "exit_code": None, "status_code": 500,
            "output": "",
        },
    ]  # fmt: skip
    assert data["baseline"]["history"] == [
        {"created_at": "2024-04-30T09:15:00Z", "commit": "0" * 40, "p95_ms": {"dashboard": 11.12}}
    ]


def test_without_hooks_or_a_repository_the_fields_are_still_there() -> None:
    data = load(render_json(all_passed()))
    assert (data["hooks"], data["commit"]) == ([], None)


def test_a_route_s_drift_is_carried_and_shown_beside_its_decision() -> None:
    drifted = dataclasses.replace(
        route("dashboard", decision="unchanged"),
        drift="drift",
        drift_reason="p95 15.0 ms vs 10.0 ms 5 baselines ago (c1), +50%",
    )
    steady = route("home", decision="unchanged")
    data = load(render_json(with_probe(all_passed(), [drifted, steady])))
    by_name = {r["route"]: r for r in data["routes"]}
    assert by_name["dashboard"]["drift"] == "drift"
    assert by_name["dashboard"]["drift_reason"].endswith("+50%")
    assert by_name["home"]["drift"] is None  # not decided: older reports look the same
    rows = {row[0]: row for row in latency_rows((drifted, steady))}
    assert rows["dashboard (/dashboard)"][-1] == "unchanged, DRIFT"
    assert rows["home (/home)"][-1] == "unchanged"


def compared(name: str, *, ratio: float, outcome: str, decision: str = "incomparable"):
    return dataclasses.replace(
        route(name, p95_ms=12.0 * ratio, baseline_p95_ms=None, decision=decision),
        control=f"https://old.example.com/{name}",
        control_samples=238,
        control_p95_ms=12.0,
        compare_ratio=ratio,
        compare_low=ratio * 0.9,
        compare_high=ratio * 1.1,
        compare_decision=outcome,
        compare_reason=f"p95 vs the control's 12.0 ms in the same window ({outcome})",
    )


def test_a_compared_route_carries_both_sides_and_the_ratio() -> None:
    slow = compared("dashboard", ratio=1.85, outcome="regression")
    data = load(render_json(with_probe(all_passed(), [slow])))
    (dashboard,) = data["routes"]
    assert dashboard["control"] == "https://old.example.com/dashboard"
    assert dashboard["control_samples"] == 238
    assert dashboard["control_p95_ms"] == 12.0
    assert dashboard["compare_ratio"] == 1.85
    assert dashboard["compare_interval"] == [1.665, 2.035]
    assert dashboard["compare_decision"] == "regression"
    assert "the control's" in dashboard["compare_reason"]
    assert dashboard["decision"] == "incomparable"  # the stored baseline's, beside it


def test_a_route_without_a_control_has_no_compare_figures() -> None:
    data = load(render_json(with_probe(all_passed(), [route("home")])))
    (home,) = data["routes"]
    keys = ("control", "control_samples", "control_p95_ms", "compare_ratio")
    assert all(home[k] is None for k in (*keys, "compare_interval", "compare_decision"))


def test_the_latency_table_grows_the_control_columns_only_with_a_control() -> None:
    from launchgate.reports.latency import LATENCY_HEADER, latency_header

    slow = compared("dashboard", ratio=1.85, outcome="regression", decision="within_noise")
    same = compared("home", ratio=1.02, outcome="unchanged")
    header = latency_header((slow, same))
    assert header == (*LATENCY_HEADER[:-1], "control p95", "vs control", "decision")
    assert latency_header((route("home"),)) == LATENCY_HEADER
    rows = {row[0]: dict(zip(header, row, strict=True)) for row in latency_rows((slow, same))}
    dashboard = rows["dashboard (/dashboard)"]
    assert dashboard["control p95"] == "12.0 ms"
    assert dashboard["vs control"] == "×1.85 (×1.67–×2.04)"
    assert dashboard["decision"] == "REGRESSION vs control; baseline: within noise"
    assert rows["home (/home)"]["decision"] == "unchanged vs control; baseline: incomparable"

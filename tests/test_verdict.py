"""The verdict is pure: every combination of outcomes, and the fail-closed property."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from launchgate.results import CheckResult, CheckStatus, Finding, Severity
from launchgate.verdict import decide, is_blocking


def result(
    check_id: str,
    status: CheckStatus,
    severity: Severity = Severity.BLOCKER,
    blocked_by: tuple[str, ...] = (),
) -> CheckResult:
    findings = (
        (Finding(check_id=check_id, severity=severity, title=f"{check_id} broke"),)
        if status == "failed"
        else ()
    )
    message = "" if status == "passed" else f"{check_id} {status}"
    return CheckResult(
        check_id=check_id,
        kind="journey",
        title=check_id,
        severity=severity,
        status=status,
        duration_s=0.1,
        findings=findings,
        message=message,
        blocked_by=blocked_by,
    )


def test_all_passed_is_a_pass():
    verdict = decide([result("a", "passed"), result("b", "passed")])
    assert verdict.outcome == "pass"
    assert verdict.exit_code == 0
    assert verdict.rollback is False


def test_no_checks_is_never_a_pass():
    verdict = decide([])
    assert verdict.outcome == "error"
    assert verdict.exit_code == 3
    assert verdict.rollback is True


def test_only_skipped_checks_is_never_a_pass():
    assert decide([result("a", "skipped")]).outcome == "error"


def test_a_blocker_fails_and_names_the_check():
    verdict = decide([result("a", "passed"), result("b", "failed")])
    assert verdict.outcome == "fail"
    assert verdict.exit_code == 1
    assert verdict.reason == "blocker: b: b broke"
    assert [f.check_id for f in verdict.blocking] == ["b"]


def test_a_high_finding_is_reported_but_does_not_fail_by_default():
    verdict = decide([result("a", "passed"), result("b", "failed", Severity.HIGH)])
    assert verdict.outcome == "pass"
    assert verdict.blocking == ()


def test_fail_on_high_makes_high_findings_block():
    verdict = decide([result("b", "failed", Severity.HIGH)], fail_on=Severity.HIGH)
    assert verdict.outcome == "fail"


def test_a_crashed_check_is_could_not_decide():
    verdict = decide([result("a", "passed"), result("b", "error")])
    assert verdict.outcome == "error"
    assert verdict.undecided == ("b",)


def test_a_definite_failure_outranks_a_crash():
    verdict = decide([result("a", "failed"), result("b", "error")])
    assert verdict.outcome == "fail"


def test_a_skip_explained_by_a_failure_is_a_fail():
    verdict = decide([result("a", "failed"), result("b", "skipped", blocked_by=("a",))])
    assert verdict.outcome == "fail"


def test_a_skip_behind_a_non_blocking_failure_is_could_not_decide():
    # The dashboard could not be checked because a "high" prerequisite failed: nothing
    # blocking was found, but a check that matters never ran. Not a pass.
    verdict = decide(
        [result("a", "failed", Severity.HIGH), result("b", "skipped", blocked_by=("a",))]
    )
    assert verdict.outcome == "error"
    assert verdict.undecided == ("b",)


def test_a_skip_with_no_cause_is_could_not_decide():
    verdict = decide([result("a", "passed"), result("b", "skipped", blocked_by=("x",))])
    assert verdict.outcome == "error"


@pytest.mark.parametrize(
    ("status", "findings", "message", "problem"),
    [
        (
            "passed",
            (Finding(check_id="a", severity=Severity.BLOCKER, title="x"),),
            "",
            "cannot carry findings",
        ),
        ("failed", (), "broke", "needs at least one finding"),
        ("error", (), "", "needs a message"),
        ("skipped", (), "", "needs a message"),
    ],
)
def test_results_validate_their_own_shape(status, findings, message, problem):
    with pytest.raises(ValueError, match=problem):
        CheckResult(
            check_id="a",
            kind="journey",
            title="a",
            severity=Severity.BLOCKER,
            status=status,
            duration_s=0.0,
            findings=findings,
            message=message,
        )


outcomes = st.lists(
    st.tuples(
        st.sampled_from(["passed", "failed", "error", "skipped"]),
        st.sampled_from(list(Severity)),
    ),
    max_size=8,
)


@given(outcomes, st.sampled_from(list(Severity)))
def test_exit_0_if_and_only_if_a_check_ran_and_nothing_blocks(cases, fail_on):
    results = []
    for i, (status, severity) in enumerate(cases):
        # A skip names the check before it as its cause, as the engine does.
        blocked = (f"c{i - 1}",) if status == "skipped" and i > 0 else ()
        results.append(result(f"c{i}", status, severity, blocked))
    verdict = decide(results, fail_on=fail_on)
    ran = any(r.status in ("passed", "failed") for r in results)
    blocking = any(r.status == "failed" and r.severity.at_least(fail_on) for r in results)
    undecided = any(r.status == "error" for r in results)
    # A skip is explained only by a prerequisite that decides the verdict itself.
    deciding = {
        c.check_id
        for c in results
        if c.status == "error" or (c.status == "failed" and c.severity.at_least(fail_on))
    }
    unexplained_skip = any(
        r.status == "skipped" and not deciding & set(r.blocked_by) for r in results
    )
    expected_pass = ran and not blocking and not undecided and not unexplained_skip
    assert (verdict.exit_code == 0) == expected_pass
    assert verdict.rollback == (not expected_pass)
    if blocking:
        assert verdict.outcome == "fail"


# -- a partial gate (a narrowed pytest run) ----------------------------------------------


def not_selected(check_id: str) -> CheckResult:
    return CheckResult(
        check_id=check_id,
        kind="journey",
        title=check_id,
        severity=Severity.BLOCKER,
        status="skipped",
        duration_s=0.0,
        message="not selected",
    )


def test_a_partial_gate_is_could_not_decide_and_names_what_was_left_out():
    results = [result("a", "passed"), result("b", "passed"), not_selected("c")]
    verdict = decide(results, not_selected={"c"})
    assert verdict.outcome == "error"
    assert verdict.rollback is True
    assert verdict.reason == "partial gate: only 2 of 3 checks selected (not selected: c)"
    assert verdict.not_selected == ("c",)
    assert verdict.undecided == ("c",)


def test_a_partial_gate_names_five_and_counts_the_rest():
    results = [result("a", "passed"), *(not_selected(f"n{i}") for i in range(7))]
    verdict = decide(results, not_selected={f"n{i}" for i in range(7)})
    assert verdict.reason == (
        "partial gate: only 1 of 8 checks selected (not selected: n0, n1, n2, n3, n4 and 2 more)"
    )
    assert len(verdict.not_selected) == 7


def test_nothing_selected_is_a_partial_gate_too():
    verdict = decide([not_selected("a"), not_selected("b")], not_selected={"a", "b"})
    assert verdict.outcome == "error"
    assert verdict.reason.startswith("partial gate: only 0 of 2 checks selected")


def test_a_blocker_in_a_partial_gate_still_fails_and_keeps_the_left_out_ids():
    results = [result("a", "failed"), not_selected("b")]
    verdict = decide(results, not_selected={"b"})
    assert verdict.outcome == "fail"
    assert verdict.not_selected == ("b",)


def test_a_partial_gate_also_names_checks_that_did_not_complete():
    results = [result("a", "error"), result("b", "passed"), not_selected("c")]
    verdict = decide(results, not_selected={"c"})
    assert verdict.outcome == "error"
    assert verdict.reason.endswith("; 1 other check(s) did not complete (a)")


@given(outcomes, st.sets(st.integers(0, 7)), st.sampled_from(list(Severity)))
def test_a_partial_gate_never_passes(cases, left_out, fail_on):
    results = [
        not_selected(f"c{i}") if i in left_out else result(f"c{i}", status, severity)
        for i, (status, severity) in enumerate(cases)
    ]
    ids = {r.check_id for r in results if r.message == "not selected"}
    verdict = decide(results, fail_on=fail_on, not_selected=ids)
    if ids:
        assert verdict.outcome != "pass"
        assert set(verdict.not_selected) == ids


@pytest.mark.parametrize(
    ("severity", "fail_on", "blocks"),
    [
        (Severity.BLOCKER, Severity.BLOCKER, True),
        (Severity.HIGH, Severity.BLOCKER, False),
        (Severity.HIGH, Severity.HIGH, True),
        (Severity.BLOCKER, Severity.MEDIUM, True),
        (Severity.MEDIUM, Severity.HIGH, False),
    ],
)
def test_is_blocking_is_at_or_above_fail_on(
    severity: Severity, fail_on: Severity, blocks: bool
) -> None:
    failed = result("a", "failed", severity)
    assert is_blocking(failed.findings[0], fail_on) is blocks
    assert is_blocking(failed, fail_on) is blocks
    assert is_blocking(result("b", "passed"), fail_on) is False


@given(
    st.lists(
        st.tuples(st.sampled_from(["passed", "failed", "error"]), st.sampled_from(list(Severity))),
        max_size=6,
    ),
    st.sampled_from(list(Severity)),
)
def test_the_verdict_blames_exactly_the_checks_the_rule_calls_blocking(
    specs: list[tuple[CheckStatus, Severity]], fail_on: Severity
) -> None:
    results = [result(f"c{i}", status, sev) for i, (status, sev) in enumerate(specs)]
    verdict = decide(results, fail_on=fail_on)
    for r in results:
        assert verdict.blames(r) is is_blocking(r, fail_on)

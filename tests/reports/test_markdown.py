from __future__ import annotations

from launchgate.reports.markdown import render_summary
from launchgate.results import Severity

from .factories import (
    all_passed,
    blocker_with_skip,
    check,
    errored_check,
    finding,
    make_report,
    nonblocking_high,
    zero_checks,
)


def table_rows(text: str, heading: str) -> list[str]:
    section = text.split(f"### {heading}\n\n", 1)[1]
    lines = section.split("\n\n", 1)[0].splitlines()
    return lines[2:]  # after the header row and the separator


def test_first_line_is_the_verdict_then_the_reason() -> None:
    lines = render_summary(blocker_with_skip()).splitlines()
    assert lines[0] == "## launchgate: FAIL — rollback recommended"
    assert lines[2] == "blocker: journey::signup: new user cannot log in after signup"


def test_headlines_for_pass_and_could_not_decide() -> None:
    assert render_summary(all_passed()).startswith("## launchgate: PASS\n")
    error = render_summary(errored_check())
    assert error.startswith(
        "## launchgate: COULD NOT DECIDE — failing closed, rollback recommended\n"
    )
    assert "webhook::billing" in error.splitlines()[2]


def test_risks_are_listed_worst_first_with_what_to_do() -> None:
    report = make_report(
        [
            check(
                "edge::headers",
                "failed",
                findings=[finding("edge::headers", Severity.MEDIUM, "no CSP", remedy="add one")],
                message="m",
            ),
            check(
                "journey::login",
                "failed",
                findings=[finding("journey::login", remedy="fix the login handler")],
                message="login answered 500, expected 303",
            ),
        ]
    )
    rows = table_rows(render_summary(report), "Launch risks")
    assert rows == [
        "| blocker | journey::login | login answered 500, expected 303 | fix the login handler |",
        "| medium (not blocking) | edge::headers | no CSP | add one |",
    ]


def test_no_risks_sentence_when_clean() -> None:
    text = render_summary(all_passed())
    assert "No launch risks found." in text
    assert "| severity |" not in text


def test_non_blocking_finding_is_listed_but_marked() -> None:
    text = render_summary(nonblocking_high())
    assert "| high (not blocking) | edge::tls | certificate expires in 9 days |" in text
    assert "| ✗ failed (not blocking) | edge::tls |" in text


def test_checks_table_has_every_check_in_order() -> None:
    rows = table_rows(render_summary(blocker_with_skip()), "Checks")
    assert [r.split(" | ")[1] for r in rows] == [
        "journey::homepage",
        "journey::signup",
        "journey::dashboard",
        "edge::headers",
    ]
    assert rows[2].startswith("| – skipped | journey::dashboard | 0.00 s | prerequisite")


def test_pipes_newlines_and_tags_cannot_break_a_table() -> None:
    report = make_report(
        [
            check(
                "journey::login",
                "failed",
                findings=[
                    finding(
                        "journey::login",
                        title="a | b",
                        detail="line one\nline two | <script>x</script>",
                    )
                ],
                message="expected 200 | 303\ngot 500",
            )
        ]
    )
    text = render_summary(report)
    (risk,) = table_rows(text, "Launch risks")
    assert risk.startswith("| blocker | journey::login | a \\| b<br>line one<br>line two \\| ")
    assert "&lt;script>" in risk
    assert "<script>" not in text
    (row,) = table_rows(text, "Checks")
    assert row.endswith("| expected 200 \\| 303<br>got 500 |")


def test_footer_says_where_and_when() -> None:
    last = render_summary(all_passed()).rstrip("\n").splitlines()[-1]
    for fact in (
        "target https://staging.example.com",
        "environment staging",
        "run r-7f3a",
        "launchgate 0.1.0",
        "started 2024-05-01 12:30:05 UTC",
    ):
        assert fact in last


def test_zero_checks_says_so() -> None:
    text = render_summary(zero_checks())
    assert "No check ran." in text
    assert "no check ran, so nothing was decided" in text


def test_no_risks_is_never_claimed_for_checks_that_did_not_complete() -> None:
    interrupted = make_report(
        [
            check("journey::homepage"),
            check("journey::login", "error", message="interrupted before it finished"),
            check("journey::dashboard", "error", message="not run: the run was interrupted"),
        ]
    )
    for report in (interrupted, errored_check(), zero_checks()):
        text = render_summary(report)
        assert "No launch risks found." not in text
        assert "Nothing can be ruled out" in text
    assert "2 check(s) did not complete (journey::login, journey::dashboard)" in render_summary(
        interrupted
    )

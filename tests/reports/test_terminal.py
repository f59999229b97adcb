from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from launchgate.reports.terminal import (
    format_check_line,
    print_check,
    print_summary,
    render_risk_list,
)
from launchgate.results import CheckStatus
from launchgate.runreport import RunReport

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


def plain_console() -> Console:
    return Console(file=io.StringIO(), width=80, no_color=True)


def output(console: Console) -> str:
    file = console.file
    assert isinstance(file, io.StringIO)
    return file.getvalue()


def summary_text(report: RunReport, written: tuple[Path, ...] = ()) -> str:
    console = plain_console()
    print_summary(console, report, written)
    return output(console)


@pytest.mark.parametrize(
    ("report", "last_line"),
    [
        (all_passed(), "PASS (exit 0)"),
        (nonblocking_high(), "PASS (exit 0)"),
        (blocker_with_skip(), "FAIL — rollback recommended (exit 1)"),
        (errored_check(), "COULD NOT DECIDE — failing closed, rollback recommended (exit 3)"),
        (zero_checks(), "COULD NOT DECIDE — failing closed, rollback recommended (exit 3)"),
    ],
)
def test_last_line_is_the_verdict_with_its_exit_code(report: RunReport, last_line: str) -> None:
    lines = summary_text(report).rstrip("\n").splitlines()
    assert lines[-1] == last_line
    assert lines[-2] == report.verdict.reason


def test_summary_lists_risks_worst_first_and_paths_written() -> None:
    written = (Path("out/junit.xml"), Path("out/report.json"), Path("out/summary.md"))
    text = summary_text(blocker_with_skip(), written)
    assert text.index("new user cannot log in after signup") < text.index("no Content-Security")
    assert "what to do: check that signup commits the user row" in text
    assert "not blocking" in text
    for path in written:
        assert str(path) in text


def test_clean_run_says_no_risks() -> None:
    assert "No launch risks found." in summary_text(all_passed())


@pytest.mark.parametrize(
    ("status", "mark"), [("passed", "✓"), ("failed", "✗"), ("error", "!"), ("skipped", "–")]
)
def test_check_line_starts_with_its_mark_and_id(status: CheckStatus, mark: str) -> None:
    findings = [finding("journey::login")] if status == "failed" else []
    message = "" if status == "passed" else "something happened"
    result = check("journey::login", status, findings=findings, message=message)
    line = format_check_line(result, blocking=True).plain
    assert line.startswith(f"{mark} journey::login  0.25 s")
    assert ("something happened" in line) == (status != "passed")


def test_non_blocking_failure_says_so() -> None:
    result = nonblocking_high().results[1]
    assert format_check_line(result, blocking=False).plain.endswith("(not blocking)")


def test_messages_are_never_markup_or_terminal_escapes() -> None:
    nasty = "token [bold]x[/bold] [redacted] [/] \x1b[2J done"
    report = make_report(
        [
            check(
                "journey::login",
                "failed",
                findings=[finding("journey::login", title=nasty, remedy=nasty)],
                message=nasty,
            )
        ]
    )
    console = plain_console()
    print_check(console, report.results[0], blocking=True)
    print_summary(console, report)
    text = output(console)
    assert "[bold]x[/bold] [redacted] [/]" in text
    assert text.count("[bold]x[/bold]") == 4  # line, title, remedy, reason
    assert "\x1b" not in text
    assert "\\x1b[2J" in text


def test_long_check_ids_are_not_broken_at_80_columns() -> None:
    long_id = "webhook::billing::stripe-signature::replayed-event-rejected"
    report = make_report(
        [
            check(
                long_id,
                "failed",
                findings=[
                    finding(long_id, title="the receiver accepted the same event twice " * 3)
                ],
                message="the receiver accepted a replayed event within the tolerance window",
            )
        ]
    )
    console = plain_console()
    print_check(console, report.results[0], blocking=True)
    console.print(render_risk_list(report))
    text = output(console)
    assert text.count(long_id) == 2
    assert all(len(line) <= 80 for line in text.splitlines())
    # The message wraps under the id, not under the mark.
    second = text.splitlines()[1]
    assert second.startswith("  ")
    assert second.strip()


@pytest.mark.parametrize("report", [errored_check(), zero_checks()], ids=["errored", "none ran"])
def test_no_risks_is_never_claimed_when_checks_did_not_complete(report: RunReport) -> None:
    text = summary_text(report)
    assert "No launch risks found." not in text
    assert "Nothing can be ruled out" in text


def test_problems_come_just_before_the_verdict() -> None:
    console = plain_console()
    print_summary(console, errored_check(), problems=["could not write out/summary.md: full"])
    lines = output(console).rstrip("\n").splitlines()
    assert lines[-3] == "error: could not write out/summary.md: full"
    assert lines[-1].endswith("(exit 3)")


def test_the_latency_table_shows_the_control_and_the_gating_decision_in_80_columns() -> None:
    import dataclasses

    from launchgate.reports.terminal import render_latency

    from .factories import route, with_probe

    slow = dataclasses.replace(
        route("dashboard", p95_ms=22.2, baseline_p95_ms=12.5, decision="regression"),
        control="http://127.0.0.1:8001/dashboard",
        control_p95_ms=12.0,
        compare_ratio=1.85,
        compare_low=1.6,
        compare_high=2.1,
        compare_decision="unchanged",
    )
    console = plain_console()
    console.print(render_latency(with_probe(all_passed(), [slow])))
    text = output(console)
    header, row = text.splitlines()[1:3]
    assert header.split() == [
        "route", "p95", "target", "baseline", "errors", "control", "vs", "control", "decision"
    ]  # fmt: skip
    assert "×1.85" in row and "12.0 ms" in row
    # The decision that gated is the control's; the stored one is in summary.md.
    assert row.split()[-1] == "unchanged"
    assert "REGRESSION" not in text

"""GitHub workflow commands, outputs and the step summary, as pure text."""

from __future__ import annotations

import base64
import dataclasses
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from launchgate.errors import ConfigProblem
from launchgate.reports.github import (
    GROUP_END,
    annotation_lines,
    command,
    config_annotations,
    escape_data,
    escape_property,
    format_outputs,
    group_start,
    mask_commands,
    step_summary,
)
from launchgate.results import HookResult, Severity

from .factories import (
    all_passed,
    blocker_with_skip,
    check,
    deadline_skip,
    errored_check,
    finding,
    make_report,
    nonblocking_high,
)

COMMAND = re.compile(r"^::(?P<name>[a-z-]+)(?: (?P<props>[^:]*))?::(?P<message>.*)$")


def unescape(text: str) -> str:
    # The runner's own unescaping (actions/runner ActionCommand.Unescape*).
    return unquote(text)


def parse(line: str) -> tuple[str, dict[str, str], str]:
    match = COMMAND.match(line)
    assert match, line
    props = {}
    if match["props"]:
        for pair in match["props"].split(","):
            key, _, value = pair.partition("=")
            props[key] = unescape(value)
    return match["name"], props, unescape(match["message"])


# -- escaping, as the runner reads it back ------------------------------------------------


@given(st.text())
def test_escaped_data_round_trips_and_stays_on_one_line(text: str) -> None:
    escaped = escape_data(text)
    assert "\n" not in escaped and "\r" not in escaped
    assert unescape(escaped) == text


@given(st.text())
def test_escaped_property_cannot_end_the_property(text: str) -> None:
    escaped = escape_property(text)
    assert not set(escaped) & {"\n", "\r", ":", ","}
    assert unescape(escaped) == text


def test_a_hostile_title_cannot_forge_a_command_of_its_own() -> None:
    line = command("error", "boom\n::add-mask::x", title="a::b, c%0A")
    assert "\n" not in line
    name, props, message = parse(line)
    assert (name, props, message) == ("error", {"title": "a::b, c%0A"}, "boom\n::add-mask::x")


def test_empty_properties_are_left_out() -> None:
    assert command("error", "m", title="", file="x.yml") == "::error file=x.yml::m"
    assert command("warning", "m") == "::warning::m"
    assert group_start("launchgate:\n 3 checks") == "::group::launchgate: 3 checks"
    assert GROUP_END == "::endgroup::"


# -- masks ----------------------------------------------------------------------------------


def test_mask_commands_cover_the_secret_and_its_encodings() -> None:
    secret = "pa%ss w0rd&=x,y"
    masked = {parse(line)[2] for line in mask_commands(secret)}
    assert secret in masked
    assert "pa%25ss%20w0rd%26%3Dx%2Cy" in masked  # URL-encoded
    b64 = base64.b64encode(secret.encode()).decode().rstrip("=")
    assert any(form in b64 for form in masked if form != secret)
    assert all(parse(line)[0] == "add-mask" for line in mask_commands(secret))


def test_a_multiline_secret_is_masked_line_by_line_and_short_lines_are_not() -> None:
    key = "-----BEGIN KEY-----\nMIIEvQIBADANBgkq\nab\n-----END KEY-----\n"
    masked = {parse(line)[2] for line in mask_commands(key)}
    assert {"-----BEGIN KEY-----", "MIIEvQIBADANBgkq", "-----END KEY-----"} <= masked
    assert "ab" not in masked
    assert not any("\n" in m for m in masked)


# -- annotations ------------------------------------------------------------------------------


def test_one_error_per_blocker_naming_the_check_and_what_to_do() -> None:
    (line,) = annotation_lines(blocker_with_skip())
    name, props, message = parse(line)
    assert name == "error"
    assert props == {"title": "launchgate blocker: journey::signup"}
    assert message == (
        "new user cannot log in after signup\nWhat to do: check that signup commits the user row"
    )


def test_a_high_finding_that_does_not_block_is_a_warning() -> None:
    (line,) = annotation_lines(nonblocking_high())
    assert parse(line)[:2] == ("warning", {"title": "launchgate high: edge::tls"})


def test_a_high_finding_that_blocks_is_an_error() -> None:
    report = make_report(
        [
            check(
                "edge::hsts",
                "failed",
                severity=Severity.HIGH,
                findings=[finding("edge::hsts", Severity.HIGH, "no HSTS")],
                message="no HSTS",
            )
        ],
        fail_on=Severity.HIGH,
    )
    assert [parse(line)[0] for line in annotation_lines(report)] == ["error"]


def test_could_not_decide_is_an_error_per_check_or_one_for_the_verdict() -> None:
    (line,) = annotation_lines(errored_check())
    assert parse(line)[:2] == ("error", {"title": "launchgate could not decide: webhook::billing"})
    (line,) = annotation_lines(deadline_skip())
    _name, props, message = parse(line)
    assert props == {"title": "launchgate could not decide"}
    assert "journey::login" in message


def test_nothing_to_annotate_on_a_clean_pass() -> None:
    assert annotation_lines(all_passed()) == []


def test_a_failed_hook_is_an_error_that_says_the_verdict_stands() -> None:
    report = dataclasses.replace(
        blocker_with_skip(),
        hooks=(
            HookResult(kind="command", status="ok", message="exit 0 after 1 s", duration_s=1.0),
            HookResult(
                kind="webhook",
                status="failed",
                message="answered 500 Internal Server Error (3 tries)",
                duration_s=2.0,
            ),
        ),
    )
    lines = [parse(line) for line in annotation_lines(report)]
    assert [props["title"] for _, props, _ in lines] == [
        "launchgate blocker: journey::signup",
        "launchgate rollback webhook failed",
    ]
    assert "the verdict stays fail" in lines[1][2]


def test_config_problems_point_at_their_file_and_line() -> None:
    problems = [
        ConfigProblem(Path("ci/launchgate.yml"), 12, "target.timeot", "unknown key 'timeot'"),
        ConfigProblem(Path("launchgate.yml"), None, "", "no such file"),
    ]
    first, second = (parse(line) for line in config_annotations(problems))
    assert first[1] == {
        "title": "invalid launchgate config",
        "file": "ci/launchgate.yml",
        "line": "12",
    }
    assert first[2] == "target.timeot: unknown key 'timeot'"
    assert second[1] == {"title": "invalid launchgate config", "file": "launchgate.yml"}


# -- outputs and the step summary ------------------------------------------------------------


def test_outputs_one_per_line_and_heredoc_for_a_line_break() -> None:
    text = format_outputs([("verdict", "fail"), ("reason", "a\nb")], delimiter="EOF_x1")
    assert text == "verdict=fail\nreason<<EOF_x1\na\nb\nEOF_x1\n"
    with pytest.raises(ValueError, match="delimiter"):
        format_outputs([("reason", "x\nEOF_x1")], delimiter="EOF_x1")


def test_summary_is_kept_whole_under_the_limit_and_cut_at_a_section_over_it() -> None:
    text = "## launchgate: PASS\n\n" + "\n\n".join(f"| row {i} |" for i in range(200))
    assert step_summary(text) == text + "\n"
    cut = step_summary(text, limit_bytes=500)
    assert len(cut.encode()) <= 500
    assert cut.startswith("## launchgate: PASS\n\n")
    assert cut.endswith("summary.md has all of it)*\n")
    assert "| row 1" in cut and "| row 199 |" not in cut
    assert step_summary(text, limit_bytes=10) == ""  # not even the note fits: nothing

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

from launchgate.reports.junit import VERDICT_CASE, render_junit
from launchgate.results import Severity

from .factories import (
    all_passed,
    blocker_with_skip,
    check,
    deadline_skip,
    errored_check,
    finding,
    make_report,
    nonblocking_high,
    parse_xml,
    step,
    zero_checks,
)


def cases(xml: str) -> dict[str, ET.Element]:
    root = parse_xml(xml)
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == "launchgate"
    return {c.get("name", ""): c for c in suite.findall("testcase")}


def outcome(case: ET.Element) -> str | None:
    tags = [c.tag for c in case if c.tag in ("failure", "error", "skipped")]
    assert len(tags) <= 1, tags
    return tags[0] if tags else None


def test_all_passed_is_one_green_case_per_check_in_run_order() -> None:
    by_name = cases(render_junit(all_passed()))
    assert list(by_name) == ["journey::homepage", "journey::login", "edge::hsts"]
    assert all(outcome(c) is None for c in by_name.values())
    assert by_name["edge::hsts"].get("classname") == "launchgate.edge"
    assert float(by_name["journey::login"].get("time", "")) == 0.25
    out = by_name["journey::login"].findtext("system-out") or ""
    assert "POST /login -> 303" in out
    assert "12.3 ms" in out


def test_blocker_is_a_failure_and_its_dependent_is_skipped() -> None:
    by_name = cases(render_junit(blocker_with_skip()))
    signup = by_name["journey::signup"]
    assert outcome(signup) == "failure"
    failure = signup.find("failure")
    assert failure is not None
    assert failure.get("message") == "new user cannot log in after signup"
    assert failure.get("type") == "blocker"
    text = failure.text or ""
    assert text.startswith("blocker: new user cannot log in after signup")
    assert "POST /login -> 401" in text
    assert "check that signup commits the user row" in text

    dashboard = by_name["journey::dashboard"]
    assert outcome(dashboard) == "skipped"
    skipped = dashboard.find("skipped")
    assert skipped is not None
    assert skipped.get("message") == "prerequisite journey::signup failed"

    # A medium finding in a failing run is reported, not a second failure.
    headers = by_name["edge::headers"]
    assert outcome(headers) is None
    out = headers.findtext("system-out") or ""
    assert "not blocking: medium: no Content-Security-Policy header" in out
    assert VERDICT_CASE not in by_name


def test_non_blocking_high_finding_keeps_the_suite_green() -> None:
    xml = render_junit(nonblocking_high())
    root = parse_xml(xml)
    assert root.get("failures") == "0"
    assert root.get("errors") == "0"
    tls = cases(xml)["edge::tls"]
    assert outcome(tls) is None
    assert "not blocking: high: certificate expires in 9 days" in (tls.findtext("system-out") or "")


def test_high_finding_fails_when_the_config_fails_on_high() -> None:
    report = make_report(nonblocking_high().results, fail_on=Severity.HIGH)
    assert outcome(cases(render_junit(report))["edge::tls"]) == "failure"


def test_errored_check_is_an_error_and_needs_no_verdict_case() -> None:
    by_name = cases(render_junit(errored_check()))
    error = by_name["webhook::billing"].find("error")
    assert error is not None
    assert error.get("message") == "check crashed: RuntimeError: boom"
    assert VERDICT_CASE not in by_name
    assert len(by_name) == 2


def test_zero_checks_still_shows_an_error() -> None:
    by_name = cases(render_junit(zero_checks()))
    assert list(by_name) == [VERDICT_CASE]
    error = by_name[VERDICT_CASE].find("error")
    assert error is not None
    assert error.get("message") == "no check ran, so nothing was decided"


def test_deadline_skip_gets_a_verdict_error_naming_the_check() -> None:
    by_name = cases(render_junit(deadline_skip()))
    assert outcome(by_name["journey::login"]) == "skipped"
    error = by_name[VERDICT_CASE].find("error")
    assert error is not None
    assert "could not decide" in error.get("message", "")
    assert "journey::login" in (error.text or "")


def test_control_characters_and_odd_text_keep_the_xml_valid() -> None:
    nasty = 'bad \x00\x1b[31m\x08 <tag> & "quotes" \ud800 \ufffe end'
    report = make_report(
        [
            check(
                "journey::login",
                "failed",
                findings=[finding("journey::login", title=nasty, detail=nasty, remedy=nasty)],
                message=nasty,
                steps=[step(path="/x?" + nasty, error=nasty)],
            ),
            check("journey::home", "error", message=nasty),
        ]
    )
    by_name = cases(render_junit(report))  # parses
    failure = by_name["journey::login"].find("failure")
    assert failure is not None
    message = failure.get("message", "")
    assert '<tag> & "quotes"' in message
    assert "\\x1b[31m" in message  # shown, not swallowed and not obeyed


def test_nan_duration_is_not_written_as_a_time() -> None:
    report = make_report([check("journey::login", duration_s=math.nan)])
    case = cases(render_junit(report))["journey::login"]
    assert case.get("time") is None

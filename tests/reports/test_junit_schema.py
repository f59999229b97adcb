"""junit.xml validates against the Jenkins xunit schema, whatever the run's outcome:
a strict CI reporter that rejects the file drops the verdict with it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import xmlschema

from launchgate.reports.junit import render_junit
from launchgate.runreport import RunReport

from .factories import all_passed, blocker_with_skip, deadline_skip, errored_check, zero_checks

SCHEMA = xmlschema.XMLSchema(Path(__file__).parent / "schemas" / "junit-10.xsd")


@pytest.mark.parametrize(
    "build",
    [all_passed, blocker_with_skip, errored_check, zero_checks, deadline_skip],
    ids=["passing", "failing-and-skipped", "errored", "no-checks", "could-not-decide"],
)
def test_junit_validates_against_the_jenkins_schema(build: Callable[[], RunReport]) -> None:
    text = render_junit(build())
    errors = [str(e.reason) for e in SCHEMA.iter_errors(text)]
    assert errors == []


def test_times_have_at_most_three_decimals_and_add_up() -> None:
    text = render_junit(all_passed())
    SCHEMA.validate(text)
    assert "disabled=" not in text
    assert 'time="0.250"' in text

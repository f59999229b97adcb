"""`pytest --launchgate` in ordinary project layouts: the whole gate runs whatever
paths pytest walks, a narrowed run is a partial gate that never passes, and the
documented node ids select checks (also through --lf and --ff)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.plugin_target import CHECKS, HAND_WRITTEN, gate_yml, junit_cases, report, shop
from tests.servers import MisbehavingServer, answer

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

NO_CACHE = ("-p", "no:cacheprovider")


@pytest.fixture
def project(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., MisbehavingServer]]:
    """``project(homepage_ok=...)``: a shop on loopback, launchgate.yml at the project
    root and hand-written tests (one on the login journey's session) under tests/."""
    monkeypatch.delenv("LAUNCHGATE_URL", raising=False)
    servers: list[MisbehavingServer] = []

    def make(*, homepage_ok: bool) -> MisbehavingServer:
        server = shop(homepage_ok=homepage_ok)
        servers.append(server)
        (pytester.path / "launchgate.yml").write_text(gate_yml(server.url))
        (pytester.path / "tests").mkdir(exist_ok=True)
        (pytester.path / "tests" / "test_mine.py").write_text(HAND_WRITTEN)
        return server

    yield make
    for server in servers:
        server.stop()


LAYOUTS = {
    "pytest.ini": ("[pytest]\ntestpaths = tests\n", ()),
    "pyproject.toml": ('[tool.pytest.ini_options]\ntestpaths = ["tests"]\n', ()),
    "tox.ini": ("[pytest]\ntestpaths = tests\n", ()),
    "path-argument": (None, ("tests/",)),
    "rootdir": (None, ("--rootdir", "tests", "tests")),
    "confcutdir": (None, ("--confcutdir", "tests", "tests")),
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_every_check_runs_whatever_paths_pytest_walks(
    pytester: pytest.Pytester, project: Callable[..., MisbehavingServer], layout: str
) -> None:
    server = project(homepage_ok=False)
    ini, args = LAYOUTS[layout]
    if ini is not None:
        (pytester.path / layout).write_text(ini)
    result = pytester.runpytest_subprocess("--launchgate", "-v", *NO_CACHE, *args)

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*launchgate.yml::readiness PASSED*",
            "*launchgate.yml::journey::homepage FAILED*",
            "*launchgate.yml::journey::login PASSED*",
            "*launchgate.yml::journey::dashboard PASSED*",
            "*test_mine.py::test_plan PASSED*",
            "*verdict: FAIL*journey::homepage*",
        ]
    )
    data = report(pytester.path)
    assert (data["verdict"], data["exit_code"], data["not_selected"]) == ("fail", 1, [])
    assert {c["id"]: c["status"] for c in data["checks"]} == {
        "readiness": "passed",
        "journey::homepage": "failed",
        "journey::login": "passed",
        "journey::dashboard": "passed",
    }
    # The hand-written test used the gate's own login: it ran once.
    assert server.count("POST", "/login") == 1


NARROWED = {
    "-k": (("-k", "login"), ["journey::homepage", "journey::dashboard"]),
    # Only the hand-written tests: test_plan's session ran readiness and login for it.
    "-m": (("-m", "not launchgate"), ["journey::homepage", "journey::dashboard"]),
    "--deselect": (("--deselect", "launchgate.yml::journey::homepage"), ["journey::homepage"]),
    "node id": (("launchgate.yml::journey::login",), ["journey::homepage", "journey::dashboard"]),
}


@pytest.mark.parametrize("how", list(NARROWED))
def test_a_narrowed_run_is_a_partial_gate_that_never_passes(
    pytester: pytest.Pytester, project: Callable[..., MisbehavingServer], how: str
) -> None:
    project(homepage_ok=False)  # the failing check is never the one selected
    args, left_out = NARROWED[how]
    result = pytester.runpytest_subprocess("--launchgate", "-v", *NO_CACHE, *args)

    assert result.ret == pytest.ExitCode.OK  # pytest's own: nothing it ran failed
    ran = len(CHECKS) - len(left_out)
    data = report(pytester.path)
    assert data["verdict"] == "error"
    assert data["rollback"] is True
    assert data["exit_code"] == 3
    assert data["reason"].startswith(f"partial gate: only {ran} of 4 checks selected")
    assert data["not_selected"] == left_out
    statuses = {c["id"]: (c["status"], c["message"][:13]) for c in data["checks"]}
    assert [c for c, (status, _) in statuses.items() if status != "passed"] == left_out
    assert all(statuses[c] == ("skipped", "not selected:") for c in left_out)
    # A prerequisite of a selected check (readiness) counts as run.
    if ran:
        assert statuses["readiness"][0] == "passed"

    cases = junit_cases(pytester.path)
    assert all(cases[c].startswith("skipped: not selected") for c in left_out)
    assert cases["launchgate::verdict"].startswith(f"error: partial gate: only {ran} of 4")
    result.stdout.fnmatch_lines(
        [
            f"not selected: {', '.join(left_out)}",
            "verdict: COULD NOT DECIDE*partial gate*",
            "pytest exits 0 (every selected test passed): that is not the gate's verdict*",
        ]
    )
    summary = (pytester.path / "launchgate-results" / "summary.md").read_text()
    assert "No launch risks found" not in summary
    assert "were not selected" in summary


def test_documented_node_ids_select_checks(
    pytester: pytest.Pytester, project: Callable[..., MisbehavingServer]
) -> None:
    """README: node ids such as launchgate.yml::journey::login; a level selects all below."""
    project(homepage_ok=True)
    login, readiness = "launchgate.yml::journey::login", "launchgate.yml::readiness"
    result = pytester.runpytest_subprocess("--launchgate", "-v", *NO_CACHE, login, readiness)
    result.assert_outcomes(passed=2)
    journeys = "launchgate.yml::journey"
    result = pytester.runpytest_subprocess("--launchgate", "-v", *NO_CACHE, journeys)
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*journey::homepage PASSED*", "*journey::dashboard PASSED*"])
    assert report(pytester.path)["not_selected"] == []  # readiness ran for the journeys


def test_last_failed_reruns_the_failed_check_and_says_the_gate_is_partial(
    pytester: pytest.Pytester, project: Callable[..., MisbehavingServer]
) -> None:
    project(homepage_ok=False)
    first = pytester.runpytest_subprocess("--launchgate")
    assert first.ret == pytest.ExitCode.TESTS_FAILED

    again = pytester.runpytest_subprocess("--launchgate", "--lf", "-v")
    again.assert_outcomes(failed=1, deselected=5)
    again.stdout.fnmatch_lines(["*rerun previous 1 failure*", "*journey::homepage FAILED*"])
    data = report(pytester.path)
    # The blocker failed again: that outranks the partial gate, and both are said.
    assert data["verdict"] == "fail"
    assert data["not_selected"] == ["journey::login", "journey::dashboard"]

    first_failed = pytester.runpytest_subprocess("--launchgate", "--ff", "-v")
    first_failed.assert_outcomes(failed=1, passed=5)
    lines = [line for line in first_failed.outlines if " PASSED" in line or " FAILED" in line]
    assert "journey::homepage FAILED" in lines[0]
    assert report(pytester.path)["not_selected"] == []


def test_a_full_passing_run_passes_without_the_cache_provider(
    pytester: pytest.Pytester, project: Callable[..., MisbehavingServer]
) -> None:
    server = project(homepage_ok=True)
    (pytester.path / "pytest.ini").write_text("[pytest]\ntestpaths = tests\n")
    result = pytester.runpytest_subprocess("--launchgate", *NO_CACHE)
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(["*verdict: PASS: 4 check(s) ran and none is blocking*"])
    assert "not selected" not in result.stdout.str()
    assert report(pytester.path)["verdict"] == "pass"
    assert server.count("GET", "/healthz") == 1


def test_an_unwritable_report_makes_the_terminal_say_what_the_files_say(
    pytester: pytest.Pytester, project: Callable[..., MisbehavingServer]
) -> None:
    project(homepage_ok=True)
    (pytester.path / "launchgate-results" / "summary.md").mkdir(parents=True)
    result = pytester.runpytest_subprocess("--launchgate", *NO_CACHE)
    result.assert_outcomes(passed=6)
    data = report(pytester.path)
    assert (data["verdict"], data["exit_code"]) == ("error", 3)
    result.stdout.fnmatch_lines(
        ["*verdict: COULD NOT DECIDE*", "could not write the reports:*summary.md*"]
    )
    assert "verdict: PASS" not in result.stdout.str()


FOLLOWS_AWAY = """
def test_away(launchgate_client):
    assert launchgate_client.get("/away", follow_redirects=True).status_code == 200
"""


def test_the_fixture_client_keeps_credentials_on_the_target_when_a_test_follows_away(
    pytester: pytest.Pytester, project: Callable[..., MisbehavingServer]
) -> None:
    other = MisbehavingServer(answer(200, "landed"), host="127.0.0.2")
    try:
        server = shop(homepage_ok=True, away=f"{other.url}/land")
        try:
            config = gate_yml(server.url).replace(
                "  timeout: 5s\n", "  timeout: 5s\n  headers: {X-Api-Key: k3y-0f-the-target}\n", 1
            )
            (pytester.path / "launchgate.yml").write_text(config)
            (pytester.path / "test_away.py").write_text(FOLLOWS_AWAY)
            result = pytester.runpytest_subprocess("--launchgate", *NO_CACHE, "test_away.py")
        finally:
            server.stop()
        result.assert_outcomes(passed=5)  # the whole gate runs too, and passes
        assert server.requests and "x-api-key" in server.requests[-1].headers
        landed = [r for r in other.requests if r.route == "/land"]
        assert len(landed) == 1
        assert "x-api-key" not in landed[0].headers
    finally:
        other.stop()


LOGS_THE_SESSION = """
import logging

def test_logs(launchgate_session):
    client = launchgate_session("login")
    logging.getLogger("shop.tests").debug("session cookie %s", client.cookies["shop_session"])
    assert client.get("/dashboard").status_code == 500  # fails: pytest shows its logs
"""


def test_pytest_log_capture_and_log_cli_never_show_the_session_cookie(
    pytester: pytest.Pytester, project: Callable[..., MisbehavingServer]
) -> None:
    project(homepage_ok=True)
    (pytester.path / "tests" / "test_logs.py").write_text(LOGS_THE_SESSION)
    result = pytester.runpytest_subprocess(
        "--launchgate", *NO_CACHE, "--log-level=DEBUG", "-o", "log_cli=true",
        "--log-cli-level=DEBUG", "tests/test_logs.py",
    )  # fmt: skip
    result.assert_outcomes(passed=4, failed=1)
    text = result.stdout.str() + result.stderr.str()
    result.stdout.fnmatch_lines(["*session cookie [[]redacted[]]*"])
    assert "s3ss10n" not in text

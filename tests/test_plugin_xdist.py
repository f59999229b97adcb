"""`pytest -n 2 --launchgate` with pytest-xdist for real: the gate's items run once, on
one worker, the controller alone writes the reports, and they say what ran."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.plugin_target import HAND_WRITTEN, gate_yml, junit_cases, report, shop
from tests.servers import MisbehavingServer

pytest.importorskip("xdist")
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

XDIST = ("-n", "2", "-p", "no:cacheprovider")
MORE_TESTS = "\n".join(f"def test_other_{i}():\n    assert True\n" for i in range(6))


@pytest.fixture
def project(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., MisbehavingServer]]:
    monkeypatch.delenv("LAUNCHGATE_URL", raising=False)
    servers: list[MisbehavingServer] = []

    def make(*, homepage_ok: bool, hand_written: str = MORE_TESTS) -> MisbehavingServer:
        server = shop(homepage_ok=homepage_ok)
        servers.append(server)
        (pytester.path / "launchgate.yml").write_text(gate_yml(server.url))
        (pytester.path / "tests").mkdir(exist_ok=True)
        (pytester.path / "tests" / "test_mine.py").write_text(hand_written)
        return server

    yield make
    for server in servers:
        server.stop()


def test_a_failing_blocker_fails_every_report(
    pytester: pytest.Pytester, project: Callable[..., MisbehavingServer]
) -> None:
    server = project(homepage_ok=False)
    result = pytester.runpytest_subprocess("--launchgate", *XDIST)
    result.assert_outcomes(passed=9, failed=1)

    data = report(pytester.path)
    assert {c["id"]: c["status"] for c in data["checks"]} == {
        "readiness": "passed",
        "journey::homepage": "failed",
        "journey::login": "passed",
        "journey::dashboard": "passed",
    }
    assert (data["verdict"], data["rollback"], data["exit_code"]) == ("fail", True, 1)
    result.stdout.fnmatch_lines(["*verdict: FAIL*journey::homepage*"])
    cases = junit_cases(pytester.path)
    assert [name for name, outcome in cases.items() if outcome != "passed"] == ["journey::homepage"]
    assert cases["journey::homepage"].startswith("failure:")
    # One worker ran the whole gate: readiness and login once, not once per worker.
    assert server.count("GET", "/healthz") == 1
    assert server.count("POST", "/login") == 1


def test_a_passing_gate_passes_and_hand_written_tests_get_their_session(
    pytester: pytest.Pytester, project: Callable[..., MisbehavingServer]
) -> None:
    server = project(homepage_ok=True, hand_written=HAND_WRITTEN + MORE_TESTS)
    result = pytester.runpytest_subprocess("--launchgate", *XDIST)
    result.assert_outcomes(passed=12)
    result.stdout.fnmatch_lines(["*verdict: PASS: 4 check(s) ran and none is blocking*"])
    assert "not the gate's verdict" not in result.stdout.str()

    data = report(pytester.path)
    assert (data["verdict"], data["exit_code"], data["not_selected"]) == ("pass", 0, [])
    assert [c["status"] for c in data["checks"]] == ["passed"] * 4
    assert set(junit_cases(pytester.path).values()) == {"passed"}
    # test_plan needs a session where it runs: on the gate's worker it reuses the gate's
    # login, on the other one it logs in once more. Never once per item.
    assert server.count("POST", "/login") in (1, 2)


def test_a_narrowed_distributed_run_is_partial(
    pytester: pytest.Pytester, project: Callable[..., MisbehavingServer]
) -> None:
    project(homepage_ok=False)
    result = pytester.runpytest_subprocess("--launchgate", *XDIST, "-k", "login or other")
    assert result.ret == pytest.ExitCode.OK
    data = report(pytester.path)
    assert data["verdict"] == "error"
    assert data["not_selected"] == ["journey::homepage", "journey::dashboard"]
    assert data["reason"].startswith("partial gate: only 2 of 4 checks selected")
    result.stdout.fnmatch_lines(["pytest exits 0 (every selected test passed): that is not*"])


def test_dist_each_is_refused(pytester: pytest.Pytester) -> None:
    (pytester.path / "launchgate.yml").write_text(gate_yml("http://127.0.0.1:9"))
    result = pytester.runpytest_subprocess("--launchgate", "-n", "2", "--dist", "each")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--dist each runs every test on every worker*"])
    assert not (pytester.path / "launchgate-results").exists()

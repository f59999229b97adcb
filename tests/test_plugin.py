"""`pytest --launchgate` end to end, in a child pytest run (pytester), against the demo."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from launchgate.demo import DemoServer

DEMO_CONFIG = Path(__file__).parents[1] / "launchgate/demo/launchgate.yml"
SENTINEL = "Sentinel-Pl4nted-Secret-7781"

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


@pytest.fixture
def gated(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    demo_server: Callable[..., DemoServer],
    fast_demo_env: dict[str, str],
) -> Callable[..., DemoServer]:
    """A demo server plus a pytester folder holding the demo's launchgate.yml."""

    def start(*faults: str) -> DemoServer:
        server = demo_server(
            faults,
            password=SENTINEL,
            extra_env={"LAUNCHGATE_DEMO_WEBHOOK_SECRET": "whsec_plugin_test_secret"},
        )
        for name, value in server.gate_environ().items():  # the edge's ports, CA, DNS
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("LAUNCHGATE_DEMO_PASSWORD", SENTINEL)
        monkeypatch.setenv("LAUNCHGATE_DEMO_WEBHOOK_SECRET", "whsec_plugin_test_secret")
        monkeypatch.delenv("LAUNCHGATE_URL", raising=False)
        for name, value in fast_demo_env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("LAUNCHGATE_DEMO_BASELINES", str(pytester.path / "baselines"))
        (pytester.path / "launchgate.yml").write_text(DEMO_CONFIG.read_text())
        return server

    return start


def test_one_item_per_check_in_dependency_order(pytester: pytest.Pytester, gated) -> None:
    server = gated()
    result = pytester.runpytest_subprocess(
        "--launchgate",
        "--launchgate-url",
        server.url,
        "--junitxml",
        "out.xml",
        "-v",
        "-p",
        "no:cacheprovider",
    )
    result.assert_outcomes(passed=36)  # 32, and issue 16's three checks and the log check
    result.stdout.fnmatch_lines(
        [
            "*launchgate.yml::readiness PASSED*",
            "*launchgate.yml::journey::homepage PASSED*",
            "*launchgate.yml::journey::signup PASSED*",
            "*launchgate.yml::journey::login PASSED*",
            "*launchgate.yml::journey::dashboard PASSED*",
            "*launchgate.yml::webhook::billing::signed PASSED*",
            "*launchgate.yml::webhook::billing::replay PASSED*",
            "*launchgate.yml::probe PASSED*",
            "*launchgate.yml::probe::dashboard::regression PASSED*",
            "*launchgate.yml::edge::tls PASSED*",
            "*launchgate.yml::edge::private-cache::dashboard PASSED*",
            "*launchgate.yml::security::login-rate-limit PASSED*",
            "*launchgate.yml::logs::leaks PASSED*",
            "*verdict: PASS*",
        ]
    )
    junit = ET.parse(pytester.path / "out.xml").getroot()
    # pytest's JUnit writer splits node ids at "::" into classname and name.
    cases = [(case.get("classname"), case.get("name")) for case in junit.iter("testcase")]
    assert len(cases) == 36
    assert ("launchgate.yml.logs", "leaks") in cases
    assert ("launchgate.yml.journey", "login") in cases
    assert ("launchgate.yml.webhook.billing", "forged") in cases
    # The gate's own reports are written too, with the same verdict.
    report = (pytester.path / "launchgate-results" / "report.json").read_text()
    assert '"verdict": "pass"' in report


def test_a_failed_prerequisite_skips_its_dependents(pytester: pytest.Pytester, gated) -> None:
    server = gated("login-500")
    result = pytester.runpytest_subprocess(
        "--launchgate", "--launchgate-url", server.url, "-v", "-rs", "-p", "no:cacheprovider"
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*journey::login FAILED*",
            "*journey::dashboard SKIPPED*",
            "*_ launchgate: journey::login _*",
            "journey::login failed: step 2/2 'submit the login form' answered 500, expected 303*",
            "*what to do: the app failed on this route*",
            "*verdict: FAIL*",
        ]
    )
    result.stdout.fnmatch_lines(["*SKIPPED*not run: prerequisite journey::login failed*"])
    assert SENTINEL not in result.stdout.str() + result.stderr.str()


def test_hand_written_tests_use_the_fixtures(pytester: pytest.Pytester, gated) -> None:
    server = gated()
    pytester.makepyfile(
        test_mine="""
        import pytest

        @pytest.mark.launchgate
        def test_homepage(launchgate_client):
            assert launchgate_client.get("/").status_code == 200

        def test_plan(launchgate_session):
            client = launchgate_session("login")
            assert client.get("/api/me").json()["plan"] == "pro"
        """
    )
    result = pytester.runpytest_subprocess(
        "--launchgate", "--launchgate-url", server.url, "-v", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=38)
    result.stdout.fnmatch_lines(["*test_mine.py::test_plan PASSED*"])


def test_without_the_flag_it_does_nothing(pytester: pytest.Pytester) -> None:
    (pytester.path / "launchgate.yml").write_text("this: is [not valid")  # never read
    pytester.makepyfile(
        test_plain="""
        def test_one():
            assert True

        def test_fixture_skips(launchgate_client):
            pass
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*run pytest with --launchgate*"])
    assert not (pytester.path / "launchgate-results").exists()
    assert "-- launchgate --" not in result.stdout.str()


def test_without_the_flag_nothing_heavy_is_imported(pytester: pytest.Pytester) -> None:
    """Installed, the plugin loads in every pytest run: it must stay out of the way."""
    pytester.makepyfile(
        test_light="""
        import sys

        def test_nothing_heavy():
            loaded = [m for m in ("launchgate.engine", "launchgate.config", "pydantic", "httpx")
                      if m in sys.modules]
            assert loaded == []
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:anyio")
    result.assert_outcomes(passed=1)


def test_options_are_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--help")
    result.stdout.fnmatch_lines(
        [
            "*--launchgate *",
            "*--launchgate-config=FILE*",
            "*--launchgate-url=URL*",
            "*--launchgate-out=DIR*",
            "*--launchgate-compare-url=URL*",
        ]
    )


def test_the_compare_url_option_gates_the_target_against_a_live_control(
    pytester: pytest.Pytester, gated, demo_server: Callable[..., DemoServer]
) -> None:
    """As pytest runs it: the faulted app against a healthy one, side by side."""
    server = gated("dashboard-slow")
    control = demo_server(password=SENTINEL)
    result = pytester.runpytest_subprocess(
        "--launchgate",
        "--launchgate-url",
        server.url,
        "--launchgate-compare-url",
        control.url,
        "-p",
        "no:cacheprovider",
    )
    result.assert_outcomes(passed=33, failed=3)
    result.stdout.fnmatch_lines(
        ["probe::dashboard::regression failed: dashboard: *vs the control's *in the same window*"]
    )
    assert SENTINEL not in result.stdout.str() + result.stderr.str()


def test_a_bad_config_is_a_usage_error(pytester: pytest.Pytester) -> None:
    (pytester.path / "launchgate.yml").write_text(
        "target:\n  url: http://127.0.0.1:9\n  tiemout: 1s\n"
        "journeys:\n  a:\n    steps: [{path: /}]\n"
    )
    result = pytester.runpytest_subprocess("--launchgate", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*launchgate.yml:3: target.tiemout: unknown key 'tiemout'; did you mean 'timeout'?*"]
    )
    assert "Traceback" not in result.stderr.str()


def test_a_config_of_offline_checks_needs_no_url(pytester: pytest.Pytester) -> None:
    """Only a secret scan: nothing talks to an app, so no URL is asked for."""
    (pytester.path / "launchgate.yml").write_text("secret_scan: {path: ., history: false}\n")
    (pytester.path / "app.py").write_text("print('hello')\n")
    result = pytester.runpytest_subprocess("--launchgate", "-v", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*launchgate.yml::secrets* PASSED*", "*verdict: PASS*"])

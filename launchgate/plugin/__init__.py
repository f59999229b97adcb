"""The pytest face: ``pytest --launchgate`` collects the checks of launchgate.yml as items.

Without ``--launchgate`` this module registers its options, its marker and its fixtures
and does nothing else: it imports nothing heavy, so other test suites do not slow down.
The work lives in :mod:`launchgate.plugin.session`, imported only when enabled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from launchgate.options import OPTIONS

if TYPE_CHECKING:
    import httpx

    from launchgate.plugin.session import GateSession

__all__ = ["launchgate_client", "launchgate_session"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("launchgate", "launchgate deploy gate")
    group.addoption(
        "--launchgate",
        action="store_true",
        default=False,
        help="collect the checks of launchgate.yml as test items and gate the target",
    )
    for option in OPTIONS:
        group.addoption(
            option.pytest_flag,
            dest=f"launchgate_{option.name}",
            metavar=option.metavar,
            default=None,
            help=option.help,
        )
        parser.addini(option.ini, help=f"launchgate: {option.help}", default=None)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "launchgate: a launchgate check, or a hand-written test of the gated app"
    )
    if config.getoption("launchgate"):
        from launchgate.plugin.session import SESSION_KEY, gate_file_nodeid, start_session

        if config.getoption("dist", default="no") == "each":
            raise pytest.UsageError(
                "launchgate: --dist each runs every test on every worker, so the gate would "
                "run once per worker; use -n with --dist load (the default), loadscope, "
                "loadfile or loadgroup"
            )
        start_session(config)
        if config.pluginmanager.has_plugin("xdist"):
            from launchgate.plugin.xdist import XdistGate

            gate = config.stash[SESSION_KEY]
            nodeid = gate_file_nodeid(config.rootpath, gate.loaded.path)
            config.pluginmanager.register(XdistGate(gate, nodeid), "launchgate-xdist")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    session = _session(parent.config)
    if session is not None:
        return session.collect_file(file_path, parent)
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    gate = _session(config)
    if gate is not None:
        gate.add_items(session, items)


def pytest_collection_finish(session: pytest.Session) -> None:
    # After every pytest_collection_modifyitems (-k, -m, --deselect, --lf): what runs.
    gate = _session(session.config)
    if gate is not None:
        gate.record_selection(session.items)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    gate = _session(session.config)
    if gate is not None:
        gate.finish()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int) -> None:
    gate = _session(terminalreporter.config)
    if gate is not None:
        gate.summarize(terminalreporter, exitstatus)


def _session(config: pytest.Config) -> GateSession | None:
    if not config.getoption("launchgate", default=False):
        return None
    from launchgate.plugin.session import SESSION_KEY

    return config.stash.get(SESSION_KEY, None)


def _require(config: pytest.Config) -> GateSession:
    session = _session(config)
    if session is None:
        pytest.skip("launchgate is off: run pytest with --launchgate to check the target")
    return session


@pytest.fixture
def launchgate_client(request: pytest.FixtureRequest) -> Iterator[httpx.Client]:
    """An httpx client on the gated target (base URL, TLS settings, User-Agent)."""
    with _require(request.config).client() as client:
        yield client


@pytest.fixture
def launchgate_session(
    request: pytest.FixtureRequest,
) -> Iterator[Callable[..., httpx.Client]]:
    """A factory: ``launchgate_session("login")`` is a client already logged in by that
    journey (its cookies), running the journey first if it has not run yet."""
    gate = _require(request.config)
    clients: list[httpx.Client] = []

    def factory(journey: str = "login") -> httpx.Client:
        client = gate.session_client(journey)
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.close()

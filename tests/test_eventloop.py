"""launchgate's event loop: uvloop where installed, asyncio's when asked for."""

from __future__ import annotations

import asyncio
import sys

import pytest

from launchgate.eventloop import ENV_VAR, loop_name, new_runner


async def _running_loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__


@pytest.mark.skipif(sys.platform == "win32", reason="uvloop is not a dependency on Windows")
def test_runs_on_uvloop_where_it_is_a_dependency(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    with new_runner() as runner:
        assert runner.run(_running_loop_module()).startswith("uvloop")
    assert loop_name() == "uvloop"


@pytest.mark.parametrize("value", ["asyncio", " AsyncIO "])
def test_the_environment_can_ask_for_asyncios_own_loop(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(ENV_VAR, value)
    with new_runner() as runner:
        assert runner.run(_running_loop_module()).startswith("asyncio")
    assert loop_name() == "asyncio"

"""``python tests/leak_runner.py OUTCOME ARGS…``: ``launchgate ARGS…`` in a child process,
as a user runs it; with OUTCOME ``crash``, the journey's expectation check raises an
error quoting the whole response body, as a launchgate bug on a real answer would."""

from __future__ import annotations

import sys
from typing import Any

import launchgate.checks.journeys as journeys
from launchgate.checks.http import Exchange
from launchgate.cli import main


def _crash_on_echo() -> None:
    # Through the module's namespace: journeys looks the name up there at each step.
    real = vars(journeys)["check_expectations"]

    def check_expectations(expect: Any, outcome: Exchange, *args: Any, **kwargs: Any) -> Any:
        if "/echo" in outcome.url:
            raise RuntimeError(f"launchgate bug while reading {outcome.text}")
        return real(expect, outcome, *args, **kwargs)

    vars(journeys)["check_expectations"] = check_expectations


if __name__ == "__main__":
    if sys.argv[1] == "crash":
        _crash_on_echo()
    sys.exit(main(sys.argv[2:]))

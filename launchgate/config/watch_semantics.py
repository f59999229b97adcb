"""Rules of the ``watch:`` section the schema alone cannot say. Pure, like
:mod:`launchgate.config.semantics`, which calls :func:`watch_problems`."""

from __future__ import annotations

from collections.abc import Iterator

from launchgate.config.model import Config
from launchgate.config.yamlsource import KeyPath

__all__ = ["watch_problems"]


def watch_problems(config: Config) -> Iterator[tuple[KeyPath, str]]:
    watch = config.watch
    if watch is None or watch.checks is None:
        return
    if not watch.checks:
        yield ("watch", "checks"), "nothing to watch: list at least one check, or leave it out"
    known = ", ".join(config.journeys) or "none"
    for name, check in watch.checks.items():
        key: KeyPath = ("watch", "checks", name)
        if check.journey is not None and check.journey not in config.journeys:
            yield (*key, "journey"), f"no journey named '{check.journey}' (journeys: {known})"
        if check.path is not None and name in config.journeys:
            yield (
                key,
                (
                    f"a path check cannot share its name with the journey '{name}': "
                    f"rename it, or watch the journey with `journey: {name}`"
                ),
            )

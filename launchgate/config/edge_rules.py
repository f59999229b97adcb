"""Rules of the ``edge:`` section the schema alone cannot say. Pure: a Config in,
located problems out (see :mod:`launchgate.config.semantics`)."""

from __future__ import annotations

from collections.abc import Iterator

from launchgate.config.hosts import parse_edge_url, parse_resolve
from launchgate.config.model import Config
from launchgate.config.template import GENERATED_NAMES, names_in
from launchgate.config.yamlsource import KeyPath

__all__ = ["duplicate_overrides", "edge_problems"]

Problem = tuple[KeyPath, str]


def edge_problems(config: Config, session_captures: dict[str, set[str]]) -> Iterator[Problem]:
    """``session_captures``: journey name -> the names its session carries."""
    edge = config.edge
    if edge is None:
        return
    canonical = parse_edge_url(edge.url)
    seen: dict[str, int] = {}
    for i, alias in enumerate(edge.aliases):
        url = parse_edge_url(alias)
        if url.origin == canonical.origin and url.path == canonical.path:
            yield ("edge", "aliases", i), "an alias cannot be the canonical URL itself"
        elif str(url) in seen:
            yield ("edge", "aliases", i), f"the same URL as aliases[{seen[str(url)]}]"
        seen.setdefault(str(url), i)
    yield from duplicate_overrides("edge", edge.resolve)
    names: dict[str, int] = {}
    for i, sub in enumerate(edge.subdomains):
        if sub.name in names:
            yield ("edge", "subdomains", i), f"{sub.name} is already listed at [{names[sub.name]}]"
        names.setdefault(sub.name, i)
    for journey, paths in edge.private_pages.items():
        key: KeyPath = ("edge", "private_pages", journey)
        if journey not in config.journeys:
            known = ", ".join(config.journeys) or "none"
            yield key, f"no journey named '{journey}' (journeys: {known})"
            continue
        known_names = session_captures.get(journey, set()) | GENERATED_NAMES
        for j, path in enumerate(paths):
            for name in names_in(path):
                if name not in known_names:
                    choices = ", ".join(sorted(known_names))
                    yield (*key, j), f"unknown variable {{{{ {name} }}}} (known here: {choices})"


def duplicate_overrides(section: str, texts: list[str]) -> Iterator[Problem]:
    """A second ``resolve`` entry for the same HOST:PORT (``section``: edge, target)."""
    overrides: dict[tuple[str, int], int] = {}
    for i, text in enumerate(texts):
        entry = parse_resolve(text)
        where = (entry.host, entry.port)
        if where in overrides:
            yield (
                (section, "resolve", i),
                f"{entry.host}:{entry.port} is already overridden by resolve[{overrides[where]}]",
            )
        overrides.setdefault(where, i)

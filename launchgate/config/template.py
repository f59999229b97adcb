"""``{{ name }}`` run-time templates: generated values and captures, filled per request.

Kept apart from ``${ENV}`` interpolation (load time) so a value captured from a
response can never be re-read as an environment reference, and so the loader can
check every reference before anything runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

__all__ = [
    "GENERATED_NAMES",
    "TARGET_NAMES",
    "UnknownVariable",
    "names_in",
    "render",
    "render_value",
    "strings_in",
]

_TEMPLATE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)\s*\}\}")

TARGET_NAMES = frozenset({"target.url", "target.origin", "target.host"})
"""The target's URL, origin and host, for a step that builds a header or body from them."""

GENERATED_NAMES = frozenset({"run.email", "run.password", "run.id"}) | TARGET_NAMES
"""Values the run provides: made fresh for every run (a throwaway signup address and
password, an id), and the target's URL, origin and host (the control's, against it)."""


class UnknownVariable(KeyError):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(name)


def names_in(text: str) -> Iterator[str]:
    for m in _TEMPLATE.finditer(text):
        yield m.group(1)


def render(text: str, variables: Mapping[str, str]) -> str:
    def substitute(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in variables:
            raise UnknownVariable(name)
        return variables[name]

    return _TEMPLATE.sub(substitute, text)


def render_value(value: object, variables: Mapping[str, str]) -> object:
    """Render every string inside a JSON-like value (dicts, lists, scalars)."""
    if isinstance(value, str):
        return render(value, variables)
    if isinstance(value, dict):
        return {render(str(k), variables): render_value(v, variables) for k, v in value.items()}
    if isinstance(value, list):
        return [render_value(v, variables) for v in value]
    return value


def strings_in(value: object) -> Iterator[str]:
    """Every string inside a JSON-like value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from strings_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings_in(v)

"""JSON paths for expectations and captures, through jsonpath-ng.

A thin typed wrapper: the library is untyped and raises several exception types
for a bad path; we raise one, with the path in the message.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonpath_ng.ext.parser import parse

__all__ = ["JsonPathError", "compile_path", "find"]


class JsonPathError(ValueError):
    pass


@lru_cache(maxsize=256)
def compile_path(path: str) -> Any:
    try:
        return parse(path)
    # jsonpath-ng raises its lexer and parser errors but also bare Exception subclasses
    # from the ply grammar; any of them means "not a path we can use".
    except Exception as exc:
        raise JsonPathError(f"not a valid JSON path {path!r}: {exc}") from None


def find(path: str, document: object) -> list[object]:
    """Every value at ``path`` in ``document`` (empty when there is none)."""
    return [match.value for match in compile_path(path).find(document)]

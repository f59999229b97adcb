"""``${NAME}`` and ``${NAME:-default}`` environment interpolation, done at load time.

Interpolation happens on string scalars as the YAML is read, so a missing variable is
reported with the file, line and key that asked for it. ``$${`` writes a literal ``${``.
Run-time values (captures, the generated email) use ``{{ name }}`` instead and are
untouched here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["MissingVariable", "interpolate", "referenced_names"]

_REF = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\{([^}]*)\}?")


class MissingVariable(ValueError):
    def __init__(self, name: str, *, malformed: bool = False) -> None:
        self.name = name
        self.malformed = malformed
        if malformed:
            msg = (
                f"'${{{name}' is not a valid reference: write ${{NAME}} or "
                "${NAME:-default} (NAME: letters, digits, underscores), or $${ for a literal"
            )
        else:
            msg = (
                f"environment variable {name} is not set: export it, or give a "
                f"default with ${{{name}:-value}}"
            )
        super().__init__(msg)


def interpolate(text: str, environ: Mapping[str, str]) -> str:
    """Replace each reference; raise :class:`MissingVariable` for an unset one.

    An empty variable counts as set, except under ``:-``, which (as in the shell) also
    replaces an empty value with the default.
    """
    if "$" not in text:
        return text

    def substitute(m: re.Match[str]) -> str:
        if m.group(0) == "$${":
            return "${"
        name = m.group(1)
        if name is None:
            raise MissingVariable(m.group(3) or "", malformed=True)
        default = m.group(2)
        value = environ.get(name)
        if default is not None:
            return value if value else default
        if value is None:
            raise MissingVariable(name)
        return value

    return _REF.sub(substitute, text)


def referenced_names(text: str) -> list[str]:
    """The environment variable names a string refers to (for `secrets:` hints)."""
    return [m.group(1) for m in _REF.finditer(text) if m.group(1)]

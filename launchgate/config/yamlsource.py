"""Read YAML into plain values while remembering where each value came from.

PyYAML's ``safe_load`` forgets line numbers, and a config error without a line is
a config error people have to hunt for. So we compose the node tree (which keeps
marks), build plain dicts/lists/scalars ourselves, and record a line per key path.
Duplicate keys, which ``safe_load`` silently resolves to the last one, are errors.
Environment interpolation happens here too, because here we still know the line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from launchgate.config.interpolate import MissingVariable, interpolate, referenced_names
from launchgate.errors import ConfigError, ConfigProblem

__all__ = ["KeyPath", "Locations", "YamlDocument", "format_key", "read_yaml"]

KeyPath = tuple[str | int, ...]


def format_key(path: KeyPath) -> str:
    """``("journeys", "login", "steps", 0, "expect")`` -> ``journeys.login.steps[0].expect``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


@dataclass
class Locations:
    """Line numbers (1-based) of each key and each value, by key path."""

    key_lines: dict[KeyPath, int] = field(default_factory=dict)
    value_lines: dict[KeyPath, int] = field(default_factory=dict)
    # Values that came from the environment, with the variables they name: never
    # echoed in an error (they may be secrets and the `secrets:` list may not have
    # loaded), but the variables are, so the error names where the value came from.
    interpolated: dict[KeyPath, tuple[str, ...]] = field(default_factory=dict)

    def line_of(self, path: KeyPath, *, prefer_key: bool = False) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            prefix = path[:end]
            first, second = (
                (self.key_lines, self.value_lines)
                if prefer_key
                else (self.value_lines, self.key_lines)
            )
            if prefix in first:
                return first[prefix]
            if prefix in second:
                return second[prefix]
        return None


@dataclass(frozen=True)
class YamlDocument:
    file: Path
    data: object
    locations: Locations


def read_yaml(text: str, file: Path, environ: Mapping[str, str]) -> YamlDocument:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = exc.problem or exc.context or "invalid YAML"
        raise ConfigError(ConfigProblem(file, line, "", f"YAML syntax error: {what}")) from None
    except yaml.YAMLError as exc:
        raise ConfigError(ConfigProblem(file, None, "", f"YAML error: {exc}")) from None
    finally:
        loader.dispose()
    locations = Locations()
    problems: list[ConfigProblem] = []
    builder = _Builder(loader, file, environ, locations, problems)
    data = {} if node is None else builder.build(node, ())
    if problems:
        raise ConfigError(problems)
    return YamlDocument(file, data, locations)


class _Builder:
    def __init__(
        self,
        loader: yaml.SafeLoader,
        file: Path,
        environ: Mapping[str, str],
        locations: Locations,
        problems: list[ConfigProblem],
    ) -> None:
        self.loader = loader
        self.file = file
        self.environ = environ
        self.locations = locations
        self.problems = problems

    def build(self, node: Node, path: KeyPath) -> object:
        self.locations.value_lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, MappingNode):
            return self._mapping(node, path)
        if isinstance(node, SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        raise AssertionError(f"unexpected YAML node {type(node).__name__}")  # pragma: no cover

    def _mapping(self, node: MappingNode, path: KeyPath) -> dict[str, object]:
        self.loader.flatten_mapping(node)  # resolves "<<: *anchor" merge keys
        out: dict[str, object] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            key = self.loader.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                self.problems.append(
                    ConfigProblem(
                        self.file, line, format_key(path), f"keys must be text, got {key!r}"
                    )
                )
                continue
            child = (*path, key)
            if key in out:
                first = self.locations.key_lines.get(child)
                self.problems.append(
                    ConfigProblem(
                        self.file,
                        line,
                        format_key(child),
                        f"duplicate key (first defined on line {first}); keep one",
                    )
                )
                continue
            self.locations.key_lines[child] = line
            out[key] = self.build(value_node, child)
        return out

    def _scalar(self, node: ScalarNode, path: KeyPath) -> object:
        value = self.loader.construct_object(node, deep=True)
        if not isinstance(value, str):
            return value
        try:
            result = interpolate(value, self.environ)
        except MissingVariable as exc:
            self.problems.append(
                ConfigProblem(self.file, node.start_mark.line + 1, format_key(path), str(exc))
            )
            return value
        if result != value:
            self.locations.interpolated[path] = tuple(dict.fromkeys(referenced_names(value)))
        return result

"""Load ``launchgate.yml``: YAML -> located plain values -> validated, frozen Config.

Every problem becomes a :class:`ConfigProblem` naming the file, the line and the key,
and saying what was expected; all of them are reported at once, before anything runs.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from launchgate.config.model import Config
from launchgate.config.semantics import semantic_problems
from launchgate.config.yamlsource import KeyPath, Locations, format_key, read_yaml
from launchgate.errors import ConfigError, ConfigProblem
from launchgate.options import DEFAULT_CONFIG

__all__ = [
    "DEFAULT_CONFIG_NAME",
    "LoadedConfig",
    "load_config",
    "parse_config",
    "validate_config",
]

DEFAULT_CONFIG_NAME = DEFAULT_CONFIG


@dataclass(frozen=True)
class LoadedConfig:
    config: Config
    path: Path
    locations: Locations
    secret_values: tuple[str, ...]  # values of the `secrets:` variables that are set
    secret_names: tuple[str, ...] = ()  # their names, in the same order


def load_config(path: Path, environ: Mapping[str, str]) -> LoadedConfig:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            ConfigProblem(
                path,
                None,
                "",
                "no such file; write one with `launchgate init`, or pass --config",
            )
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(ConfigProblem(path, None, "", f"cannot read: {exc}")) from None
    return parse_config(text, path, environ)


def parse_config(text: str, path: Path, environ: Mapping[str, str]) -> LoadedConfig:
    doc = read_yaml(text, path, environ)
    if not isinstance(doc.data, dict):
        raise ConfigError(
            ConfigProblem(path, 1, "", "expected a mapping of keys (target:, journeys:, …)")
        )
    config = validate_config(doc.data, source=path, locations=doc.locations)
    names = tuple(name for name in config.secrets if environ.get(name))
    secret_values = tuple(environ[name] for name in names)
    return LoadedConfig(config, path, doc.locations, secret_values, names)


def validate_config(
    data: dict[str, Any],
    *,
    source: Path | None,
    locations: Locations | None = None,
    key_name: Callable[[KeyPath], str] = format_key,
) -> Config:
    """``data`` as a Config, or a :class:`ConfigError` with every problem in it: the one
    translation of validation errors, for a file and for a config built from flags.

    ``key_name`` names the place of a validation error: the dotted key by default, the
    flag that filled it for a config built from a command line. A problem found after
    validation (semantics) keeps its dotted key, the only name it has."""
    where = locations if locations is not None else Locations()
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_problems(exc, source, where, data, key_name=key_name)) from None
    problems = [
        ConfigProblem(source, where.line_of(key), format_key(key), message)
        for key, message in semantic_problems(config)
    ]
    if problems:
        raise ConfigError(problems)
    return config


def _problems(
    exc: ValidationError,
    path: Path | None,
    locations: Locations,
    data: object = None,
    *,
    key_name: Callable[[KeyPath], str] = format_key,
) -> list[ConfigProblem]:
    problems: list[ConfigProblem] = []
    seen: set[tuple[KeyPath, str]] = set()
    for error in exc.errors(include_url=False):
        loc: KeyPath = tuple(p for p in error["loc"] if isinstance(p, str | int))
        loc = _strip_union_tags(loc)
        loc = _written_keys(loc, data, keep_last=error["type"] == "missing")
        message = _message(error, loc, from_env=_from_env(loc, locations))
        if (loc, message) in seen:
            continue
        seen.add((loc, message))
        line = locations.line_of(loc, prefer_key=error["type"] == "extra_forbidden")
        problems.append(ConfigProblem(path, line, key_name(loc), message))
    return problems


def _strip_union_tags(loc: KeyPath) -> KeyPath:
    """Drop the union member names pydantic puts in locations; users never wrote those."""
    return tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p in _TYPE_TAGS)))


def _written_keys(loc: KeyPath, data: object, *, keep_last: bool) -> KeyPath:
    """Drop the parts of ``loc`` that are not keys of what the user wrote: the tag of a
    discriminated union (``watch.channels.team.slack``) names no key in the file.
    A missing key is, by definition, not written: ``keep_last`` keeps it."""
    if data is None:
        return loc
    out: list[str | int] = []
    node = data
    for i, part in enumerate(loc):
        found, child = _child(node, part)
        if found:
            node = child
        elif not (keep_last and i == len(loc) - 1) and isinstance(node, dict | list):
            continue  # not a key of the file: a union tag
        out.append(part)
    return tuple(out)


def _child(node: object, part: str | int) -> tuple[bool, object]:
    if isinstance(node, dict) and part in node:
        return True, node[part]
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return True, node[part]
    return False, None


_TYPE_TAGS = {"str", "int", "float", "bool", "dict", "list", "function-before", "nullable"}


def _from_env(loc: KeyPath, locations: Locations) -> tuple[str, ...] | None:
    """The variables the value at ``loc`` came from; None if it was written as is."""
    for end in range(len(loc), 0, -1):
        if loc[:end] in locations.interpolated:
            return locations.interpolated[loc[:end]]
    return None


def _message(error: Any, loc: KeyPath, *, from_env: tuple[str, ...] | None) -> str:
    kind: str = error["type"]
    if kind == "extra_forbidden":
        key = str(loc[-1]) if loc else ""
        allowed = _allowed_keys(loc[:-1])
        hint = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
        known = f" (known keys: {', '.join(sorted(allowed))})" if allowed and not hint else ""
        return f"unknown key '{key}'{suggestion}{known}"
    if kind == "missing":
        return "this key is required"
    msg: str = error["msg"]
    msg = msg.removeprefix("Value error, ")
    if msg.startswith("Input should be"):
        msg = "expected" + msg.removeprefix("Input should be")
    if from_env is None:
        shown = _shown(error.get("input"))
    else:
        names = ", ".join(f"${n}" for n in from_env)
        shown = (
            f"a value from the environment: {names}" if names else "a value from the environment"
        )
    return f"{msg} (got {shown})" if shown else msg


def _shown(value: object) -> str:
    if isinstance(value, dict | list):
        return f"a {'mapping' if isinstance(value, dict) else 'list'}"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _allowed_keys(parent: KeyPath) -> list[str]:
    """The keys a mapping at ``parent`` may hold, walking the model by the path."""
    candidates: list[Any] = [Config]
    for part in parent:
        nxt: list[Any] = []
        for tp in candidates:
            nxt.extend(_child_types(tp, part))
        candidates = nxt
    keys: set[str] = set()
    for tp in candidates:
        for model in _models_in(tp):
            for name, info in model.model_fields.items():
                keys.add(info.alias or name)
    return sorted(keys)


def _child_types(tp: Any, part: str | int) -> list[Any]:
    out: list[Any] = []
    for t in _members(tp):
        origin = typing.get_origin(t)
        if isinstance(t, type) and issubclass(t, BaseModel) and isinstance(part, str):
            for name, info in t.model_fields.items():
                if part in (name, info.alias):
                    out.append(info.annotation)
        elif origin is dict and isinstance(part, str):
            out.append(typing.get_args(t)[1])
        elif origin is list and isinstance(part, int):
            out.append(typing.get_args(t)[0])
    return out


def _members(tp: Any) -> list[Any]:
    """Unwrap Annotated and unions into the plain types they allow."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _members(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        return [m for arg in typing.get_args(tp) for m in _members(arg)]
    return [tp]


def _models_in(tp: Any) -> list[type[BaseModel]]:
    return [t for t in _members(tp) if isinstance(t, type) and issubclass(t, BaseModel)]

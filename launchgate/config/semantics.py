"""Rules the schema alone cannot say: references between journeys, template variables,
regexes and JSON paths that must compile. Pure: a Config in, located problems out."""

from __future__ import annotations

import re
from collections.abc import Iterator

from launchgate.config.edge_rules import duplicate_overrides, edge_problems
from launchgate.config.jsonpath import JsonPathError, compile_path
from launchgate.config.logs_model import LOG_TEMPLATE_NAMES
from launchgate.config.model import Config, JourneySpec, StepSpec
from launchgate.config.owners_model import owners_problems
from launchgate.config.security_rules import security_problems
from launchgate.config.template import GENERATED_NAMES, names_in, strings_in
from launchgate.config.watch_semantics import watch_problems
from launchgate.config.yamlsource import KeyPath

__all__ = ["WEBHOOK_NAMES", "journey_dependencies", "journey_order", "semantic_problems"]

WEBHOOK_NAMES = frozenset({"event.id", "event.timestamp"})
"""Template names a webhook payload may use on top of the generated ones."""

Problem = tuple[KeyPath, str]


def semantic_problems(config: Config) -> list[Problem]:
    problems: list[Problem] = []
    if not (
        config.journeys
        or config.webhooks
        or config.probe
        or config.edge
        or config.email
        or config.secret_scan
        or config.watch
    ):
        problems.append(
            (
                (),
                "nothing to check: add at least one journey, webhook, probe, edge, email, "
                "secret_scan or watch section (`launchgate init` writes a starter file)",
            )
        )
    if config.probe is not None:
        for name, route in config.probe.routes.items():
            key: KeyPath = ("probe", "routes", name)
            known = set(GENERATED_NAMES)
            if route.session:
                if route.session not in config.journeys:
                    problems.append(
                        ((*key, "session"), f"no journey named '{route.session}'{_known(config)}")
                    )
                known |= session_captures(config, route.session)
            problems.extend(_template_refs((*key, "headers"), route.headers, known))
    for name, journey in config.journeys.items():
        problems.extend(_journey_refs(config, name, journey))
        for i, step in enumerate(journey.steps):
            problems.extend(_step_rules(("journeys", name, "steps", i), step))
    for name, hook in config.webhooks.items():
        for j, need in enumerate(hook.needs):
            if need not in config.journeys:
                problems.append(
                    (("webhooks", name, "needs", j), f"no journey named '{need}'{_known(config)}")
                )
        problems.extend(_template_refs(("webhooks", name, "payload"), hook.payload, WEBHOOK_NAMES))
        problems.extend(_template_refs(("webhooks", name, "headers"), hook.headers, WEBHOOK_NAMES))
        if hook.replay.verify is not None:
            key = ("webhooks", name, "replay", "verify")
            problems.extend(_template_refs((*key, "path"), hook.replay.verify.path, WEBHOOK_NAMES))
            problems.extend(
                _template_refs((*key, "headers"), hook.replay.verify.headers, WEBHOOK_NAMES)
            )
            try:
                compile_path(hook.replay.verify.count)
            except JsonPathError as exc:
                problems.append(((*key, "count"), str(exc)))
    if config.logs is not None:
        for i, source in enumerate(config.logs.sources):
            if source.command is not None:
                problems.extend(
                    _template_refs(
                        ("logs", "sources", i, "command"),
                        source.command,
                        GENERATED_NAMES | LOG_TEMPLATE_NAMES,
                    )
                )
    problems.extend(watch_problems(config))
    cycle = _find_cycle(config)
    if cycle:
        problems.append(
            (
                ("journeys", cycle[0]),
                "journeys depend on each other in a loop: " + " -> ".join(cycle),
            )
        )
    else:
        problems.extend(_journey_templates(config))
    captures = {name: session_captures(config, name) for name in config.journeys}
    problems.extend(duplicate_overrides("target", config.target.resolve))
    problems.extend(edge_problems(config, captures))
    problems.extend(security_problems(config))
    problems.extend(
        (("owners", "secrets", name), message)
        for name, message in owners_problems(config.owners, config.secrets)
    )
    return problems


def _known(config: Config) -> str:
    names = ", ".join(config.journeys)
    return f" (journeys: {names})" if names else ""


def _journey_refs(config: Config, name: str, journey: JourneySpec) -> Iterator[Problem]:
    refs: list[tuple[KeyPath, str]] = [(("journeys", name, "session"), journey.session or "")]
    refs += [(("journeys", name, "needs", j), n) for j, n in enumerate(journey.needs)]
    for key, ref in refs:
        if not ref:
            continue
        if ref == name:
            yield key, "a journey cannot depend on itself"
        elif ref not in config.journeys:
            yield key, f"no journey named '{ref}'{_known(config)}"


def _step_rules(key: KeyPath, step: StepSpec) -> Iterator[Problem]:
    for var, capture in step.capture.items():
        ckey = (*key, "capture", var)
        if capture.regex is not None:
            try:
                re.compile(capture.regex)
            except re.error as exc:
                yield (*ckey, "regex"), f"not a valid regular expression: {exc}"
        if capture.json_path is not None:
            try:
                compile_path(capture.json_path)
            except JsonPathError as exc:
                yield (*ckey, "json"), str(exc)
    for path in step.expect.json_values:
        try:
            compile_path(path)
        except JsonPathError as exc:
            yield (*key, "expect", "json", path), str(exc)


def journey_dependencies(journey: JourneySpec) -> list[str]:
    """The journeys this one starts from (``session``, first) or ``needs``."""
    deps = list(journey.needs)
    if journey.session and journey.session not in deps:
        deps.insert(0, journey.session)
    return deps


def _find_cycle(config: Config) -> list[str] | None:
    state: dict[str, int] = {}  # 1 visiting, 2 done
    stack: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = 1
        stack.append(name)
        journey = config.journeys[name]
        for dep in journey_dependencies(journey):
            if dep not in config.journeys or dep == name:
                continue
            if state.get(dep) == 1:
                return [*stack[stack.index(dep) :], dep]
            if dep not in state:
                found = visit(dep)
                if found:
                    return found
        stack.pop()
        state[name] = 2
        return None

    for name in config.journeys:
        if name not in state:
            found = visit(name)
            if found:
                return found
    return None


def journey_order(config: Config) -> list[str]:
    """Journeys in run order: dependencies first, otherwise as written in the file."""
    done: list[str] = []

    def visit(name: str) -> None:
        if name in done:
            return
        for dep in journey_dependencies(config.journeys[name]):
            if dep in config.journeys and dep != name:
                visit(dep)
        done.append(name)

    for name in config.journeys:
        visit(name)
    return done


def session_captures(config: Config, name: str) -> set[str]:
    """Every name captured by a journey and by the sessions it starts from."""
    names: set[str] = set()
    seen: set[str] = set()
    current: str | None = name
    while current and current in config.journeys and current not in seen:
        seen.add(current)
        journey = config.journeys[current]
        for step in journey.steps:
            names.update(step.capture)
        current = journey.session
    return names


def _journey_templates(config: Config) -> Iterator[Problem]:
    for name in journey_order(config):
        journey = config.journeys[name]
        known = set(GENERATED_NAMES)
        if journey.session:
            known |= session_captures(config, journey.session)
        for i, step in enumerate(journey.steps):
            key: KeyPath = ("journeys", name, "steps", i)
            fields: list[tuple[KeyPath, object]] = [
                ((*key, "path"), step.path),
                ((*key, "query"), step.query),
                ((*key, "headers"), step.headers),
                ((*key, "form"), step.form),
                ((*key, "json"), step.json_body),
                ((*key, "body"), step.body),
                ((*key, "expect", "headers"), step.expect.headers),
                ((*key, "expect", "body_contains"), step.expect.body_contains),
                ((*key, "expect", "body_not_contains"), step.expect.body_not_contains),
                ((*key, "expect", "json"), step.expect.json_values),
            ]
            for fkey, value in fields:
                yield from _template_refs(fkey, value, known)
            known |= set(step.capture)


def _template_refs(
    key: KeyPath, value: object, known: set[str] | frozenset[str]
) -> Iterator[Problem]:
    for text in strings_in(value):
        for name in names_in(text):
            if name not in known and name not in GENERATED_NAMES:
                choices = ", ".join(sorted(known | GENERATED_NAMES))
                yield key, f"unknown variable {{{{ {name} }}}} (known here: {choices})"

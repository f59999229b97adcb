"""The pytest nodes of the gate: launchgate.yml, one collector per ``::`` level of the
check ids and one item per planned check.

Check ids carry ``::`` (``journey::login``) and pytest resolves a node id one ``::``
part, one node, at a time, so ``launchgate.yml::journey::login`` reaches the item only
through a ``journey`` collector; ``--lf`` matches the same structured ids.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from launchgate.engine import PlannedCheck
from launchgate.results import CheckResult
from launchgate.verdict import is_blocking

if TYPE_CHECKING:
    from launchgate.pytest_support import GateSession

__all__ = ["SESSION_KEY", "GateFile", "GateGroup", "GateItem", "all_items"]

SESSION_KEY = pytest.StashKey["GateSession"]()


def all_items(node: pytest.Collector) -> Iterator[pytest.Item]:
    for child in node.collect():
        if isinstance(child, pytest.Item):
            yield child
        else:
            yield from all_items(child)


class CheckProblem(Exception):
    """Raised by an item whose check failed or could not decide; rendered by repr_failure."""

    def __init__(self, result: CheckResult) -> None:
        self.result = result
        super().__init__(result.message)


@dataclasses.dataclass
class _Branch:
    """One level of the check ids' ``::`` tree: ``journey`` holds ``login``."""

    name: str
    children: list[_Branch | PlannedCheck]


def _tree(plan: Sequence[PlannedCheck]) -> list[_Branch | PlannedCheck]:
    """Plan order kept: consecutive ids sharing a prefix share a branch; a prefix that
    comes back later gets a second branch of the same name (pytest selects both)."""
    root: list[_Branch | PlannedCheck] = []
    for planned in plan:
        *prefix, _ = planned.check_id.split("::")
        level = root
        for name in prefix:
            last = level[-1] if level else None
            if not (isinstance(last, _Branch) and last.name == name):
                last = _Branch(name, [])
                level.append(last)
            level = last.children
        level.append(planned)
    return root


def _nodes(parent: pytest.Collector, entries: list[_Branch | PlannedCheck]) -> list[Any]:
    return [
        GateGroup.from_parent(parent, name=e.name, entries=e.children)
        if isinstance(e, _Branch)
        else GateItem.from_parent(parent, name=e.check_id.rsplit("::", 1)[-1], planned=e)
        for e in entries
    ]


class GateFile(pytest.File):
    def collect(self) -> list[Any]:
        return _nodes(self, _tree(self.config.stash[SESSION_KEY].run.plan))


class GateGroup(pytest.Collector):
    """``journey`` in ``launchgate.yml::journey::login``: check ids carry ``::``, and
    pytest resolves a node id one ``::`` part, one node, at a time."""

    def __init__(self, *, entries: list[_Branch | PlannedCheck], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.entries = entries

    def collect(self) -> list[Any]:
        return _nodes(self, self.entries)


class GateItem(pytest.Item):
    def __init__(self, *, planned: PlannedCheck, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.planned = planned
        self.add_marker("launchgate")
        # `-k journey::login` matched the flat item names of earlier versions.
        self.extra_keyword_matches.add(planned.check_id)

    @property
    def gate(self) -> GateSession:
        return self.config.stash[SESSION_KEY]

    def runtest(self) -> None:
        result = self.gate.run.execute_sync(self.planned.check_id)
        if result.status == "skipped":
            pytest.skip(result.message)
        fail_on = self.gate.run.config.gate.fail_on_severity
        blocking = is_blocking(result, fail_on)
        if result.status == "error" or blocking:
            raise CheckProblem(result)
        for finding in result.findings:  # failed, but below the failing severity
            self.user_properties.append(("launchgate_finding", finding.title))
            self.add_report_section(
                "call", "launchgate", f"not blocking: {finding.severity.value}: {finding.title}"
            )

    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: Any = None,
    ) -> str | Any:
        if isinstance(excinfo.value, CheckProblem):
            return self.gate.run.redactor.redact(_failure_text(excinfo.value.result))
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        kind, _, rest = self.planned.check_id.partition("::")
        locations = self.gate.loaded.locations
        key: tuple[str | int, ...] = ()
        if kind == "journey":
            key = ("journeys", rest)
        elif kind == "webhook":
            key = ("webhooks", rest.partition("::")[0])
        elif kind == "readiness":
            key = ("readiness",)
        line = locations.key_lines.get(key)
        return self.path, (line - 1 if line else None), f"launchgate: {self.planned.check_id}"


def _failure_text(result: CheckResult) -> str:
    if result.status == "error":
        return f"{result.check_id} could not be decided: {result.message}"
    lines = [f"{result.check_id} failed: {result.message}"]
    for finding in result.findings:
        if len(result.findings) > 1:
            lines.append(f"  {finding.severity.value}: {finding.title}")
        lines.extend(f"  {line}" for line in finding.detail.splitlines())
        if finding.remedy:
            lines.append(f"  what to do: {finding.remedy}")
    if result.steps:
        lines.append("  steps:")
        for step in result.steps:
            status = step.status_code if step.status_code is not None else (step.error or "-")
            ms = f" ({step.elapsed_ms:.0f} ms)" if step.elapsed_ms is not None else ""
            lines.append(f"    {step.method} {step.path} -> {status}{ms}")
    return "\n".join(lines)

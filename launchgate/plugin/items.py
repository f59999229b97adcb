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

from launchgate.checks.ids import CheckId, edge_alias_id
from launchgate.config.hosts import parse_edge_url
from launchgate.config.model import Config
from launchgate.config.yamlsource import KeyPath, Locations, format_key
from launchgate.engine import PlannedCheck
from launchgate.results import CheckResult
from launchgate.verdict import is_blocking

if TYPE_CHECKING:
    from launchgate.plugin.session import GateSession

__all__ = ["SESSION_KEY", "GateFile", "GateGroup", "GateItem", "all_items", "config_key"]

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
        *prefix, _ = CheckId.parse(planned.check_id).node_parts()
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
        else GateItem.from_parent(
            parent, name=CheckId.parse(e.check_id).node_parts()[-1], planned=e
        )
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
            text = _failure_text(excinfo.value.result)
            where = self._where()
            return self.gate.run.redactor.redact(f"{text}\n{where}" if where else text)
        return super().repr_failure(excinfo, style=style)

    @property
    def location_in_config(self) -> tuple[KeyPath, int] | None:
        """The launchgate.yml key this check comes from, and its line."""
        loaded = self.gate.loaded
        return config_line(config_key(self.planned.check_id, loaded.config), loaded.locations)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        located = self.location_in_config
        line = located[1] - 1 if located else None  # pytest counts lines from 0
        return self.path, line, f"launchgate: {self.planned.check_id}"

    def _where(self) -> str | None:
        """``launchgate.yml:12: journeys.login``, the form config errors take, so a
        terminal or an editor links the failure to the line to change."""
        located = self.location_in_config
        if located is None:
            return None
        key, line = located
        gate_file = self.getparent(GateFile)
        name = gate_file.nodeid if gate_file is not None else self.path.name
        return f"{name}:{line}: {format_key(key)}"


def config_key(check_id: str, config: Config) -> KeyPath:
    """The launchgate.yml key that makes the check ``check_id``.

    The narrowest key that says what the check is about: the journey, the webhook, the
    probe route, the edge alias or subdomain, the DKIM selector; the edge's ``url`` for
    the checks of the canonical page, the email ``domain`` for SPF and DMARC."""
    cid = CheckId.parse(check_id)
    name = cid.name or ""
    if cid.kind == "readiness":
        return ("readiness",)
    if cid.kind == "journey":
        return ("journeys", name)
    if cid.kind == "webhook":
        return ("webhooks", name)
    if cid.kind == "probe":
        return ("probe", "routes", name) if cid.name else ("probe",)
    if cid.kind == "secrets":
        return ("secret_scan",)
    if cid.kind == "security":
        return ("security", "login_rate_limit")
    if cid.kind == "logs":
        return ("logs",)
    if cid.kind == "email":
        return _email_key(cid, config)
    return _edge_key(cid, config)


def _email_key(cid: CheckId, config: Config) -> KeyPath:
    selectors = config.email.dkim_selectors if config.email else []
    if cid.name == "dkim" and cid.aspect in selectors:
        return ("email", "dkim_selectors", selectors.index(cid.aspect))
    if cid.name == "dkim":
        return ("email",)  # no selector named: the block, where dkim_selectors goes
    return ("email", "domain")


def _edge_key(cid: CheckId, config: Config) -> KeyPath:
    spec = config.edge
    if spec is None:
        return ("edge",)
    if cid.name == "dns":
        names = [s.name for s in spec.subdomains]
        # Not listed: the canonical URL's host, resolved without being listed.
        return (
            ("edge", "subdomains", names.index(cid.aspect))
            if cid.aspect in names
            else ("edge", "url")
        )
    if cid.name == "alias":
        ids = [edge_alias_id(parse_edge_url(a)) for a in spec.aliases]
        return ("edge", "aliases", ids.index(str(cid))) if str(cid) in ids else ("edge", "aliases")
    if cid.name == "private-cache" and cid.aspect is not None:
        if cid.aspect in spec.private_pages:
            return ("edge", "private_pages", cid.aspect)
        return ("journeys", cid.aspect)  # its GET steps are what gets replayed
    return ("edge", "url")


def config_line(key: KeyPath, locations: Locations) -> tuple[KeyPath, int] | None:
    """``key`` and its line, or the nearest enclosing key written in the file and its
    line; None when not even the top-level section is (a default, or a config built
    from flags)."""
    for end in range(len(key), 0, -1):
        prefix = key[:end]
        line = locations.key_lines.get(prefix) or locations.value_lines.get(prefix)
        if line is not None:
            return prefix, line
    return None


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

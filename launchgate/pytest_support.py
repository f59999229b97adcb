"""What ``pytest --launchgate`` does, behind the thin :mod:`launchgate.plugin`.

Collection follows pytest's "working with non-python tests" example: a File node
for launchgate.yml whose ``collect()`` yields one item per planned check, in the
engine's dependency order. Items run the check through the same :class:`Run` the CLI
uses; the session's run lives in ``config.stash``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from launchgate.config.load import LoadedConfig, load_config
from launchgate.engine import PlannedCheck, Run, needs_target, resolve_target_url
from launchgate.errors import LaunchgateError, UsageError
from launchgate.options import CONFIG, OUT, URL, resolve
from launchgate.redact import Redactor
from launchgate.reports.writer import ensure_writable, write_reports
from launchgate.results import CheckResult

__all__ = ["SESSION_KEY", "GateSession", "start_session"]


class GateSession:
    def __init__(self, loaded: LoadedConfig, run: Run, out_dir: Path) -> None:
        self.loaded = loaded
        self.run = run
        self.out_dir = out_dir
        self.collected = False
        self.written: tuple[Path, ...] = ()
        self.write_error: str | None = None

    # -- collection --------------------------------------------------------------------

    def collect_file(self, file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
        if self.collected or file_path.resolve() != self.loaded.path.resolve():
            return None
        self.collected = True
        node: pytest.Collector = GateFile.from_parent(parent, path=file_path)
        return node

    def add_items(self, session: pytest.Session, items: list[pytest.Item]) -> None:
        """The config file is usually outside the paths pytest walks: add its items
        first, so hand-written tests that use a journey's session run after it."""
        if self.collected:
            return
        self.collected = True
        gate_file = GateFile.from_parent(session, path=self.loaded.path)
        items[:0] = list(gate_file.collect())

    # -- fixtures ----------------------------------------------------------------------

    def client(self) -> httpx.Client:
        target = self.run.config.target
        return httpx.Client(
            base_url=self.run.target_url,
            headers={"user-agent": self.run.user_agent, **target.headers},
            verify=self.run.ssl_verify,
            timeout=target.timeout,
            trust_env=False,
        )

    def session_client(self, journey: str) -> httpx.Client:
        check_id = f"journey::{journey}"
        if journey not in self.run.config.journeys:
            known = ", ".join(self.run.config.journeys) or "none"
            raise pytest.UsageError(f"launchgate_session: no journey named {journey!r} ({known})")
        result = self.run.execute_sync(check_id)
        if result.status != "passed":
            pytest.skip(f"prerequisite {check_id} did not pass: {result.message}")
        client = self.client()
        client.cookies = httpx.Cookies(self.run.ctx.sessions[journey].cookies)
        return client

    # -- the end -----------------------------------------------------------------------

    def finish(self) -> None:
        try:
            if self.run.results:
                self.written = write_reports(self.run.report(), self.out_dir, self.run.redactor)
        except LaunchgateError as exc:
            self.write_error = str(exc)
        finally:
            self.run.close()

    def summarize(self, reporter: pytest.TerminalReporter) -> None:
        if not self.run.results:
            return
        report = self.run.report()
        verdict = report.verdict
        reporter.section("launchgate", sep="-")
        label = {
            "pass": "PASS",
            "fail": "FAIL — rollback recommended",
            "error": "COULD NOT DECIDE — failing closed, rollback recommended",
        }[verdict.outcome]
        reporter.write_line(self.run.redactor.redact(f"verdict: {label}: {verdict.reason}"))
        for path in self.written:
            reporter.write_line(f"wrote {path}")
        if self.write_error:
            reporter.write_line(f"could not write the reports: {self.write_error}")


SESSION_KEY = pytest.StashKey[GateSession]()


def start_session(config: pytest.Config) -> None:
    environ = os.environ
    config_path = resolve(
        CONFIG,
        given=config.getoption("launchgate_config"),
        environ=environ,
        ini=_ini(config, CONFIG.ini),
    )
    out = resolve(
        OUT, given=config.getoption("launchgate_out"), environ=environ, ini=_ini(config, OUT.ini)
    )
    cli_url = config.getoption("launchgate_url") or _ini(config, URL.ini)
    try:
        path = Path(config_path or "launchgate.yml")
        if not path.is_absolute():
            path = Path(config.invocation_params.dir) / path
        loaded = load_config(path, environ)
        # A config of only offline checks (email, secret scan) needs no target URL.
        url = (
            resolve_target_url(cli_url, environ, loaded.config.target.url)
            if needs_target(loaded.config) or cli_url or environ.get("LAUNCHGATE_URL")
            else ""
        )
        out_dir = Path(out or "launchgate-results")
        if not out_dir.is_absolute():
            out_dir = Path(config.invocation_params.dir) / out_dir
        ensure_writable(out_dir)
        run = Run(loaded, target_url=url, redactor=Redactor())
    except UsageError as exc:
        raise pytest.UsageError(f"launchgate: {exc}") from None
    config.stash[SESSION_KEY] = GateSession(loaded, run, out_dir)


def _ini(config: pytest.Config, name: str) -> str | None:
    value = config.getini(name)
    return str(value) if value else None


class CheckProblem(Exception):
    """Raised by an item whose check failed or could not decide; rendered by repr_failure."""

    def __init__(self, result: CheckResult) -> None:
        self.result = result
        super().__init__(result.message)


class GateFile(pytest.File):
    def collect(self) -> list[pytest.Item]:
        gate = self.config.stash[SESSION_KEY]
        return [
            GateItem.from_parent(self, name=planned.check_id, planned=planned)
            for planned in gate.run.plan
        ]


class GateItem(pytest.Item):
    def __init__(self, *, planned: PlannedCheck, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.planned = planned
        self.add_marker("launchgate")

    @property
    def gate(self) -> GateSession:
        return self.config.stash[SESSION_KEY]

    def runtest(self) -> None:
        result = self.gate.run.execute_sync(self.planned.check_id)
        if result.status == "skipped":
            pytest.skip(result.message)
        fail_on = self.gate.run.config.gate.fail_on_severity
        blocking = any(f.severity.at_least(fail_on) for f in result.findings)
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

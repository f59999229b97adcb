"""What ``pytest --launchgate`` does, behind the thin :mod:`launchgate.plugin`.

Collection follows pytest's "working with non-python tests" example (the nodes are in
:mod:`launchgate.plugin.items`): one item per planned check, in the engine's dependency
order, with node ids such as ``launchgate.yml::journey::login``. Items run the check
through the same :class:`Run` the CLI uses; the session's run lives in ``config.stash``.

The whole gate runs whatever paths pytest walks: the items are added when the final
collection lacks them. Only what the user narrows (``-k``, ``-m``, ``--deselect``, a
node id, ``--lf``) is left out, and the reports name those checks "not selected" and
never pass (:func:`gate_report`). Under pytest-xdist see :mod:`launchgate.plugin.xdist`.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path

import httpx
import pytest

from launchgate.checks.ids import journey_id
from launchgate.checks.origin_guard import origin_guard
from launchgate.config.load import LoadedConfig, load_config
from launchgate.engine import PlannedCheck, Run
from launchgate.errors import LaunchgateError, UsageError
from launchgate.options import COMPARE_URL, CONFIG, OUT, URL, resolve
from launchgate.plugin.items import SESSION_KEY, GateFile, GateItem, all_items
from launchgate.plugin.xdist import (
    WORKER_OUTPUT_KEY,
    GateOutcome,
    encode_outcome,
    merge_outcomes,
)
from launchgate.redact import Redactor
from launchgate.redact.logs import redact_every_record
from launchgate.reports.writer import NotDelivered, write_reports
from launchgate.results import CheckResult, Severity
from launchgate.runplan import config_path, out_path, prepare
from launchgate.runreport import RunReport
from launchgate.verdict import decide

__all__ = ["SESSION_KEY", "GateSession", "gate_file_nodeid", "gate_report", "start_session"]

NOT_SELECTED = "not selected: this pytest run left it out (-k, -m, --deselect, a node id or --lf)"
NOT_RUN = "not run: the pytest session ended before it ran (-x, --maxfail, a crash or Ctrl-C)"


class GateSession:
    def __init__(self, loaded: LoadedConfig, run: Run, out_dir: Path, config: pytest.Config):
        self.loaded = loaded
        self.run = run
        self.out_dir = out_dir
        self.config = config
        self.is_worker = hasattr(config, "workerinput")
        self.selected: frozenset[str] | None = None  # known once collection finished
        self.worker_outcomes: dict[str, GateOutcome] = {}  # xdist controller: by worker id
        self.written: tuple[Path, ...] = ()
        self.write_error: str | None = None
        self.delivered: RunReport | None = None  # what the files say, when not all written

    @property
    def is_controller(self) -> bool:
        """The xdist controller: it collects and runs nothing, and alone reports."""
        return not self.is_worker and self.config.pluginmanager.has_plugin("dsession")

    # -- collection --------------------------------------------------------------------

    def collect_file(self, file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
        if file_path.resolve() != self.loaded.path.resolve():
            return None
        nodeid = gate_file_nodeid(self.config.rootpath, file_path)
        node: pytest.Collector = GateFile.from_parent(parent, path=file_path, nodeid=nodeid)
        return node

    def add_items(self, session: pytest.Session, items: list[pytest.Item]) -> None:
        """pytest may offer launchgate.yml and then drop it (``testpaths``, a path
        argument), or never walk where it is: the gate's items are added whenever the
        collection holds none of them, first, so hand-written tests run after them.
        Runs before ``-k``, ``-m``, ``--deselect`` and ``--lf``, which may narrow them."""
        if any(isinstance(item, GateItem) for item in items):
            return
        path = self.loaded.path
        nodeid = gate_file_nodeid(self.config.rootpath, path)
        items[:0] = list(all_items(GateFile.from_parent(session, path=path, nodeid=nodeid)))

    def record_selection(self, items: Sequence[pytest.Item]) -> None:
        self.selected = frozenset(i.planned.check_id for i in items if isinstance(i, GateItem))

    # -- fixtures ----------------------------------------------------------------------

    def client(self) -> httpx.Client:
        target = self.run.config.target
        return httpx.Client(
            base_url=self.run.target_url,
            headers={"user-agent": self.run.user_agent, **target.headers},
            verify=self.run.ssl_verify,
            timeout=target.timeout,
            trust_env=False,
            # A test may follow redirects itself: credentials never leave the origin.
            event_hooks={"request": [origin_guard(self.run.target_url)]},
        )

    def session_client(self, journey: str) -> httpx.Client:
        check_id = journey_id(journey)
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

    def outcome(self) -> GateOutcome | None:
        """What this session knows ran; None when there is nothing to report (only
        collecting, or collection never finished)."""
        if self.config.option.collectonly:
            return None
        if self.is_controller:
            merged = merge_outcomes(list(self.worker_outcomes.values()), self.fail_on)
            # No worker reported: every check counts as selected and not run.
            return merged or GateOutcome(results=(), selected=None)
        if self.selected is None:
            return None
        report = self.run.report()
        return GateOutcome(
            results=report.results,
            selected=self.selected,
            routes=report.routes,
            baseline=report.baseline,
            started_at=report.started_at if self.run.results else None,
            duration_s=report.duration_s,
            run_id=report.run_id,
        )

    @property
    def fail_on(self) -> Severity:
        return self.run.config.gate.fail_on_severity

    def report(self, outcome: GateOutcome) -> RunReport:
        return gate_report(self.run.report(), self.run.plan, outcome, fail_on=self.fail_on)

    def finish(self) -> None:
        """A worker hands its outcome to the controller (xdist sends ``workeroutput``
        after this hook); it never writes the output folder. Anyone else writes."""
        try:
            outcome = self.outcome()
            if outcome is None:
                return
            if self.is_worker:
                workeroutput: dict[str, object] = getattr(self.config, "workeroutput", {})
                workeroutput[WORKER_OUTPUT_KEY] = encode_outcome(outcome)
                return
            self.written = write_reports(self.report(outcome), self.out_dir, self.run.redactor)
        except NotDelivered as exc:
            # The files that exist say what exc.report says: the terminal must too.
            self.delivered = exc.report
            self.written = exc.written
            self.write_error = str(exc)
        except LaunchgateError as exc:
            self.write_error = str(exc)
        finally:
            self.run.close()

    def summarize(self, reporter: pytest.TerminalReporter, exitstatus: int = 0) -> None:
        outcome = None if self.is_worker else self.outcome()
        if outcome is None:
            return
        verdict = (self.delivered or self.report(outcome)).verdict
        reporter.section("launchgate", sep="-")
        label = {
            "pass": "PASS",
            "fail": "FAIL — rollback recommended",
            "error": "COULD NOT DECIDE — failing closed, rollback recommended",
        }[verdict.outcome]
        redact = self.run.redactor.redact
        if verdict.not_selected:
            reporter.write_line(redact(f"not selected: {', '.join(verdict.not_selected)}"))
        reporter.write_line(redact(f"verdict: {label}: {verdict.reason}"))
        if verdict.outcome != "pass" and exitstatus == 0:
            # The rule: pytest's exit code stays pytest's. Say so where the
            # two disagree, so that a 0 is not read as the gate's pass.
            reporter.write_line(
                "pytest exits 0 (every selected test passed): that is not the gate's "
                "verdict; deploy on the verdict above, which report.json and junit.xml carry"
            )
        for path in self.written:
            reporter.write_line(f"wrote {path}")
        if self.write_error:
            reporter.write_line(f"could not write the reports: {self.write_error}")


def gate_report(
    base: RunReport,
    plan: Sequence[PlannedCheck],
    outcome: GateOutcome,
    *,
    fail_on: Severity,
) -> RunReport:
    """The run's report with a result for every planned check: one that did not run
    is a skip saying why (not selected, or the session ended first), so every report
    names it and the verdict cannot pass. A prerequisite that ran for a selected item
    (readiness, login) counts as run."""
    ran = {r.check_id: r for r in outcome.results}
    results: list[CheckResult] = []
    left_out: list[str] = []
    for planned in plan:
        result = ran.get(planned.check_id)
        if result is None:
            chosen = outcome.selected is None or planned.check_id in outcome.selected
            if not chosen:
                left_out.append(planned.check_id)
            result = planned.result("skipped", NOT_RUN if chosen else NOT_SELECTED)
        results.append(result)
    return dataclasses.replace(
        base,
        run_id=outcome.run_id or base.run_id,
        started_at=outcome.started_at or base.started_at,
        duration_s=outcome.duration_s,
        results=tuple(results),
        verdict=decide(results, fail_on=fail_on, not_selected=left_out),
        routes=outcome.routes,
        baseline=outcome.baseline,
    )


def gate_file_nodeid(rootpath: Path, path: Path) -> str:
    """The gate file's node id, the same in the xdist controller and every worker
    however the file was collected: relative to the rootdir, as pytest names files."""
    return Path(os.path.relpath(path.absolute(), rootpath.absolute())).as_posix()


def start_session(config: pytest.Config) -> None:
    environ = os.environ
    config_path_option = resolve(
        CONFIG,
        given=config.getoption("launchgate_config"),
        environ=environ,
        ini=_ini(config, CONFIG.ini),
    )
    out = resolve(
        OUT, given=config.getoption("launchgate_out"), environ=environ, ini=_ini(config, OUT.ini)
    )
    cli_url = config.getoption("launchgate_url") or _ini(config, URL.ini)
    compare_url = resolve(
        COMPARE_URL,
        given=config.getoption("launchgate_compare_url"),
        environ=environ,
        ini=_ini(config, COMPARE_URL.ini),
    )
    here = Path(config.invocation_params.dir)
    try:
        path = config_path(config_path_option)
        loaded = load_config(path if path.is_absolute() else here / path, environ)
        out_dir = out_path(out)
        plan = prepare(
            loaded,
            url=cli_url,
            environ=environ,
            redactor=Redactor(),
            out_dir=out_dir if out_dir.is_absolute() else here / out_dir,
            check_out=not hasattr(config, "workerinput"),  # an xdist worker never writes there
            compare_url=compare_url,
        )
        run = plan.new_run()
    except UsageError as exc:
        raise pytest.UsageError(f"launchgate: {exc}") from None
    config.stash[SESSION_KEY] = GateSession(plan.loaded, run, plan.out_dir, config)
    # pytest prints captured logs (and log_cli) with its own handlers: the records
    # themselves carry the redaction, whatever --log-level says.
    config.add_cleanup(redact_every_record(run.redactor))


def _ini(config: pytest.Config, name: str) -> str | None:
    value = config.getini(name)
    return str(value) if value else None

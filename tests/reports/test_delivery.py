"""Every output agrees with the exit code, whatever the checks did and whichever output
could not be written: a property over random outcomes x injected write failures.

The outputs are the three report files, ``$GITHUB_OUTPUT``, the step summary and the
terminal's last line. A failure is a full disk that wrote half the file first, a
refused file, a directory in the way, or a disk that is full only once. Real files in
a temporary folder; only the failing write itself is injected.
"""

from __future__ import annotations

import errno
import io
import json
import os
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from launchgate.redact import Redactor
from launchgate.reports._shared import HEADLINES
from launchgate.reports.delivery import deliver
from launchgate.reports.github_actions import GitHubActions
from launchgate.reports.writer import JSON_FILE, JUNIT_FILE, SUMMARY_FILE, write_reports
from launchgate.runreport import RunReport
from launchgate.verdict import EXIT_CODES, Outcome

from .factories import all_passed, check, make_report
from .test_properties import reports

Fault = Literal["none", "full-disk", "refused", "directory", "full-once"]
REPORT_FILES = (JUNIT_FILE, JSON_FILE, SUMMARY_FILE)
GITHUB_OUTPUT, STEP_SUMMARY = "github_output", "step_summary.md"
OUTPUTS = (*REPORT_FILES, GITHUB_OUTPUT, STEP_SUMMARY)
EARLIER_SUMMARY = "## an earlier step's summary\n"
OUTCOME_OF = {code: outcome for outcome, code in EXIT_CODES.items()}

FAULTS: tuple[Fault, ...] = ("full-disk", "refused", "directory", "full-once")
faults = st.sampled_from(("none", *FAULTS))
# One output failing is the common case; any combination may happen.
plans = st.one_of(
    st.builds(
        lambda where, fault: {n: fault if n == where else "none" for n in OUTPUTS},
        st.sampled_from(OUTPUTS),
        st.sampled_from(FAULTS),
    ),
    st.fixed_dictionaries({name: faults for name in OUTPUTS}),
)


@st.composite
def passing_reports(draw: st.DrawFn) -> RunReport:
    """Most random reports fail; a pass is what a lost output must spoil."""
    n = draw(st.integers(1, 4))
    return make_report([check(f"journey::c{i}") for i in range(n)])


class Disk:
    """Writes for real, except where the plan says this output fails."""

    def __init__(self, plan: Mapping[str, Fault]) -> None:
        self.plan = plan
        self.failed_once: set[str] = set()

    def _fail(self, path: Path, half: bytes) -> None:
        fault = self.plan[path.name]
        if fault == "full-once" and path.name in self.failed_once:
            return
        if fault in ("full-disk", "full-once"):
            self.failed_once.add(path.name)
            with path.open("ab") as handle:  # what a full disk leaves: half of it
                handle.write(half)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        if fault == "refused":
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    def write(self, path: Path, data: bytes) -> None:
        if self.plan[path.name] in ("full-disk", "full-once"):
            path.unlink(missing_ok=True)  # a write in place, not atomic: the worst case
        self._fail(path, data[: len(data) // 2])
        _replace(path, data)

    def append(self, path: Path, text: str) -> None:
        data = text.encode("utf-8", errors="backslashreplace")
        self._fail(path, data[: len(data) // 2])
        with path.open("ab") as handle:
            handle.write(data)


def lay_out(root: Path, plan: Mapping[str, Fault], *, earlier_pass: bool) -> Path:
    out = root / "out"
    out.mkdir()
    for name in REPORT_FILES:
        if plan[name] == "directory":
            (out / name).mkdir()
    if earlier_pass:  # a previous run's reports, all saying pass
        write_reports(all_passed(), out, Redactor(), write=_only_files)
    for name, text in ((GITHUB_OUTPUT, ""), (STEP_SUMMARY, EARLIER_SUMMARY)):
        if plan[name] == "directory":
            (root / name).mkdir()
        else:
            (root / name).write_text(text)
    return out


def _only_files(path: Path, data: bytes) -> None:
    if not path.is_dir():
        _replace(path, data)


def _replace(path: Path, data: bytes) -> None:
    """write_atomic without its fsyncs, which would make this test slow, not stronger."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    try:
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def says(root: Path) -> dict[str, Outcome | None]:
    """The verdict each output states; None where it states none."""
    out = root / "out"
    found: dict[str, Outcome | None] = dict.fromkeys(OUTPUTS)
    if (out / JSON_FILE).is_file():
        data = json.loads((out / JSON_FILE).read_text(encoding="utf-8"))
        outcome = _outcome(data["verdict"])
        assert data["exit_code"] == EXIT_CODES[outcome]
        assert data["rollback"] is (outcome != "pass")
        found[JSON_FILE] = outcome
    if (out / JUNIT_FILE).is_file():
        root_el = ET.fromstring((out / JUNIT_FILE).read_text(encoding="utf-8"))
        props = {p.get("name"): p.get("value") for p in root_el.iter("property")}
        outcome = _outcome(props["launchgate.verdict"])
        assert props["launchgate.exit_code"] == str(EXIT_CODES[outcome])
        failing = root_el.findall(".//failure") + root_el.findall(".//error")
        assert bool(failing) is (outcome != "pass")
        found[JUNIT_FILE] = outcome
    if (out / SUMMARY_FILE).is_file():
        found[SUMMARY_FILE] = _headline(
            (out / SUMMARY_FILE).read_text(encoding="utf-8"), SUMMARY_FILE
        )
    if (root / GITHUB_OUTPUT).is_file():
        lines = (root / GITHUB_OUTPUT).read_text(encoding="utf-8").splitlines()
        verdicts = [line.removeprefix("verdict=") for line in lines if line.startswith("verdict=")]
        rollbacks = [line for line in lines if line.startswith("rollback=")]
        if verdicts or rollbacks:
            # The runner keeps the last value of a name; still, no earlier line may say
            # otherwise: a pipeline that greps the file would read it.
            (said,) = set(verdicts)
            outcome = _outcome(said)
            assert set(rollbacks) == {f"rollback={'true' if outcome != 'pass' else 'false'}"}
            found[GITHUB_OUTPUT] = outcome
    if (root / STEP_SUMMARY).is_file():
        text = (root / STEP_SUMMARY).read_text(encoding="utf-8")
        assert text.startswith(EARLIER_SUMMARY)  # an earlier step's part is never touched
        ours = text.removeprefix(EARLIER_SUMMARY).lstrip("\n")
        if ours:
            found[STEP_SUMMARY] = _headline(ours, STEP_SUMMARY)
    return found


def _outcome(value: object) -> Outcome:
    for outcome in EXIT_CODES:
        if value == outcome:
            return outcome
    raise AssertionError(f"{value!r} is not a verdict")


def _headline(markdown: str, where: str) -> Outcome:
    """The verdict the Markdown opens with, and the only one it states."""
    lines = markdown.split("\n")
    stated = {o for o, h in HEADLINES.items() for line in lines if line == f"## launchgate: {h}"}
    for outcome, headline in HEADLINES.items():
        if lines[0] == f"## launchgate: {headline}":
            assert stated == {outcome}, f"{where} states {stated}"
            return outcome
    raise AssertionError(f"{where} starts with {lines[0]!r}, not a verdict")


@settings(max_examples=120, deadline=None)
@given(
    report=st.one_of(passing_reports(), reports()),
    plan=plans,
    earlier_pass=st.booleans(),
)
def test_every_output_that_exists_agrees_with_the_exit_code(
    report: RunReport, plan: dict[str, Fault], earlier_pass: bool
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        out = lay_out(root, plan, earlier_pass=earlier_pass)
        disk = Disk(plan)
        console = Console(file=io.StringIO(), width=200, no_color=True)
        github = GitHubActions(root / GITHUB_OUTPUT, root / STEP_SUMMARY)

        code = deliver(
            report,
            out,
            console,
            Redactor(),
            github=github,
            write=disk.write,
            append=disk.append,
        )

        outcome = OUTCOME_OF[code]
        log = console.file.getvalue()  # type: ignore[attr-defined]
        # Workflow commands (annotations) are not log lines: the runner hides them.
        terminal = [line for line in log.split("\n") if line and not line.startswith("::")]
        assert terminal[-1] == f"{HEADLINES[outcome]} (exit {code})"
        for where, said in says(root).items():
            assert said in (None, outcome), f"{where} says {said}, the exit code {code}"

        lost = any(fault != "none" for fault in plan.values())
        original = report.verdict.outcome
        if original == "fail":
            assert code == 1
        else:
            assert code == (3 if lost or original == "error" else 0)
        if code == 0:
            # Only a complete run of checks that all passed (or failed below the failing
            # severity), with every output written, exits 0.
            assert report.results
            assert all(r.status in ("passed", "failed") for r in report.results)
            assert not report.verdict.blocking
            assert all(said == "pass" for said in says(root).values())

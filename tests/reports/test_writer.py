from __future__ import annotations

import base64
import dataclasses
import errno
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from launchgate.atomic import write_atomic
from launchgate.errors import LaunchgateError, UsageError
from launchgate.reports.writer import (
    NotDelivered,
    ensure_writable,
    redact_report,
    write_reports,
)
from launchgate.results import Severity
from launchgate.runreport import RunReport

from .factories import (
    all_passed,
    blocker_with_skip,
    check,
    finding,
    make_report,
    parse_xml,
    route,
    step,
    with_probe,
)

# Characters that each format escapes differently: XML (& < "), JSON (" \), the
# summary's table cells (|). A redactor that only ran after rendering would miss it.
SENTINEL = 'sk_live_S3CR3T&<"|\\x'
NAMES = ("junit.xml", "report.json", "summary.md")


class MaskSentinel:
    def __init__(self) -> None:
        self.calls = 0

    def redact(self, text: str) -> str:
        self.calls += 1
        return text.replace(SENTINEL, "[REDACTED]")


class Identity:
    def redact(self, text: str) -> str:
        return text


def leaky_report() -> RunReport:
    """The sentinel planted in a finding detail, a step path and a check message."""
    return make_report(
        [
            check(
                "journey::login",
                "failed",
                findings=[
                    finding("journey::login", detail=f"sent Authorization: Bearer {SENTINEL}")
                ],
                message=f"login refused token {SENTINEL}",
                steps=[step(path=f"/login?token={SENTINEL}")],
            ),
            check("journey::dashboard", "error", message=f"crashed on {SENTINEL}"),
        ],
        target_url=f"https://staging.example.com/?key={SENTINEL}",
    )


def test_writes_three_files_and_returns_their_paths(tmp_path: Path) -> None:
    paths = write_reports(blocker_with_skip(), tmp_path, Identity())
    assert paths == tuple(tmp_path / n for n in NAMES)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(NAMES)  # no temp files left
    parse_xml(paths[0].read_text(encoding="utf-8"))
    assert json.loads(paths[1].read_text(encoding="utf-8"))["verdict"] == "fail"
    assert paths[2].read_text(encoding="utf-8").startswith("## launchgate: FAIL")


def test_the_sentinel_appears_in_no_written_file(tmp_path: Path) -> None:
    redactor = MaskSentinel()
    write_reports(leaky_report(), tmp_path, redactor)
    assert redactor.calls > 3
    core = SENTINEL[:14]  # the part no escaping changes
    forms = {core, base64.b64encode(SENTINEL.encode()).decode()[:16]}
    for name in NAMES:
        raw = (tmp_path / name).read_text(encoding="utf-8")
        for form in forms:
            assert form not in raw, (name, form)
        assert "[REDACTED]" in raw, name


def probe_leaky_report() -> RunReport:
    """The sentinel in the probe's routes, the baseline and the commit too: fields the
    redactor once had to be told about one by one."""
    leaked = dataclasses.replace(route(), route=f"search {SENTINEL}", path=f"/search?q={SENTINEL}")
    report = with_probe(leaky_report(), [dataclasses.replace(leaked, decision_reason=SENTINEL)])
    assert report.baseline is not None
    baseline = dataclasses.replace(
        report.baseline,
        path=f"baselines/{SENTINEL}.json",
        commit=SENTINEL,
        update=f"not updated: {SENTINEL}",
    )
    return dataclasses.replace(report, baseline=baseline, commit=SENTINEL)


def test_the_sentinel_in_routes_baseline_and_commit_appears_in_no_written_file(
    tmp_path: Path,
) -> None:
    write_reports(probe_leaky_report(), tmp_path, MaskSentinel())
    core = SENTINEL[:14]
    for name in NAMES:
        raw = (tmp_path / name).read_text(encoding="utf-8")
        assert core not in raw, name
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert "Latency under load" in summary  # the routes were rendered, masked
    assert json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["routes"]


def test_redact_report_walks_every_field_but_leaves_code_words() -> None:
    class MaskAll:
        def redact(self, text: str) -> str:
            return "[REDACTED]" if text else text

    safe = redact_report(probe_leaky_report(), MaskAll())
    assert safe.commit == "[REDACTED]"
    assert safe.routes[0].route == safe.routes[0].path == "[REDACTED]"
    assert safe.baseline is not None and safe.baseline.commit == "[REDACTED]"
    assert safe.config_path == Path("[REDACTED]")
    # A status or a kind is a word of the code, never of the target: left as it is.
    assert [r.status for r in safe.results] == ["failed", "error"]
    assert safe.verdict.outcome == "fail"
    assert safe.results[0].findings[0].severity is Severity.BLOCKER


def test_every_rendered_text_goes_through_the_redactor(tmp_path: Path) -> None:
    class Stamp:
        def redact(self, text: str) -> str:
            return text + "\nSTAMPED" if text.startswith(("<?xml", "{", "## ")) else text

    write_reports(all_passed(), tmp_path, Stamp())
    for name in NAMES:
        assert (tmp_path / name).read_text(encoding="utf-8").endswith("STAMPED")


def test_redact_report_keeps_blocking_findings_recognisable() -> None:
    report = leaky_report()
    safe = redact_report(report, MaskSentinel())
    assert safe.verdict.blocking
    assert safe.verdict.blocking[0] in safe.results[0].findings
    assert SENTINEL not in safe.target_url


def test_rewrites_replace_the_previous_report(tmp_path: Path) -> None:
    write_reports(blocker_with_skip(), tmp_path, Identity())
    write_reports(all_passed(), tmp_path, Identity())
    assert json.loads((tmp_path / "report.json").read_text())["verdict"] == "pass"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(NAMES)


def test_a_failed_write_is_a_launchgate_error_and_leaves_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(LaunchgateError, match=r"junit\.xml: No space left on device") as info:
        write_reports(all_passed(), tmp_path, Identity())
    assert not isinstance(info.value, UsageError)  # the run happened: exit 3, not 2
    assert list(tmp_path.iterdir()) == []


def test_lone_surrogates_do_not_abort_the_write(tmp_path: Path) -> None:
    report = make_report([check("journey::login", "error", message="bad \udc80 byte")])
    write_reports(report, tmp_path, Identity())
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert data["checks"][0]["message"] == "bad \udc80 byte"


def test_written_files_are_readable_by_others(tmp_path: Path) -> None:
    (path, *_) = write_reports(all_passed(), tmp_path, Identity())
    assert path.stat().st_mode & 0o777 == 0o644


def test_ensure_writable_creates_nested_folders(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b" / "launchgate-results"
    ensure_writable(out)
    assert out.is_dir()
    assert list(out.iterdir()) == []  # the write probe cleans up


def test_ensure_writable_refuses_a_path_under_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(UsageError, match=r"cannot create output folder .*not-a-folder/out"):
        ensure_writable(blocker / "out")
    with pytest.raises(UsageError, match="exists but is not a folder"):
        ensure_writable(blocker)


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0,
    reason="running as root: directory permissions do not bind, so a read-only folder "
    "is still writable",
)
def test_ensure_writable_refuses_a_read_only_folder(tmp_path: Path) -> None:
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o555)
    try:
        with pytest.raises(UsageError, match="cannot write to output folder"):
            ensure_writable(out)
    finally:
        out.chmod(0o755)


def test_high_fail_on_is_preserved_through_redaction(tmp_path: Path) -> None:
    report = make_report(
        [check("edge::tls", "failed", findings=[finding("edge::tls", Severity.HIGH)], message="m")],
        fail_on=Severity.HIGH,
    )
    write_reports(report, tmp_path, MaskSentinel())
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["checks"][0]["blocking"] is True


# -- a write that fails leaves no file contradicting the exit code -------------------------


def test_a_directory_in_the_way_turns_the_pass_on_disk_into_could_not_decide(
    tmp_path: Path,
) -> None:
    (tmp_path / "summary.md").mkdir()
    with pytest.raises(NotDelivered) as info:
        write_reports(all_passed(), tmp_path, Identity())
    delivered = info.value.report
    assert delivered.verdict.exit_code == 3
    assert info.value.written == (tmp_path / "junit.xml", tmp_path / "report.json")
    data = json.loads((tmp_path / "report.json").read_text())
    assert (data["verdict"], data["rollback"], data["exit_code"]) == ("error", True, 3)
    assert data["reason"] == delivered.verdict.reason
    assert parse_xml((tmp_path / "junit.xml").read_text()).findall(".//error")
    assert (tmp_path / "summary.md").is_dir()  # not ours to remove


def refusing(*names: str) -> Callable[[Path, bytes], None]:
    """Writes like the real writer, except that these files are refused (EACCES)."""

    def write(path: Path, data: bytes) -> None:
        if path.name in names:
            raise PermissionError(errno.EACCES, "Permission denied")
        write_atomic(path, data)

    return write


def test_an_earlier_runs_pass_does_not_outlive_a_refused_write(tmp_path: Path) -> None:
    write_reports(all_passed(), tmp_path, Identity())  # the last deploy's reports
    with pytest.raises(NotDelivered) as info:
        write_reports(blocker_with_skip(), tmp_path, Identity(), write=refusing("report.json"))
    assert not (tmp_path / "report.json").exists()
    assert f"removed the stale {tmp_path / 'report.json'}" in str(info.value)
    assert info.value.report.verdict.outcome == "fail"  # a blocker still decides: exit 1
    assert (tmp_path / "summary.md").read_text().startswith("## launchgate: FAIL")


def test_a_file_that_fails_again_on_the_rewrite_is_removed(tmp_path: Path) -> None:
    class FullAfterFirst:
        """The disk fills up after the first file: the rewrites fail too."""

        def __init__(self) -> None:
            self.calls = 0

        def __call__(self, path: Path, data: bytes) -> None:
            self.calls += 1
            if self.calls > 1:
                raise OSError(errno.ENOSPC, "No space left on device")
            write_atomic(path, data)

    with pytest.raises(NotDelivered) as info:
        write_reports(all_passed(), tmp_path, Identity(), write=FullAfterFirst())
    assert info.value.written == ()
    assert list(tmp_path.iterdir()) == []  # junit.xml said pass: it had to go
    assert str(info.value).endswith("no report file was written")
    assert info.value.report.verdict.exit_code == 3

"""Render a scan for people (text) or machines (JSON). Pure: values in, a string out.

Neither form ever holds a secret: a finding carries only its masked form and its
fingerprint to here, and the CLI's output stream masks the raw values once more.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from launchgate.secretscan.allowlist import AllowEntry
from launchgate.secretscan.finding import DroppedCandidate, SecretFinding, remedy
from launchgate.secretscan.scan import ScanReport

__all__ = ["format_json", "format_text"]


def format_json(
    findings: Sequence[SecretFinding], dropped: Sequence[DroppedCandidate] | None = None
) -> str:
    """A list of findings; with ``--explain`` (``dropped`` given) an object holding the
    findings and every candidate judged not to be a secret, with the reason."""
    listed = [f.to_json() for f in findings]
    doc: object = listed
    if dropped is not None:
        doc = {"findings": listed, "dropped": [d.to_json() for d in dropped]}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _where(f: SecretFinding) -> str:
    if f.commit is not None:
        head = "still in HEAD" if f.in_head else "no longer in HEAD"
        return f"first committed in {f.commit[:12]}, {head}"
    return "committed, in HEAD" if f.in_head else "not committed"


def format_text(
    report: ScanReport,
    findings: Sequence[SecretFinding],
    *,
    allowed: int = 0,
    stale: Sequence[AllowEntry] = (),
    dropped: Sequence[DroppedCandidate] = (),
) -> str:
    lines = []
    for d in dropped:
        lines.append(f"{d.file}:{d.line}: dropped {d.rule} {d.masked}: {d.reason}")
    for f in findings:
        lines.append(f"{f.file}:{f.line}: {f.rule} {f.masked} ({_where(f)})")
        lines.append(f"  {f.description}; fingerprint {f.fingerprint}")
        lines.append(f"  what to do: {remedy(f)}")
    scope = (
        "the working tree and every commit reachable from any ref"
        if report.history
        else ("the working tree and HEAD")
    )
    megabytes = report.bytes_scanned / 1_000_000
    whole = (
        f" (the whole repository: {report.inside}/ is inside it, and every clone carries all of it)"
        if report.inside
        else ""
    )
    summary = (
        f"scanned {scope} of {report.root}{whole}: {report.blobs_scanned} files and blobs, "
        f"{megabytes:.1f} MB in {report.duration_s:.1f}s"
    )
    if report.skipped_files:
        summary += f"; {report.skipped_files} binary or oversized skipped"
    lines.append(summary)
    if allowed:
        lines.append(f"{allowed} finding(s) allowed by the allowlist")
    for entry in stale:
        what = entry.fingerprint or entry.path
        lines.append(f"note: allowlist entry at line {entry.line} ({what}) matched nothing")
    if report.incomplete:
        lines.append(f"INCOMPLETE: {report.incomplete}")
    if findings:
        files = len({f.file for f in findings})
        lines.append(f"FAIL: {len(findings)} secret(s) in {files} file(s)")
    elif report.incomplete:
        lines.append("UNDECIDED: no secret found in what was scanned, but the scan is incomplete")
    else:
        lines.append("PASS: no secret found")
    return "\n".join(lines) + "\n"

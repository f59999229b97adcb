"""``.launchgate-allow.yml``: reviewed false positives, each with a required reason.

The file is a YAML list; an entry names a ``fingerprint`` (one secret, wherever it
appears) or a ``path`` glob (``tests/fixtures/**``), and a ``reason``. An entry
without a reason is an error, so ``--update-allowlist`` (which appends the current
findings with an empty reason) never silences anything until a person says why.
Appending writes text at the end, keeping the reviewer's comments as they are.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from launchgate.errors import UsageError
from launchgate.secretscan.finding import SecretFinding

__all__ = ["ALLOWLIST_NAME", "AllowEntry", "Allowlist", "append_entries", "load_allowlist"]

ALLOWLIST_NAME = ".launchgate-allow.yml"
_KEYS = {"fingerprint", "path", "reason", "rule", "file"}  # rule, file: for the reader


class AllowlistError(UsageError):
    """The allowlist file is malformed; says the file, the line and what to write."""


@dataclass(frozen=True)
class AllowEntry:
    line: int
    reason: str
    fingerprint: str | None = None
    path: str | None = None

    def matches(self, finding: SecretFinding) -> bool:
        if self.fingerprint is not None:
            return finding.fingerprint == self.fingerprint
        return self.path is not None and _glob(self.path).fullmatch(finding.file) is not None


@dataclass(frozen=True)
class Allowlist:
    entries: tuple[AllowEntry, ...] = ()

    def split(
        self, findings: Sequence[SecretFinding]
    ) -> tuple[list[SecretFinding], list[SecretFinding], list[AllowEntry]]:
        """(remaining, allowed, entries that matched nothing)."""
        remaining, allowed, used = [], [], set()
        for finding in findings:
            hit = next((e for e in self.entries if e.matches(finding)), None)
            if hit is None:
                remaining.append(finding)
            else:
                allowed.append(finding)
                used.add(hit)
        return remaining, allowed, [e for e in self.entries if e not in used]


def _glob(pattern: str) -> re.Pattern[str]:
    """``**`` any depth, ``*`` and ``?`` within one folder; matched from the repo root."""
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out))


def load_allowlist(path: Path) -> Allowlist:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Allowlist()
    except (OSError, UnicodeDecodeError) as exc:
        raise AllowlistError(f"{path}: cannot read: {exc}") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise AllowlistError(f"{path}: not valid YAML: {exc}") from None
    if root is None:
        return Allowlist()
    if not isinstance(root, yaml.SequenceNode):
        raise AllowlistError(f"{path}:1: expected a list of entries (- fingerprint: …, reason: …)")
    entries = []
    for node in root.value:
        line = node.start_mark.line + 1
        where = f"{path}:{line}"
        if not isinstance(node, yaml.MappingNode):
            raise AllowlistError(f"{where}: expected an entry with fingerprint or path, and reason")
        item = {k.value: v.value for k, v in node.value if isinstance(k, yaml.ScalarNode)}
        unknown = set(item) - _KEYS
        if unknown:
            raise AllowlistError(
                f"{where}: unknown key {sorted(unknown)[0]!r} (known: {', '.join(sorted(_KEYS))})"
            )
        fp, glob = item.get("fingerprint") or None, item.get("path") or None
        if (fp is None) == (glob is None):
            raise AllowlistError(f"{where}: give exactly one of fingerprint or path")
        reason = item.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise AllowlistError(
                f"{where}: no reason: say why this is not a secret (or, if it is one, rotate "
                "it and delete the entry)"
            )
        entries.append(AllowEntry(line, reason.strip(), fp, glob))
    return Allowlist(tuple(entries))


_HEADER = """\
# Reviewed false positives of `launchgate scan-secrets`. Each entry needs a reason;
# an entry without one is an error, so nothing is silenced until someone says why.
# A real secret does not belong here: rotate it and remove it from the history.
"""


def append_entries(path: Path, findings: Sequence[SecretFinding]) -> int:
    """Append one entry per distinct fingerprint, with an empty reason to fill in."""
    existing = path.read_text(encoding="utf-8") if path.exists() else _HEADER
    if existing and not existing.endswith("\n"):
        existing += "\n"
    blocks, seen = [], set()
    for f in findings:
        if f.fingerprint in seen:
            continue
        seen.add(f.fingerprint)
        blocks.append(
            f"- fingerprint: {f.fingerprint}\n"
            f"  rule: {f.rule}\n"
            f"  file: {_yaml_scalar(f'{f.file}:{f.line}')}\n"
            "  reason:  # TODO: why is this not a secret? If it is one, rotate it instead.\n"
        )
    path.write_text(existing + "".join(blocks), encoding="utf-8")
    return len(blocks)


def _yaml_scalar(text: str) -> str:
    return yaml.safe_dump(text, default_style='"').strip()

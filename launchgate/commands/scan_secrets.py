"""``launchgate scan-secrets``: committed credentials in the working tree and history."""

from __future__ import annotations

import argparse
from pathlib import Path

from launchgate.commands import CommandIO, add_debug

EXIT_CLEAN, EXIT_FOUND, EXIT_UNDECIDED = 0, 1, 3


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "scan-secrets",
        help="scan the working tree (and with --history every commit) for credentials",
        description="Exit 0 when clean, 1 when a secret remains, 2 on a usage or allowlist "
        "error, 3 when the scan could not see everything (a shallow clone with --history).",
    )
    parser.add_argument("path", nargs="?", default=".", help="folder to scan (default: .)")
    parser.add_argument(
        "--history",
        action="store_true",
        help="also scan every commit reachable from any ref, each blob once",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--explain",
        action="store_true",
        help="also list each candidate judged not to be a secret, with the reason (masked); "
        'with --format json the output is {"findings": [...], "dropped": [...]}',
    )
    parser.add_argument(
        "--list-rules",
        action="store_true",
        help="print what the scan knows, by provider family (Markdown), and exit",
    )
    parser.add_argument(
        "--allowlist",
        metavar="FILE",
        help="reviewed false positives (default: .launchgate-allow.yml at the repo root)",
    )
    parser.add_argument(
        "--update-allowlist",
        action="store_true",
        help="append the findings to the allowlist for review (each needs a reason)",
    )
    add_debug(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, io: CommandIO) -> int:
    from launchgate.errors import UsageError
    from launchgate.secretscan import ALLOWLIST_NAME, append_entries, load_allowlist, scan
    from launchgate.secretscan.output import format_json, format_text

    if args.list_rules:
        from launchgate.secretscan.rules import known_markdown

        io.out.write(known_markdown())
        return EXIT_CLEAN
    path = Path(args.path)
    if not path.is_dir():
        raise UsageError(f"{path}: not a folder")
    report = scan(path, history=args.history, explain=args.explain)
    for finding in report.findings:  # a second line of defence: the stream masks these
        io.redactor.add(finding.secret)
    allow_path = Path(args.allowlist) if args.allowlist else report.root / ALLOWLIST_NAME
    remaining, allowed, stale = load_allowlist(allow_path).split(report.findings)
    explained = report.dropped if args.explain else None
    if args.format == "json":
        io.out.write(format_json(remaining, explained))
    else:
        io.out.write(
            format_text(
                report, remaining, allowed=len(allowed), stale=stale, dropped=report.dropped
            )
        )
    if report.incomplete and args.format == "json":
        io.err.write(f"warning: {report.incomplete}\n")
    if args.update_allowlist and remaining:
        added = append_entries(allow_path, remaining)
        io.err.write(
            f"appended {added} entr{'y' if added == 1 else 'ies'} to {allow_path}: write a "
            "reason for each (an entry without one is an error) or rotate the secret\n"
        )
    if remaining:
        return EXIT_FOUND
    return EXIT_UNDECIDED if report.incomplete else EXIT_CLEAN

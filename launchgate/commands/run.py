"""``launchgate run``: gate a deployed app."""

from __future__ import annotations

import argparse
from pathlib import Path

from launchgate.commands import CommandIO, add_debug, add_option, console
from launchgate.options import CONFIG, OUT, URL, resolve


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("run", help="run the gate against a deployed app")
    for option in (CONFIG, URL, OUT):
        add_option(parser, option)
    add_baseline_flags(parser)
    add_debug(parser)
    parser.set_defaults(handler=handle)


def add_baseline_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--update-baseline",
        action="store_true",
        help="after a passing run, record the probe's figures as the new baseline",
    )
    parser.add_argument(
        "--any-branch",
        action="store_true",
        help="allow --update-baseline on any branch (default: the repository's default "
        "branch, or baseline.branches)",
    )


def handle(args: argparse.Namespace, io: CommandIO) -> int:
    from launchgate.config.load import load_config
    from launchgate.engine import needs_target, resolve_target_url
    from launchgate.gate import run_gate
    from launchgate.reports.writer import ensure_writable

    environ = io.environ
    config_path = Path(resolve(CONFIG, given=args.config, environ=environ) or "launchgate.yml")
    loaded = load_config(config_path, environ)
    for value in loaded.secret_values:
        io.redactor.add(value)
    # A config of only offline checks (email, secret scan) needs no target URL.
    url = (
        resolve_target_url(args.url, environ, loaded.config.target.url)
        if needs_target(loaded.config) or args.url or environ.get("LAUNCHGATE_URL")
        else ""
    )
    out_dir = Path(resolve(OUT, given=args.out, environ=environ) or "launchgate-results")
    ensure_writable(out_dir)
    return run_gate(
        loaded,
        target_url=url,
        out_dir=out_dir,
        console=console(io.out),
        redactor=io.redactor,
        environ=environ,
        update_baseline=args.update_baseline,
        any_branch=args.any_branch,
    )

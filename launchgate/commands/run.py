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
    add_debug(parser)
    parser.set_defaults(handler=handle)


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
        loaded, target_url=url, out_dir=out_dir, console=console(io.out), redactor=io.redactor
    )

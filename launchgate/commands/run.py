"""``launchgate run``: gate a deployed app."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from launchgate.commands import CommandIO, add_debug, add_option, console
from launchgate.options import CONFIG, OUT, URL, resolve

if TYPE_CHECKING:
    from launchgate.config.load import LoadedConfig


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("run", help="run the gate against a deployed app")
    for option in (CONFIG, URL, OUT):
        add_option(parser, option)
    parser.add_argument(
        "--environment",
        metavar="NAME",
        help="the environment checked: names it in reports and selects the baseline file "
        "(default: target.environment)",
    )
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
    if args.environment is not None:
        loaded = with_environment(loaded, args.environment)
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


def with_environment(loaded: LoadedConfig, name: str) -> LoadedConfig:
    """``loaded`` with ``target.environment`` set to ``name``, a baseline file name."""
    from launchgate.baseline import baseline_path
    from launchgate.errors import BaselineError, UsageError

    try:
        baseline_path(Path(), name)
    except BaselineError:
        raise UsageError(
            f"--environment {name!r}: use letters, digits, dots, dashes or underscores "
            "(it names the baseline file)"
        ) from None
    config = loaded.config
    target = config.target.model_copy(update={"environment": name})
    return dataclasses.replace(loaded, config=config.model_copy(update={"target": target}))

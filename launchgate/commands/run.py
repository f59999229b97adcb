"""``launchgate run``: gate a deployed app."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from launchgate.commands import CommandIO, add_debug, add_option, console
from launchgate.options import COMPARE_URL, CONFIG, OUT, URL, resolve

if TYPE_CHECKING:
    from launchgate.config.load import LoadedConfig


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("run", help="run the gate against a deployed app")
    for option in (CONFIG, URL, OUT, COMPARE_URL):
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
    from launchgate.gate import run_gate
    from launchgate.runplan import config_path, out_path, prepare

    environ = io.environ
    loaded = load_config(config_path(resolve(CONFIG, given=args.config, environ=environ)), environ)
    if args.environment is not None:
        loaded = with_environment(loaded, args.environment)
    plan = prepare(
        loaded,
        url=args.url,
        environ=environ,
        redactor=io.redactor,
        out_dir=out_path(resolve(OUT, given=args.out, environ=environ)),
        compare_url=resolve(COMPARE_URL, given=args.compare_url, environ=environ),
    )
    return run_gate(
        plan,
        console(io.out),
        update_baseline=args.update_baseline,
        any_branch=args.any_branch,
    )


def with_environment(loaded: LoadedConfig, name: str) -> LoadedConfig:
    """``loaded`` with ``target.environment`` set to ``name``, a baseline file name."""
    from launchgate.baseline.store import baseline_path
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

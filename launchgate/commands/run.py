"""``launchgate run``: gate a deployed app."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from launchgate.commands import CommandIO, add_debug, add_option, console
from launchgate.options import COMPARE_URL, CONFIG, OUT, URL, resolve

if TYPE_CHECKING:
    from datetime import datetime

    from launchgate.config.load import LoadedConfig
    from launchgate.config.model import Config
    from launchgate.probe.shard import Shard


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
    parser.add_argument(
        "--shard",
        metavar="I/N",
        help="run shard I of N of the load probe (rate/N per route, phase-shifted so the "
        "N shards' requests interleave) and write its result for `launchgate merge`; "
        "skips what must happen once (webhooks, edge, security, email, baseline update)",
    )
    parser.add_argument(
        "--start-at",
        metavar="TIME",
        help="with --shard: start the load at this moment, an ISO time with a zone "
        "(2026-01-31T12:00:00Z) or +30s from now, so that the shards overlap",
    )
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
    shard = _shard_options(args)
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
    if shard is not None:
        from launchgate.shardrun import run_shard

        _check_shardable(plan.config)
        return run_shard(plan, shard[0], shard[1], console(io.out))
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


def _shard_options(args: argparse.Namespace) -> tuple[Shard, datetime | None] | None:
    from datetime import UTC, datetime

    from launchgate.errors import UsageError
    from launchgate.probe.shard import parse_shard, parse_start_at

    given, start_at = getattr(args, "shard", None), getattr(args, "start_at", None)
    if given is None:
        if start_at is not None:
            raise UsageError("--start-at is for shards: give --shard I/N with it")
        return None
    if getattr(args, "update_baseline", False):
        raise UsageError(
            "--update-baseline with --shard: the baseline is updated once, from the merged "
            "figures: `launchgate merge --update-baseline`"
        )
    try:
        shard = parse_shard(given)
        start = None if start_at is None else parse_start_at(start_at, datetime.now(UTC))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return shard, start


def _check_shardable(config: Config) -> None:
    from launchgate.errors import UsageError

    if config.probe is None:
        raise UsageError("--shard: the config has no probe: section, so there is no load to share")
    if config.probe.control_url is not None:
        raise UsageError(
            "--shard with a live control (probe.compare.url or --compare-url): a sharded "
            "probe is compared with the stored baseline; leave the control out"
        )

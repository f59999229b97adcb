"""``launchgate merge DIR…``: the shards of a sharded probe, merged and gated once."""

from __future__ import annotations

import argparse
from pathlib import Path

from launchgate.commands import CommandIO, add_debug, add_option, console
from launchgate.options import CONFIG, OUT, resolve


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "merge",
        help="merge the results of `launchgate run --shard I/N` and gate them once",
    )
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="DIR",
        type=Path,
        help="folders holding shard-I-of-N.json files (searched recursively), or the files",
    )
    for option in (CONFIG, OUT):
        add_option(parser, option)
    parser.add_argument(
        "--environment",
        metavar="NAME",
        help="selects the baseline file (default: target.environment)",
    )
    parser.add_argument(
        "--update-baseline",
        action="store_true",
        help="after a passing merge, record the merged figures as the new baseline",
    )
    parser.add_argument(
        "--any-branch",
        action="store_true",
        help="allow --update-baseline on any branch (default: the repository's default "
        "branch, or baseline.branches)",
    )
    add_debug(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, io: CommandIO) -> int:
    from launchgate.commands.baseline import placeholders
    from launchgate.commands.run import with_environment
    from launchgate.config.load import load_config
    from launchgate.runplan import config_path, out_path
    from launchgate.shardmerge import merge_run

    environ = io.environ
    path = config_path(resolve(CONFIG, given=args.config, environ=environ))
    # The merge reads the probe settings and the gates, never the app: a secret the
    # config names need not be set in the merging job.
    loaded = load_config(path, {**environ, **placeholders(path, io)})
    if args.environment is not None:
        loaded = with_environment(loaded, args.environment)
    return merge_run(
        loaded,
        args.paths,
        out_dir=out_path(resolve(OUT, given=args.out, environ=environ)),
        redactor=io.redactor,
        environ=environ,
        console=console(io.out),
        update_baseline=args.update_baseline,
        any_branch=args.any_branch,
    )

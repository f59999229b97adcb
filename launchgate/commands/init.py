"""``launchgate init``: write a commented starter launchgate.yml."""

from __future__ import annotations

import argparse
from pathlib import Path

from launchgate.commands import CommandIO
from launchgate.errors import UsageError
from launchgate.options import DEFAULT_CONFIG


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("init", help="write a commented starter launchgate.yml")
    parser.add_argument("path", nargs="?", default=DEFAULT_CONFIG, help="where to write it")
    parser.add_argument("--force", action="store_true", help="overwrite an existing file")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, io: CommandIO) -> int:
    from launchgate.config.schema import starter_text

    path = Path(args.path)
    if path.exists() and not args.force:
        raise UsageError(f"{path} already exists; pass --force to overwrite it")
    try:
        path.write_text(starter_text(), encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    io.out.write(
        f"wrote {path}: set target.url (or pass --url), adjust the journeys to your app, "
        "then run `launchgate run`\n"
    )
    return 0

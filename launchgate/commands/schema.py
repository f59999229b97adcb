"""``launchgate schema``: print the JSON Schema of launchgate.yml."""

from __future__ import annotations

import argparse

from launchgate.commands import CommandIO


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("schema", help="print the JSON Schema of launchgate.yml")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, io: CommandIO) -> int:
    from launchgate.config.schema import schema_text

    io.out.write(schema_text())
    return 0

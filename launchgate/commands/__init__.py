"""The subcommands of ``launchgate``, one module each.

A module exposes ``register(subparsers)``, which adds its parser and sets
``handler=(args, io) -> exit code``. Modules import only light things at the top:
heavy imports happen inside the handler, so ``launchgate --help`` stays fast.
A new command is a new module here and one line in :data:`COMMANDS`.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TextIO

from launchgate.options import Option

if TYPE_CHECKING:
    from rich.console import Console

    from launchgate.redact import Redactor

__all__ = [
    "COMMANDS",
    "CommandIO",
    "Registers",
    "add_debug",
    "add_fail_on",
    "add_option",
    "console",
]

COMMANDS = (
    "launchgate.commands.run",
    "launchgate.commands.merge",
    "launchgate.commands.demo",
    "launchgate.commands.baseline",
    "launchgate.commands.edge",
    "launchgate.commands.init",
    "launchgate.commands.schema",
    "launchgate.commands.email",
    "launchgate.commands.scan_secrets",
    "launchgate.commands.watch",
    "launchgate.commands.audit",
)


@dataclass(frozen=True)
class CommandIO:
    """What a handler may use: the environment, the redactor, and the two streams
    (both already redacting)."""

    environ: Mapping[str, str]
    redactor: Redactor
    out: TextIO
    err: TextIO


class Registers(Protocol):
    def register(self, sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None: ...


def add_option(parser: argparse.ArgumentParser, option: Option) -> None:
    parser.add_argument(option.cli_flag, dest=option.name, metavar=option.metavar, help=option.help)


def add_fail_on(parser: argparse.ArgumentParser) -> None:
    """``--fail-on`` for the commands that build their config from flags (``gate.fail_on``
    of a file)."""
    parser.add_argument(
        "--fail-on",
        choices=("blocker", "high", "medium"),
        default="blocker",
        help="lowest severity that fails (default: blocker)",
    )


def add_debug(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    parser.add_argument(
        "--debug-wire",
        action="store_true",
        help="--debug and the HTTP libraries' wire logs (headers of every request and "
        "response, credentials masked)",
    )


def console(out: TextIO) -> Console:
    from rich.console import Console

    return Console(file=out, highlight=False, soft_wrap=False)

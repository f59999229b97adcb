"""The ``launchgate`` command: parsing, error handling and redacted output; the
subcommands live in :mod:`launchgate.commands`.

Exit codes (SPEC): 0 pass; 1 the gate failed (rollback recommended); 2 usage or
configuration error (nothing was checked); 3 the gate could not decide (fail closed).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Mapping, Sequence
from typing import TextIO, cast

from launchgate import __version__
from launchgate.commands import COMMANDS, CommandIO, Registers
from launchgate.errors import ConfigError, LaunchgateError, UsageError
from launchgate.redact import Redactor
from launchgate.redact.logs import logging_to, mask_wire_text
from launchgate.reports.github import config_annotations, mask_commands

__all__ = ["main"]

EXIT_USAGE = 2
EXIT_UNDECIDED = 3


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    environ = os.environ if environ is None else environ
    parser = _parser()
    args = parser.parse_args(argv)
    redactor = Redactor()
    out = _RedactingStream(sys.stdout, redactor)
    err = _RedactingStream(sys.stderr, redactor)
    github = environ.get("GITHUB_ACTIONS") == "true"
    if github:
        # Every secret is registered with the runner the moment launchgate learns it
        # (config secrets before the run, the generated password, captured tokens and
        # cookies during it), so the runner masks it in anything printed afterwards,
        # by us or by any other step of the job.
        redactor.on_add(out.write_masks)
    try:
        return _main(args, environ, redactor, out, err, github=github)
    finally:
        out.flush()
        err.flush()


def _main(
    args: argparse.Namespace,
    environ: Mapping[str, str],
    redactor: Redactor,
    out: _RedactingStream,
    err: _RedactingStream,
    *,
    github: bool = False,
) -> int:
    wire = getattr(args, "debug_wire", False)
    if wire:
        args.debug = True  # --debug-wire is --debug and more, for every command
    debug = getattr(args, "debug", False)
    with logging_to(cast(TextIO, err), redactor, debug=debug, wire=wire):
        return _dispatch(args, environ, redactor, out, err, github=github)


def _dispatch(
    args: argparse.Namespace,
    environ: Mapping[str, str],
    redactor: Redactor,
    out: _RedactingStream,
    err: _RedactingStream,
    *,
    github: bool,
) -> int:
    try:
        # Duck-typed text streams: write, flush, isatty and fileno are all rich and
        # logging use.
        streams = CommandIO(
            environ=environ, redactor=redactor, out=cast(TextIO, out), err=cast(TextIO, err)
        )
        code: int = args.handler(args, streams)
        return code
    except ConfigError as exc:
        for problem in exc.problems:
            err.write(f"error: {problem}\n")
        if github:  # each problem on its line of launchgate.yml, in the pull request
            for line in config_annotations(exc.problems):
                out.write(line + "\n")
        return EXIT_USAGE
    except UsageError as exc:
        err.write(f"error: {exc}\n")
        return EXIT_USAGE
    except LaunchgateError as exc:
        err.write(f"error: could not decide, failing closed: {exc}\n")
        return EXIT_UNDECIDED
    except Exception as exc:
        if getattr(args, "debug", False):
            err.write(mask_wire_text(traceback.format_exc()))
        # An exception's text may quote a URL or header launchgate never learnt.
        err.write(
            f"error: launchgate crashed and could not decide, failing closed "
            f"(rollback recommended): {mask_wire_text(f'{type(exc).__name__}: {exc}')}\n"
            "run again with --debug for the traceback\n"
        )
        return EXIT_UNDECIDED


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="launchgate",
        description="Deploy gate and smoke tests: can customers still sign up, log in, "
        "get billed and use the dashboard?",
        epilog="exit codes: 0 pass, 1 fail (rollback), 2 usage or config error, "
        "3 could not decide (fail closed)",
    )
    parser.add_argument("--version", action="version", version=f"launchgate {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        module: Registers = importlib.import_module(name)
        module.register(sub)
    return parser


class _RedactingStream:
    """A text stream that masks every secret the run knows before it reaches the terminal.

    Reporters redact what they render; this is the second line of defence for anything
    else that is printed (log records, library warnings). It holds text back until a
    line ends, so a secret split across two writes is still seen whole."""

    def __init__(self, stream: TextIO, redactor: Redactor) -> None:
        self._stream = stream
        self._redactor = redactor
        self._pending = ""
        self._mid_line = False  # the underlying stream's last write did not end a line

    def write_masks(self, secret: str) -> None:
        """The one way past the redactor: ``::add-mask::`` lines for ``secret``, which
        must carry the value itself (masked, they would tell the runner nothing).

        Only mask commands can be written this way. A workflow command must start a
        line; held-back text (a partial line) stays held back, since it has not
        reached the stream yet, and a line left open by ``flush`` is ended first."""
        lines = mask_commands(secret)
        if not lines:
            return
        if self._mid_line:
            self._stream.write("\n")
        self._stream.write("".join(line + "\n" for line in lines))
        self._mid_line = False
        self._stream.flush()

    def write(self, text: str) -> int:
        self._pending += text
        head, newline, tail = self._pending.rpartition("\n")
        if newline:
            self._stream.write(self._redactor.redact(head + newline))
            self._pending = tail
            self._mid_line = False
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self._stream.write(self._redactor.redact(self._pending))
            self._pending = ""
            self._mid_line = True
        self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    @property
    def encoding(self) -> str:
        return getattr(self._stream, "encoding", "utf-8")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

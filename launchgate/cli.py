"""The ``launchgate`` command: run, demo, init, schema, version.

Exit codes (SPEC): 0 pass; 1 the gate failed (rollback recommended); 2 usage or
configuration error (nothing was checked); 3 the gate could not decide (fail closed).
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import sys
import traceback
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import TextIO

from rich.console import Console

from launchgate import __version__
from launchgate.errors import ConfigError, LaunchgateError, UsageError
from launchgate.options import CONFIG, OUT, URL, Option, resolve
from launchgate.redact import Redactor

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
    try:
        return _main(args, environ, redactor, out, err)
    finally:
        out.flush()
        err.flush()


def _main(
    args: argparse.Namespace,
    environ: Mapping[str, str],
    redactor: Redactor,
    out: _RedactingStream,
    err: _RedactingStream,
) -> int:
    logging.basicConfig(
        level=logging.DEBUG if getattr(args, "debug", False) else logging.WARNING,
        stream=err,
        format="%(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request at INFO; our own lines say what matters.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        code: int = args.handler(args, environ, redactor, out)
        return code
    except ConfigError as exc:
        for problem in exc.problems:
            err.write(f"error: {problem}\n")
        return EXIT_USAGE
    except UsageError as exc:
        err.write(f"error: {exc}\n")
        return EXIT_USAGE
    except LaunchgateError as exc:
        err.write(f"error: could not decide, failing closed: {exc}\n")
        return EXIT_UNDECIDED
    except Exception as exc:
        if getattr(args, "debug", False):
            err.write(traceback.format_exc())
        err.write(
            f"error: launchgate crashed and could not decide, failing closed "
            f"(rollback recommended): {type(exc).__name__}: {exc}\n"
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

    run = sub.add_parser("run", help="run the gate against a deployed app")
    for option in (CONFIG, URL, OUT):
        _add(run, option)
    run.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    run.set_defaults(handler=_cmd_run)

    demo = sub.add_parser("demo", help="start the bundled demo app and gate it")
    demo.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME",
        help="inject a launch defect the gate must catch (repeatable): "
        + ", ".join(sorted(_demo_faults())),
    )
    _add(demo, OUT)
    demo.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    demo.set_defaults(handler=_cmd_demo)

    init = sub.add_parser("init", help="write a commented starter launchgate.yml")
    init.add_argument("path", nargs="?", default="launchgate.yml", help="where to write it")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    init.set_defaults(handler=_cmd_init)

    schema = sub.add_parser("schema", help="print the JSON Schema of launchgate.yml")
    schema.set_defaults(handler=_cmd_schema)
    return parser


def _add(parser: argparse.ArgumentParser, option: Option) -> None:
    parser.add_argument(option.cli_flag, dest=option.name, metavar=option.metavar, help=option.help)


def _demo_faults() -> list[str]:
    from launchgate.demo.faults import FAULTS

    return list(FAULTS)


def _console(out: TextIO) -> Console:
    return Console(file=out, highlight=False, soft_wrap=False)


def _cmd_run(
    args: argparse.Namespace, environ: Mapping[str, str], redactor: Redactor, out: TextIO
) -> int:
    from launchgate.config.load import load_config
    from launchgate.engine import resolve_target_url
    from launchgate.gate import run_gate
    from launchgate.reports.writer import ensure_writable

    config_path = Path(resolve(CONFIG, given=args.config, environ=environ) or "launchgate.yml")
    loaded = load_config(config_path, environ)
    for value in loaded.secret_values:
        redactor.add(value)
    url = resolve_target_url(args.url, environ, loaded.config.target.url)
    out_dir = Path(resolve(OUT, given=args.out, environ=environ) or "launchgate-results")
    ensure_writable(out_dir)
    return run_gate(
        loaded, target_url=url, out_dir=out_dir, console=_console(out), redactor=redactor
    )


def _cmd_demo(
    args: argparse.Namespace, environ: Mapping[str, str], redactor: Redactor, out: TextIO
) -> int:
    from launchgate.config.load import parse_config
    from launchgate.demo.faults import validate_faults
    from launchgate.demo.server import DemoServer
    from launchgate.gate import run_gate
    from launchgate.reports.writer import ensure_writable

    try:
        faults = validate_faults(args.fault)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    out_dir = Path(resolve(OUT, given=args.out, environ=environ) or "launchgate-results")
    ensure_writable(out_dir)
    password = environ.get("LAUNCHGATE_DEMO_PASSWORD") or secrets.token_urlsafe(16)
    webhook_secret = environ.get("LAUNCHGATE_DEMO_WEBHOOK_SECRET") or (
        "whsec_" + secrets.token_urlsafe(24)
    )
    redactor.add(password)
    redactor.add(webhook_secret)
    console = _console(out)
    server = DemoServer(
        faults=sorted(faults),
        password=password,
        extra_env={"LAUNCHGATE_DEMO_WEBHOOK_SECRET": webhook_secret},
    )
    try:
        server.start()
        server.wait_ready(timeout_s=60.0)
    except (OSError, RuntimeError) as exc:
        server.stop()
        raise LaunchgateError(f"the demo app did not start: {exc}") from None
    try:
        shown = f" with faults: {', '.join(sorted(faults))}" if faults else ""
        console.print(f"demo: started the demo dashboard at {server.url}{shown}", markup=False)
        gate_env = {
            **environ,
            "LAUNCHGATE_URL": server.url,
            "LAUNCHGATE_DEMO_PASSWORD": password,
            "LAUNCHGATE_DEMO_WEBHOOK_SECRET": webhook_secret,
        }
        config_file = resources.files("launchgate.demo").joinpath("launchgate.yml")
        loaded = parse_config(
            config_file.read_text("utf-8"), Path("launchgate/demo/launchgate.yml"), gate_env
        )
        code = run_gate(
            loaded, target_url=server.url, out_dir=out_dir, console=console, redactor=redactor
        )
    finally:
        server.stop()
    console.print("demo: stopped the demo dashboard", markup=False)
    return code


def _cmd_init(
    args: argparse.Namespace, environ: Mapping[str, str], redactor: Redactor, out: TextIO
) -> int:
    from launchgate.config.schema import starter_text

    path = Path(args.path)
    if path.exists() and not args.force:
        raise UsageError(f"{path} already exists; pass --force to overwrite it")
    try:
        path.write_text(starter_text(), encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    out.write(
        f"wrote {path}: set target.url (or pass --url), adjust the journeys to your app, "
        "then run `launchgate run`\n"
    )
    return 0


def _cmd_schema(
    args: argparse.Namespace, environ: Mapping[str, str], redactor: Redactor, out: TextIO
) -> int:
    from launchgate.config.schema import schema_text

    out.write(schema_text())
    return 0


class _RedactingStream:
    """A text stream that masks every secret the run knows before it reaches the terminal.

    Reporters redact what they render; this is the second line of defence for anything
    else that is printed (log records, library warnings). It holds text back until a
    line ends, so a secret split across two writes is still seen whole."""

    def __init__(self, stream: TextIO, redactor: Redactor) -> None:
        self._stream = stream
        self._redactor = redactor
        self._pending = ""

    def write(self, text: str) -> int:
        self._pending += text
        head, newline, tail = self._pending.rpartition("\n")
        if newline:
            self._stream.write(self._redactor.redact(head + newline))
            self._pending = tail
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self._stream.write(self._redactor.redact(self._pending))
            self._pending = ""
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

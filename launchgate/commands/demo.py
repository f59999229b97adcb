"""``launchgate demo``: start the bundled demo dashboard and gate it."""

from __future__ import annotations

import argparse
import secrets
from importlib import resources
from pathlib import Path

from launchgate.commands import CommandIO, add_debug, add_option, console
from launchgate.errors import LaunchgateError, UsageError
from launchgate.options import OUT, resolve


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from launchgate.demo.faults import FAULTS

    parser = sub.add_parser("demo", help="start the bundled demo app and gate it")
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME",
        help="inject a launch defect the gate must catch (repeatable): "
        + ", ".join(sorted(FAULTS)),
    )
    add_option(parser, OUT)
    add_debug(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, io: CommandIO) -> int:
    from launchgate.config.load import parse_config
    from launchgate.demo.faults import validate_faults
    from launchgate.demo.server import DemoServer
    from launchgate.gate import run_gate
    from launchgate.reports.writer import ensure_writable

    environ, redactor = io.environ, io.redactor
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
    out = console(io.out)
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
        out.print(f"demo: started the demo dashboard at {server.url}{shown}", markup=False)
        gate_env = {**environ, **server.gate_environ()}
        config_file = resources.files("launchgate.demo").joinpath("launchgate.yml")
        loaded = parse_config(
            config_file.read_text("utf-8"), Path("launchgate/demo/launchgate.yml"), gate_env
        )
        code = run_gate(
            loaded, target_url=server.url, out_dir=out_dir, console=out, redactor=redactor
        )
    finally:
        server.stop()
    out.print("demo: stopped the demo dashboard", markup=False)
    return code

"""``launchgate email DOMAIN``: SPF, DKIM and DMARC of a sending domain, through the
same engine, outputs and exit codes as ``launchgate run``."""

from __future__ import annotations

import argparse
from pathlib import Path

from launchgate.commands import CommandIO, add_debug, add_option, console
from launchgate.options import OUT, resolve


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "email", help="check that mail from DOMAIN reaches inboxes (SPF, DKIM, DMARC)"
    )
    parser.add_argument("domain", help="the domain your mail is sent from")
    parser.add_argument(
        "--dkim-selector",
        action="append",
        default=[],
        metavar="S",
        help="a DKIM selector your provider signs with (repeatable)",
    )
    parser.add_argument(
        "--nameserver",
        action="append",
        default=[],
        metavar="IP[:PORT]",
        help="ask this nameserver instead of the system resolver (repeatable)",
    )
    parser.add_argument(
        "--fail-on",
        choices=("blocker", "high", "medium"),
        default="blocker",
        help="lowest severity that fails (default: blocker)",
    )
    add_option(parser, OUT)
    add_debug(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, io: CommandIO) -> int:
    from pydantic import ValidationError

    from launchgate.config.load import LoadedConfig
    from launchgate.config.model import Config
    from launchgate.config.yamlsource import Locations
    from launchgate.errors import UsageError
    from launchgate.gate import run_gate
    from launchgate.reports.writer import ensure_writable

    try:
        config = Config.model_validate(
            {
                "readiness": None,
                "gate": {"fail_on": args.fail_on},
                "email": {
                    "domain": args.domain.rstrip("."),
                    "dkim_selectors": args.dkim_selector,
                    "nameservers": args.nameserver,
                },
            }
        )
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise UsageError(f"{where}: {first['msg']} (got {first.get('input')!r})") from None
    loaded = LoadedConfig(config, Path("<command line>"), Locations(), ())
    out_dir = Path(resolve(OUT, given=args.out, environ=io.environ) or "launchgate-results")
    ensure_writable(out_dir)
    return run_gate(
        loaded,
        target_url="",
        out_dir=out_dir,
        console=console(io.out),
        redactor=io.redactor,
        subject=f"email of {config.email.domain if config.email else args.domain}",
    )

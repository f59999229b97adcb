"""``launchgate email DOMAIN``: SPF, DKIM and DMARC of a sending domain, through the
same engine, outputs and exit codes as ``launchgate run``."""

from __future__ import annotations

import argparse

from launchgate.commands import CommandIO, add_debug, add_fail_on, add_option, console
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
    add_fail_on(parser)
    add_option(parser, OUT)
    add_debug(parser)
    parser.set_defaults(handler=handle)


# Config key -> the flag that fills it, to name the flag in an error.
_FLAGS = {
    "domain": "DOMAIN",
    "dkim_selectors": "--dkim-selector",
    "nameservers": "--nameserver",
    "fail_on": "--fail-on",
}


def handle(args: argparse.Namespace, io: CommandIO) -> int:
    from launchgate.gate import run_gate
    from launchgate.runplan import config_from_flags, out_path, prepare

    data = {
        "readiness": None,
        "gate": {"fail_on": args.fail_on},
        "email": {
            "domain": args.domain.rstrip("."),
            "dkim_selectors": args.dkim_selector,
            "nameservers": args.nameserver,
        },
    }
    loaded = config_from_flags(data, flags=_FLAGS, section="email")
    email = loaded.config.email
    plan = prepare(
        loaded,
        url=None,
        # The flags are the whole config: the environment does not reach this run.
        environ={},
        redactor=io.redactor,
        out_dir=out_path(resolve(OUT, given=args.out, environ=io.environ)),
        url_required=False,
        subject=f"email of {email.domain if email else args.domain}",
    )
    return run_gate(plan, console(io.out))

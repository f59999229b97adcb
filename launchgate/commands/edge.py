"""``launchgate edge URL``: the edge checks alone, from the command line.

The launch checklist's "DNS verification script": no config file, the same engine.
The flags become a config with only an ``edge:`` section (validated by the same
models, so a bad ``--resolve`` is refused exactly as a bad ``resolve:`` would be),
and the run writes the usual reports and exits with the usual codes.
"""

from __future__ import annotations

import argparse
from typing import Any

from launchgate.commands import CommandIO, add_debug, add_fail_on, add_option, console
from launchgate.options import OUT, resolve

__all__ = ["edge_config", "register"]

# Config key -> the flag that fills it, to name the flag in an error.
_FLAGS = {
    "url": "URL",
    "aliases": "--alias",
    "subdomains": "--subdomain",
    "nameservers": "--nameserver",
    "resolve": "--resolve",
    "ca_bundle": "--ca-bundle",
    "timeout": "--timeout",
    "deadline": "--deadline",
    "fail_on": "--fail-on",
}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "edge",
        help="check a domain's edge: DNS, redirects, HTTPS, certificate, headers",
        description="Check the edge of a site: the canonical URL and its aliases, DNS, "
        "HTTPS and the certificate, security and cache headers, mixed content. "
        "Use --resolve and --nameserver to check a new origin before the DNS cutover.",
    )
    parser.add_argument("url", metavar="URL", help="the canonical URL, e.g. https://example.com")
    parser.add_argument(
        "--alias",
        action="append",
        default=[],
        metavar="URL",
        help="a URL that must redirect to URL (repeatable)",
    )
    parser.add_argument(
        "--subdomain",
        action="append",
        default=[],
        metavar="NAME[=EXPECTED]",
        help="a name that must resolve; =ADDRESS[,ADDRESS] or =CNAME-TARGET to expect "
        "what it resolves to (repeatable)",
    )
    parser.add_argument(
        "--nameserver",
        action="append",
        default=[],
        metavar="IP[:PORT]",
        help="ask this DNS server instead of the system resolver (repeatable)",
    )
    parser.add_argument(
        "--resolve",
        action="append",
        default=[],
        metavar="HOST:PORT:ADDR",
        help="connect to ADDR for HOST:PORT, with HOST in SNI and Host, as curl does (repeatable)",
    )
    parser.add_argument("--ca-bundle", metavar="FILE", help="PEM file of extra trusted roots")
    parser.add_argument(
        "--timeout", metavar="DURATION", default="10s", help="limit per request (default 10s)"
    )
    parser.add_argument(
        "--deadline", metavar="DURATION", default="2m", help="limit for the whole run (default 2m)"
    )
    add_fail_on(parser)
    add_option(parser, OUT)
    add_debug(parser)
    parser.set_defaults(handler=handle)


def edge_config(args: argparse.Namespace) -> dict[str, Any]:
    """The flags as the plain data of a launchgate.yml with only an edge section."""
    edge: dict[str, Any] = {
        "url": args.url,
        "aliases": list(args.alias),
        "subdomains": [_subdomain(text) for text in args.subdomain],
        "nameservers": list(args.nameserver),
        "resolve": list(args.resolve),
        "timeout": args.timeout,
    }
    if args.ca_bundle:
        edge["ca_bundle"] = args.ca_bundle
    return {
        "target": {
            "url": args.url,
            "environment": "edge",
            "timeout": args.timeout,
            "deadline": args.deadline,
        },
        "readiness": None,
        "gate": {"fail_on": args.fail_on},
        "edge": edge,
    }


def _subdomain(text: str) -> dict[str, Any]:
    name, _, expected = text.partition("=")
    entry: dict[str, Any] = {"name": name}
    values = [v.strip() for v in expected.split(",") if v.strip()]
    if values and all(_looks_like_address(v) for v in values):
        entry["addresses"] = values
    elif len(values) == 1:
        entry["cname"] = values[0]
    elif values:
        entry["addresses"] = values  # refused by validation, with the reason
    return entry


def _looks_like_address(text: str) -> bool:
    return ":" in text or text.replace(".", "").isdigit()


def handle(args: argparse.Namespace, io: CommandIO) -> int:
    from launchgate.gate import run_gate
    from launchgate.runplan import config_from_flags, out_path, prepare

    loaded = config_from_flags(edge_config(args), flags=_FLAGS, section="edge")
    plan = prepare(
        loaded,
        url=args.url,
        # The flags are the whole config: the environment does not reach this run.
        environ={},
        redactor=io.redactor,
        out_dir=out_path(resolve(OUT, given=args.out, environ=io.environ)),
        url_required=True,
    )
    return run_gate(plan, console(io.out))

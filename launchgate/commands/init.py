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
    parser.add_argument(
        "--from",
        dest="from_url",
        metavar="URL",
        help="inspect the app running at URL (a few dozen GETs, that host only) and "
        "write journeys that fit it",
    )
    parser.add_argument("--username", help="with --from: the login name of the gate's own account")
    parser.add_argument(
        "--ca-bundle", help="with --from: PEM file of extra trusted roots (a private CA)"
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, io: CommandIO) -> int:
    from launchgate.config.schema import starter_text

    path = Path(args.path)
    if path.exists() and not args.force:
        raise UsageError(f"{path} already exists; pass --force to overwrite it")
    if args.from_url:
        text, message = _from_app(args)
    else:
        text, message = starter_text(), ""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    if args.from_url:
        io.out.write(f"{message}wrote {path}: set LAUNCHGATE_PASSWORD")
        io.out.write(
            " (and LAUNCHGATE_USERNAME)" if args.username is None else "",
        )
        io.out.write(", read the TODO lines, then run `launchgate run`\n")
        return 0
    io.out.write(
        f"wrote {path}: set target.url (or pass --url), adjust the journeys to your app, "
        "then run `launchgate run`\n"
    )
    return 0


def _from_app(args: argparse.Namespace) -> tuple[str, str]:
    """The config text and what to tell the user first (a problem, what was found)."""
    import ssl
    from urllib.parse import urlsplit

    from launchgate.initfrom.inspect import Findings, Unreachable, inspect
    from launchgate.initfrom.render import render

    url = str(args.from_url).rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"--from wants an http:// or https:// URL, not {args.from_url!r}")
    if parts.path not in ("", "/") or parts.query:
        raise UsageError(f"--from wants the app's root URL, without a path: {args.from_url}")
    verify: ssl.SSLContext | bool = True
    if args.ca_bundle:
        try:
            verify = ssl.create_default_context(cafile=args.ca_bundle)
        except (OSError, ssl.SSLError) as exc:
            raise UsageError(f"cannot read --ca-bundle {args.ca_bundle}: {exc}") from None
    try:
        findings = inspect(url, verify=verify)
    except Unreachable as exc:
        down = f"could not reach {url}: {exc}; the config below is a starter with TODOs"
        text = render(Findings(url), username=args.username, ca_bundle=args.ca_bundle, problem=down)
        return text, down + "\n"
    problem = f"GET {url}/ {findings.home_problem}" if findings.home_problem else None
    text = render(findings, username=args.username, ca_bundle=args.ca_bundle, problem=problem)
    found = [
        f"{what} {where}"
        for what, where in (
            ("health", findings.health),
            ("login form", findings.login.page.path if findings.login else None),
            ("signup form", findings.signup.page.path if findings.signup else None),
            ("page behind the login", findings.protected),
            ("OpenAPI", "/openapi.json" if findings.openapi is not None else None),
        )
        if where
    ]
    summary = f"inspected {url} in {findings.requests} requests: " + (
        ", ".join(found) if found else "no health route, login or signup form found"
    )
    return text, (f"{problem}\n" if problem else "") + summary + "\n"

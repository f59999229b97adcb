"""``launchgate audit``: the launch audit and handover page, ``audit.md`` and
``audit.json``, from the config, one run of the gate (or a given ``report.json``),
DNS answers and the baseline history.

The run is the gate's own checks and reports, without the rollback hooks: an audit
looks, it never rolls a deploy back. It exits 0 once the audit is written, whatever it
found (the risks are in the page); 2 on a usage or config error; 3 if it could not be
written.
"""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Any

from launchgate.commands import CommandIO, add_debug, add_option, console
from launchgate.options import CONFIG, OUT, URL, resolve

if TYPE_CHECKING:
    from launchgate.config.load import LoadedConfig

__all__ = ["gate_command", "register", "run_for_audit"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "audit",
        help="write the launch audit and handover page (audit.md, audit.json)",
        description="Run the gate once (without rollback hooks), ask DNS, read the "
        "baselines, and write audit.md and audit.json: the launch risks, the map of "
        "domains, environments and services, the secrets and their owners, the rollback "
        "path, and what can wait. No secret value is ever written.",
    )
    for option in (CONFIG, URL, OUT):
        add_option(parser, option)
    parser.add_argument(
        "--report",
        metavar="FILE",
        help="build the audit from this report.json instead of running the gate",
    )
    add_debug(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, io: CommandIO) -> int:
    from launchgate.audit.gather import read_report
    from launchgate.audit.make import make_audit, tally
    from launchgate.config.load import load_config
    from launchgate.reports.writer import ensure_writable
    from launchgate.runplan import config_path, out_path

    environ = io.environ
    path = config_path(resolve(CONFIG, given=args.config, environ=environ))
    out_dir = out_path(resolve(OUT, given=args.out, environ=environ))
    if args.report:
        from launchgate.commands.baseline import placeholders
        from launchgate.engine import known_secrets

        # Reading a report needs no secrets: unset variables get a placeholder.
        loaded = load_config(path, {**environ, **placeholders(path, io)})
        for value in known_secrets(loaded, ""):
            io.redactor.add(value)
        ensure_writable(out_dir)
        report = read_report(Path(args.report))
        source = f"`{args.report}`"
    else:
        loaded = load_config(path, environ)
        report = run_for_audit(loaded, url=args.url, io=io, out_dir=out_dir)
        source = "this run"
    audit, written = make_audit(
        loaded,
        text=_text(path),
        report=report,
        report_source=source,
        gate_command=gate_command(loaded, str(report.get("target") or "")),
        environ=environ,
        redactor=io.redactor,
        out_dir=out_dir,
    )
    # Written as is: rich would wrap a long path over two lines.
    io.out.write(f"audit: {tally(audit)}; wrote {', '.join(str(p) for p in written)}\n")
    return 0


def run_for_audit(
    loaded: LoadedConfig, *, url: str | None, io: CommandIO, out_dir: Path
) -> dict[str, Any]:
    """One run of the gate, reported as ``launchgate run`` reports it, hooks left out;
    its report.json's content."""
    from launchgate.gate import run_checks
    from launchgate.reports.delivery import deliver
    from launchgate.reports.json_report import report_dict
    from launchgate.runplan import prepare

    plan = prepare(loaded, url=url, environ=io.environ, redactor=io.redactor, out_dir=out_dir)
    out = console(io.out)
    ran = run_checks(plan, out)
    deliver(ran.report, plan.out_dir, out, plan.redactor, github=None, rollback=None)
    return report_dict(ran.report)


def gate_command(loaded: LoadedConfig, target: str) -> str:
    """The command that gates a deploy with this config: the URL is named only when it
    does not come from ``target.url`` (it is then given on each deploy)."""
    words = ["launchgate", "run", "--config", str(loaded.path)]
    configured = (loaded.config.target.url or "").rstrip("/")
    if target and target != configured:
        words += ["--url", target]
    return shlex.join(words)


def _text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None

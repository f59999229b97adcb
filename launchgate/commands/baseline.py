"""``launchgate baseline show|diff|update``: look at and move the stored bar."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING

from launchgate.commands import CommandIO, add_debug, add_option, console
from launchgate.errors import UsageError
from launchgate.options import COMPARE_URL, CONFIG, OUT, URL, resolve

if TYPE_CHECKING:
    from launchgate.baseline.store import BaselineFile
    from launchgate.config.load import LoadedConfig


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("baseline", help="show, compare or update the stored baseline")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    show = actions.add_parser("show", help="the stored entries, newest first")
    add_option(show, CONFIG)
    show.add_argument("--environment", help="default: target.environment")
    show.set_defaults(handler=handle_show)

    diff = actions.add_parser("diff", help="a run's report.json against the stored baseline")
    add_option(diff, CONFIG)
    diff.add_argument("--environment", help="default: target.environment")
    diff.add_argument(
        "--report",
        default="launchgate-results/report.json",
        help="the run to compare (default: launchgate-results/report.json)",
    )
    diff.set_defaults(handler=handle_diff)

    update = actions.add_parser(
        "update", help="run the gate and, if it passes, record the new baseline"
    )
    for option in (CONFIG, URL, OUT, COMPARE_URL):
        add_option(update, option)
    # The run it delegates to reads args.environment: without it, update crashed.
    update.add_argument("--environment", help="default: target.environment")
    update.add_argument("--any-branch", action="store_true", help="not only the default branch")
    add_debug(update)
    update.set_defaults(handler=handle_update)


def _baseline(
    args: argparse.Namespace, io: CommandIO
) -> tuple[LoadedConfig, Path, BaselineFile | None]:
    from launchgate.baseline.store import baseline_path, read_baseline
    from launchgate.config.load import load_config
    from launchgate.runplan import config_path as default_config

    config_path = default_config(resolve(CONFIG, given=args.config, environ=io.environ))
    loaded = load_config(config_path, {**io.environ, **placeholders(config_path, io)})
    environment = args.environment or loaded.config.target.environment
    path = baseline_path(Path.cwd() / loaded.config.baseline.dir, environment)
    return loaded, path, read_baseline(path)


def placeholders(config_path: Path, io: CommandIO) -> dict[str, str]:
    """Looking at a baseline needs no secrets: unset variables get a placeholder, one
    that also passes as a URL (target.url: ${APP_URL} is validated at load time)."""
    import re

    try:
        text = config_path.read_text(encoding="utf-8")
    except OSError:
        return {}
    names = re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", text)
    return {n: "http://unused.invalid" for n in names if n not in io.environ}


def handle_show(args: argparse.Namespace, io: CommandIO) -> int:
    from rich.table import Table

    _, path, baseline = _baseline(args, io)
    out = console(io.out)
    if baseline is None:
        out.print(
            f"no baseline at {path} yet: `launchgate baseline update` records one", markup=False
        )
        return 0
    routes = sorted({r for entry in baseline.entries for r in entry.routes})
    table = Table(title=f"{path} ({len(baseline.entries)} entries, newest first)", box=None)
    for column in ("recorded", "commit", "branch", *(f"{r} p95" for r in routes)):
        table.add_column(column, no_wrap=True)
    for entry in baseline.entries:
        git = entry.git
        cells = [
            entry.created_at,
            (git.commit or "-")[:12] + ("+dirty" if git and git.dirty else "") if git else "-",
            (git.branch or "-") if git else "-",
        ]
        cells += [f"{entry.routes[r].p95_ms:.1f} ms" if r in entry.routes else "-" for r in routes]
        table.add_row(*cells)
    out.print(table)
    return 0


def handle_diff(args: argparse.Namespace, io: CommandIO) -> int:
    from launchgate.probe.figures import regression_decision
    from launchgate.probe.histogram import LatencyHistogram

    loaded, path, baseline = _baseline(args, io)
    probe = loaded.config.probe
    if probe is None:
        raise UsageError("the config has no probe: there is nothing to compare")
    try:
        report = json.loads(Path(args.report).read_text(encoding="utf-8"))
        routes = {r["route"]: LatencyHistogram.decode(r["histogram"]) for r in report["routes"]}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"{args.report}: not a launchgate report with routes ({exc})") from None
    if baseline is None:
        io.out.write(f"no baseline at {path} yet: nothing to compare\n")
        return 0
    regressed = unreadable = False
    for name, current in routes.items():
        stored = baseline.latest.routes.get(name)
        decision = regression_decision(
            current,
            stored,
            name,
            probe.gates,
            source=str(path),
            incomparable=None if stored else f"the baseline has no figures for {name}",
        )
        regressed = regressed or decision.fails
        unreadable = unreadable or decision.outcome == "unreadable"
        change = "" if math.isnan(decision.change_pct) else f" {decision.change_pct:+.0f}%"
        io.out.write(f"{name}:{change} {decision.outcome}: {decision.reason}\n")
    return 1 if regressed else 3 if unreadable else 0


def handle_update(args: argparse.Namespace, io: CommandIO) -> int:
    from launchgate.commands import run

    args.update_baseline = True
    return run.handle(args, io)

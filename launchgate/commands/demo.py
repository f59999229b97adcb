"""``launchgate demo``: start the bundled demo dashboard and gate it.

The demo's load-probe baseline is calibrated on the machine it runs on: a baseline
shipped from another machine would not hold on a slower or faster one. The first run
of each launchgate version gates a clean demo once and caches its figures; later
runs, with or without faults, are compared with them.

Calibrating also sizes the demo's data for the machine (``launchgate.demo.sizing``),
so that the missing-index fault costs about 40 ms per scanning dashboard, whether the
machine is fast or slow. The calibration never sees a fault: it always runs the clean
demo, and only passing clean runs add to the cached baseline (its history is the
machine's run-to-run noise), so a fault cannot become the norm it is compared with.
The cache folder is keyed on the launchgate version and the probe's settings, and the
baseline inside it on the demo's data (seed sizes and the dashboard's queries): a
change of any of them calibrates afresh.

``--compare`` gates live instead: a second, healthy demo app (the control, standing
for the previous deployment) is started beside the one with the faults, and each
route's regression is decided against it in the same window. No calibration is
needed for that, and none is made.
"""

from __future__ import annotations

import argparse
import os
import secrets
import tempfile
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from launchgate import __version__
from launchgate.commands import CommandIO, add_debug, add_option, console
from launchgate.errors import LaunchgateError, UsageError
from launchgate.options import OUT, resolve

if TYPE_CHECKING:
    from launchgate.config.load import LoadedConfig
    from launchgate.demo.sizing import Sizing

_CONFIG_PATH = Path("launchgate/demo/launchgate.yml")


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
    parser.add_argument(
        "--compare",
        action="store_true",
        help="also start a healthy demo app as the control and gate the faulted one "
        "against it live, side by side (probe.compare)",
    )
    parser.add_argument(
        "--audit",
        action="store_true",
        help="also write the launch audit of the demo (audit.md, audit.json; see "
        "`launchgate audit`)",
    )
    parser.add_argument(
        "--recalibrate",
        action="store_true",
        help="measure the demo's performance baseline on this machine again",
    )
    parser.add_argument(
        "--serve",
        action="store_true",
        help="only serve the demo app until Ctrl-C (for the launchgate watch walkthrough)",
    )
    parser.add_argument(
        "--port", type=int, default=0, metavar="N", help="with --serve: the loopback port"
    )
    add_option(parser, OUT)
    add_debug(parser)
    parser.set_defaults(handler=handle)


def cache_dir(environ: Mapping[str, str]) -> Path:
    if environ.get("LAUNCHGATE_CACHE_DIR"):
        return Path(environ["LAUNCHGATE_CACHE_DIR"])
    base = environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(base) / "launchgate"


def handle(args: argparse.Namespace, io: CommandIO) -> int:
    from launchgate.demo.faults import validate_faults
    from launchgate.demo.seed import data_fingerprint
    from launchgate.demo.settings import DEFAULT_INVOICES_PER_USER
    from launchgate.reports.writer import ensure_writable
    from launchgate.runplan import out_path

    environ, redactor = io.environ, io.redactor
    try:
        faults = validate_faults(args.fault)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.serve:
        from launchgate.commands.demo_serve import serve

        return serve(io, faults=faults, port=args.port)
    out_dir = out_path(resolve(OUT, given=args.out, environ=environ))
    ensure_writable(out_dir)
    password = environ.get("LAUNCHGATE_DEMO_PASSWORD") or secrets.token_urlsafe(16)
    webhook_secret = environ.get("LAUNCHGATE_DEMO_WEBHOOK_SECRET") or (
        "whsec_" + secrets.token_urlsafe(24)
    )
    redactor.add(password)
    redactor.add(webhook_secret)
    secrets_env = {
        "LAUNCHGATE_DEMO_PASSWORD": password,
        "LAUNCHGATE_DEMO_WEBHOOK_SECRET": webhook_secret,
    }
    text = resources.files("launchgate.demo").joinpath("launchgate.yml").read_text("utf-8")
    out = console(io.out)
    folder = _cache_folder(text, environ)
    sizing = _sizing(folder, remeasure=args.recalibrate)
    baselines = folder / data_fingerprint(sizing.users, DEFAULT_INVOICES_PER_USER)
    users = sizing.users
    if args.compare:
        return _gate_once(
            sorted(faults),
            text,
            {**environ, **secrets_env},
            baselines,
            out_dir,
            io,
            users,
            compare=True,
            audit=args.audit,
        )
    if args.recalibrate or not (baselines / "demo.json").exists():
        out.print(
            "demo: calibrating the demo's performance baseline on this machine "
            f"(first run of this launchgate version; about 20 s; {sizing.invoices:,} "
            "invoices, sized for this machine)",
            markup=False,
        )
        code = _gate_once(
            (), text, {**environ, **secrets_env}, baselines, out_dir, io, users, calibrate=True
        )
        if code != 0 or not (baselines / "demo.json").exists():
            raise LaunchgateError(
                f"the clean demo did not pass its calibration run (exit {code}), so there "
                "is no baseline to compare with; run `launchgate demo --recalibrate --debug`"
            )
    return _gate_once(
        sorted(faults),
        text,
        {**environ, **secrets_env},
        baselines,
        out_dir,
        io,
        users,
        audit=args.audit,
    )


# Stand-ins for what only a started demo server knows: the probe's settings (all the
# calibration cache depends on) read the same whatever these are.
_UNSTARTED = {
    "LAUNCHGATE_DEMO_PASSWORD": "unused",
    "LAUNCHGATE_DEMO_WEBHOOK_SECRET": "unused",
    "LAUNCHGATE_DEMO_HTTP_PORT": "80",
    "LAUNCHGATE_DEMO_HTTPS_PORT": "443",
    "LAUNCHGATE_DEMO_CA_BUNDLE": "unused.pem",
    "LAUNCHGATE_DEMO_NAMESERVER": "127.0.0.1",
    "LAUNCHGATE_DEMO_LOG": "unused.log",
}


def _cache_folder(text: str, environ: Mapping[str, str]) -> Path:
    """One folder per launchgate version and probe setup: a change of either recalibrates."""
    from launchgate.config.load import parse_config
    from launchgate.probe.settings import probe_fingerprint

    probe = parse_config(text, _CONFIG_PATH, {**_UNSTARTED, **environ}).config.probe
    key = probe_fingerprint(probe) if probe is not None else "no-probe"
    return cache_dir(environ) / "demo" / f"{__version__}-{key}"


def _sizing(folder: Path, *, remeasure: bool) -> Sizing:
    from launchgate.demo.sizing import load_or_measure

    try:
        return load_or_measure(folder, remeasure=remeasure)
    except OSError as exc:
        raise LaunchgateError(
            f"cannot write the demo's calibration cache in {folder}: {exc.strerror or exc}; "
            "set LAUNCHGATE_CACHE_DIR to a writable folder"
        ) from None


def _gate_once(
    faults: list[str] | tuple[str, ...],
    text: str,
    environ: Mapping[str, str],
    baselines: Path,
    out_dir: Path,
    io: CommandIO,
    users: int,
    *,
    calibrate: bool = False,
    compare: bool = False,
    audit: bool = False,
) -> int:
    from launchgate.commands.demo_serve import start_demo
    from launchgate.config.load import parse_config
    from launchgate.demo.server import DemoServer
    from launchgate.gate import run_gate
    from launchgate.runplan import prepare

    out = console(io.out)

    def started(with_faults: list[str] | tuple[str, ...]) -> DemoServer:
        return start_demo(
            DemoServer(
                faults=with_faults,
                password=environ["LAUNCHGATE_DEMO_PASSWORD"],
                users=users,
                extra_env={
                    "LAUNCHGATE_DEMO_WEBHOOK_SECRET": environ["LAUNCHGATE_DEMO_WEBHOOK_SECRET"]
                },
            )
        )

    control = started(()) if compare else None
    try:
        server = started(faults)
    except LaunchgateError:
        if control is not None:
            control.stop()
        raise
    try:
        if control is not None:
            out.print(
                f"demo: started a healthy demo dashboard at {control.url} as the control",
                markup=False,
            )
        if not calibrate:
            shown = f" with faults: {', '.join(faults)}" if faults else ""
            out.print(f"demo: started the demo dashboard at {server.url}{shown}", markup=False)
        gate_env = {
            **environ,
            **server.gate_environ(),
            "LAUNCHGATE_DEMO_BASELINES": str(baselines),
        }
        loaded = parse_config(text, _CONFIG_PATH, gate_env)
        with tempfile.TemporaryDirectory(prefix="launchgate-calibration-") as scratch:
            plan = prepare(
                loaded,
                url=server.url,
                environ=gate_env,
                redactor=io.redactor,
                out_dir=Path(scratch) if calibrate else out_dir,
                # handle() proved the output folder writable before the server started.
                check_out=False,
                compare_url=control.url if control is not None else None,
            )
            code = run_gate(
                plan,
                out,
                # A passing clean run adds to the cached baseline: its history is how
                # the regression gate learns this machine's run-to-run noise.
                update_baseline=calibrate or not (faults or compare),
                any_branch=True,
                quiet=calibrate,
            )
        if audit:  # while the demo's nameserver still answers for its names
            _audit(loaded, text, gate_env, out_dir, io)
    finally:
        server.stop()
        if control is not None:
            control.stop()
    if not calibrate:
        stopped = "the demo dashboards" if control is not None else "the demo dashboard"
        out.print(f"demo: stopped {stopped}", markup=False)
    return code


def _audit(
    loaded: LoadedConfig, text: str, environ: Mapping[str, str], out_dir: Path, io: CommandIO
) -> None:
    from launchgate.audit.gather import read_report
    from launchgate.audit.make import make_audit, tally
    from launchgate.reports.writer import JSON_FILE

    audit, written = make_audit(
        loaded,
        text=text,
        report=read_report(out_dir / JSON_FILE),
        report_source="this run",
        gate_command="launchgate demo",
        environ=environ,
        redactor=io.redactor,
        out_dir=out_dir,
        config_path=f"{_CONFIG_PATH} (bundled)",
    )
    # Written as is: rich would wrap a long path over two lines.
    io.out.write(f"demo: audit: {tally(audit)}; wrote {', '.join(str(p) for p in written)}\n")

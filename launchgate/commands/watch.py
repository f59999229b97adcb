"""``launchgate watch``: check the critical routes on an interval and alert once per
incident; optionally follow an access log for bursts of 5xx and failed logins."""

from __future__ import annotations

import argparse
from pathlib import Path

from launchgate.commands import CommandIO, add_debug, add_option
from launchgate.eventloop import new_runner
from launchgate.options import CONFIG, URL, resolve


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "watch",
        help="watch the app: alert once per incident, and again on recovery",
        description="Run the watch checks every interval (watch: in the config) and "
        "alert the configured channels when a check goes down, flaps or recovers. "
        "--once exit codes: 0 all up, 1 a check is down, 3 an alert could not be "
        "delivered (it stays pending in the state file).",
    )
    for option in (CONFIG, URL):
        add_option(parser, option)
    parser.add_argument(
        "--every", metavar="DURATION", help="time between rounds, e.g. 60s (watch.interval)"
    )
    parser.add_argument(
        "--once", action="store_true", help="run one round and exit (for a scheduled job)"
    )
    parser.add_argument(
        "--state", metavar="FILE", help="incident state kept between rounds and runs (watch.state)"
    )
    parser.add_argument(
        "--history", metavar="FILE", help="JSON lines of every check of every round"
    )
    parser.add_argument(
        "--log",
        metavar="FILE",
        help="follow this access log (rotation too, like tail -F), or - for standard input",
    )
    parser.add_argument(
        "--metrics-port", type=int, metavar="N", help="serve Prometheus metrics on port N"
    )
    parser.add_argument(
        "--metrics-addr",
        default="127.0.0.1",
        metavar="ADDR",
        help="address of the metrics server (default: 127.0.0.1)",
    )
    add_debug(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, io: CommandIO) -> int:

    from launchgate.config.load import load_config
    from launchgate.config.units import parse_duration_s
    from launchgate.config.watch_model import WatchSpec
    from launchgate.errors import UsageError
    from launchgate.runplan import config_path, resolve_target_url
    from launchgate.watch.assemble import (
        LogSource,
        alert_client,
        build_channels,
        channel_secrets,
        run_forever,
        run_once,
        with_watch,
    )
    from launchgate.watch.history import HistoryWriter
    from launchgate.watch.metrics import WatchMetrics
    from launchgate.watch.statefile import StateLock
    from launchgate.watch.watcher import Watcher

    environ = io.environ
    loaded = load_config(config_path(resolve(CONFIG, given=args.config, environ=environ)), environ)
    for value in loaded.secret_values:
        io.redactor.add(value)
    url = resolve_target_url(args.url, environ, loaded.config.target.url)
    spec = loaded.config.watch or WatchSpec()
    if args.every is not None:
        try:
            every = parse_duration_s(args.every)
        except ValueError as exc:
            raise UsageError(f"--every: {exc}") from None
        spec = spec.model_copy(update={"interval": every})
    if spec.interval <= 0:
        raise UsageError("the watch interval must be longer than 0s (--every, watch.interval)")
    if args.once and args.log:
        raise UsageError("--log follows a log as it grows; it needs the long-running mode")
    if args.metrics_port is not None and not 0 <= args.metrics_port <= 65535:
        raise UsageError("--metrics-port: expected a port number from 0 to 65535")
    loaded = with_watch(loaded, spec)
    channels = channel_secrets(loaded)
    for value in channels:  # the config's `secrets:` values are registered above
        io.redactor.add(value)
    secrets = [*loaded.secret_values, *channels]

    def say(text: str) -> None:
        io.out.write(text + "\n")
        io.out.flush()

    state_path = Path(args.state or spec.state)
    history_path = args.history or spec.history
    lock = StateLock(state_path)
    lock.acquire()
    metrics = WatchMetrics()
    try:
        if args.metrics_port is not None:
            try:
                port = metrics.serve(args.metrics_port, args.metrics_addr)
            except OSError as exc:
                raise UsageError(f"--metrics-port {args.metrics_port}: {exc.strerror}") from None
            say(f"metrics: http://{args.metrics_addr}:{port}/metrics")

        async def main() -> int | None:
            async with alert_client() as client:
                watcher = Watcher(
                    loaded,
                    target_url=url,
                    secrets=secrets,
                    channels=build_channels(loaded, client, io.redactor),
                    state_path=state_path,
                    history=HistoryWriter(Path(history_path)) if history_path else None,
                    metrics=metrics,
                    say=say,
                )
                names = ", ".join(c.name for c in watcher.checks)
                channels = ", ".join(spec.channels) or "none (alerts are printed here only)"
                shown = io.redactor.redact_url(url)
                if args.once:
                    say(f"launchgate watch: one round of {names} on {shown}")
                    return await run_once(watcher)
                say(
                    f"launchgate watch: {names} on {shown} every {spec.interval:g}s; "
                    f"channels: {channels}; state: {state_path}; Ctrl-C to stop"
                )
                source = LogSource(args.log) if args.log else None
                await run_forever(watcher, log_source=source, say=say)
                say("launchgate watch: stopped")
                return 0

        with new_runner() as runner:
            code = runner.run(main())
    finally:
        metrics.close()
        lock.release()
    if code is None:
        say("launchgate watch: interrupted before the round finished; state unchanged")
        return 3
    return code

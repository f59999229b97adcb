"""The audit's I/O on the way in: DNS answers, the baseline files, the config as
written, and a ``report.json`` read back. Each source that fails is a fact too (a
DNS failure, an unreadable baseline): the audit shows it, it never stops the audit."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from launchgate.audit.facts import (
    BaselineInfo,
    DnsKey,
    dkim_name,
    is_address,
    map_hosts,
    reverse_name,
)
from launchgate.audit.providers import needs_reverse_lookup
from launchgate.baseline.store import read_baseline
from launchgate.checks.dns import DnsAnswer, DnsFailure, lookup
from launchgate.config.hosts import Nameserver, parse_nameserver
from launchgate.config.load import LoadedConfig
from launchgate.config.model import Config
from launchgate.config.yamlsource import format_key
from launchgate.errors import BaselineError, UsageError
from launchgate.eventloop import new_runner

__all__ = ["ask_dns", "baselines", "read_report", "uses", "written_config"]

MAX_HOSTS = 40  # a map longer than this is not read in two minutes
MAX_REVERSE = 20
DNS_TIMEOUT_S = 5.0

Answers = dict[DnsKey, DnsAnswer | DnsFailure]


def ask_dns(config: Config, target_url: str) -> Answers:
    """Every lookup the map needs, in parallel, each bounded by its timeout."""
    with new_runner() as runner:
        return runner.run(_ask(config, target_url))


async def _ask(config: Config, target_url: str) -> Answers:
    edge, email = config.edge, config.email
    edge_ns = [parse_nameserver(n) for n in edge.nameservers] if edge else []
    timeout = min((edge.timeout if edge and edge.timeout else config.target.timeout), DNS_TIMEOUT_S)
    first: list[tuple[str, str, Sequence[Nameserver], float]] = []
    for host, _roles in map_hosts(config, target_url)[:MAX_HOSTS]:
        if not is_address(host):
            first += [(host, "A", edge_ns, timeout), (host, "AAAA", edge_ns, timeout)]
    if email is not None:
        mail_ns = [parse_nameserver(n) for n in email.nameservers]
        mail_timeout = min(email.timeout, DNS_TIMEOUT_S)
        first += [(email.domain, t, mail_ns, mail_timeout) for t in ("TXT", "MX")]
        first += [
            (dkim_name(s, email.domain), "TXT", mail_ns, mail_timeout) for s in email.dkim_selectors
        ]
    answers = await _all(first)
    addresses = sorted(
        {
            record
            for (_, rdtype), answer in answers.items()
            if rdtype in ("A", "AAAA") and isinstance(answer, DnsAnswer)
            for record in answer.records
        }
    )
    hosts = {h for h, _ in map_hosts(config, target_url) if is_address(h)}
    reverse = [a for a in sorted(set(addresses) | hosts) if needs_reverse_lookup(a)]
    answers.update(
        await _all([(reverse_name(a), "PTR", edge_ns, timeout) for a in reverse[:MAX_REVERSE]])
    )
    return answers


async def _all(wanted: Sequence[tuple[str, str, Sequence[Nameserver], float]]) -> Answers:
    results = await asyncio.gather(
        *(lookup(name, rdtype, nameservers=ns, timeout_s=t) for name, rdtype, ns, t in wanted)
    )
    return {(name, rdtype): r for (name, rdtype, _, _), r in zip(wanted, results, strict=True)}


def baselines(config: Config, workdir: Path | None = None) -> tuple[BaselineInfo, ...]:
    """One entry per baseline file in ``baseline.dir``: the environments with history."""
    folder = (workdir or Path.cwd()) / config.baseline.dir
    try:
        files = sorted(folder.glob("*.json"))
    except OSError:
        return ()
    found: list[BaselineInfo] = []
    for path in files:
        try:
            stored = read_baseline(path)
        except BaselineError as exc:
            problem = str(exc).removeprefix(f"{path}: ")  # the path is shown beside it
            found.append(BaselineInfo(path.stem, str(path), 0, "", problem))
            continue
        if stored is not None:
            latest = stored.latest
            found.append(
                BaselineInfo(stored.environment, str(path), len(stored.entries), latest.created_at)
            )
    return tuple(found)


def written_config(text: str | None) -> Mapping[str, Any]:
    """The config as written, before ``${NAME}`` is replaced; empty if it cannot be read
    (it was validated already: this is only for showing variable names)."""
    if not text:
        return {}
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def uses(loaded: LoadedConfig) -> dict[str, tuple[str, ...]]:
    """Variable name -> the config keys whose value came from it."""
    found: dict[str, list[str]] = {}
    for path, names in loaded.locations.interpolated.items():
        for name in names:
            found.setdefault(name, []).append(format_key(path))
    return {name: tuple(keys) for name, keys in found.items()}


def read_report(path: Path) -> dict[str, Any]:
    """A ``report.json`` written by ``launchgate run``; a usage error otherwise."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"--report {path}: no such file") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UsageError(f"--report {path}: not a readable launchgate report ({exc})") from None
    if not (
        isinstance(data, dict)
        and isinstance(data.get("findings"), list)
        and isinstance(data.get("checks"), list)
    ):
        raise UsageError(
            f"--report {path}: not a launchgate report.json (no findings and checks lists)"
        )
    return data

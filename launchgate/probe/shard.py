"""One shard of a probe split over several machines, and the file it leaves. Pure.

Shard ``I/N`` sends ``rate / N`` per route, its schedule shifted by ``(I - 1) / N`` of
its own interval (``ProbeTarget.phase``): shard 1's sends fall at 0, N, 2N … base
intervals, shard 2's at 1, N + 1 …, so the merged arrivals are the unsharded
schedule, evenly spaced. What a shard measured travels as JSON with its histograms
HdrHistogram-encoded, so merging them loses nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from launchgate.config.units import parse_duration_s
from launchgate.probe.histogram import LatencyHistogram
from launchgate.probe.measurement import ProbeMeasurement, RouteMeasurement

__all__ = [
    "SHARD_FORMAT",
    "Shard",
    "ShardIdentity",
    "ShardResult",
    "parse_shard",
    "parse_start_at",
    "shard_file_name",
    "shard_from_dict",
    "shard_to_dict",
]

SHARD_FORMAT = "launchgate-shard/1"  # a file of another format is refused, not guessed at
_SHARD = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based, as a CI matrix counts
    count: int

    @property
    def phase(self) -> float:
        return (self.index - 1) / self.count

    def rate(self, total_per_s: float) -> float:
        return total_per_s / self.count

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_shard(text: str) -> Shard:
    """``I/N`` with 1 <= I <= N; raises ``ValueError`` saying what is wrong."""
    match = _SHARD.fullmatch(text)
    if not match:
        raise ValueError(f"--shard takes I/N, such as 2/4, got {text!r}")
    index, count = int(match[1]), int(match[2])
    if count < 1 or not 1 <= index <= count:
        raise ValueError(f"--shard {text}: I must be 1 to N (N at least 1)")
    return Shard(index, count)


def parse_start_at(text: str, now: datetime) -> datetime:
    """An ISO time (a zone is required: shards on runners in other zones must agree)
    or ``+30s`` from ``now``; raises ``ValueError``."""
    text = text.strip()
    if text.startswith("+"):
        return now + timedelta(seconds=parse_duration_s(text[1:]))
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"--start-at takes an ISO time such as 2026-01-31T12:00:00Z or +30s, got {text!r}"
        ) from None
    if moment.tzinfo is None:
        raise ValueError(f"--start-at {text}: give the zone (Z or +01:00)")
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class ShardIdentity:
    shard: Shard
    host: str  # where it ran: the runner's name, else the host name
    started_at: datetime  # when its measured window began, by its own clock (UTC)
    # Its clock minus the target's (the Date header, 1 s resolution): how far apart
    # the shards' starts really were. None when the target sent no usable Date.
    clock_offset_s: float | None


@dataclass(frozen=True)
class ShardResult:
    identity: ShardIdentity
    fingerprint: str  # probe_fingerprint of the whole (unsharded) probe settings
    target: str  # redacted
    environment: str
    measurement: ProbeMeasurement
    unmeasured: Mapping[str, str] = field(default_factory=dict)  # route -> why not
    error: str | None = None  # why the shard measured nothing, when it did not
    launchgate_version: str = ""


def shard_file_name(shard: Shard) -> str:
    return f"shard-{shard.index}-of-{shard.count}.json"


# -- JSON ---------------------------------------------------------------------------


def shard_to_dict(result: ShardResult) -> dict[str, object]:
    m = result.measurement
    ident = result.identity
    return {
        "format": SHARD_FORMAT,
        "launchgate_version": result.launchgate_version,
        "shard": {
            "index": ident.shard.index,
            "count": ident.shard.count,
            "host": ident.host,
            "started_at": ident.started_at.isoformat(),
            "clock_offset_s": ident.clock_offset_s,
        },
        "fingerprint": result.fingerprint,
        "target": result.target,
        "environment": result.environment,
        "error": result.error,
        "unmeasured": dict(result.unmeasured),
        "duration_s": m.duration_s,
        "loop_lag_p99_ms": _number(m.loop_lag_p99_ms),
        "stopped_early": m.stopped_early,
        "collapsed_route": m.collapsed_route if m.collapsed else None,
        "invalid": m.invalid,
        "routes": [_route_dict(r) for r in m.routes],
    }


def _number(value: float) -> float | None:
    return None if value != value else value  # NaN is not JSON


def _route_dict(r: RouteMeasurement) -> dict[str, object]:
    return {
        "route": r.route,
        "method": r.method,
        "path": r.path,
        "rate_per_s": r.rate_per_s,
        "measured_s": r.measured_s,
        "requests": r.requests,
        "sent": r.sent,
        "throttled": r.throttled,
        "warmup_sent": r.warmup_sent,
        "errors": dict(r.errors),
        "answered": dict(r.answered),
        "not_sent": dict(r.not_sent),
        "latency": r.latency.encode(),
        "service": r.service.encode(),
        "client_lag": r.client_lag.encode(),
    }


def shard_from_dict(data: Any) -> ShardResult:
    """Raises ``ValueError`` naming the first field that is missing or wrong."""
    if not isinstance(data, dict) or data.get("format") != SHARD_FORMAT:
        raise ValueError(f"not a launchgate shard result (format {SHARD_FORMAT})")
    try:
        ident = data["shard"]
        shard = Shard(_int(ident["index"]), _int(ident["count"]))
        if not 1 <= shard.index <= shard.count:
            raise ValueError(f"shard {shard} is not a shard of {shard.count}")
        started = datetime.fromisoformat(str(ident["started_at"]))
        if started.tzinfo is None:
            raise ValueError("shard.started_at has no zone")
        offset = ident.get("clock_offset_s")
        identity = ShardIdentity(
            shard, str(ident["host"]), started, None if offset is None else float(offset)
        )
        collapsed = data.get("collapsed_route")
        lag = data.get("loop_lag_p99_ms")
        measurement = ProbeMeasurement(
            routes=tuple(_route(r) for r in data["routes"]),
            duration_s=float(data["duration_s"]),
            loop_lag_p99_ms=float("nan") if lag is None else float(lag),
            stopped_early=_text(data.get("stopped_early")),
            collapsed=collapsed is not None,
            collapsed_route=_text(collapsed),
            invalid=_text(data.get("invalid")),
        )
        return ShardResult(
            identity=identity,
            fingerprint=str(data["fingerprint"]),
            target=str(data.get("target", "")),
            environment=str(data.get("environment", "")),
            measurement=measurement,
            unmeasured=_texts(data.get("unmeasured") or {}),
            error=_text(data.get("error")),
            launchgate_version=str(data.get("launchgate_version", "")),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"a shard result with a missing or malformed field ({exc})") from None


def _route(r: Any) -> RouteMeasurement:
    return RouteMeasurement(
        route=str(r["route"]),
        method=str(r["method"]),
        path=str(r["path"]),
        rate_per_s=float(r["rate_per_s"]),
        latency=LatencyHistogram.decode(str(r["latency"])),
        service=LatencyHistogram.decode(str(r["service"])),
        requests=_int(r["requests"]),
        errors=_counts(r["errors"]),
        throttled=_int(r["throttled"]),
        measured_s=float(r["measured_s"]),
        client_lag=LatencyHistogram.decode(str(r["client_lag"])),
        sent=_int(r["sent"]),
        answered=_counts(r["answered"]),
        not_sent=_counts(r["not_sent"]),
        warmup_sent=_int(r["warmup_sent"]),
    )


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"expected a count, got {value!r}")
    return value


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _counts(data: Any) -> dict[str, int]:
    return {key: _int(value) for key, value in _mapping(data).items()}


def _texts(data: Any) -> dict[str, str]:
    return {key: str(value) for key, value in _mapping(data).items()}


def _mapping(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ValueError(f"expected a mapping, got {type(data).__name__}")
    return {str(k): v for k, v in data.items()}

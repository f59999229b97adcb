"""The shard core, pure: the shared schedule, the shard file, the merge and its refusals."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest

from launchgate.probe.histogram import LatencyHistogram
from launchgate.probe.measurement import ProbeMeasurement, RouteMeasurement
from launchgate.probe.schedule import intended_offsets
from launchgate.probe.shard import (
    Shard,
    ShardIdentity,
    ShardResult,
    parse_shard,
    parse_start_at,
    shard_from_dict,
    shard_to_dict,
)
from launchgate.probe.shard_merge import LabelledShard, incomparable, merge_shards

START = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)


def _route(values_ms: list[float], *, rate: float = 25.0, errors: int = 0) -> RouteMeasurement:
    latency = LatencyHistogram()
    for value in values_ms:
        latency.record_ms(value)
    lag = LatencyHistogram()
    lag.record_ms(0.2)
    return RouteMeasurement(
        route="home", method="GET", path="/", rate_per_s=rate, latency=latency,
        service=latency, requests=len(values_ms) + errors,
        errors={"status 500": errors} if errors else {}, throttled=0, measured_s=4.0,
        client_lag=lag, sent=len(values_ms) + errors, answered={"2xx": len(values_ms)},
    )  # fmt: skip


def _shard(index: int, count: int = 4, *, fp: str = "fp-a", values: list[float] | None = None,
           error: str | None = None) -> LabelledShard:  # fmt: skip
    values = values if values is not None else [10.0 + index]
    result = ShardResult(
        identity=ShardIdentity(Shard(index, count), f"runner-{index}", START, 0.25),
        fingerprint=fp,
        target="http://app.test",
        environment="staging",
        measurement=ProbeMeasurement(routes=(_route(values),), duration_s=5.0, loop_lag_p99_ms=0.5),
        error=error,
    )
    return LabelledShard(f"shards/{index}.json", result)


def test_the_shards_schedules_merge_into_the_unsharded_one_evenly_spaced() -> None:
    rate, count = 200.0, 4
    merged = sorted(
        t
        for i in range(1, count + 1)
        for t in intended_offsets(Shard(i, count).rate(rate), 3.0, phase=Shard(i, count).phase)
    )
    alone = list(intended_offsets(rate, 3.0))
    assert len(merged) == len(alone) == 600
    assert merged == pytest.approx(alone, abs=1e-9)


def test_a_shard_is_parsed_from_i_of_n_and_refused_outside_it() -> None:
    assert parse_shard("2/4") == Shard(2, 4)
    assert (Shard(3, 4).phase, Shard(3, 4).rate(100)) == (0.5, 25.0)
    for bad in ("0/4", "5/4", "2", "a/b", "1/0"):
        with pytest.raises(ValueError, match="--shard"):
            parse_shard(bad)


def test_start_at_takes_an_aware_iso_time_or_an_offset_from_now() -> None:
    assert parse_start_at("+30s", START) == START + timedelta(seconds=30)
    assert parse_start_at("2026-01-31T13:00:00+01:00", START) == START
    assert parse_start_at("2026-01-31T12:00:00Z", START) == START
    with pytest.raises(ValueError, match="zone"):
        parse_start_at("2026-01-31T12:00:00", START)
    with pytest.raises(ValueError, match="ISO"):
        parse_start_at("soon", START)


def test_a_shard_file_round_trips_every_count_and_the_histograms_exactly() -> None:
    rng = random.Random(3)
    original = _shard(2, values=[rng.lognormvariate(3, 0.5) for _ in range(500)]).result
    text = json.dumps(shard_to_dict(original), allow_nan=False)
    back = shard_from_dict(json.loads(text))
    route, again = original.measurement.routes[0], back.measurement.routes[0]
    assert back.identity == original.identity
    assert (again.requests, again.sent, again.answered) == (route.requests, route.sent,
                                                             route.answered)  # fmt: skip
    for p in (50, 95, 99, 99.9):
        assert again.p(p) == route.p(p)
    assert again.latency.count == 500


def test_a_file_that_is_not_a_shard_result_is_refused_naming_the_field() -> None:
    with pytest.raises(ValueError, match="not a launchgate shard result"):
        shard_from_dict({"routes": []})
    data = shard_to_dict(_shard(1).result)
    del data["fingerprint"]
    with pytest.raises(ValueError, match="fingerprint"):
        shard_from_dict(data)


def test_merged_histograms_are_those_of_every_request_recorded_on_one_machine() -> None:
    rng = random.Random(7)
    values = [rng.lognormvariate(3, 0.7) for _ in range(4000)]
    parts = [values[i::4] for i in range(4)]
    merged = merge_shards([_shard(i + 1, values=parts[i]) for i in range(4)])
    route = merged.measurement.routes[0]
    alone = _route(values)
    assert route.requests == sum(len(p) for p in parts) == 4000
    for p in (50, 95, 99, 99.9):
        assert route.p(p) == alone.p(p)  # lossless: not merely close
    assert route.rate_per_s == 100.0  # four shares of 25/s
    assert route.achieved_rate_per_s == pytest.approx(1000.0)  # 4000 over a 4 s window


@pytest.mark.parametrize(
    ("shards", "reason"),
    [
        ([1, 2, 4], "shard 3/4 is missing (found 1, 2, 4 of 4)"),
        ([1, 2, 2, 3, 4], "shard 2/4 appears 2 times (shards/2.json, shards/2.json)"),
        ([], "no shard result to merge"),
    ],
)
def test_missing_or_duplicated_shards_could_not_decide_naming_which(
    shards: list[int], reason: str
) -> None:
    assert reason in (incomparable([_shard(i) for i in shards], "fp-a") or "")


def test_a_shard_of_another_config_or_another_n_is_named() -> None:
    mixed = [_shard(1), _shard(2), _shard(3, fp="fp-b"), _shard(4)]
    why = incomparable(mixed, "fp-a") or ""
    assert why.startswith("shard 3/4 (shards/3.json) was measured with other probe settings")
    counts = [_shard(1), _shard(2, count=3)]
    assert "disagree on how many there are" in (incomparable(counts, "fp-a") or "")
    assert incomparable([_shard(i) for i in (1, 2, 3, 4)], "fp-a") is None


def test_a_shard_that_measured_nothing_is_named_with_its_reason() -> None:
    failed = [_shard(1), _shard(2, error="journey login did not pass"), _shard(3), _shard(4)]
    why = incomparable(failed, "fp-a") or ""
    assert (
        why == "shard 2/4 (shards/2.json, on runner-2) measured nothing: journey login did not pass"
    )

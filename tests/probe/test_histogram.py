import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from launchgate.probe.histogram import LatencyHistogram


def test_empty_histogram_has_no_percentiles_never_zero():
    h = LatencyHistogram()
    assert h.count == 0
    assert math.isnan(h.percentile_ms(95))
    assert math.isnan(h.max_ms)


def test_percentiles_within_three_significant_digits():
    h = LatencyHistogram()
    for ms in range(1, 1001):  # 1..1000 ms, uniform
        h.record_ms(ms)
    assert h.count == 1000
    assert h.percentile_ms(50) == pytest.approx(500, rel=1e-3)
    assert h.percentile_ms(95) == pytest.approx(950, rel=1e-3)
    assert h.percentile_ms(99) == pytest.approx(990, rel=1e-3)
    assert h.max_ms == pytest.approx(1000, rel=1e-3)


def test_a_value_above_the_range_is_counted_at_its_top_not_dropped():
    h = LatencyHistogram()
    h.record_ms(5)
    h.record_ms(10 * 60 * 1000)  # ten minutes: above the 120 s range
    assert h.count == 2
    assert h.max_ms == pytest.approx(120_000, rel=1e-3)


@pytest.mark.parametrize("bad_us", [-1.0, math.nan])
def test_a_latency_only_a_bug_could_produce_raises(bad_us):
    h = LatencyHistogram()
    with pytest.raises(ValueError, match="non-negative"):
        h.record_us(bad_us)
    assert h.count == 0


def test_sub_microsecond_values_count_as_one_microsecond():
    h = LatencyHistogram()
    h.record_us(0.2)
    assert h.count == 1
    assert h.percentile_ms(100) == pytest.approx(0.001)


def test_encode_decode_round_trip_and_merge():
    a, b = LatencyHistogram(), LatencyHistogram()
    for ms in (1, 2, 3):
        a.record_ms(ms)
    for ms in (100, 200):
        b.record_ms(ms)
    decoded = LatencyHistogram.decode(a.encode())
    assert decoded.count == 3
    assert decoded.percentile_ms(100) == pytest.approx(3, rel=1e-3)
    decoded.merge(b)
    assert decoded.count == 5
    assert decoded.max_ms == pytest.approx(200, rel=1e-3)


@pytest.mark.parametrize("bad", ["", "not-base64!!", "aGVsbG8=", "A" * 40])
def test_decoding_garbage_is_a_value_error(bad):
    with pytest.raises(ValueError, match="not an encoded HdrHistogram"):
        LatencyHistogram.decode(bad)


@settings(deadline=None)  # building an HdrHistogram takes a few ms
@given(st.lists(st.floats(min_value=0.001, max_value=100_000), min_size=1, max_size=300))
def test_percentiles_match_exact_ranks_within_precision(values):
    h = LatencyHistogram()
    for v in values:
        h.record_ms(v)
    ordered = sorted(values)
    for p in (50, 95, 99):
        rank = max(1, int(p / 100 * len(ordered) + 0.5))  # HdrHistogram's rank rule
        exact = ordered[rank - 1]
        assert h.percentile_ms(p) == pytest.approx(exact, rel=2e-3, abs=0.002)

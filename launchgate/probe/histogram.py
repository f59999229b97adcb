"""Latency histograms: every request counted, percentiles from all of them.

A small typed wrapper over HdrHistogram (the ``hdrhistogram`` package): values in
microseconds from 1 µs to 120 s at 3 significant digits. HdrHistogram's
``record_value`` returns ``False`` for a value out of range instead of raising, which
would drop the slowest request without a word; so a value above the range is recorded
at the range's top (no request timeout the probe allows reaches it), and a negative or
NaN latency, which only a bug can produce, raises.
"""

from __future__ import annotations

import base64
import math

from hdrh.histogram import HdrHistogram

__all__ = ["HIGHEST_US", "LatencyHistogram"]

LOWEST_US = 1
HIGHEST_US = 120_000_000  # 120 s: above any request timeout the probe allows
SIGNIFICANT_DIGITS = 3


class LatencyHistogram:
    def __init__(self) -> None:
        self._hdr = HdrHistogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_DIGITS)

    # -- recording ----------------------------------------------------------------------

    def record_ms(self, value_ms: float) -> None:
        self.record_us(value_ms * 1000.0)

    def record_us(self, value_us: float) -> None:
        if math.isnan(value_us) or value_us < 0:
            raise ValueError(f"a latency must be a non-negative number, got {value_us!r} µs")
        self._hdr.record_value(min(HIGHEST_US, max(LOWEST_US, round(value_us))))

    def merge(self, other: LatencyHistogram) -> None:
        self._hdr.add(other._hdr)

    # -- reading ------------------------------------------------------------------------

    @property
    def count(self) -> int:
        return int(self._hdr.get_total_count())

    def percentile_ms(self, percentile: float) -> float:
        """The value at ``percentile`` (0-100): the sample of rank ``round(p/100 * n)``
        (HdrHistogram's rule), to 3 significant digits; NaN with no samples, never 0 ms."""
        if self.count == 0:
            return math.nan
        return float(self._hdr.get_value_at_percentile(percentile)) / 1000.0

    def value_at_rank_ms(self, rank: int) -> float:
        """The ``rank``-th smallest value (1-based), for order-statistic intervals."""
        n = self.count
        if n == 0:
            return math.nan
        rank = min(max(rank, 1), n)
        return self.percentile_ms(100.0 * rank / n)

    @property
    def max_ms(self) -> float:
        return math.nan if self.count == 0 else float(self._hdr.get_max_value()) / 1000.0

    @property
    def min_ms(self) -> float:
        return math.nan if self.count == 0 else float(self._hdr.get_min_value()) / 1000.0

    @property
    def mean_ms(self) -> float:
        return math.nan if self.count == 0 else float(self._hdr.get_mean_value()) / 1000.0

    # -- storage ------------------------------------------------------------------------

    def encode(self) -> str:
        """HdrHistogram's compressed encoding, as ASCII (a few hundred bytes)."""
        raw = self._hdr.encode()
        return raw.decode("ascii") if isinstance(raw, bytes) else str(raw)

    @classmethod
    def decode(cls, encoded: str) -> LatencyHistogram:
        """Raises ``ValueError`` for anything that is not a valid encoding."""
        try:
            base64.b64decode(encoded, validate=True)
            hdr = HdrHistogram.decode(encoded.encode("ascii"))
        except Exception as exc:  # the library raises assorted types for bad input
            raise ValueError(f"not an encoded HdrHistogram: {type(exc).__name__}") from None
        histogram = cls()
        histogram._hdr.add(hdr)
        return histogram

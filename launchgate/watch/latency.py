"""Rolling p95 per check. Pure: latencies in, a percentile out.

Every latency of the window is kept and sorted on demand (a window is a few hundred
rounds at most), so the p95 is exact: nothing sampled away, nothing bucketed.
"""

from __future__ import annotations

import math
from collections import deque

__all__ = ["RollingPercentile", "percentile"]


def percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile (the smallest value with ``pct`` % at or below it)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(math.ceil(pct / 100 * len(ordered)), 1)
    return ordered[rank - 1]


class RollingPercentile:
    def __init__(self, window: int, values: list[float] | None = None) -> None:
        self._values: deque[float] = deque(maxlen=window)
        for value in values or ():
            self.add(value)

    def values(self) -> list[float]:
        return list(self._values)

    def add(self, value_ms: float) -> None:
        if math.isfinite(value_ms) and value_ms >= 0:
            self._values.append(value_ms)

    def p95(self) -> float | None:
        return percentile(list(self._values), 95)

    def __len__(self) -> int:
        return len(self._values)

"""Sliding-window burst detection for log alerts. Pure: times come in as arguments.

A :class:`BurstDetector` counts matching lines in a sliding window. When the count
reaches the threshold a burst starts (one alert); it ends (one recovery notice) once
the count has fallen below half the threshold, so a rate that hovers around the
threshold is one burst rather than an alert every few seconds.

Times are those at which lines *arrive*, from the watcher's clock: log timestamps come
in a dozen formats and from clocks that may be skewed, and a tail only ever sees lines
as they are written anyway.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Literal

__all__ = ["BurstDetector", "BurstEvent"]


@dataclass(frozen=True)
class BurstEvent:
    kind: Literal["burst", "subsided"]
    since: float  # when the burst started: the first line of the window that tripped it
    at: float
    count: int  # lines in the window when decided
    duration_s: float | None = None  # subsided only


class BurstDetector:
    def __init__(self, threshold: int, window_s: float, *, max_kept: int = 100_000) -> None:
        if threshold < 1 or window_s <= 0:
            raise ValueError("a burst needs a threshold of at least 1 and a positive window")
        self.threshold = threshold
        self.window_s = window_s
        # Only the last `threshold` times matter for tripping, but the count shown and
        # the subside test need the window; capped so a flood cannot exhaust memory.
        self._times: deque[float] = deque(maxlen=max(max_kept, threshold))
        self.burst_since: float | None = None

    @property
    def in_burst(self) -> bool:
        return self.burst_since is not None

    def count(self, now: float) -> int:
        self._expire(now)
        return len(self._times)

    def feed(self, at: float) -> BurstEvent | None:
        """One matching line arrived at ``at``."""
        self._times.append(at)
        return self.tick(at)

    def tick(self, now: float) -> BurstEvent | None:
        """Time passed: a burst may have started (on feed) or subsided."""
        count = self.count(now)
        if self.burst_since is None and count >= self.threshold:
            self.burst_since = self._times[0]
            return BurstEvent("burst", self.burst_since, now, count)
        if self.burst_since is not None and count < (self.threshold + 1) // 2:
            since, self.burst_since = self.burst_since, None
            return BurstEvent("subsided", since, now, count, duration_s=max(now - since, 0.0))
        return None

    def _expire(self, now: float) -> None:
        edge = now - self.window_s
        while self._times and self._times[0] <= edge:
            self._times.popleft()

"""The dashboard's micro-cache: fresh values are reused, stale ones computed again,
and callers that find a value stale together compute it once. A fake clock, no sleep."""

from __future__ import annotations

import threading
from functools import partial

from launchgate.demo.microcache import MicroCache


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_value_is_reused_while_fresh_and_computed_again_once_stale() -> None:
    clock = Clock()
    cache: MicroCache[int, str] = MicroCache(0.2, clock)
    values = iter(["first", "second"])
    assert cache.get(1, lambda: next(values)) == "first"
    clock.now += 0.19
    assert cache.get(1, lambda: next(values)) == "first"
    clock.now += 0.02
    assert cache.get(1, lambda: next(values)) == "second"
    assert cache.computations == 2


def test_keys_are_cached_apart() -> None:
    cache: MicroCache[int, int] = MicroCache(0.2, Clock())
    assert [cache.get(k, partial(int, f"{k}0")) for k in (1, 2, 1, 2)] == [10, 20, 10, 20]
    assert cache.computations == 2


def test_callers_finding_it_stale_together_compute_it_once() -> None:
    # The missing-index fault's point: pages that arrive during a scan wait for its
    # result instead of starting scans of their own.
    cache: MicroCache[int, str] = MicroCache(0.2, Clock())
    started, release = threading.Event(), threading.Event()

    def slow_scan() -> str:
        started.set()
        assert release.wait(timeout=10)
        return "figures"

    results: list[str] = []
    first = threading.Thread(target=lambda: results.append(cache.get(1, slow_scan)))
    first.start()
    assert started.wait(timeout=10)
    waiters = [
        threading.Thread(target=lambda: results.append(cache.get(1, slow_scan))) for _ in range(5)
    ]
    for t in waiters:
        t.start()
    release.set()
    for t in [first, *waiters]:
        t.join(timeout=10)
    assert results == ["figures"] * 6
    assert cache.computations == 1


def test_expired_entries_are_dropped_as_customers_add_up() -> None:
    clock = Clock()
    cache: MicroCache[int, int] = MicroCache(0.2, clock)
    for key in range(2000):
        cache.get(key, lambda: 0)
        clock.now += 0.001  # about 200 entries fresh at any time
    assert len(cache._entries) <= 1024

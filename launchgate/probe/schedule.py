"""When each request is meant to be sent: the open model's schedule. Pure.

Requests go out at these times whatever the server is doing, and latency is counted
from them (the wrk2 approach): a server that stalls for a second cannot hide the
second from the requests that should have been sent during it.

Each send may be moved by a seeded random share of its interval (:class:`Jitter`).
Strictly periodic sends phase-lock with whatever else on the server is periodic —
above all the kernel's scheduler tick (4 ms at the common HZ=250): at 50 requests a
second every send meets the tick at the same phase for the whole run, so a busy
server's wait for the next tick is the same for every one of them, a bias that
changes from run to run and that no amount of samples averages out. Measured on the
2-core development VM with a CPU hog beside two identical demo servers, the live
comparison's A/A ratio spread ×0.81–×1.40 over 20 runs with intervals clear of ×1
(docs/benchmarks.md). Random send times see the server's time averages instead
("Poisson arrivals see time averages"), and a jitter within a fixed slot keeps the
rate exact and the bursts bounded (never two sends closer than ``1 - width`` of an
interval on one side).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["Jitter", "intended_offsets"]


@dataclass(frozen=True)
class Jitter:
    """Send ``k`` goes out ``width · U_k`` of an interval late, ``U_k`` uniform in [0, 1)
    drawn from ``seed``. Two schedules with the same seed draw the same ``U_k``: the
    live comparison's candidate and control move together, so with phases 0 and 0.5
    and a width of 0.5 the control's send still falls between two of the candidate's."""

    seed: int
    width: float = 0.5

    def __post_init__(self) -> None:
        if not 0.0 <= self.width < 1.0:
            # A width of 1 or more could put send k+1 before send k.
            raise ValueError(f"jitter width must be in [0, 1), not {self.width}")


def intended_offsets(
    rate_per_s: float,
    duration_s: float,
    ramp_s: float = 0.0,
    *,
    phase: float = 0.0,
    jitter: Jitter | None = None,
) -> Iterator[float]:
    """Seconds after the start at which request 0, 1, 2, … is meant to be sent.

    The rate rises linearly from a tenth of ``rate_per_s`` to all of it during
    ``ramp_s`` (so a cold app is not hit by the full rate at once), then stays
    constant until ``duration_s``.

    ``phase`` (0 to 1) shifts every send by that share of its interval, ramp included:
    the live comparison's control runs at phase 0.5, so its sends fall exactly between
    the candidate's and the two are interleaved request by request. ``jitter`` moves
    each send by a random share of its interval on top (see the module doc).
    """
    if rate_per_s <= 0 or duration_s <= 0:
        return
    ramp_s = min(max(ramp_s, 0.0), duration_s)
    if ramp_s < 0.001:  # a ramp shorter than a millisecond is no ramp (and divides badly)
        ramp_s = 0.0
    start_rate = rate_per_s / 10
    # Requests sent by the end of the ramp: the area under the rising rate.
    ramp_count = (start_rate + rate_per_s) / 2 * ramp_s
    draw = random.Random(jitter.seed).random if jitter is not None and jitter.width else None
    width = jitter.width if jitter is not None else 0.0
    slot = phase
    while True:
        k = slot + width * draw() if draw is not None else slot
        if k < ramp_count:
            # Solve N(t) = r0 t + (r - r0) t^2 / (2 ramp) = k for t.
            slope = (rate_per_s - start_rate) / ramp_s
            t = (-start_rate + math.sqrt(start_rate**2 + 2 * slope * k)) / slope
        else:
            t = ramp_s + (k - ramp_count) / rate_per_s
        if t >= duration_s:
            return
        yield t
        slot += 1

"""When each request is meant to be sent: the open model's schedule. Pure.

Requests go out at these times whatever the server is doing, and latency is counted
from them (the wrk2 approach): a server that stalls for a second cannot hide the
second from the requests that should have been sent during it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

__all__ = ["intended_offsets"]


def intended_offsets(
    rate_per_s: float, duration_s: float, ramp_s: float = 0.0, *, phase: float = 0.0
) -> Iterator[float]:
    """Seconds after the start at which request 0, 1, 2, … is meant to be sent.

    The rate rises linearly from a tenth of ``rate_per_s`` to all of it during
    ``ramp_s`` (so a cold app is not hit by the full rate at once), then stays
    constant until ``duration_s``.

    ``phase`` (0 to 1) shifts every send by that share of its interval, ramp included:
    the live comparison's control runs at phase 0.5, so its sends fall exactly between
    the candidate's and the two are interleaved request by request.
    """
    if rate_per_s <= 0 or duration_s <= 0:
        return
    ramp_s = min(max(ramp_s, 0.0), duration_s)
    if ramp_s < 0.001:  # a ramp shorter than a millisecond is no ramp (and divides badly)
        ramp_s = 0.0
    start_rate = rate_per_s / 10
    # Requests sent by the end of the ramp: the area under the rising rate.
    ramp_count = (start_rate + rate_per_s) / 2 * ramp_s
    k = phase
    while True:
        if k < ramp_count:
            # Solve N(t) = r0 t + (r - r0) t^2 / (2 ramp) = k for t.
            slope = (rate_per_s - start_rate) / ramp_s
            t = (-start_rate + math.sqrt(start_rate**2 + 2 * slope * k)) / slope
        else:
            t = ramp_s + (k - ramp_count) / rate_per_s
        if t >= duration_s:
            return
        yield t
        k += 1

"""Which event loop launchgate runs on: uvloop where it is installed (a dependency
on Linux and macOS), asyncio's own otherwise, or when ``LAUNCHGATE_EVENT_LOOP=asyncio``
asks for it (to rule the loop out when chasing a problem).

Why uvloop: at a gate's rates the probe's CPU is mostly event-loop wake-ups, one to
send each request and one to read its answer, and uvloop's wake-up costs about 80 %
of asyncio's on the development VM (``benchmarks/wakeup_floor.py``: 337-361 against
399-450 ms of CPU per 1,000 requests for the same callback-driven loop). That is the
margin by which the probe stays under Locust's CPU per request
(``benchmarks/probe_capacity.py``). Everything else launchgate does (httpx, TLS,
subprocess hooks, signals) runs unchanged on either loop, and the suite runs the
CLI on uvloop.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable

__all__ = ["ENV_VAR", "loop_factory", "loop_name", "new_runner"]

ENV_VAR = "LAUNCHGATE_EVENT_LOOP"


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop factory, or ``None`` for asyncio's default."""
    if os.environ.get(ENV_VAR, "").strip().lower() == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def loop_name() -> str:
    return "asyncio" if loop_factory() is None else "uvloop"


def new_runner() -> asyncio.Runner:
    return asyncio.Runner(loop_factory=loop_factory())

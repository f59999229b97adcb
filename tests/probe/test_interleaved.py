"""A candidate and a control probed in one window against two real demo servers: the
sends interleave, the rates match, and only named hosts are probed."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable

import pytest

from launchgate.demo import DemoServer
from launchgate.probe.compare import compare_p95
from launchgate.probe.driver import Prober, ProbeSettings, ProbeTarget
from launchgate.probe.schedule import Jitter

OK = frozenset(range(200, 300))
SETTINGS = ProbeSettings(concurrency=8, timeout_s=5.0, max_requests=2_000, max_body=1 << 20)


def sides(candidate: str, control: str, rate: float) -> list[ProbeTarget]:
    return [
        # One seed for both sides, as the gate gives them: jittered together.
        ProbeTarget("home", "GET", f"{candidate}/", (), rate, OK, jitter=Jitter(seed=3)),
        ProbeTarget(
            "home@control", "GET", f"{control}/", (), rate, OK, phase=0.5, jitter=Jitter(seed=3)
        ),
    ]


def test_candidate_and_control_are_interleaved_request_by_request(
    demo_server: Callable[..., DemoServer],
) -> None:
    candidate, control = demo_server(), demo_server()
    assert candidate.url != control.url

    async def measure():
        async with Prober(
            sides(candidate.url, control.url, 20.0),
            SETTINGS,
            allowed_host="127.0.0.1",
            ssl_context=False,
            user_agent="launchgate-test",
        ) as prober:
            await prober.run(duration_s=4.0, warmup_s=0.5)
            return prober.measurement()

    measurement = asyncio.run(measure())
    ours, theirs = measurement.routes
    assert ours.error_count == 0 and theirs.error_count == 0
    # Rates equal within 5 %: the same schedule, half an interval apart.
    assert abs(len(ours.send_offsets) - len(theirs.send_offsets)) <= 0.05 * len(ours.send_offsets)
    assert len(ours.send_offsets) >= 70  # 20/s for 4 s
    merged = sorted(
        [(t, "candidate") for t in ours.send_offsets]
        + [(t, "control") for t in theirs.send_offsets]
    )
    order = [side for _, side in merged]
    switches = sum(a != b for a, b in itertools.pairwise(order))
    assert switches == len(order) - 1  # every send is followed by the other side's
    # The blocks pair up, each side answering in every one of them.
    assert len(ours.blocks) == len(theirs.blocks) >= 4
    assert all(ours.blocks) and all(theirs.blocks)
    decision = compare_p95(
        ours.blocks,
        theirs.blocks,
        limit_pct=20.0,
        confidence_pct=95.0,
        min_samples=20,
        floor_ms=1.0,
    )
    assert decision.blocks == len(ours.blocks)
    assert decision.candidate_p95_ms == pytest.approx(ours.p(95), rel=0.01)


def test_a_control_on_a_host_that_was_not_named_is_refused(
    demo_server: Callable[..., DemoServer],
) -> None:
    server = demo_server()
    unnamed = server.url.replace("127.0.0.1", "localhost")
    with pytest.raises(ValueError, match=r"only sends to 127\.0\.0\.1, not localhost"):
        Prober(
            sides(server.url, unnamed, 10.0),
            SETTINGS,
            allowed_host="127.0.0.1",
            ssl_context=False,
            user_agent="launchgate-test",
        )
    named = Prober(
        sides(server.url, unnamed, 10.0),
        SETTINGS,
        allowed_host="127.0.0.1",
        also_allowed=("localhost",),
        ssl_context=False,
        user_agent="launchgate-test",
    )
    assert [t.route for t in named.targets] == ["home", "home@control"]

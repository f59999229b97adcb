"""``pytest -n N --launchgate``: the gate runs once, and only the controller reports it.

Under pytest-xdist the controller collects and runs nothing; every worker loads the
plugin, collects the same items and runs those it is sent. Left alone, each worker
ran its part of the gate and wrote ``launchgate-results/`` itself, the last writer
winning. Here:

* the controller's scheduler (:func:`make_scheduler`, through xdist's public
  ``pytest_xdist_make_scheduler`` hook) sends the gate file's items to one worker as
  one unit, in order, so readiness and each journey run once for the gate; other
  tests are distributed as the chosen ``--dist`` mode would;
* each worker hands what its run did (:class:`GateOutcome`) to the controller in
  ``workeroutput``, which xdist sends when the worker finishes; workers never write;
* the controller merges the outcomes and alone writes the reports. A check that ran
  on two workers (a hand-written test's ``launchgate_session`` needs its journey
  wherever it runs) keeps its worst result.

Everything importing xdist lives in :class:`XdistGate`'s methods, so this module loads
without xdist (the non-distributed path uses :class:`GateOutcome` too).
"""

from __future__ import annotations

import dataclasses
import enum
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pytest

from launchgate.results import (
    BaselinePoint,
    BaselineRef,
    CheckResult,
    Finding,
    RouteFigures,
    Severity,
    StepRecord,
)
from launchgate.verdict import is_blocking

if TYPE_CHECKING:
    from launchgate.plugin.session import GateSession

__all__ = [
    "GATE_SCOPE",
    "WORKER_OUTPUT_KEY",
    "GateOutcome",
    "XdistGate",
    "decode_outcome",
    "encode_outcome",
    "merge_outcomes",
    "scope_rule",
]

GATE_SCOPE = "\0launchgate"  # never a node id nor an xdist_group name
WORKER_OUTPUT_KEY = "launchgate"  # in xdist's workeroutput


@dataclasses.dataclass(frozen=True, kw_only=True)
class GateOutcome:
    """What one pytest process's run did, as the report needs it."""

    results: tuple[CheckResult, ...]
    selected: frozenset[str] | None  # check ids of the gate items pytest kept; None: unknown
    routes: tuple[RouteFigures, ...] = ()
    baseline: BaselineRef | None = None
    started_at: datetime | None = None  # None: no check ran here
    duration_s: float = 0.0
    run_id: str = ""


# -- crossing the process boundary (execnet carries str, not our dataclasses) -------------


def encode_outcome(outcome: GateOutcome) -> str:
    data = dataclasses.asdict(outcome)
    data["selected"] = sorted(outcome.selected) if outcome.selected is not None else None
    data["started_at"] = outcome.started_at.isoformat() if outcome.started_at else None
    return json.dumps(data, default=_enum_value)


def decode_outcome(text: str) -> GateOutcome:
    data = json.loads(text)
    selected = data["selected"]
    started = data["started_at"]
    baseline = data["baseline"]
    return GateOutcome(
        results=tuple(_result(r) for r in data["results"]),
        selected=frozenset(selected) if selected is not None else None,
        routes=tuple(_route(r) for r in data["routes"]),
        baseline=_baseline(baseline) if baseline is not None else None,
        started_at=datetime.fromisoformat(started) if started else None,
        duration_s=float(data["duration_s"]),
        run_id=str(data["run_id"]),
    )


def _enum_value(value: object) -> object:
    if isinstance(value, enum.Enum):
        return value.value
    raise TypeError(f"cannot encode {type(value).__name__}")


def _result(d: dict[str, Any]) -> CheckResult:
    findings = tuple(Finding(**{**f, "severity": Severity(f["severity"])}) for f in d["findings"])
    return CheckResult(
        **{
            **d,
            "severity": Severity(d["severity"]),
            "findings": findings,
            "steps": tuple(StepRecord(**s) for s in d["steps"]),
            "blocked_by": tuple(d["blocked_by"]),
        }
    )


def _route(d: dict[str, Any]) -> RouteFigures:
    pairs = {key: _pairs(d.get(key, ())) for key in ("errors", "answered", "not_sent")}
    return RouteFigures(**{**d, **pairs})


def _pairs(items: Sequence[Sequence[Any]]) -> tuple[tuple[str, int], ...]:
    """JSON gives lists back; the figures hold (name, count) tuples."""
    return tuple((str(name), int(count)) for name, count in items)


def _baseline(d: dict[str, Any]) -> BaselineRef:
    history = tuple(
        BaselinePoint(
            created_at=p["created_at"],
            commit=p["commit"],
            p95_ms=tuple((r, v) for r, v in p["p95_ms"]),
        )
        for p in d["history"]
    )
    return BaselineRef(**{**d, "history": history})


# -- merging ---------------------------------------------------------------------------


def merge_outcomes(outcomes: Sequence[GateOutcome], fail_on: Severity) -> GateOutcome | None:
    """One outcome from the workers'; None when no worker reported one."""
    if not outcomes:
        return None
    worst: dict[str, CheckResult] = {}
    for outcome in outcomes:
        for result in outcome.results:
            kept = worst.get(result.check_id)
            if kept is None or _badness(result, fail_on) < _badness(kept, fail_on):
                worst[result.check_id] = result
    chosen = [o.selected for o in outcomes if o.selected is not None]
    ran = [o for o in outcomes if o.started_at is not None]
    start = min((o.started_at for o in ran if o.started_at), default=None)
    end = max((o.started_at.timestamp() + o.duration_s for o in ran if o.started_at), default=0)
    with_routes = [o for o in outcomes if o.routes or o.baseline]
    busiest = max(outcomes, key=lambda o: len(o.results))
    return GateOutcome(
        results=tuple(worst.values()),
        selected=frozenset().union(*chosen) if chosen else None,
        routes=with_routes[0].routes if with_routes else (),
        baseline=with_routes[0].baseline if with_routes else None,
        started_at=start,
        duration_s=end - start.timestamp() if start else 0.0,
        run_id=busiest.run_id,
    )


def _badness(result: CheckResult, fail_on: Severity) -> int:
    """0 for the result that weighs most on the verdict: a blocking failure."""
    if is_blocking(result, fail_on):
        return 0
    return {"error": 1, "failed": 2, "skipped": 3, "passed": 4}[result.status]


# -- scheduling ------------------------------------------------------------------------


def scope_rule(dist: str) -> Callable[[str], str] | None:
    """How the ``--dist`` mode groups the node ids of other tests; None for a mode
    launchgate cannot keep the gate whole under (``each`` runs everything everywhere)."""
    rules: dict[str, Callable[[str], str]] = {
        "load": _alone,
        "worksteal": _alone,
        "loadscope": lambda nodeid: nodeid.rsplit("::", 1)[0],
        "loadfile": lambda nodeid: nodeid.split("::", 1)[0],
        "loadgroup": _group,
    }
    return rules.get(dist)


def _alone(nodeid: str) -> str:
    return nodeid


def _group(nodeid: str) -> str:
    # As xdist's LoadGroupScheduling: "@name" after any parametrisation is the group.
    return nodeid.split("@")[-1] if nodeid.rfind("@") > nodeid.rfind("]") else nodeid


class XdistGate:
    """The controller's half: registered only when pytest-xdist is installed."""

    def __init__(self, gate: GateSession, gate_nodeid: str) -> None:
        self.gate = gate
        self.prefix = gate_nodeid + "::"

    def scope(self, nodeid: str, other: Callable[[str], str]) -> str:
        return GATE_SCOPE if nodeid.startswith(self.prefix) else other(nodeid)

    @pytest.hookimpl
    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Any) -> Any:
        from xdist.scheduler import LoadScopeScheduling  # type: ignore[import-untyped]

        rule = scope_rule(str(config.getoption("dist")))
        if rule is None:
            return None
        scope, other = self.scope, rule  # `other` is narrowed: the class body cannot see it

        # LoadScopeScheduling sends each scope whole to one worker, in collection order;
        # `_split_scope` is the override point xdist's own LoadFileScheduling uses.
        class GateScheduling(LoadScopeScheduling):  # type: ignore[misc]
            def _split_scope(self, nodeid: str) -> str:
                return scope(nodeid, other)

        return GateScheduling(config, log)

    @pytest.hookimpl
    def pytest_testnodedown(self, node: Any, error: object) -> None:
        output = getattr(node, "workeroutput", None) or {}
        text = output.get(WORKER_OUTPUT_KEY)
        if isinstance(text, str):  # a crashed worker sends nothing: its checks did not run
            self.gate.worker_outcomes[str(node.gateway.id)] = decode_outcome(text)

"""``launchgate watch``: uptime checks on an interval, one alert per incident, log
bursts, latency metrics.

The layout follows the data. Pure parts decide: ``incidents`` (the per-check state
machine), ``bursts`` and ``logparse`` (log windows and formats), ``alerts`` (what an
alert says, per channel), ``latency`` (rolling p95). Edges act: ``rounds`` (one round
through the gate's engine), ``channels`` and ``outbox`` (delivery, retries, pending),
``follow`` (tail -F and stdin), ``statefile``, ``history``, ``metrics``. ``watcher``
connects them; ``assemble`` wires a watcher from a config for the command.
"""

from launchgate.watch.alerts import Alert
from launchgate.watch.incidents import CheckState, Observation, Policy, observe
from launchgate.watch.watcher import RoundReport, Watcher

__all__ = ["Alert", "CheckState", "Observation", "Policy", "RoundReport", "Watcher", "observe"]

"""Log alerts: parsed lines through two burst detectors (5xx, failed logins) into alerts.

No I/O and no clock of its own: the follower hands in each line with its arrival time
and the watcher calls :meth:`LogWatch.tick` as time passes, so a burst subsides even
when no more lines come.

An alert quotes the method, path (without its query string) and status of the last
matching line, never the raw line: access logs carry tokens in query strings and
user names in their fields, which an alert channel has no business receiving.
"""

from __future__ import annotations

from dataclasses import dataclass

from launchgate.config.watch_model import AlertSeverity, LogSpec
from launchgate.watch.alerts import Alert
from launchgate.watch.bursts import BurstDetector, BurstEvent
from launchgate.watch.logparse import LogEvent, LogParser, is_failed_login

__all__ = ["LogWatch"]


@dataclass
class _Rule:
    key: str  # "errors", "failed-logins"
    title: str
    severity: AlertSeverity
    detector: BurstDetector
    last: str = ""


class LogWatch:
    def __init__(self, spec: LogSpec, *, source: str, target: str) -> None:
        self._parser = LogParser(spec)
        self._spec = spec
        self._target = target
        self._errors = _Rule(
            "errors",
            f"burst of 5xx responses in {source}",
            spec.errors.severity,
            BurstDetector(spec.errors.threshold, spec.errors.window),
        )
        self._logins = _Rule(
            "failed-logins",
            f"burst of failed logins in {source}",
            spec.failed_logins.severity,
            BurstDetector(spec.failed_logins.threshold, spec.failed_logins.window),
        )
        self.lines_seen = 0
        self.lines_parsed = 0

    def line(self, text: str, now: float) -> list[Alert]:
        """One log line that arrived at ``now``; the alerts it causes."""
        self.lines_seen += 1
        event = self._parser.parse(text)
        if event is not None:
            self.lines_parsed += 1
        alerts: list[Alert] = []
        if event is not None and event.status >= 500:
            self._errors.last = _describe(event)
            alerts += self._to_alerts(self._errors, self._errors.detector.feed(now))
        if is_failed_login(event, text, self._spec.failed_logins):
            self._logins.last = _describe(event) if event else "a line matching the pattern"
            alerts += self._to_alerts(self._logins, self._logins.detector.feed(now))
        return alerts

    def tick(self, now: float) -> list[Alert]:
        alerts: list[Alert] = []
        for rule in (self._errors, self._logins):
            alerts += self._to_alerts(rule, rule.detector.tick(now))
        return alerts

    @property
    def shortest_window_s(self) -> float:
        return min(self._errors.detector.window_s, self._logins.detector.window_s)

    def in_burst(self) -> dict[str, bool]:
        return {rule.key: rule.detector.in_burst for rule in (self._errors, self._logins)}

    def _to_alerts(self, rule: _Rule, event: BurstEvent | None) -> list[Alert]:
        if event is None:
            return []
        detector = rule.detector
        problem = (
            f"{event.count} in the last {detector.window_s:g}s "
            f"(threshold {detector.threshold}); last: {rule.last}"
        )
        return [
            Alert(
                alert_id=f"logs:{rule.key}-{int(event.since * 1000)}/{event.kind}",
                kind=event.kind,
                subject=f"logs:{rule.key}",
                title=rule.title,
                severity=rule.severity,
                since=event.since,
                at=event.at,
                target=self._target,
                problem=problem,
                outage_s=event.duration_s,
                count=event.count,
                window_s=detector.window_s,
            )
        ]


def _describe(event: LogEvent) -> str:
    request = " ".join(p for p in (event.method, event.path) if p) or "a request"
    return f"{request} -> {event.status}"

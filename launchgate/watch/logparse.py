"""Access-log lines into typed events. Pure: one line in, a :class:`LogEvent` or None.

Formats: nginx/Apache ``combined`` (and ``common``, its prefix), JSON lines with a
status field, or a configured regex with named groups. ``auto`` tries JSON for a line
that starts with ``{`` and the combined format otherwise, per line, so a log that mixes
both (an app behind a proxy writing to one file) still parses.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from launchgate.config.watch_model import FailedLoginRule, LogSpec

__all__ = ["LogEvent", "LogParser", "is_failed_login"]

# host ident user [time] "request" status size ["referer" "agent"]; nginx writes a
# quote inside the request as \x22, Apache as \" (hence the escaped-character branch).
_COMBINED = re.compile(
    r'^\S+ \S+ \S+ \[[^\]]*\] "(?P<request>(?:[^"\\]|\\.)*)" (?P<status>\d{3}) \S+'
)
_STATUS_KEYS = ("status", "status_code", "statusCode", "http_status", "response_status")
_PATH_KEYS = ("path", "uri", "request_uri", "url", "request")
MAX_LINE = 64 * 1024


@dataclass(frozen=True)
class LogEvent:
    status: int
    path: str | None = None  # without the query string
    method: str | None = None


class LogParser:
    def __init__(self, spec: LogSpec) -> None:
        self.spec = spec
        self._regex = re.compile(spec.regex) if spec.regex else None

    def parse(self, line: str) -> LogEvent | None:
        """The event a line records, or None for a line that is not an access record."""
        line = line[:MAX_LINE].strip()
        if not line:
            return None
        fmt = self.spec.format
        if fmt == "regex" or (fmt == "auto" and self._regex is not None):
            event = self._by_regex(line)
            if event is not None or fmt == "regex":
                return event
        if fmt == "json" or (fmt == "auto" and line.startswith("{")):
            return self._by_json(line)
        return _by_combined(line)

    def _by_regex(self, line: str) -> LogEvent | None:
        assert self._regex is not None  # noqa: S101 - checked by the caller
        m = self._regex.search(line)
        if m is None:
            return None
        groups = m.groupdict()
        status = _status(groups.get("status"))
        if status is None:
            return None
        return LogEvent(status, _path(groups.get("path")), groups.get("method"))

    def _by_json(self, line: str) -> LogEvent | None:
        try:
            record = json.loads(line)
        except ValueError:
            return None
        if not isinstance(record, dict):
            return None
        status = _status(_field(record, self.spec.status_field))
        for key in _STATUS_KEYS:
            if status is not None:
                break
            status = _status(record.get(key))
        if status is None:
            return None
        raw_path = _field(record, self.spec.path_field)
        for key in _PATH_KEYS:
            if isinstance(raw_path, str):
                break
            raw_path = record.get(key)
        method = record.get("method")
        path = raw_path if isinstance(raw_path, str) else None
        if path and " " in path:  # "GET /login HTTP/1.1" in a request field
            method, path = _split_request(path)
        return LogEvent(status, _path(path), method if isinstance(method, str) else None)


def _by_combined(line: str) -> LogEvent | None:
    m = _COMBINED.match(line)
    if m is None:
        return None
    method, path = _split_request(m["request"])
    return LogEvent(int(m["status"]), _path(path), method)


def _split_request(request: str) -> tuple[str | None, str | None]:
    parts = request.split()
    if len(parts) >= 2:
        return parts[0], parts[1]
    return None, None


def _field(record: dict[str, object], dotted: str) -> object:
    value: object = record
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _status(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and 100 <= value <= 599:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) == 3:
        number = int(value)
        return number if 100 <= number <= 599 else None
    return None


def _path(value: str | None) -> str | None:
    if not value:
        return None
    if "://" in value:  # an absolute URL in the request line: keep the path
        value = "/" + value.split("://", 1)[1].partition("/")[2]
    return value.split("?", 1)[0]


def is_failed_login(event: LogEvent | None, line: str, rule: FailedLoginRule) -> bool:
    """A 401/403 on a login path, or a line the configured pattern matches."""
    if rule.pattern is not None and re.search(rule.pattern, line[:MAX_LINE]):
        return True
    if event is None or event.status not in rule.statuses or event.path is None:
        return False
    return any(event.path == p or event.path.startswith(p.rstrip("/") + "/") for p in rule.paths)

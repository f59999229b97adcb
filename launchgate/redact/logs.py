"""Log records on the terminal, redacted: launchgate's own and every library's.

``--debug`` turns on DEBUG for everything, and a library logs what it sees: httpcore
prints every response header (``Set-Cookie`` included) before launchgate has read the
response, httpx prints full URLs, hpack prints decoded header tables. So wire-level
loggers stay at WARNING unless ``--debug-wire`` asks for them, and every record, of
any logger, is formatted whole (message, arguments, traceback) and then passed through
the redactor and through :func:`mask_wire_text`, which masks credentials by where
they stand in a log line, for the values the redactor has not learned yet.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from launchgate.redact import MASK, Redactor, looks_secret_name, masks_header

__all__ = [
    "WIRE_LOGGERS",
    "RedactingFormatter",
    "logging_to",
    "mask_wire_text",
    "redact_every_record",
]

WIRE_LOGGERS = ("httpx", "httpcore", "h11", "h2", "hpack")
"""Loggers that print requests and responses as they cross the wire."""

FORMAT = "%(levelname)s %(name)s: %(message)s"

# ('Set-Cookie', 'sid=…') and (b'set-cookie', b'sid=…'), as httpcore and hpack log
# header lists; 'cookie': '…' as a dict prints.
_PAIR = re.compile(
    r"""(?P<lead>b?(?P<nq>['"])(?P<name>[!#$%&*+.^_`|~0-9A-Za-z-]+)(?P=nq)\s*[,:]\s*"""
    r"""b?(?P<q>['"]))(?P<value>(?:\\.|(?!(?P=q)).)*)(?P=q)"""
)
# "Set-Cookie: sid=…" on a line of its own, as a wire dump shows it.
_HEADER_LINE = re.compile(
    r"^(?P<lead>[ \t<>*]*(?P<name>[!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*)(?P<value>.+)$",
    re.MULTILINE,
)
_USERINFO = re.compile(r"(?P<lead>://[^/@\s:'\"]*:)(?P<value>[^/@\s'\"]+)(?=@)")
_PARAM = re.compile(r"(?P<lead>[?&;#](?P<name>[^=&;#?\s'\"]+)=)(?P<value>[^&;#\s'\"]*)")


def mask_wire_text(text: str) -> str:
    """``text`` with the values of credential headers, URL passwords and secret-looking
    query parameters masked, by position: a log line may hold a secret no one told the
    redactor about (a cookie the app set a microsecond ago)."""
    text = _PAIR.sub(lambda m: _masked(m, masks_header(m["name"]), m["q"]), text)
    text = _HEADER_LINE.sub(lambda m: _masked(m, masks_header(m["name"])), text)
    text = _USERINFO.sub(lambda m: m["lead"] + MASK, text)
    return _PARAM.sub(lambda m: _masked(m, looks_secret_name(m["name"])), text)


def _masked(m: re.Match[str], secret: bool, closing: str = "") -> str:
    return f"{m['lead']}{MASK}{closing}" if secret else m.group(0)


class RedactingFormatter(logging.Formatter):
    """Formats a record as usual, then masks every secret in the whole text."""

    def __init__(self, redactor: Redactor, fmt: str = FORMAT) -> None:
        super().__init__(fmt)
        self._redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        return self._redactor.redact(mask_wire_text(super().format(record)))


@contextmanager
def logging_to(
    stream: TextIO, redactor: Redactor, *, debug: bool = False, wire: bool = False
) -> Iterator[None]:
    """Log to ``stream`` through the redactor for the duration of a command.

    Restores the root logger and the wire loggers afterwards, so that ``main()`` called
    twice in one process (tests, an embedding tool) neither doubles its lines nor keeps
    a stale stream."""
    root = logging.getLogger()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter(redactor))
    saved = {name: logging.getLogger(name).level for name in ("", *WIRE_LOGGERS)}
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.WARNING)
    for name in WIRE_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if wire else logging.WARNING)
    try:
        yield
    finally:
        root.removeHandler(handler)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


class _RedactedRecord(logging.LogRecord):
    """A record whose message, traceback and stack come out redacted, whichever
    handler and formatter print it: ``Formatter.format`` reads all three through
    ``getMessage`` and the ``exc_text`` cache this fills."""

    redact: Callable[[str], str]

    def getMessage(self) -> str:
        if self.exc_info and not self.exc_text:
            self.exc_text = logging.Formatter().formatException(self.exc_info)
        if self.exc_text:
            self.exc_text = self.redact(self.exc_text)
        if self.stack_info:
            self.stack_info = self.redact(self.stack_info)
        return self.redact(super().getMessage())


def redact_every_record(redactor: Redactor) -> Callable[[], None]:
    """Redact every log record made from now on, for handlers launchgate does not own
    (pytest's log capture and ``log_cli``, a test suite's own); wire loggers go to
    WARNING meanwhile, as under ``launchgate run`` without ``--debug-wire``. Returns
    the undo.

    A record factory rather than a filter: a filter on a logger does not see the
    records its children propagate, and pytest makes its capture handlers anew for
    every test phase, so there is no one handler to hang a filter on."""
    previous = logging.getLogRecordFactory()

    def redact(text: str) -> str:
        return redactor.redact(mask_wire_text(text))

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        made = previous(*args, **kwargs)
        record = _RedactedRecord.__new__(_RedactedRecord)
        record.__dict__.update(made.__dict__)
        record.redact = redact
        return record

    levels = {name: logging.getLogger(name).level for name in WIRE_LOGGERS}
    for name in WIRE_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.setLogRecordFactory(factory)

    def undo() -> None:
        logging.setLogRecordFactory(previous)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)

    return undo

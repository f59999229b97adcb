"""Compare an Exchange with a step's expectations, and capture values from it. Pure.

Each mismatch is a typed :class:`Mismatch` (what was expected, what came back), so
the journey can render it for a person and tests can assert on it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from launchgate.checks.http import Exchange
from launchgate.config.jsonpath import find
from launchgate.config.model import Capture, Expect
from launchgate.config.template import render, render_value
from launchgate.redact import cut

__all__ = ["CaptureError", "Mismatch", "capture_value", "check_expectations", "status_text"]


@dataclass(frozen=True)
class Mismatch:
    what: str  # "status", "header location", "body", "json $.plan", "latency"
    expected: str
    got: str

    def sentence(self) -> str:
        """One readable clause: "the body does not contain 'Plan: pro'"."""
        if self.what == "status":
            return f"answered {self.got}, expected {self.expected}"
        if self.what == "body":
            return f"the body {'contains' if self.got == 'found' else 'does not contain'} " + (
                self.expected.removeprefix("does not contain ").removeprefix("contains ")
            )
        if self.what == "json":
            return "the body is not JSON, so the json expectations cannot hold"
        if self.got in ("header absent", "no such path"):
            return f"{self.what} is missing (expected {self.expected})"
        return f"{self.what} is {self.got}, expected {self.expected}"


class CaptureError(ValueError):
    pass


def status_text(codes: list[int]) -> str:
    """[200, 201, …, 299] -> "2xx"; [200, 303] -> "200 or 303"."""
    parts: list[str] = []
    remaining = sorted(set(codes))
    for base in range(100, 600, 100):
        block = list(range(base, base + 100))
        if all(c in remaining for c in block):
            parts.append(f"{base // 100}xx")
            remaining = [c for c in remaining if c not in block]
    parts.extend(str(c) for c in remaining)
    return " or ".join(parts)


def default_status(follow_redirects: bool) -> list[int]:
    """With no status given: any success, and a redirect counts when not following."""
    codes = list(range(200, 300))
    if not follow_redirects:
        codes += list(range(300, 400))
    return codes


def check_expectations(
    expect: Expect,
    exchange: Exchange,
    variables: Mapping[str, str],
    *,
    follow_redirects: bool,
    redact: Callable[[str], str] | None = None,
) -> list[Mismatch]:
    """``redact``: masks what the run knows to be secret; the values a mismatch quotes
    are shortened after it (redact first, then cut: a secret cut in half first would
    keep its first half, which no mask recognises)."""
    out: list[Mismatch] = []
    wanted = expect.status or default_status(follow_redirects)
    if exchange.status_code not in wanted:
        out.append(Mismatch("status", status_text(wanted), str(exchange.status_code)))
    for name, needle in expect.headers.items():
        needle = render(needle, variables)
        value = exchange.headers.get(name)
        if value is None:
            out.append(Mismatch(f"header {name}", f"contains {needle!r}", "header absent"))
        elif needle not in value:
            out.append(Mismatch(f"header {name}", f"contains {needle!r}", repr(value)))
    text = exchange.text if (expect.body_contains or expect.body_not_contains) else ""
    for needle in expect.body_contains:
        needle = render(needle, variables)
        if needle not in text:
            out.append(Mismatch("body", f"contains {needle!r}", "not found"))
    for needle in expect.body_not_contains:
        needle = render(needle, variables)
        if needle in text:
            out.append(Mismatch("body", f"does not contain {needle!r}", "found"))
    if expect.json_values:
        out.extend(_json_mismatches(expect, exchange, variables, redact or (lambda t: t)))
    if expect.max_latency is not None and exchange.elapsed_s > expect.max_latency:
        out.append(
            Mismatch(
                "latency",
                f"at most {expect.max_latency * 1000:.0f} ms",
                f"{exchange.elapsed_s * 1000:.0f} ms",
            )
        )
    return out


def _json_mismatches(
    expect: Expect,
    exchange: Exchange,
    variables: Mapping[str, str],
    redact: Callable[[str], str],
) -> list[Mismatch]:
    try:
        document = json.loads(exchange.body)
    except ValueError:
        return [Mismatch("json", "a JSON body", "a body that is not JSON")]
    out: list[Mismatch] = []
    for path, wanted in expect.json_values.items():
        wanted = render_value(wanted, variables)
        found = find(path, document)
        if not found:
            out.append(Mismatch(f"json {path}", f"= {_show(wanted, redact)}", "no such path"))
        elif not any(_equal(value, wanted) for value in found):
            shown = (f"= {_show(wanted, redact)}", _show(found[0], redact))
            out.append(Mismatch(f"json {path}", *shown))
    return out


def _equal(value: object, wanted: object) -> bool:
    """Equal, allowing a templated string to match a number or boolean it spells."""
    if value == wanted:
        return True
    if isinstance(wanted, str) and not isinstance(value, str):
        return json.dumps(value) == wanted
    return False


def _show(value: object, redact: Callable[[str], str]) -> str:
    return cut(redact(json.dumps(value, ensure_ascii=False)), 80)


def capture_value(spec: Capture, exchange: Exchange) -> str:
    """The captured value as text, or :class:`CaptureError` saying why there is none."""
    kind, source = spec.source()
    if kind == "header":
        header: str | None = exchange.headers.get(source)
        if header is None:
            raise CaptureError(f"no {source} header in the response")
        return header
    if kind == "cookie":
        if source not in exchange.set_cookies:
            raise CaptureError(f"the response set no cookie named {source}")
        return exchange.set_cookies[source]
    if kind == "regex":
        m = re.search(source, exchange.text)
        if m is None:
            raise CaptureError(f"the body does not match {source!r}")
        return m.group(1) if m.groups() else m.group(0)
    try:
        document = json.loads(exchange.body)
    except ValueError:
        raise CaptureError("the body is not JSON") from None
    found = find(source, document)
    if not found:
        raise CaptureError(f"no value at {source}")
    value = found[0]
    return value if isinstance(value, str) else json.dumps(value)

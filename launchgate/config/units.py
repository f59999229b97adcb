"""Durations, percentages and sizes as people write them in YAML.

Pure parsers: each takes what the YAML gave (a string or a number) and returns a
number in the unit its name says, or raises ``ValueError`` with the accepted forms.
"""

from __future__ import annotations

import math
import re

__all__ = [
    "format_duration",
    "parse_duration_s",
    "parse_percent",
    "parse_rate_per_s",
    "parse_size_bytes",
]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$")
_DURATION_UNITS_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|KB|KiB|MB|MiB|GB|GiB)?\s*$")
_SIZE_UNITS = {
    None: 1,
    "B": 1,
    "KB": 1000,
    "KiB": 1024,
    "MB": 1000**2,
    "MiB": 1024**2,
    "GB": 1000**3,
    "GiB": 1024**3,
}

_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*(s|m|min)\s*$")
RATE_HELP = "a rate such as 20/s or 600/m (a bare number means per second)"
DURATION_HELP = "a duration such as 500ms, 20s, 2m, 1h or 7d (a bare number means seconds)"
PERCENT_HELP = "a percentage such as 20% (a bare number means percent)"
SIZE_HELP = "a size such as 512KiB or 1MiB (a bare number means bytes)"


def _finite_non_negative(value: float, help_text: str) -> float:
    if math.isnan(value) or math.isinf(value) or value < 0:
        raise ValueError(f"expected {help_text}")
    return value


def parse_duration_s(value: object) -> float:
    """``"500ms"`` -> 0.5, ``"2m"`` -> 120.0, ``3`` -> 3.0 (seconds)."""
    if isinstance(value, bool):
        raise ValueError(f"expected {DURATION_HELP}")
    if isinstance(value, int | float):
        return _finite_non_negative(float(value), DURATION_HELP)
    if isinstance(value, str):
        m = _DURATION.match(value)
        if m:
            return float(m.group(1)) * _DURATION_UNITS_S[m.group(2)]
        try:
            return _finite_non_negative(float(value), DURATION_HELP)
        except ValueError:
            pass
    raise ValueError(f"expected {DURATION_HELP}")


def parse_percent(value: object) -> float:
    """``"20%"`` -> 20.0 (percent, not a fraction: the unit is in the name)."""
    if isinstance(value, bool):
        raise ValueError(f"expected {PERCENT_HELP}")
    if isinstance(value, int | float):
        return _finite_non_negative(float(value), PERCENT_HELP)
    if isinstance(value, str):
        m = _PERCENT.match(value)
        if m:
            return float(m.group(1))
        try:
            return _finite_non_negative(float(value), PERCENT_HELP)
        except ValueError:
            pass
    raise ValueError(f"expected {PERCENT_HELP}")


def parse_rate_per_s(value: object) -> float:
    """``"20/s"`` -> 20.0, ``"600/m"`` -> 10.0, ``5`` -> 5.0 (requests per second)."""
    if isinstance(value, bool):
        raise ValueError(f"expected {RATE_HELP}")
    if isinstance(value, int | float):
        rate = _finite_non_negative(float(value), RATE_HELP)
    elif isinstance(value, str) and (m := _RATE.match(value)):
        rate = float(m.group(1)) / (1.0 if m.group(2) == "s" else 60.0)
    else:
        try:
            rate = _finite_non_negative(float(str(value)), RATE_HELP)
        except ValueError:
            raise ValueError(f"expected {RATE_HELP}") from None
    if rate <= 0:
        raise ValueError(f"expected {RATE_HELP}, above zero")
    return rate


def parse_size_bytes(value: object) -> int:
    """``"1MiB"`` -> 1048576."""
    if isinstance(value, bool):
        raise ValueError(f"expected {SIZE_HELP}")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"expected {SIZE_HELP}")
        return value
    if isinstance(value, str):
        m = _SIZE.match(value)
        if m:
            return int(float(m.group(1)) * _SIZE_UNITS[m.group(2)])
    raise ValueError(f"expected {SIZE_HELP}")


def format_duration(seconds: float, *, measured: bool = False) -> str:
    """A duration for people, the one formatter every message and report uses.

    A limit (the default) is written the way launchgate.yml spells it, so the message
    can be matched to the key that set it: 0.5 -> "500ms", 120 -> "2m", 90 -> "90s".
    A ``measured`` time keeps fixed decimals in seconds, so a column of them lines up:
    2.345 -> "2.35 s", 12.34 -> "12.3 s". NaN or an infinity is "?": a broken timer
    must not read as a number.
    """
    if not math.isfinite(seconds):
        return "?"
    if measured:
        return f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.1f} s"
    if seconds < 1:
        # :g, not :.0f: half a millisecond (probe.compare.floor) is not "0ms".
        return f"{round(seconds * 1000, 3):g}ms"
    if seconds >= 86400 and seconds % 86400 == 0:
        return f"{seconds / 86400:.0f}d"
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds / 3600:.0f}h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:.0f}m"
    if seconds == int(seconds):
        return f"{seconds:.0f}s"
    return f"{seconds:.1f}s"

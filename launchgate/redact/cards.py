"""Payment card numbers in free text, found by shape and checksum so they can be masked.

OWASP's logging guidance forbids card data in logs, and an app under test may put a
card number in an error page that a failing step quotes. Launchgate never learns these
values, so they are found by pattern: 13 to 19 digits, optionally grouped by spaces or
dashes, starting like a card brand (2221-2720, 3, 4, 5, 6) and passing the Luhn check.
The brand prefix keeps epoch-millisecond timestamps (``17…``) and compact dates
(``2026…``) apart; the checksum lets nine in ten other long numbers (order ids, counters)
through unchanged.

Pure.
"""

from __future__ import annotations

import re

__all__ = ["is_card_number", "mask_card_numbers"]

MIN_DIGITS = 13
MAX_DIGITS = 19

# A run of digits in which single spaces or dashes may separate groups, as people type
# and print card numbers; never part of a longer run of digits, of a word or hex id
# (``a1b2…``), or of a decimal number: the fraction of ``0.2360000123456789`` (a
# float in a JSON alert) is 16 digits that may pass the Luhn check.
_DIGIT_RUN = re.compile(r"(?<![0-9A-Za-z.])[0-9]+(?:[ -][0-9]+)*(?![0-9A-Za-z])(?!\.[0-9])")
_SEPARATOR = re.compile(r"[ -]")


def is_card_number(digits: str) -> bool:
    """True for 13-19 digits with a card brand's leading digits and a valid Luhn sum."""
    if not (MIN_DIGITS <= len(digits) <= MAX_DIGITS) or not digits.isdigit():
        return False
    if digits[0] not in "3456" and not (digits[0] == "2" and 2221 <= int(digits[:4]) <= 2720):
        return False
    return _luhn_ok(digits)


def _luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def mask_card_numbers(text: str, mask: str) -> str:
    """``text`` with every card number replaced by ``mask``.

    A grouped number may run on into another (``4242 4242 4242 4242 123`` with its
    CVC): any whole groups of the run that form a card number are masked.
    """
    if len(text) < MIN_DIGITS:
        return text
    return _DIGIT_RUN.sub(lambda m: _mask_run(m.group(0), mask), text)


def _mask_run(run: str, mask: str) -> str:
    digit_count = len(run) - len(_SEPARATOR.findall(run))
    if digit_count < MIN_DIGITS:
        return run
    if is_card_number(_SEPARATOR.sub("", run)):
        return mask
    groups = _SEPARATOR.split(run)
    if len(groups) == 1:
        return run  # one long number: an id or a hash, not a card
    seps = _SEPARATOR.findall(run)
    out: list[str] = []
    i = 0
    while i < len(groups):
        end = _card_end(groups, i)
        if end is None:
            out.append(groups[i])
            nxt = i + 1
        else:
            out.append(mask)
            nxt = end
        if nxt < len(groups):
            out.append(seps[nxt - 1])
        i = nxt
    return "".join(out)


def _card_end(groups: list[str], start: int) -> int | None:
    """The end (exclusive) of the longest run of whole groups from ``start`` that is a
    card number, or None."""
    best = None
    digits = ""
    for end in range(start, len(groups)):
        digits += groups[end]
        if len(digits) > MAX_DIGITS:
            break
        if is_card_number(digits):
            best = end + 1
    return best

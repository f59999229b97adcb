"""The structure inside credential formats that carry one: checksums, encodings, claims.

A format with a checksum tells a real token from a random string of the same shape
(a made-up ``ghp_`` in a test, a truncated copy): GitHub's and npm's CRC32 in base62,
Grafana's CRC32 in hex, age's bech32. Macaroons (PyPI), JWTs (Supabase, Mapbox) and
Discord bot tokens carry decodable parts whose shape is fixed. Pure functions of the
value; nothing here reads a file or the network.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib

__all__ = [
    "BASE62",
    "b64decode",
    "base62_crc32",
    "bech32_ok",
    "discord_token_ok",
    "github_checksum_ok",
    "grafana_checksum_ok",
    "jwt_parts",
    "macaroon_ok",
]

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_B64_CHARS = re.compile(r"^[A-Za-z0-9+/_-]+={0,2}$")


def b64decode(value: str) -> bytes | None:
    """Standard or URL-safe base64, padding optional; ``None`` when it is not base64."""
    if not value or not _B64_CHARS.match(value):
        return None
    body = value.rstrip("=").replace("-", "+").replace("_", "/")
    if len(body) % 4 == 1:
        return None
    try:
        return base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def base62_crc32(data: str) -> str:
    """The 6-character base62 CRC32 of ``data``, as GitHub and npm append it."""
    n = zlib.crc32(data.encode())
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = BASE62[r] + out
    return out.rjust(6, "0")


def github_checksum_ok(token: str) -> bool:
    """``ghp_``/``npm_`` + 30 random characters + their CRC32 in 6 base62 characters."""
    body = token.split("_", 1)[1]
    return len(body) == 36 and base62_crc32(body[:30]) == body[30:]


def grafana_checksum_ok(token: str) -> bool:
    """``glsa_<32>_<8 hex>``: the CRC32 of everything before the last ``_``, its four
    bytes little-endian in hex."""
    head, _, check = token.rpartition("_")
    return zlib.crc32(head.encode()).to_bytes(4, "little").hex() == check.lower()


def _bech32_polymod(values: list[int]) -> int:
    gen = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if (top >> i) & 1 else 0
    return chk


def bech32_ok(value: str) -> bool:
    """A bech32 string (age keys: ``AGE-SECRET-KEY-1…``) whose checksum holds."""
    s = value.lower()
    hrp, sep, data = s.rpartition("1")
    if not sep or len(data) < 6 or any(c not in _BECH32 for c in data):
        return False
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    return _bech32_polymod(expanded + [_BECH32.index(c) for c in data]) == 1


def jwt_parts(token: str) -> tuple[dict[str, object], dict[str, object]] | None:
    """The header and the claims of a JWT (unverified), or ``None`` when it is not one."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    decoded: list[dict[str, object]] = []
    for part in parts[:2]:
        raw = b64decode(part)
        if raw is None:
            return None
        try:
            obj = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None
        if not isinstance(obj, dict):
            return None
        decoded.append(obj)
    return decoded[0], decoded[1]


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    n = shift = 0
    while True:
        if pos >= len(data) or shift > 28:
            raise ValueError("truncated varint")
        b = data[pos]
        pos += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, pos


def macaroon_ok(encoded: str) -> bool:
    """A version-2 binary macaroon (a PyPI token after ``pypi-``): a location and an
    identifier, caveat sections, and a 32-byte signature at the very end."""
    data = b64decode(encoded)
    if data is None or len(data) < 40 or data[0] != 2:
        return False
    pos, sections, identifier = 1, 0, False
    try:
        while True:
            fields = 0
            while data[pos] != 0:
                kind = data[pos]
                length, pos = _varint(data, pos + 1)
                if kind not in (1, 2, 4) or pos + length > len(data):
                    return False
                identifier = identifier or (kind == 2 and sections == 0)
                pos += length
                fields += 1
            pos += 1  # the end of a section
            if fields == 0:
                break  # an empty section ends the caveats
            sections += 1
        if data[pos] != 6:
            return False
        length, pos = _varint(data, pos + 1)
    except (IndexError, ValueError):
        return False
    return identifier and sections >= 1 and length == 32 and pos + length == len(data)


def discord_token_ok(token: str) -> bool:
    """A Discord bot token's first part is the bot's user id (a snowflake) in base64."""
    raw = b64decode(token.split(".", 1)[0])
    return raw is not None and raw.isdigit() and 15 <= len(raw) <= 21

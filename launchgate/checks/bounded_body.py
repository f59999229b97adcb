"""Read a response body without ever holding more than the cap, compressed or not.

httpx inflates each network read in one piece before we can count it, so a 32 KiB
gzip bomb costs ~80 MB before a size check runs. We read the raw bytes and inflate
with zlib's ``max_length``, so memory stays bounded by ``max_body`` whatever the
server sends. We only advertise gzip and deflate, so that is all we need to inflate.

The rule lives in :class:`BodyDecoder`, which knows nothing of how the bytes arrive:
journeys feed it from httpx, the load probe from its own HTTP/1.1 parser, so a body
that fails one fails the other.
"""

from __future__ import annotations

import contextlib
import zlib

import httpx

__all__ = [
    "ACCEPT_ENCODING",
    "DECODED_ENCODINGS",
    "BodyDecoder",
    "BodyTooLarge",
    "InvalidEncoding",
    "UnsupportedEncoding",
    "read_bounded",
    "undecodable_codings",
]

ACCEPT_ENCODING = "gzip, deflate"
DECODED_ENCODINGS = frozenset({"gzip", "x-gzip", "deflate"})


def undecodable_codings(accept_encoding: str) -> list[str]:
    """The codings an ``Accept-Encoding`` value asks for that we cannot decode (a
    coding with q=0 is a refusal, not a request)."""
    asked: list[str] = []
    for item in accept_encoding.split(","):
        coding, _, params = item.partition(";")
        weight = 1.0
        for param in params.split(";"):
            key, _, number = param.partition("=")
            if key.strip().lower() == "q":
                with contextlib.suppress(ValueError):  # a malformed q: as if absent
                    weight = float(number)
        name = coding.strip().lower()
        if name and weight > 0 and name not in DECODED_ENCODINGS and name != "identity":
            asked.append(name)
    return asked


class BodyTooLarge(Exception):
    pass


class UnsupportedEncoding(Exception):
    pass


class InvalidEncoding(Exception):
    """The body is not valid in the content-encoding it declares."""


class _Inflater:
    def __init__(self, encoding: str) -> None:
        self._raw_deflate_fallback = encoding == "deflate"
        # gzip: header and trailer; deflate: the zlib wrapper (raw deflate as fallback,
        # as some servers send, and as httpx also accepts).
        wbits = zlib.MAX_WBITS | 16 if encoding in ("gzip", "x-gzip") else zlib.MAX_WBITS
        self._zlib = zlib.decompressobj(wbits)
        self._started = False

    def feed(self, data: bytes, limit: int) -> tuple[bytes, bool]:
        """Up to ``limit`` inflated bytes, and whether more were left over."""
        try:
            out = self._zlib.decompress(data, limit)
        except zlib.error:
            if self._started or not self._raw_deflate_fallback:
                raise
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._zlib.decompress(data, limit)
        self._started = True
        return out, bool(self._zlib.unconsumed_tail)


class BodyDecoder:
    """One body, fed raw as it arrives: decoded as its ``Content-Encoding`` declares
    and counted, never more than ``max_body`` decoded bytes.

    Raises :class:`UnsupportedEncoding` (from the constructor) for an encoding other
    than identity, gzip or deflate, :class:`BodyTooLarge` past ``max_body``, and
    :class:`InvalidEncoding` for a body that is not what it says it is.
    """

    __slots__ = ("_inflater", "encoding", "max_body", "size")

    def __init__(self, content_encoding: str | None, max_body: int) -> None:
        encoding = (content_encoding or "identity").strip().lower()
        self._inflater: _Inflater | None = None
        if encoding in DECODED_ENCODINGS:
            self._inflater = _Inflater(encoding)
        elif encoding not in ("", "identity"):
            raise UnsupportedEncoding(encoding)
        self.encoding = encoding or "identity"
        self.max_body = max_body
        self.size = 0  # decoded bytes so far

    @property
    def compressed(self) -> bool:
        return self._inflater is not None

    def feed(self, raw: bytes) -> bytes:
        """The decoded bytes of ``raw``."""
        if self._inflater is None:
            self.size += len(raw)
            if self.size > self.max_body:
                raise BodyTooLarge
            return raw
        try:
            chunk, over = self._inflater.feed(raw, self.max_body + 1 - self.size)
        except zlib.error as exc:
            raise InvalidEncoding(f"invalid {self.encoding} body: {exc}") from None
        self.size += len(chunk)
        if over or self.size > self.max_body:
            raise BodyTooLarge
        return chunk


async def read_bounded(response: httpx.Response, max_body: int) -> bytes:
    """The decoded body; :class:`BodyTooLarge` past ``max_body`` decoded bytes."""
    if response.is_stream_consumed:  # already in memory (in-process test transports)
        if len(response.content) > max_body:
            raise BodyTooLarge
        return response.content
    decoder = BodyDecoder(response.headers.get("content-encoding"), max_body)
    body = bytearray()
    async for raw in response.aiter_raw():
        try:
            body += decoder.feed(raw)
        except InvalidEncoding as exc:
            raise httpx.DecodingError(str(exc)) from None
    return bytes(body)

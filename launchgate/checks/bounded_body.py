"""Read a response body without ever holding more than the cap, compressed or not.

httpx inflates each network read in one piece before we can count it, so a 32 KiB
gzip bomb costs ~80 MB before a size check runs. We read the raw bytes and inflate
with zlib's ``max_length``, so memory stays bounded by ``max_body`` whatever the
server sends. We only advertise gzip and deflate, so that is all we need to inflate.
"""

from __future__ import annotations

import zlib

import httpx

__all__ = ["ACCEPT_ENCODING", "BodyTooLarge", "UnsupportedEncoding", "read_bounded"]

ACCEPT_ENCODING = "gzip, deflate"


class BodyTooLarge(Exception):
    pass


class UnsupportedEncoding(Exception):
    pass


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


async def read_bounded(response: httpx.Response, max_body: int) -> bytes:
    """The decoded body; :class:`BodyTooLarge` past ``max_body`` decoded bytes."""
    if response.is_stream_consumed:  # already in memory (in-process test transports)
        if len(response.content) > max_body:
            raise BodyTooLarge
        return response.content
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    inflater: _Inflater | None = None
    if encoding in ("gzip", "x-gzip", "deflate"):
        inflater = _Inflater(encoding)
    elif encoding not in ("", "identity"):
        raise UnsupportedEncoding(encoding)
    body = bytearray()
    async for raw in response.aiter_raw():
        if inflater is None:
            body += raw
            over = len(body) > max_body
        else:
            try:
                chunk, over = inflater.feed(raw, max_body + 1 - len(body))
            except zlib.error as exc:
                raise httpx.DecodingError(f"invalid {encoding} body: {exc}") from None
            body += chunk
            over = over or len(body) > max_body
        if over:
            raise BodyTooLarge
    return bytes(body)

"""A tiny authoritative DNS server on loopback for the demo's host names (dnspython).

The demo's public names (``demo.launchgate.test`` and friends) exist nowhere else:
``.test`` is reserved and never resolves on the internet. The gate's edge checks ask
this server (``edge.nameservers``) as they would ask a domain's authoritative
servers. UDP only, which is what a resolver asks first; answers follow CNAMEs inside
the zone, unknown names get NXDOMAIN, a known name without the asked type an empty
answer.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Mapping
from types import TracebackType

import dns.exception
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

__all__ = ["DemoNameserver"]

logger = logging.getLogger(__name__)

_TTL = 60
_POLL_S = 1.0  # a safety net: stop() wakes the loop at once with a datagram
_MAX_CNAMES = 8


class DemoNameserver:
    """``records``: name -> (type, value), e.g. ``{"www.x.test": ("CNAME", "x.test")}``."""

    def __init__(self, records: Mapping[str, tuple[str, str]]) -> None:
        self._records = {
            dns.name.from_text(name): (dns.rdatatype.from_text(rdtype), value)
            for name, (rdtype, value) in records.items()
        }
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.settimeout(_POLL_S)
        self.port: int = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="demo-dns", daemon=True)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            # Wake recvfrom with an empty datagram, so the loop sees the flag at once.
            with (
                contextlib.suppress(OSError),
                socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as waker,
            ):
                waker.sendto(b"", ("127.0.0.1", self.port))
            self._thread.join(timeout=5)
        self._sock.close()

    def __enter__(self) -> DemoNameserver:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, peer = self._sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return  # closed
            try:
                reply = self.answer(dns.message.from_wire(data))
            except dns.exception.DNSException:
                continue  # not a DNS query: nothing to answer
            with contextlib.suppress(OSError):
                self._sock.sendto(reply.to_wire(), peer)

    def answer(self, query: dns.message.Message) -> dns.message.Message:
        reply = dns.message.make_response(query)
        if not query.question:
            reply.set_rcode(dns.rcode.FORMERR)
            return reply
        question = query.question[0]
        name = question.name
        if name not in self._records:
            reply.set_rcode(dns.rcode.NXDOMAIN)
            return reply
        for _ in range(_MAX_CNAMES):
            record = self._records.get(name)
            if record is None:
                return reply
            rdtype, value = record
            if rdtype == question.rdtype or (
                rdtype == dns.rdatatype.CNAME and question.rdtype != dns.rdatatype.CNAME
            ):
                reply.answer.append(
                    dns.rrset.from_text(name, _TTL, dns.rdataclass.IN, rdtype, value)
                )
            if rdtype != dns.rdatatype.CNAME or question.rdtype == dns.rdatatype.CNAME:
                return reply
            name = dns.name.from_text(value)
        return reply

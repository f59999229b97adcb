"""A real DNS server on loopback, serving test zones (dnslib), for edge and email tests.

Names can be made to fail on purpose: ``servfail`` answers SERVFAIL, ``silent`` never
answers (a resolver timeout). Everything else is answered from the zone text, with
CNAMEs followed inside the zone, NXDOMAIN for names the zone does not hold and an
empty NOERROR answer for a name that exists without the asked type.
"""

from __future__ import annotations

import errno
import threading
from collections.abc import Iterable
from types import TracebackType

from dnslib import QTYPE, RCODE, RR, DNSLabel, DNSRecord
from dnslib.server import BaseResolver, DNSError, DNSLogger, DNSServer

__all__ = ["DnsServer", "ZoneResolver"]


class ZoneResolver(BaseResolver):  # type: ignore[misc]
    def __init__(
        self, zone: str, *, servfail: Iterable[str] = (), silent: Iterable[str] = ()
    ) -> None:
        self.records: list[RR] = RR.fromZone(zone)
        self.servfail = {DNSLabel(n) for n in servfail}
        self.silent = {DNSLabel(n) for n in silent}
        self.queries: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def resolve(self, request: DNSRecord, handler: object) -> DNSRecord:
        qname = request.q.qname
        qtype = QTYPE[request.q.qtype]
        with self._lock:
            self.queries.append((str(qname).rstrip("."), qtype))
        if qname in self.silent:
            raise DNSError("dropped on purpose: the resolver times out")
        reply = request.reply()
        if qname in self.servfail:
            reply.header.rcode = RCODE.SERVFAIL
            return reply
        name = qname
        for _ in range(10):  # follow CNAMEs inside the zone
            here = [rr for rr in self.records if rr.rname == name]
            if not here:
                if name == qname:
                    reply.header.rcode = RCODE.NXDOMAIN
                return reply
            cnames = [rr for rr in here if rr.rtype == QTYPE.CNAME]
            if cnames and qtype != "CNAME":
                reply.add_answer(cnames[0])
                name = cnames[0].rdata.label
                continue
            for rr in here:
                if QTYPE[rr.rtype] == qtype or qtype == "ANY":
                    reply.add_answer(rr)
            return reply
        return reply


class DnsServer:
    """``with DnsServer(zone) as dns:`` serves the zone on ``127.0.0.1:dns.port`` (UDP
    and TCP); stopped and joined on exit."""

    def __init__(
        self, zone: str, *, servfail: Iterable[str] = (), silent: Iterable[str] = ()
    ) -> None:
        self.resolver = ZoneResolver(zone, servfail=servfail, silent=silent)
        quiet = DNSLogger(logf=lambda _message: None)
        # UDP takes a free port; TCP needs the same number, which a TCP socket (an
        # outgoing connection's ephemeral port) may hold: then try another, bounded.
        for attempt in range(20):
            self._udp = DNSServer(self.resolver, address="127.0.0.1", port=0, logger=quiet)
            self.port: int = self._udp.server.server_address[1]
            try:
                self._tcp = DNSServer(
                    self.resolver, address="127.0.0.1", port=self.port, tcp=True, logger=quiet
                )
                break
            except OSError as exc:
                self._udp.server.server_close()
                if exc.errno != errno.EADDRINUSE or attempt == 19:
                    raise

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def __enter__(self) -> DnsServer:
        self._udp.start_thread()
        self._tcp.start_thread()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for server in (self._udp, self._tcp):
            server.stop()
            server.server.server_close()
            if server.thread is not None:
                server.thread.join(timeout=5)

"""Real alert receivers on loopback for the watch tests: an HTTP webhook receiver with
a scripted sequence of answers (on :class:`tests.servers.MisbehavingServer`) and an
SMTP server (aiosmtpd) with STARTTLS and AUTH behind a trustme certificate.

Both are listening when the caller gets them (no port race, no sleep) and both record
what arrived, so tests count deliveries exactly.
"""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

import trustme
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.servers import Behaviour, Connection, MisbehavingServer, Request

__all__ = ["SmtpServer", "WebhookReceiver", "scripted"]


def scripted(codes: Sequence[int]) -> Behaviour:
    """Answer the n-th request with ``codes[n]``, then 200 for ever."""
    lock = threading.Lock()
    answered = [0]

    def behave(conn: Connection, request: Request) -> None:
        with lock:
            n = answered[0]
            answered[0] += 1
        code = codes[n] if n < len(codes) else 200
        conn.respond(code, b"ok" if code == 200 else b"nope")

    return behave


class WebhookReceiver:
    """An HTTP receiver that fails its first answers as scripted, then accepts."""

    def __init__(self, failures: Sequence[int] = ()) -> None:
        self.failures = tuple(failures)
        self.server = MisbehavingServer(scripted(self.failures), lifetime_s=120.0)

    @property
    def url(self) -> str:
        return f"{self.server.url}/hook"

    def all(self) -> list[Request]:
        return self.server.requests

    def accepted(self) -> list[Request]:
        """The requests it answered 2xx (those after the scripted failures)."""
        return self.server.requests[len(self.failures) :]

    def accepted_json(self) -> list[dict[str, Any]]:
        return [json.loads(r.body) for r in self.accepted()]

    def stop(self) -> None:
        self.server.stop()


@dataclass
class _Recorder:
    user: str
    password: str
    fail_first: int = 0
    messages: list[Message] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)
    tls_seen: list[bool] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self._lock:
            if self.fail_first > 0:
                self.fail_first -= 1
                return "451 4.3.0 try again later"
            content = envelope.original_content or b""
            self.raw.append(content)
            self.messages.append(message_from_bytes(content))
            self.tls_seen.append(session.ssl is not None)
        return "250 OK"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and data.login.decode() == self.user
            and data.password.decode() == self.password
        )
        if ok:
            with self._lock:
                self.logins.append(self.user)
        # handled=False: aiosmtpd then answers 535 itself (handled=True would mean "I
        # already answered" and leave the client waiting).
        return AuthResult(success=ok, handled=ok)


class SmtpServer:
    """aiosmtpd on a loopback port of its own event loop thread: STARTTLS required,
    AUTH only over TLS, certificate from a trustme CA (``ca_pem`` is its bundle)."""

    def __init__(
        self,
        ca: trustme.CA,
        ca_pem: str,
        *,
        user: str,
        password: str,
        fail_first: int = 0,
        starttls: bool = True,
    ) -> None:
        self.ca_pem = ca_pem
        self.starttls = starttls
        self.recorder = _Recorder(user, password, fail_first)
        cert = ca.issue_cert("127.0.0.1", "localhost")
        self._tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(self._tls)
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._serve(), self._loop)
        self._server = future.result(timeout=10)

    async def _serve(self) -> asyncio.Server:
        recorder = self.recorder

        def factory() -> SMTP:
            return SMTP(
                recorder,
                hostname="launchgate-test",
                tls_context=self._tls if self.starttls else None,
                require_starttls=self.starttls,
                auth_required=True,
                auth_require_tls=True,
                authenticator=recorder.authenticate,
                timeout=10,
            )

        return await asyncio.get_running_loop().create_server(factory, sock=self._sock)

    @property
    def messages(self) -> list[Message]:
        with self.recorder._lock:
            return list(self.recorder.messages)

    def stop(self) -> None:
        async def close() -> None:
            self._server.close()
            await self._server.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


def iter_bodies(receiver: WebhookReceiver) -> Iterator[str]:
    for request in receiver.all():
        yield request.body.decode("utf-8", "replace")

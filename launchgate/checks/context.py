"""What a running check may use: the target, the clock, HTTP clients, sessions and the
redactor. Built by the engine and injected, so checks hold no global state and tests
can hand them a fake clock or an ``httpx.MockTransport``."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from launchgate.checks.pinning import Pinning
from launchgate.clock import Clock
from launchgate.config.model import TargetSpec
from launchgate.redact import Redactor

__all__ = ["CheckContext", "SessionState"]


@dataclass
class SessionState:
    """What a journey leaves for the journeys that start from it (``session: name``)."""

    cookies: httpx.Cookies
    captures: dict[str, str] = field(default_factory=dict)


ClientFactory = Callable[[httpx.Cookies | None], httpx.AsyncClient]


@dataclass
class CheckContext:
    base_url: str
    target: TargetSpec
    redactor: Redactor
    variables: Mapping[str, str]  # generated values: run.email, run.password, run.id
    clock: Clock
    make_client: ClientFactory
    sessions: dict[str, SessionState] = field(default_factory=dict)
    resolve_hosts: bool = True  # off when a test transport stands in for the network
    user_agent: str = "launchgate"
    ssl_verify: ssl.SSLContext | bool = True
    pinning: Pinning | None = None  # target.resolve / target.nameservers, when set
    progress: Callable[[str], None] | None = None  # a live status line, when on a terminal
    environ: Mapping[str, str] = field(default_factory=dict)
    workdir: Path = field(default_factory=Path.cwd)  # relative paths (baselines) start here

    def client(self, cookies: httpx.Cookies | None = None) -> httpx.AsyncClient:
        return self.make_client(cookies)

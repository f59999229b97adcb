"""The demo app's settings, read once from environment variables.

The server runner (``server.py``) parses the very environment it hands to the child
with the same function, so both sides agree on the email, secrets and faults in use.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import launchgate
from launchgate.demo.faults import parse_faults

__all__ = [
    "DEFAULT_EMAIL",
    "DEFAULT_PUBLIC_HOST",
    "DEFAULT_STANDARD_SECRET",
    "DEFAULT_WEBHOOK_SECRET",
    "ENV_PREFIX",
    "DemoSettings",
    "standard_secret_key",
]

ENV_PREFIX = "LAUNCHGATE_DEMO_"

DEFAULT_EMAIL = "demo@launchgate.test"
# Both signing secrets are public on purpose: the demo runs on loopback with throwaway
# data, and the gate's demo config has to know them. Real deployments set their own.
DEFAULT_WEBHOOK_SECRET = "whsec_demo_launchgate"  # noqa: S105 - public, see above
DEFAULT_STANDARD_SECRET = "whsec_bGF1bmNoZ2F0ZS1kZW1vLXN0YW5kYXJkLXdlYmhvb2s="  # noqa: S105
DEFAULT_PUBLIC_HOST = "demo.launchgate.test"  # .test never resolves on the internet
# 4,000 customers x 50 invoices: 200,000 rows, so that a dashboard without its index
# (the missing-index fault: four scans of them) costs some 32 ms of CPU on the
# development VM. `launchgate demo` sizes the table for the machine instead (sizing.py).
DEFAULT_USERS = 4000
DEFAULT_INVOICES_PER_USER = 50
_MAX_USERS = 1_000_000
_MAX_INVOICES_PER_USER = 10_000
_MAX_DASHBOARD_WORK_MS = 1000.0
_STANDARD_PREFIX = "whsec_"
_MIN_ADMIN_TOKEN = 16


@dataclass(frozen=True)
class DemoSettings:
    """Everything the demo app reads from its environment. Secrets stay out of repr."""

    email: str
    password: str = field(repr=False)
    faults: frozenset[str]
    webhook_secret: str = field(repr=False)
    standard_secret: str = field(repr=False)
    db_path: Path | None  # None: a new file in a fresh temp directory, removed at shutdown
    users: int  # including the demo user
    invoices_per_user: int  # for seed users; the demo user always has 24
    version: str
    # The admin endpoint's bearer token; None: no admin endpoint (see admin.py).
    admin_token: str | None = field(default=None, repr=False)
    # The edge: the public host name the demo answers to, and the HTTPS listener the
    # runner hands over (a listening socket's fd, the certificate and key files).
    public_host: str = DEFAULT_PUBLIC_HOST
    tls_fd: int | None = None
    tls_cert: Path | None = None
    tls_key: Path | None = None
    # Benchmark-only (benchmarks/gate_quality.py): CPU milliseconds every dashboard
    # request burns in the threadpool, so the page costs what a real one does and a
    # known slowdown can be injected. The demo's own pages answer in a few ms, under
    # the regression gate's 10 ms floor, where no 30 % change could ever count.
    dashboard_work_ms: float = 0.0
    # The app's log file (applog.py); None: no log is written.
    log_path: Path | None = None

    @property
    def public_hosts(self) -> frozenset[str]:
        """The names that belong to the public site: the canonical one and www."""
        return frozenset({self.public_host, "www." + self.public_host})

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> DemoSettings:
        """Read ``LAUNCHGATE_DEMO_*``; ``ValueError`` names the variable that is wrong."""

        def get(name: str) -> str | None:
            value = environ.get(ENV_PREFIX + name)
            return value if value else None  # an empty variable counts as unset

        standard_secret = get("STANDARD_SECRET") or DEFAULT_STANDARD_SECRET
        standard_secret_key(standard_secret)  # refuse a malformed secret at startup
        db = get("DB")
        log = get("LOG")
        tls_fd = get("TLS_FD")
        cert, key = get("TLS_CERT"), get("TLS_KEY")
        if tls_fd is not None and not (cert and key):
            raise ValueError(f"{ENV_PREFIX}TLS_FD needs {ENV_PREFIX}TLS_CERT and _TLS_KEY too")
        return cls(
            email=(get("EMAIL") or DEFAULT_EMAIL).strip().lower(),
            password=get("PASSWORD") or secrets.token_urlsafe(16),
            faults=parse_faults(get("FAULTS") or ""),
            webhook_secret=get("WEBHOOK_SECRET") or DEFAULT_WEBHOOK_SECRET,
            standard_secret=standard_secret,
            db_path=Path(db) if db else None,
            users=_int(get("USERS"), "USERS", DEFAULT_USERS, low=1, high=_MAX_USERS),
            invoices_per_user=_int(
                get("INVOICES_PER_USER"),
                "INVOICES_PER_USER",
                DEFAULT_INVOICES_PER_USER,
                low=0,
                high=_MAX_INVOICES_PER_USER,
            ),
            version=get("VERSION") or f"demo-{launchgate.__version__}",
            admin_token=_admin_token(get("ADMIN_TOKEN")),
            public_host=(get("PUBLIC_HOST") or DEFAULT_PUBLIC_HOST).strip().lower(),
            tls_fd=None if tls_fd is None else _int(tls_fd, "TLS_FD", 0, low=0, high=65535),
            tls_cert=Path(cert) if cert else None,
            tls_key=Path(key) if key else None,
            dashboard_work_ms=_float(
                get("DASHBOARD_WORK_MS"), "DASHBOARD_WORK_MS", 0.0, high=_MAX_DASHBOARD_WORK_MS
            ),
            log_path=Path(log) if log else None,
        )


def standard_secret_key(secret: str) -> bytes:
    """The HMAC key of a Standard Webhooks secret: base64-decoded after ``whsec_``."""
    if not secret.startswith(_STANDARD_PREFIX):
        raise ValueError(f"{ENV_PREFIX}STANDARD_SECRET must look like whsec_<base64>")
    encoded = secret[len(_STANDARD_PREFIX) :]
    encoded += "=" * (-len(encoded) % 4)  # the reference libraries accept unpadded keys
    try:
        key = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        # The message must not echo the value: it is a secret.
        raise ValueError(
            f"{ENV_PREFIX}STANDARD_SECRET is not valid base64 after 'whsec_'"
        ) from None
    if not key:
        raise ValueError(f"{ENV_PREFIX}STANDARD_SECRET has an empty key")
    return key


def _admin_token(raw: str | None) -> str | None:
    """Long enough not to be guessed: the endpoint it opens can break the app."""
    if raw is not None and len(raw) < _MIN_ADMIN_TOKEN:
        raise ValueError(f"{ENV_PREFIX}ADMIN_TOKEN must be at least {_MIN_ADMIN_TOKEN} characters")
    return raw


def _int(raw: str | None, name: str, default: int, *, low: int, high: int) -> int:
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{ENV_PREFIX}{name} must be an integer, got {raw!r}") from None
    if not low <= value <= high:
        raise ValueError(f"{ENV_PREFIX}{name} must be between {low} and {high}, got {value}")
    return value


def _float(raw: str | None, name: str, default: float, *, high: float) -> float:
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{ENV_PREFIX}{name} must be a number, got {raw!r}") from None
    if not 0.0 <= value <= high:  # also refuses nan
        raise ValueError(f"{ENV_PREFIX}{name} must be between 0 and {high:g}, got {raw}")
    return value

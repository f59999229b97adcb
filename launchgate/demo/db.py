"""The demo's SQLite database: schema, connections and the queries the routes run.

Handlers run in Starlette's threadpool, and a ``sqlite3`` connection belongs to the
thread that opened it, so every :class:`Store` method opens its own short-lived
connection. WAL mode lets the dashboard read while a signup writes.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from launchgate.demo.microcache import DASHBOARD_CACHE_S, MicroCache

__all__ = [
    "BILLED_SINCE_SQL",
    "DASHBOARD_QUERIES",
    "INVOICE_INDEX",
    "LATEST_INVOICES_SQL",
    "OPEN_BALANCE_SQL",
    "STATUS_COUNTS_SQL",
    "Credentials",
    "Dashboard",
    "Invoice",
    "Store",
    "User",
    "connect",
    "create_schema",
    "dashboard_figures",
    "drop_invoice_index",
]

INVOICE_INDEX = "idx_invoices_user_created"

# The schema and its one index live here and nowhere else. The index is created
# separately (after seeding, which is faster than maintaining it row by row), and
# ``drop_invoice_index`` is the hook of the ``missing-index`` fault.
_TABLES = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    plan TEXT NOT NULL,
    created_at INTEGER NOT NULL  -- unix seconds, like every created_at here
);
CREATE TABLE IF NOT EXISTS sessions (
    token TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS invoices (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    amount_cents INTEGER NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
-- Both webhook schemes share this table; the id is stored as "<scheme>:<event id>"
-- so that a Stripe event and a Standard Webhooks message never collide.
CREATE TABLE IF NOT EXISTS webhook_events (
    id TEXT PRIMARY KEY,
    type TEXT,
    received_at INTEGER NOT NULL
);
"""
_INDEX = f"CREATE INDEX IF NOT EXISTS {INVOICE_INDEX} ON invoices(user_id, created_at)"

LATEST_INVOICES_SQL = (
    "SELECT id, amount_cents, status, created_at FROM invoices"
    " WHERE user_id = ? ORDER BY created_at DESC LIMIT ?"
)
# The dashboard's "billed in the last 12 months": a range over the same index.
BILLED_SINCE_SQL = (
    "SELECT COALESCE(SUM(amount_cents), 0) FROM invoices WHERE user_id = ? AND created_at >= ?"
)
# The open balance and the invoice counts by status: the index's user_id prefix.
OPEN_BALANCE_SQL = (
    "SELECT COALESCE(SUM(amount_cents), 0) FROM invoices WHERE user_id = ? AND status = 'open'"
)
STATUS_COUNTS_SQL = "SELECT status, COUNT(*) FROM invoices WHERE user_id = ? GROUP BY status"
# Every query of one dashboard page, each served by ``idx_invoices_user_created``: with
# it, each reads only the customer's own invoices; without it (the ``missing-index``
# fault), each scans the whole table, so one page visits every invoice four times.
DASHBOARD_QUERIES = (LATEST_INVOICES_SQL, BILLED_SINCE_SQL, OPEN_BALANCE_SQL, STATUS_COUNTS_SQL)


@dataclass(frozen=True)
class User:
    id: int
    email: str
    plan: str


@dataclass(frozen=True)
class Dashboard:
    """What one dashboard page shows: the figures of :data:`DASHBOARD_QUERIES`."""

    user: User
    invoices: list[Invoice]
    billed_cents: int
    open_cents: int
    status_counts: dict[str, int]


@dataclass(frozen=True)
class Credentials:
    user_id: int
    password_hash: str


@dataclass(frozen=True)
class Invoice:
    id: int
    amount_cents: int
    status: str
    created_at: int


# What dashboard_figures returns: invoices, billed, open balance, counts by status.
Figures = tuple[list[Invoice], int, int, dict[str, int]]


def connect(path: Path) -> sqlite3.Connection:
    # timeout: wait for a concurrent writer instead of failing with "database is locked".
    conn = sqlite3.connect(path, timeout=5.0)
    conn.execute("PRAGMA foreign_keys = ON")
    # Throwaway demo data: durability across a power cut is not worth an fsync per commit.
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def create_schema(conn: sqlite3.Connection) -> None:
    """Create the tables (not the index: see :func:`create_invoice_index`)."""
    conn.execute("PRAGMA journal_mode = WAL")
    conn.executescript(_TABLES)


def create_invoice_index(conn: sqlite3.Connection) -> None:
    conn.execute(_INDEX)
    conn.commit()


def drop_invoice_index(conn: sqlite3.Connection) -> None:
    """Drop the dashboard's index: the ``missing-index`` fault, in one call."""
    conn.execute(f"DROP INDEX IF EXISTS {INVOICE_INDEX}")
    conn.commit()


class Store:
    """The queries of the demo's routes, each on its own connection (see module doc)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # Each customer's dashboard figures, for a fifth of a second: see microcache.py
        # for why this decides what the missing-index fault costs the machine.
        self._figures: MicroCache[int, Figures] = MicroCache(DASHBOARD_CACHE_S)

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        with closing(connect(self.path)) as conn:
            try:
                yield conn
                conn.commit()
            except BaseException:
                conn.rollback()
                raise

    def ping(self) -> None:
        with self._connection() as conn:
            conn.execute("SELECT 1 FROM users LIMIT 1").fetchall()

    def create_user(self, email: str, password_hash: str, plan: str, now: int) -> bool:
        """Insert a user; False when the email is taken (the UNIQUE constraint decides,
        so two concurrent signups for one email cannot both succeed)."""
        with self._connection() as conn:
            try:
                conn.execute(
                    "INSERT INTO users (email, password_hash, plan, created_at)"
                    " VALUES (?, ?, ?, ?)",
                    (email, password_hash, plan, now),
                )
            except sqlite3.IntegrityError:
                return False
        return True

    def credentials(self, email: str) -> Credentials | None:
        with self._connection() as conn:
            row = conn.execute(
                "SELECT id, password_hash FROM users WHERE email = ?", (email,)
            ).fetchone()
        return None if row is None else Credentials(row[0], row[1])

    def create_session(self, user_id: int, now: int) -> str:
        token = secrets.token_urlsafe(32)
        with self._connection() as conn:
            conn.execute(
                "INSERT INTO sessions (token, user_id, created_at) VALUES (?, ?, ?)",
                (token, user_id, now),
            )
        return token

    def session_user(self, token: str, *, not_before: int) -> User | None:
        """The user of a session created at or after ``not_before``; None otherwise."""
        with self._connection() as conn:
            return _session_user(conn, token, not_before)

    def delete_session(self, token: str) -> None:
        with self._connection() as conn:
            conn.execute("DELETE FROM sessions WHERE token = ?", (token,))

    def latest_invoices(self, user_id: int, limit: int = 20) -> list[Invoice]:
        with self._connection() as conn:
            rows = conn.execute(LATEST_INVOICES_SQL, (user_id, limit)).fetchall()
        return [Invoice(*row) for row in rows]

    def dashboard(self, token: str, *, not_before: int, since: int, limit: int) -> Dashboard | None:
        """The dashboard of the session's user (None: no such session), in one
        connection and one call: a page costs one threadpool hop, not three, so a busy
        machine delays the clean page less (each hop waits for a thread to be run)."""
        with self._connection() as conn:
            user = _session_user(conn, token, not_before)
            if user is None:
                return None
            figures = self._figures.get(
                user.id, lambda: dashboard_figures(conn, user.id, since=since, limit=limit)
            )
            return Dashboard(user, *figures)

    def billed_since(self, user_id: int, since: int) -> int:
        with self._connection() as conn:
            row = conn.execute(BILLED_SINCE_SQL, (user_id, since)).fetchone()
        return int(row[0])

    def invoice_count(self, user_id: int) -> int:
        with self._connection() as conn:
            row = conn.execute(
                "SELECT COUNT(*) FROM invoices WHERE user_id = ?", (user_id,)
            ).fetchone()
        return int(row[0])

    def record_webhook_event(self, key: str, event_type: str | None, now: int) -> bool:
        """Record an event; False when ``key`` was seen before. The PRIMARY KEY decides,
        so a replay racing the original cannot be processed twice."""
        with self._connection() as conn:
            try:
                conn.execute(
                    "INSERT INTO webhook_events (id, type, received_at) VALUES (?, ?, ?)",
                    (key, event_type, now),
                )
            except sqlite3.IntegrityError:
                return False
        return True


def dashboard_figures(conn: sqlite3.Connection, user_id: int, *, since: int, limit: int) -> Figures:
    """Run :data:`DASHBOARD_QUERIES`: the latest invoices, the amount billed since
    ``since``, the open balance and the invoice counts by status."""
    latest, billed, open_balance, counts = DASHBOARD_QUERIES
    invoices = [Invoice(*row) for row in conn.execute(latest, (user_id, limit))]
    billed_cents = int(conn.execute(billed, (user_id, since)).fetchone()[0])
    open_cents = int(conn.execute(open_balance, (user_id,)).fetchone()[0])
    status_counts = {str(s): int(n) for s, n in conn.execute(counts, (user_id,))}
    return invoices, billed_cents, open_cents, status_counts


def _session_user(conn: sqlite3.Connection, token: str, not_before: int) -> User | None:
    row = conn.execute(
        "SELECT u.id, u.email, u.plan FROM sessions s JOIN users u ON u.id = s.user_id"
        " WHERE s.token = ? AND s.created_at >= ?",
        (token, not_before),
    ).fetchone()
    return None if row is None else User(row[0], row[1], row[2])

"""Deterministic seed data: the demo user plus thousands of customers and their invoices.

The same settings give the same rows on every run (a seeded ``random.Random`` and a
fixed epoch), so latency baselines of the demo compare like with like.

The data is big enough that a missing index shows far beyond the gate's thresholds:
with the index, a dashboard reads the customer's own two dozen invoices; without it,
its four queries each scan the whole table. ``launchgate demo`` sizes the table per
machine (``sizing.py``: the scans cost about 40 ms of CPU per page, on a fast machine
and a slow one); the default, 4,000 users x 50 invoices (200,000 rows, some 32 ms per
page on the 2-core development VM), is for ``DemoServer`` and ``--serve``. The row
visits are counted, with no clock, in ``tests/demo/test_fault_effects.py``; the
catches are measured by ``benchmarks/demo_faults.py``.
"""

from __future__ import annotations

import hashlib
import logging
import random
import secrets
import sqlite3
import time
from contextlib import closing
from pathlib import Path

from launchgate.demo.db import DASHBOARD_QUERIES, connect, create_invoice_index, create_schema
from launchgate.demo.passwords import hash_password

__all__ = [
    "DEMO_INVOICES",
    "PLAN_PRICES_CENTS",
    "SEED",
    "SEED_EPOCH",
    "data_fingerprint",
    "invoice_rows",
    "prepare_database",
]

logger = logging.getLogger(__name__)

SEED = 20250101
SEED_EPOCH = 1_735_689_600  # 2025-01-01T00:00:00Z: fixed, so the rows never depend on today
DEMO_INVOICES = 24  # two years of monthly invoices
PLAN_PRICES_CENTS = {"starter": 900, "pro": 2900, "business": 9900}
_DAY_S = 86_400
_MONTH_S = 30 * _DAY_S
# (plan, cumulative weight) for seed customers
_PLAN_WEIGHTS = (("trial", 0.30), ("starter", 0.65), ("pro", 0.90), ("business", 1.0))


def data_fingerprint(users: int, invoices_per_user: int) -> str:
    """A short digest of everything the dashboard's cost depends on: the seed, its
    sizes and the dashboard's queries. The demo's calibration cache is keyed on it, so
    a baseline measured on other data is never compared with this data's pages."""
    parts = (SEED, SEED_EPOCH, DEMO_INVOICES, users, invoices_per_user, *DASHBOARD_QUERIES)
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:12]


def prepare_database(
    path: Path, *, email: str, password: str, users: int, invoices_per_user: int
) -> None:
    """Create the schema, seed an empty database, and make ``password`` the demo user's.

    An existing database (``LAUNCHGATE_DEMO_DB`` pointing at a previous run's file) is
    kept as it is, except that the demo user's password is set to the current one, so
    the password in use always logs in.
    """
    started = time.perf_counter()
    with closing(connect(path)) as conn:
        create_schema(conn)
        if conn.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 0:
            _seed(conn, email, password, users, invoices_per_user)
        else:
            _set_demo_password(conn, email, password)
        create_invoice_index(conn)
    logger.info("demo database ready in %.2f s", time.perf_counter() - started)


def _seed(
    conn: sqlite3.Connection, email: str, password: str, users: int, invoices_per_user: int
) -> None:
    rng = random.Random(SEED)
    # Seed customers never log in, so they share one hash, of a random password nobody
    # knows: hashing thousands of passwords with a deliberately slow KDF would take
    # minutes, and a real hash (not a marker such as "!") keeps a login attempt for
    # their email as slow as any other, so timing does not tell which emails exist.
    shared_hash = hash_password(secrets.token_urlsafe(32))
    user_rows = [(1, email, hash_password(password), "pro", SEED_EPOCH - 2 * 365 * _DAY_S)]
    user_rows += [
        (
            user_id,
            f"customer{user_id:06d}@example.test",
            shared_hash,
            _pick_plan(rng.random()),
            SEED_EPOCH - rng.randrange(3 * 365 * _DAY_S),
        )
        for user_id in range(2, users + 1)
    ]
    invoices = invoice_rows(rng, 1, DEMO_INVOICES, PLAN_PRICES_CENTS["pro"])
    for user_id in range(2, users + 1):
        amount = rng.choice(tuple(PLAN_PRICES_CENTS.values()))
        invoices += invoice_rows(rng, user_id, invoices_per_user, amount)
    # The rows are consistent by construction: checking each invoice's user would
    # only slow the seeding of 200,000 rows. (The pragma is a no-op inside a
    # transaction, hence before it.)
    conn.execute("PRAGMA foreign_keys = OFF")
    with conn:  # one transaction: a commit per row would take minutes
        conn.executemany(
            "INSERT INTO users (id, email, password_hash, plan, created_at) VALUES (?, ?, ?, ?, ?)",
            user_rows,
        )
        conn.executemany(
            "INSERT INTO invoices (user_id, amount_cents, status, created_at) VALUES (?, ?, ?, ?)",
            invoices,
        )
    conn.execute("PRAGMA foreign_keys = ON")


def invoice_rows(
    rng: random.Random, user_id: int, count: int, amount_cents: int
) -> list[tuple[int, int, str, int]]:
    rows = []
    for month in range(count):
        roll = rng.random()
        status = "paid" if roll < 0.9 else ("open" if roll < 0.97 else "void")
        created_at = SEED_EPOCH - month * _MONTH_S - rng.randrange(_DAY_S)
        rows.append((user_id, amount_cents, status, created_at))
    return rows


def _pick_plan(roll: float) -> str:
    return next(plan for plan, upto in _PLAN_WEIGHTS if roll < upto)


def _set_demo_password(conn: sqlite3.Connection, email: str, password: str) -> None:
    with conn:
        conn.execute(
            "INSERT INTO users (email, password_hash, plan, created_at) VALUES (?, ?, 'pro', ?)"
            " ON CONFLICT(email) DO UPDATE SET password_hash = excluded.password_hash",
            (email, hash_password(password), SEED_EPOCH),
        )

"""Deterministic seed data: the demo user plus thousands of customers and their invoices.

The same settings give the same rows on every run (a seeded ``random.Random`` and a
fixed epoch), so latency baselines of the demo compare like with like. The data is
big enough by default (2,000 users x 50 invoices) that a missing index shows up in the
dashboard's latency.
"""

from __future__ import annotations

import logging
import random
import secrets
import sqlite3
import time
from contextlib import closing
from pathlib import Path

from launchgate.demo.db import connect, create_invoice_index, create_schema
from launchgate.demo.passwords import hash_password

__all__ = ["DEMO_INVOICES", "PLAN_PRICES_CENTS", "SEED_EPOCH", "prepare_database"]

logger = logging.getLogger(__name__)

SEED = 20250101
SEED_EPOCH = 1_735_689_600  # 2025-01-01T00:00:00Z: fixed, so the rows never depend on today
DEMO_INVOICES = 24  # two years of monthly invoices
PLAN_PRICES_CENTS = {"starter": 900, "pro": 2900, "business": 9900}
_DAY_S = 86_400
_MONTH_S = 30 * _DAY_S
# (plan, cumulative weight) for seed customers
_PLAN_WEIGHTS = (("trial", 0.30), ("starter", 0.65), ("pro", 0.90), ("business", 1.0))


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
    invoice_rows = _invoices(rng, 1, DEMO_INVOICES, PLAN_PRICES_CENTS["pro"])
    for user_id in range(2, users + 1):
        amount = rng.choice(tuple(PLAN_PRICES_CENTS.values()))
        invoice_rows += _invoices(rng, user_id, invoices_per_user, amount)
    with conn:  # one transaction: a commit per row would take minutes
        conn.executemany(
            "INSERT INTO users (id, email, password_hash, plan, created_at) VALUES (?, ?, ?, ?, ?)",
            user_rows,
        )
        conn.executemany(
            "INSERT INTO invoices (user_id, amount_cents, status, created_at) VALUES (?, ?, ?, ?)",
            invoice_rows,
        )


def _invoices(
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

"""The demo database: the dashboard query uses its index, seeding is deterministic, and
passwords are hashed properly. In process, on the real seeding code."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest

from launchgate.demo.db import (
    BILLED_SINCE_SQL,
    INVOICE_INDEX,
    LATEST_INVOICES_SQL,
    Store,
    connect,
    drop_invoice_index,
)
from launchgate.demo.passwords import hash_password, verify_password
from launchgate.demo.seed import DEMO_INVOICES, prepare_database

EMAIL = "demo@launchgate.test"
FIRST_PASSWORD = "first-password"


def prepare(path, password=FIRST_PASSWORD, users=40, invoices_per_user=6):
    prepare_database(
        path, email=EMAIL, password=password, users=users, invoices_per_user=invoices_per_user
    )
    return Store(path)


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("db") / "demo.sqlite3"
    prepare(path)
    return path


def query_plan(path) -> str:
    with closing(connect(path)) as conn:
        rows = conn.execute("EXPLAIN QUERY PLAN " + LATEST_INVOICES_SQL, (1, 20)).fetchall()
    return "\n".join(row[-1] for row in rows)


def test_dashboard_query_searches_the_index_and_needs_no_sort(db_path):
    plan = query_plan(db_path)
    assert f"USING INDEX {INVOICE_INDEX}" in plan
    assert "TEMP B-TREE" not in plan  # the index also gives the ORDER BY


def test_the_billed_total_searches_the_index_too(db_path):
    with closing(connect(db_path)) as conn:
        rows = conn.execute("EXPLAIN QUERY PLAN " + BILLED_SINCE_SQL, (1, 0)).fetchall()
    assert f"USING INDEX {INVOICE_INDEX}" in "\n".join(row[-1] for row in rows)


def test_dropping_the_index_is_one_call_and_the_plan_degrades(tmp_path):
    # The hook of the missing-index fault.
    path = tmp_path / "demo.sqlite3"
    prepare(path)
    with closing(connect(path)) as conn:
        drop_invoice_index(conn)
    plan = query_plan(path)
    assert INVOICE_INDEX not in plan
    assert "SCAN invoices" in plan


def test_seed_sizes_and_the_demo_user(db_path):
    with closing(sqlite3.connect(db_path)) as conn:
        assert conn.execute("SELECT COUNT(*) FROM users").fetchone() == (40,)
        assert conn.execute("SELECT COUNT(*) FROM invoices").fetchone() == (39 * 6 + DEMO_INVOICES,)
        assert conn.execute("SELECT id, plan FROM users WHERE email = ?", (EMAIL,)).fetchone() == (
            1,
            "pro",
        )
    store = Store(db_path)
    assert store.invoice_count(1) == DEMO_INVOICES
    latest = store.latest_invoices(1, 20)
    assert len(latest) == 20
    assert [i.created_at for i in latest] == sorted((i.created_at for i in latest), reverse=True)


def test_seeding_is_deterministic(tmp_path):
    def rows(path):
        with closing(sqlite3.connect(path)) as conn:
            invoices = conn.execute("SELECT * FROM invoices ORDER BY id").fetchall()
            users = conn.execute("SELECT id, email, plan, created_at FROM users").fetchall()
        return invoices, users

    prepare(tmp_path / "a.sqlite3")
    prepare(tmp_path / "b.sqlite3")
    assert rows(tmp_path / "a.sqlite3") == rows(tmp_path / "b.sqlite3")


def test_reusing_a_database_keeps_its_data_and_takes_the_new_password(tmp_path):
    path = tmp_path / "demo.sqlite3"
    store = prepare(path, password=FIRST_PASSWORD)
    assert store.create_user("kept@example.test", hash_password("x" * 8), "trial", 0)

    prepare(path, password="second-password")
    credentials = store.credentials(EMAIL)
    assert credentials is not None
    assert verify_password("second-password", credentials.password_hash)
    assert not verify_password(FIRST_PASSWORD, credentials.password_hash)
    assert store.credentials("kept@example.test") is not None
    assert store.invoice_count(1) == DEMO_INVOICES


def test_seed_customers_cannot_log_in_with_anything_obvious(db_path):
    credentials = Store(db_path).credentials("customer000002@example.test")
    assert credentials is not None
    for guess in ("", "password", "customer000002@example.test"):
        assert not verify_password(guess, credentials.password_hash)


def test_duplicate_email_and_replayed_event_are_refused_by_the_database(db_path):
    store = Store(db_path)
    assert not store.create_user(EMAIL, "x", "trial", 0)
    assert store.record_webhook_event("stripe:evt_db_test", "invoice.paid", 0)
    assert not store.record_webhook_event("stripe:evt_db_test", "invoice.paid", 0)


def test_sessions_expire_and_can_be_deleted(db_path):
    store = Store(db_path)
    token = store.create_session(1, now=1_000)
    assert store.session_user(token, not_before=1_000) is not None
    assert store.session_user(token, not_before=1_001) is None
    store.delete_session(token)
    assert store.session_user(token, not_before=0) is None


def test_password_hashes_are_salted_and_verify():
    first, second = hash_password("same password"), hash_password("same password")
    assert first != second  # per-user salt
    assert first.startswith("scrypt$")
    assert verify_password("same password", first)
    assert verify_password("same password", second)
    assert not verify_password("same passwore", first)


@pytest.mark.parametrize(
    "stored", ["", "garbage", "scrypt$1$8$1$AAAA$AAAA", "pbkdf2$16384$8$1$AAAA$AAAA", "scrypt$x"]
)
def test_malformed_stored_hashes_never_match(stored):
    assert not verify_password("anything", stored)

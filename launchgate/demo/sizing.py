"""How many customers ``launchgate demo`` seeds on this machine, so that its
``missing-index`` fault costs about the same milliseconds on a fast machine and on a
slow one.

The fault turns each dashboard's four index lookups into four scans of the invoices
table. What a scan costs per row differs between machines (about 40 ns of CPU on the
2-core development VM, maybe half that on a fast desktop), while the regression gate's
floor is absolute (10 ms): a table of fixed size is either too small for a fast
machine (the slowdown stays under the floor and the fault passes, as it did with
100,000 rows and two queries) or needlessly big for a slow one. So the demo times its
own dashboard queries, without the index, on a small in-memory table, and sizes the
seed so that a page's scans cost :data:`TARGET_MS` of CPU here: four times the
floor on any machine. The dashboard's micro-cache (``microcache.py``) keeps the
scans to about one per fifth of a second, a sixth of a core, whatever the probe's
rate, so that cost never saturates a slow machine.

CPU time, not wall time, and the best of several tries: a busy machine then measures
close to the speed of an idle one instead of sizing the table down. The result is
cached beside the calibration, and a new size means a new calibration (the baseline
folder is keyed on the data), so a baseline is never compared with another size.
Nothing here sees a fault: the measurement is of the clean queries on their own table.
"""

from __future__ import annotations

import json
import math
import random
import sqlite3
import time
from contextlib import closing
from dataclasses import asdict, dataclass
from pathlib import Path

from launchgate.atomic import write_atomic
from launchgate.demo.db import DASHBOARD_QUERIES, create_schema, dashboard_figures
from launchgate.demo.seed import SEED, invoice_rows
from launchgate.demo.settings import DEFAULT_INVOICES_PER_USER

__all__ = [
    "MAX_USERS",
    "MIN_USERS",
    "TARGET_MS",
    "Sizing",
    "load_or_measure",
    "measure_ns_per_row",
    "users_for",
]

TARGET_MS = 40.0  # CPU per scanning page: four times the demo's 10 ms regression floor
MIN_USERS = 1000  # a floor for absurdly slow measurements: 50,000 rows still scan
MAX_USERS = 20_000  # 1,000,000 rows: seeding stays a few seconds on any machine
_SAMPLE_USERS = 400  # 20,000 rows: about 3 ms per try here, enough for the clock
_TRIES = 7
_FILE = "sizing.json"


@dataclass(frozen=True)
class Sizing:
    ns_per_row: float  # CPU per invoice row one dashboard query scans, on this machine
    users: int  # customers to seed, the demo user included

    @property
    def invoices(self) -> int:
        return self.users * DEFAULT_INVOICES_PER_USER

    @property
    def scan_ms(self) -> float:
        """What the missing-index fault adds to each dashboard here, in CPU."""
        return self.invoices * len(DASHBOARD_QUERIES) * self.ns_per_row / 1e6


def users_for(ns_per_row: float) -> int:
    """Customers to seed so that a page's scans cost :data:`TARGET_MS` at this speed."""
    per_user_ns = ns_per_row * DEFAULT_INVOICES_PER_USER * len(DASHBOARD_QUERIES)
    wanted = math.ceil(TARGET_MS * 1e6 / per_user_ns) if per_user_ns > 0 else MAX_USERS
    return min(max(wanted, MIN_USERS), MAX_USERS)


def measure_ns_per_row() -> float:
    """CPU nanoseconds per scanned row of the dashboard's queries, without the index."""
    rng = random.Random(SEED)
    rows = [
        row
        for user_id in range(1, _SAMPLE_USERS + 1)
        for row in invoice_rows(rng, user_id, DEFAULT_INVOICES_PER_USER, 2900)
    ]
    with closing(sqlite3.connect(":memory:")) as conn:
        create_schema(conn)
        with conn:
            conn.executemany(
                "INSERT INTO invoices (user_id, amount_cents, status, created_at)"
                " VALUES (?, ?, ?, ?)",
                rows,
            )
        best = math.inf
        for _ in range(_TRIES):
            started = time.thread_time()
            dashboard_figures(conn, 1, since=0, limit=20)
            best = min(best, time.thread_time() - started)
    return best * 1e9 / (len(rows) * len(DASHBOARD_QUERIES))


def load_or_measure(folder: Path, *, remeasure: bool = False) -> Sizing:
    """The cached sizing of ``folder``, or a fresh measurement, cached there."""
    path = folder / _FILE
    if not remeasure:
        try:
            cached = json.loads(path.read_text("utf-8"))
            sizing = Sizing(float(cached["ns_per_row"]), int(cached["users"]))
        except (OSError, ValueError, KeyError, TypeError):
            pass  # absent or damaged: measure again
        else:
            if MIN_USERS <= sizing.users <= MAX_USERS:
                return sizing
    ns = measure_ns_per_row()
    sizing = Sizing(ns, users_for(ns))
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(path, (json.dumps(asdict(sizing)) + "\n").encode())
    return sizing

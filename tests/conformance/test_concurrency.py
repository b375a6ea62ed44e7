"""Exactness under concurrency at the store level: processes, each with its own group-commit
writer (as server workers or separate nodes have), race check-and-increment jobs against one
limit; the store must admit exactly the limit, whatever the backend does to serialize them
(LMDB's single writer lock, Redis's re-checked optimistic commits)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from promocore.store.keys import decode_counter

# The store conformance suite: every test here runs on each store backend (tests/README.md).
pytestmark = pytest.mark.conformance


WORKER = Path(__file__).with_name("store_race_worker.py")
PROCESSES = 4
JOBS_PER_PROCESS = 60
LIMIT = 100


def race(store_location: str, limit: int) -> list[int]:
    """What each process took."""
    start_at = time.time() + 3.0  # time to import and open the store
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                str(WORKER),
                store_location,
                str(limit),
                str(JOBS_PER_PROCESS),
                str(start_at),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    taken = []
    for process in processes:
        stdout, _ = process.communicate(timeout=120)
        assert process.returncode == 0
        taken.append(int(stdout))
    return taken


def log_keys(store) -> list[int]:
    with store.read() as txn:
        keys = txn.cursor(db=store.tables.redemption_log).iternext(values=False)
        return [int.from_bytes(key, "big") for key in keys]


def test_racing_processes_take_exactly_the_limit(store_location, store):
    taken = race(store_location, LIMIT)
    assert sum(taken) == LIMIT
    assert sum(1 for count in taken if count > 0) > 1  # it was a race, not one process alone
    with store.read() as txn:
        assert decode_counter(txn.get(b"race/total", db=store.tables.counters)) == LIMIT
        assert txn.stat(store.tables.redemption_log)["entries"] == LIMIT
    assert log_keys(store) == list(range(1, LIMIT + 1))


def test_racing_processes_adding_to_one_counter_lose_no_addition(store_location, store):
    taken = race(store_location, 0)
    total = PROCESSES * JOBS_PER_PROCESS
    assert taken == [JOBS_PER_PROCESS] * PROCESSES
    with store.read() as txn:
        assert decode_counter(txn.get(b"race/added", db=store.tables.counters)) == total
    assert log_keys(store) == list(range(1, total + 1))

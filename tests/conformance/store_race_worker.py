"""One process of the store-level races (test_concurrency.py): opens the store, then from several
threads submits jobs to its group-commit writer, all starting at one instant, and prints how many
of its jobs took a unit.

    python store_race_worker.py LOCATION LIMIT JOBS START_AT_UNIX

With a LIMIT a job reads the counter and adds one only while it is under the limit (and logs
it); with LIMIT 0 a job adds one to another counter without looking (and logs it).
"""

from __future__ import annotations

import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from promocore.store import open_store
from promocore.store.keys import add_to_counter, append_sequenced, decode_counter, encode_counter

COUNTER = b"race/total"
ADDED = b"race/added"
THREADS = 8


def main() -> int:
    location, limit, jobs, start_at = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    store = open_store(location)
    table, log = store.tables.counters, store.tables.redemption_log

    def add_one(txn) -> bool:
        add_to_counter(txn, table, ADDED, 1)
        append_sequenced(txn, log, lambda _sequence: b"added")
        return True

    def take_one(txn) -> bool:
        used = decode_counter(txn.get(COUNTER, db=table))
        if used >= limit:
            return False
        txn.put(COUNTER, encode_counter(used + 1), db=table)
        append_sequenced(txn, log, lambda _sequence: b"taken")
        return True

    ready = threading.Barrier(THREADS)

    def run(_: int) -> bool:
        if _ < THREADS:
            ready.wait()
        return store.writer.submit(take_one if limit else add_one)

    time.sleep(max(0.0, float(start_at) - time.time()))
    with ThreadPoolExecutor(THREADS) as pool:
        taken = sum(pool.map(run, range(jobs)))
    store.close()
    print(taken)
    return 0


if __name__ == "__main__":
    sys.exit(main())

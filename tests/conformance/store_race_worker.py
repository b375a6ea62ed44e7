"""One process of the store-level race (test_concurrency.py): opens the store, then from several
threads submits check-and-increment jobs to its group-commit writer, all starting at one instant,
and prints how many of its jobs found room under the limit.

    python store_race_worker.py LOCATION LIMIT JOBS START_AT_UNIX
"""

from __future__ import annotations

import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from promocore.store import open_store
from promocore.store.keys import append_sequenced, decode_counter, encode_counter

COUNTER = b"race/total"
THREADS = 8


def main() -> int:
    location, limit, jobs, start_at = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    store = open_store(location)
    table, log = store.tables.counters, store.tables.redemption_log

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
        return store.writer.submit(take_one)

    time.sleep(max(0.0, float(start_at) - time.time()))
    with ThreadPoolExecutor(THREADS) as pool:
        taken = sum(pool.map(run, range(jobs)))
    store.close()
    print(taken)
    return 0


if __name__ == "__main__":
    sys.exit(main())

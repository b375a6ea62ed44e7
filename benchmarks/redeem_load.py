"""Closed-loop Redeem load from one process: THREADS clients redeeming unique keys for SECONDS.

    python redeem_load.py TARGET CODE PREFIX --seconds 5 --threads 16

Prints one JSON object: {"count", "succeeded", "errors", "latencies_ms" (sorted)}.
"""

from __future__ import annotations

import argparse
import threading
import time

import orjson

from promocore import Client, PromocoreError

ORDER = {"currency": "EUR", "items": [{"sku": "BEANS", "unit_price": 2000, "quantity": 1}]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("target")
    parser.add_argument("code")
    parser.add_argument("prefix")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--start-at", type=float, default=0.0, help="Unix time to start at")
    args = parser.parse_args()

    latencies: list[float] = []
    counts = {"count": 0, "succeeded": 0, "errors": 0}
    lock = threading.Lock()
    time.sleep(max(0.0, args.start_at - time.time()))
    deadline = time.monotonic() + args.seconds

    def run(thread: int) -> None:
        with Client(args.target, timeout=30) as client:
            n = 0
            while time.monotonic() < deadline:
                key = f"{args.prefix}-{thread}-{n}"
                n += 1
                started = time.perf_counter()
                try:
                    answer = client.redeem(
                        {**ORDER, "id": key},
                        codes=[args.code],
                        customer={"id": f"{args.prefix}-{thread}"},
                        idempotency_key=key,
                    )
                except PromocoreError:
                    with lock:
                        counts["errors"] += 1
                    continue
                elapsed_ms = (time.perf_counter() - started) * 1000
                with lock:
                    counts["count"] += 1
                    counts["succeeded"] += answer["status"] == "SUCCEEDED"
                    latencies.append(elapsed_ms)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(args.threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(orjson.dumps({**counts, "latencies_ms": sorted(latencies)}).decode())


if __name__ == "__main__":
    main()

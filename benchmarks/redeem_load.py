"""Closed-loop Redeem load from one process: THREADS clients redeeming unique keys for SECONDS.

    python redeem_load.py TARGET CODE PREFIX --seconds 5 --threads 16 [--dataset-cart] [--validate]

Prints one JSON object: {"count", "succeeded", "errors", "latencies_ms" (sorted)}.
With --validate the clients send Validate instead (the same order and code, nothing written):
"succeeded" then counts valid answers. With --health they send a gRPC health check instead (CODE
is ignored): no promocore work past the gate, the floor of what any answer costs on this machine.
The order is one line of beans, or with --dataset-cart a 20-line cart of the load benchmark's
data set (load_dataset.cart: categories, shipping, a channel), one per thread.
`run_processes` starts several of these processes at one moment and collects their results.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import grpc
import orjson
from grpc_health.v1 import health_pb2, health_pb2_grpc

from promocore import Client, PromocoreError

import load_dataset  # beside this script: the load benchmark's carts

ORDER = {"currency": "EUR", "items": [{"sku": "BEANS", "unit_price": 2000, "quantity": 1}]}


def run_processes(
    target: str,
    code: str,
    prefix: str,
    *,
    seconds: float,
    processes: int,
    threads: int,
    extra: tuple[str, ...] = (),
    start_in: float = 3.0,
) -> list[dict]:
    """Runs `processes` load processes (PREFIX0, PREFIX1, ... as prefixes) that all start
    `start_in` seconds from now; returns their JSON results. `extra`: more options of this
    script (e.g. --dataset-cart)."""
    start_at = time.time() + start_in
    commands = [
        [
            sys.executable,
            str(Path(__file__).resolve()),
            target,
            code,
            f"{prefix}{p}",
            "--seconds",
            str(seconds),
            "--threads",
            str(threads),
            "--start-at",
            str(start_at),
            *extra,
        ]
        for p in range(processes)
    ]
    running = [subprocess.Popen(c, stdout=subprocess.PIPE, text=True) for c in commands]
    return [orjson.loads(p.communicate(timeout=seconds + 120)[0]) for p in running]


def thread_order(prefix: str, thread: int, dataset_cart: bool) -> dict[str, Any]:
    if not dataset_cart:
        return ORDER
    order = load_dataset.cart(random.Random(f"{prefix}-{thread}"), "")
    del order["id"]
    return order


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("target")
    parser.add_argument("code")
    parser.add_argument("prefix")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--start-at", type=float, default=0.0, help="Unix time to start at")
    parser.add_argument(
        "--dataset-cart",
        action="store_true",
        help="a 20-line cart of the load data set (one per thread) instead of one line of beans",
    )
    kind = parser.add_mutually_exclusive_group()
    kind.add_argument("--validate", action="store_true", help="send Validate instead of Redeem")
    kind.add_argument("--health", action="store_true", help="send a health check instead")
    args = parser.parse_args()

    latencies: list[float] = []
    counts = {"count": 0, "succeeded": 0, "errors": 0}
    lock = threading.Lock()
    orders = [thread_order(args.prefix, n, args.dataset_cart) for n in range(args.threads)]
    time.sleep(max(0.0, args.start_at - time.time()))
    deadline = time.monotonic() + args.seconds

    def answered(started: float, succeeded: bool | None) -> None:
        """One call's outcome: None = failed; else its latency since `started` and whether it
        succeeded."""
        with lock:
            if succeeded is None:
                counts["errors"] += 1
                return
            counts["count"] += 1
            counts["succeeded"] += succeeded
            latencies.append((time.perf_counter() - started) * 1000)

    def check_health(_thread: int) -> None:
        with grpc.insecure_channel(args.target) as channel:
            health = health_pb2_grpc.HealthStub(channel)
            request = health_pb2.HealthCheckRequest()
            while time.monotonic() < deadline:
                started = time.perf_counter()
                try:
                    answer = health.Check(request, timeout=30)
                except grpc.RpcError:
                    answered(started, None)
                    continue
                answered(started, answer.status == health_pb2.HealthCheckResponse.SERVING)

    def run(thread: int) -> None:
        order = orders[thread]
        with Client(args.target, timeout=30) as client:
            n = 0
            while time.monotonic() < deadline:
                key = f"{args.prefix}-{thread}-{n}"
                n += 1
                started = time.perf_counter()
                customer = {"id": f"{args.prefix}-{thread}"}
                try:
                    if args.validate:
                        answer = client.validate(
                            {**order, "id": key}, codes=[args.code], customer=customer
                        )
                        succeeded = answer["valid"]
                    else:
                        answer = client.redeem(
                            {**order, "id": key},
                            codes=[args.code],
                            customer=customer,
                            idempotency_key=key,
                        )
                        succeeded = answer["status"] == "SUCCEEDED"
                except PromocoreError:
                    answered(started, None)
                    continue
                answered(started, succeeded)

    client = check_health if args.health else run
    threads = [threading.Thread(target=client, args=(n,)) for n in range(args.threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(orjson.dumps({**counts, "latencies_ms": sorted(latencies)}).decode())


if __name__ == "__main__":
    main()

"""Validate and Redeem in process, without gRPC: what promocore's own Python and the engine cost
per request on `make bench`'s data set, and where it goes (cProfile).

    .venv/bin/python benchmarks/profile_checkout.py [--requests 2000] [--profile validate|redeem]

Loads benchmarks/load_dataset.py into a fresh store through a real server, then opens the store
in this process as a worker does and calls the checkout handlers with the request bytes the
locust users send (20-item carts, 3 codes, auto promotions joining). Redeems are written through
the group-commit writer one at a time (durability off, so the figure is CPU, not fsync), then
again in batches of 16 jobs per transaction as the writer runs them under load (`redeem_batched`).
Prints the process's CPU µs per request (median of 5 rounds, with the spread); last line JSON.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from promocore import Client  # noqa: E402
from promocore.checkout.compiled import CompiledCampaigns  # noqa: E402
from promocore.checkout.flows import Checkout  # noqa: E402
from promocore.clock import SystemClock  # noqa: E402
from promocore.server.grpc_server import ServerOptions, start_server  # noqa: E402
from promocore.store.tables import Durability  # noqa: E402
from promocore.v1 import checkout_pb2  # noqa: E402
from promocore.wire.plain import from_plain  # noqa: E402

import load_dataset  # noqa: E402
import support  # noqa: E402, F401  (sets the bootstrap admin key of the run)


def requests(codes: dict[str, list[str]], kind, count: int) -> list[checkout_pb2.RedeemRequest]:
    rng = random.Random(load_dataset.SEED)
    made = []
    for n in range(count):
        made.append(from_plain(kind, load_dataset.checkout_request(rng, f"order-{n}", codes)))
    return made


# Redeems per transaction in the batched figure: about what the writer commits together under
# `make bench`'s load.
BATCH = 16


def writer_batches(store, redeem, templates, batch: int = 32) -> None:
    """Runs `redeem` for each template with the store's writer replaced by batches of
    `batch` jobs committed on this thread, as the writer runs them: all in the batch's
    transaction (profiling only)."""
    jobs = []

    def submit(job):
        jobs.append(job)

    real_submit = store.writer.submit
    store.writer.submit = submit
    try:
        for start in range(0, len(templates), batch):
            jobs.clear()
            for template in templates[start : start + batch]:
                redeem(template)
            with store.env.begin(write=True) as txn:
                for job in jobs:
                    job(txn)
    finally:
        store.writer.submit = real_submit


def timed_rounds(call, payloads: list[bytes], rounds: int = 5) -> list[float]:
    """CPU µs of this process per call, of each round (CPU, not wall time: other processes on
    a shared machine lengthen the rounds, not the work)."""
    per_call = []
    for _ in range(rounds):
        started = time.process_time()
        for payload in payloads:
            call(payload)
        per_call.append((time.process_time() - started) / len(payloads) * 1e6)
    return per_call


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--profile", choices=("validate", "redeem"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="promocore-profile-") as tmp:
        options = ServerOptions(durability=Durability.PROCESS, scheduler_interval_s=0)
        running = start_server(Path(tmp) / "data", "127.0.0.1:0", options=options)
        try:
            with Client(f"127.0.0.1:{running.port}", timeout=60) as client:
                codes = load_dataset.load(client)
            # As start_server wires it (the handler's own objects are not exposed).
            checkout = Checkout(
                running.store,
                CompiledCampaigns(running.store.catalog),
                SystemClock(),
                profiles=running.customer_data.profile,
            )
            validates = [
                r.SerializeToString()
                for r in requests(codes, checkout_pb2.ValidateRequest, args.requests)
            ]
            redeem_templates = requests(codes, checkout_pb2.RedeemRequest, args.requests)
            sequence = iter(range(10**9))

            def redeem(template: checkout_pb2.RedeemRequest) -> bytes:
                key = f"profile-{next(sequence)}"
                template.idempotency_key = key
                template.order.id = key
                return checkout.redeem(template.SerializeToString())

            for payload in validates[:100]:  # warm the catalog snapshot and caches
                checkout.validate(payload)
            if args.profile:
                profiler = cProfile.Profile()
                if args.profile == "validate":
                    profiler.runcall(lambda: [checkout.validate(p) for p in validates])
                else:
                    # The writer's jobs run on its own thread, which cProfile does not see:
                    # run the same batches (32 jobs in one transaction) here.
                    profiler.runcall(writer_batches, running.store, redeem, redeem_templates)
                pstats.Stats(profiler).sort_stats(
                    os.environ.get("PROFILE_SORT", "cumulative")
                ).print_stats(45)
                return 0
            validate_us = timed_rounds(checkout.validate, validates)
            redeem_us = timed_rounds(redeem, redeem_templates)
            batched_us = []
            for _ in range(5):
                started = time.process_time()
                writer_batches(running.store, redeem, redeem_templates, batch=BATCH)
                batched_us.append((time.process_time() - started) / len(redeem_templates) * 1e6)
        finally:
            running.stop()

    def figure(values: list[float]) -> dict[str, float]:
        return {
            "median_us": round(statistics.median(values), 1),
            "min_us": round(min(values), 1),
            "max_us": round(max(values), 1),
        }

    summary = {
        "validate": figure(validate_us),
        "redeem": figure(redeem_us),
        "redeem_batched": figure(batched_us),
    }
    print(f"Validate in process: {summary['validate']}")
    print(f"Redeem in process (writer, durability off): {summary['redeem']}")
    print(f"Redeem in batches of {BATCH} per transaction: {summary['redeem_batched']}")
    print(orjson.dumps(summary).decode())
    return 0


if __name__ == "__main__":
    sys.exit(main())

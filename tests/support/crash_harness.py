"""Drives the crash test: load, kill -9 of the whole server at a random moment, restart, and
an account of what was acknowledged and what survived (tests and `make stress`)."""

from __future__ import annotations

import random
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from promocore import Client, PromocoreError
from promocore.store.tables import open_readonly
from promocore.v1.internal import store_pb2

from support import ServerProcess, cart, coupon

LOAD_THREADS = 16
LIMIT = 150
ORDER = cart(("BEANS", 2000, 1))


def redeem(client: Client, key: str, code: str, customer: str) -> dict:
    return client.redeem(
        {**ORDER, "id": key}, codes=[code], idempotency_key=key, customer={"id": customer}
    )


class Load:
    """Threads redeeming unique keys until the server dies; remembers what was acknowledged."""

    def __init__(self, target: str, cycle: int) -> None:
        self.target = target
        self.cycle = cycle
        self.acked: dict[str, str] = {}  # idempotency key -> redemption id
        self.sent: dict[str, tuple[str, str]] = {}  # idempotency key -> (code, customer)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, args=(n,)) for n in range(LOAD_THREADS)]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def _run(self, thread: int) -> None:
        with Client(self.target, timeout=10) as client:
            n = 0
            while not self._stop.is_set():
                key = f"crash-{self.cycle}-{thread}-{n}"
                code = "UNLIMITED" if n % 2 else "LIMITED"
                n += 1
                with self._lock:
                    self.sent[key] = (code, f"t{thread}")
                try:
                    answer = redeem(client, key, code, f"t{thread}")
                except PromocoreError:
                    return  # the server is gone: this answer was never acknowledged
                if answer["status"] == "SUCCEEDED":
                    with self._lock:
                        self.acked[key] = answer["redemption"]["id"]


def logged_redemptions(data_dir: Path) -> dict[str, str]:
    """Redemption id -> idempotency key, read from the store's log by this (other) process."""
    env, tables = open_readonly(data_dir)
    try:
        with env.begin() as txn:
            logged = {}
            for _, value in txn.cursor(tables.redemption_log):
                record = store_pb2.LogRecord.FromString(value)
                if record.WhichOneof("entry") == "redeemed_id":
                    # The log names it; its record is in the redemptions table.
                    stored = txn.get(record.redeemed_id.encode(), db=tables.redemptions)
                    redemption = store_pb2.StoredRedemption.FromString(stored).redemption
                elif record.WhichOneof("entry") == "redeemed":
                    redemption = record.redeemed.redemption
                else:
                    continue
                logged[redemption.id] = redemption.idempotency_key
            return logged
    finally:
        env.close()


def promocore_check(data_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "promocore.cli", "check", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=120,
    )


@dataclass
class CrashOutcome:
    kills: int = 0
    acked: int = 0
    lost_acked: list[str] = field(default_factory=list)
    check_failures: list[str] = field(default_factory=list)
    retry_mismatches: list[str] = field(default_factory=list)
    limited_redeemed: int = 0


def setup_campaigns(target: str) -> None:
    with Client(target) as client:
        coupon(client, "unlimited", "UNLIMITED")
        coupon(client, "limited", "LIMITED", limits={"total_redemptions": LIMIT})


def crash_cycles(data_dir: Path, *, kills: int, seed: int, workers: int = 2) -> CrashOutcome:
    """Loads, kills -9 and restarts the server `kills` times; returns what it found."""
    rng = random.Random(seed)
    outcome = CrashOutcome()
    server = ServerProcess(data_dir, workers=workers).start()
    setup_campaigns(server.target)
    all_acked: dict[str, str] = {}
    unacked: dict[str, tuple[str, str]] = {}
    try:
        for cycle in range(kills):
            with Load(server.target, cycle) as load:
                time.sleep(rng.uniform(0.3, 1.2))
                server.kill_hard()
            outcome.kills += 1
            all_acked.update(load.acked)
            unacked.update((k, v) for k, v in load.sent.items() if k not in load.acked)
            logged = logged_redemptions(data_dir)
            outcome.lost_acked.extend(k for k, i in all_acked.items() if logged.get(i) != k)
            check = promocore_check(data_dir)
            if check.returncode != 0:
                outcome.check_failures.append(check.stdout)
            server.start()

        with Client(server.target) as client:
            # A retry of an unacknowledged request replays what was committed before the kill
            # or redeems now; either way it counts once.
            for key, (code, customer) in list(unacked.items())[:50]:
                first = redeem(client, key, code, customer)
                again = redeem(client, key, code, customer)
                if first["status"] == "SUCCEEDED" and (
                    not again["replayed"] or again["redemption"]["id"] != first["redemption"]["id"]
                ):
                    outcome.retry_mismatches.append(key)
            outcome.limited_redeemed = client.get_code("LIMITED")["redeemed_quantity"]
    finally:
        server.stop()
    check = promocore_check(data_dir)
    if check.returncode != 0:
        outcome.check_failures.append(check.stdout)
    outcome.acked = len(all_acked)
    return outcome

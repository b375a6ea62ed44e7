"""kill -9 under load, ten times: every acknowledged redemption survives, retries stay
exactly-once, the limit is never oversold, and `promocore check` passes after each restart."""

from __future__ import annotations

import random
import subprocess
import sys
import threading
import time

from promocore import Client, PromocoreError
from promocore.store.tables import open_readonly
from promocore.v1.internal import store_pb2

from support import ServerProcess, cart

KILLS = 10
LOAD_THREADS = 16
LIMIT = 150
ORDER = cart(("BEANS", 2000, 1))


class Load:
    """Threads redeeming unique keys until the server dies; remembers what was acknowledged."""

    def __init__(self, target: str, cycle: int) -> None:
        self.target = target
        self.cycle = cycle
        self.acked: dict[str, str] = {}  # idempotency key -> redemption id
        self.sent: dict[str, tuple[str, str]] = {}  # idempotency key -> (code, customer)
        self.failed_limit = 0
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
                n += 1
                code = "UNLIMITED" if n % 2 else "LIMITED"
                with self._lock:
                    self.sent[key] = (code, f"t{thread}")
                try:
                    answer = redeem(client, key, code, f"t{thread}")
                except PromocoreError:
                    return  # the server is gone: this answer was never acknowledged
                with self._lock:
                    if answer["status"] == "SUCCEEDED":
                        self.acked[key] = answer["redemption"]["id"]
                    elif answer["redeemables"][0]["reason"] == "campaign_limit_exceeded":
                        self.failed_limit += 1


def redeem(client: Client, key: str, code: str, customer: str) -> dict:
    return client.redeem(
        {**ORDER, "id": key}, codes=[code], idempotency_key=key, customer={"id": customer}
    )


def logged_redemptions(data_dir) -> dict[str, str]:
    """Redemption id -> idempotency key, read from the store's log by this (other) process."""
    env, tables = open_readonly(data_dir)
    try:
        with env.begin() as txn:
            return {
                record.redeemed.redemption.id: record.redeemed.redemption.idempotency_key
                for record in map(
                    store_pb2.LogRecord.FromString,
                    (v for _, v in txn.cursor(db=tables.redemption_log)),
                )
                if record.WhichOneof("entry") == "redeemed"
            }
    finally:
        env.close()


def promocore_check(data_dir) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "promocore.cli", "check", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_kill_9_under_load_loses_no_acknowledged_redemption(tmp_path):
    rng = random.Random(20261122)
    server = ServerProcess(tmp_path / "data", workers=2).start()
    with Client(server.target) as client:
        for campaign_id, code, limits in (
            ("unlimited", "UNLIMITED", {}),
            ("limited", "LIMITED", {"total_redemptions": LIMIT}),
        ):
            client.create_campaign(
                id=campaign_id,
                name=campaign_id,
                type="DISCOUNT_COUPONS",
                currency="EUR",
                effect={"amount_off_order": {"amount": 100}},
                limits=limits,
            )
            client.create_code(campaign_id, code)

    all_acked: dict[str, str] = {}
    unacked: dict[str, tuple[str, str]] = {}
    try:
        for cycle in range(KILLS):
            with Load(server.target, cycle) as load:
                time.sleep(rng.uniform(0.3, 1.2))
                server.kill_hard()
            all_acked.update(load.acked)
            unacked.update((k, v) for k, v in load.sent.items() if k not in load.acked)
            assert load.acked, "the load produced no acknowledged redemption before the kill"

            logged = logged_redemptions(server.data_dir)
            lost = {k: i for k, i in all_acked.items() if logged.get(i) != k}
            assert not lost, f"acknowledged but not in the log after kill {cycle + 1}: {lost}"
            result = promocore_check(server.data_dir)
            assert result.returncode == 0, result.stdout
            server.start()

        with Client(server.target) as client:
            # A retry of an unacknowledged request either replays what was committed before the
            # kill or redeems now; either way it counts once.
            for key, (code, customer) in list(unacked.items())[:50]:
                first = redeem(client, key, code, customer)
                again = redeem(client, key, code, customer)
                if first["status"] == "SUCCEEDED":
                    assert again["replayed"]
                    assert again["redemption"]["id"] == first["redemption"]["id"]
            assert client.get_code("LIMITED")["redeemed_quantity"] <= LIMIT
    finally:
        server.stop()
    assert promocore_check(server.data_dir).returncode == 0

"""`promocore check`: recompute every counter and balance from the append-only log and compare.

The log holds each redemption with the exact counter changes it made, each rollback, and each
balance credit; replaying it must give the counters table exactly, the redemption records must
agree with it, every stored idempotency answer must point at a logged redemption, and nothing
may be negative. Every gift card and loyalty card balance must equal the sum of its ledger
(check_ledgers.py). Reads one consistent state, so it can run beside a live server: an LMDB
snapshot, or on Redis a transaction whose reads are all re-checked at its end (and the check run
again if a write changed them meanwhile; on a big, busy store run it in a quiet moment).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from promocore.store.backends import is_redis_location
from promocore.store.catalog import GENERATION_KEY
from promocore.store.check_ledgers import check_ledgers
from promocore.store.keys import decode_counter
from promocore.store.redis_kv import RedisEnvironment, RedisLocation
from promocore.store.store import transact
from promocore.store.tables import TABLE_NAMES, Tables, open_readonly
from promocore.store.txn import Txn
from promocore.v1 import checkout_pb2
from promocore.v1.internal import store_pb2

MAX_LISTED_PROBLEMS = 50


@dataclass
class CheckReport:
    log_records: int = 0
    redemptions: int = 0
    rollbacks: int = 0
    counters: int = 0
    # Gift cards and loyalty cards reconciled against their ledgers.
    cards: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        head = (
            f"{self.log_records} log records ({self.redemptions} redemptions, "
            f"{self.rollbacks} rollbacks), {self.counters} counters, "
            f"{self.cards} card ledgers: "
        )
        if self.ok:
            return head + "consistent"
        listed = "\n".join(f"  - {p}" for p in self.problems[:MAX_LISTED_PROBLEMS])
        more = len(self.problems) - MAX_LISTED_PROBLEMS
        tail = f"\n  ... and {more} more" if more > 0 else ""
        return f"{head}{len(self.problems)} problems\n{listed}{tail}"

    def as_plain(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "log_records": self.log_records,
            "redemptions": self.redemptions,
            "rollbacks": self.rollbacks,
            "counters": self.counters,
            "cards": self.cards,
            "problems": self.problems,
        }


def check_store(location: Path | str) -> CheckReport:
    """Checks the store in an LMDB directory or at a redis:// URL."""
    if is_redis_location(location):
        return _check_redis(str(location))
    env, tables = open_readonly(Path(location))
    try:
        with env.begin() as txn:
            return _check(txn, tables)
    finally:
        env.close()


def _check_redis(url: str) -> CheckReport:
    env = RedisEnvironment(RedisLocation.parse(url), TABLE_NAMES)
    tables = Tables(**env.tables)
    try:
        # A write transaction that writes nothing: its commit only re-checks every read.
        return transact(env, lambda txn: _check(txn, tables))
    finally:
        env.close()


def _check(txn: Txn, tables: Tables) -> CheckReport:
    report = CheckReport()
    expected, states = _replay_log(txn, tables, report)
    _compare_counters(txn, tables, expected, report)
    _compare_redemptions(txn, tables, states, report)
    _check_idempotency(txn, tables, states, report)
    report.cards = check_ledgers(txn, tables, report.problems)
    return report


def _replay_log(
    txn: Txn, tables: Tables, report: CheckReport
) -> tuple[dict[bytes, int], dict[str, int]]:
    expected: dict[bytes, int] = defaultdict(int)
    deltas_by_redemption: dict[str, list[store_pb2.CounterDelta]] = {}
    states: dict[str, int] = {}
    for _, raw in txn.cursor(db=tables.redemption_log):
        report.log_records += 1
        record = store_pb2.LogRecord.FromString(raw)
        kind = record.WhichOneof("entry")
        if kind == "redeemed":
            redemption_id = record.redeemed.redemption.id
            if redemption_id in states:
                report.problems.append(f"redemption {redemption_id} is logged twice")
            deltas_by_redemption[redemption_id] = list(record.redeemed.deltas)
            states[redemption_id] = checkout_pb2.SUCCEEDED
            for delta in record.redeemed.deltas:
                expected[delta.key] += delta.delta
            report.redemptions += 1
        elif kind == "rolled_back":
            redemption_id = record.rolled_back.redemption_id
            if states.get(redemption_id) != checkout_pb2.SUCCEEDED:
                report.problems.append(
                    f"rollback {record.rolled_back.rollback_id} of {redemption_id}, "
                    "which is not a redeemed, not rolled back redemption"
                )
                continue
            states[redemption_id] = checkout_pb2.ROLLED_BACK
            for delta in deltas_by_redemption[redemption_id]:
                expected[delta.key] -= delta.delta
            report.rollbacks += 1
        elif kind == "credited":
            expected[record.credited.key] += record.credited.amount
        else:
            report.problems.append(f"log record {report.log_records} is empty")
    return expected, states


def _compare_counters(
    txn: Txn, tables: Tables, expected: dict[bytes, int], report: CheckReport
) -> None:
    seen: set[bytes] = set()
    for key, raw in txn.cursor(db=tables.counters):
        key = bytes(key)
        if key == GENERATION_KEY:
            continue
        report.counters += 1
        seen.add(key)
        actual = decode_counter(raw)
        if actual != expected.get(key, 0):
            report.problems.append(
                f"counter {key.decode(errors='replace')} is {actual}, "
                f"the log gives {expected.get(key, 0)}"
            )
        if actual < 0:
            report.problems.append(f"counter {key.decode(errors='replace')} is negative: {actual}")
    for key, value in expected.items():
        if key not in seen and value != 0:
            report.problems.append(
                f"counter {key.decode(errors='replace')} is missing, the log gives {value}"
            )


def _compare_redemptions(
    txn: Txn, tables: Tables, states: dict[str, int], report: CheckReport
) -> None:
    stored_ids: set[str] = set()
    for key, raw in txn.cursor(db=tables.redemptions):
        redemption = store_pb2.StoredRedemption.FromString(raw).redemption
        stored_ids.add(bytes(key).decode())
        logged = states.get(redemption.id)
        if logged is None:
            report.problems.append(f"redemption {redemption.id} is stored but not logged")
        elif logged != redemption.status:
            status_name = checkout_pb2.RedemptionStatus.Name
            report.problems.append(
                f"redemption {redemption.id} is {status_name(redemption.status)}, "
                f"the log says {status_name(logged)}"
            )
    for redemption_id in states.keys() - stored_ids:
        report.problems.append(f"redemption {redemption_id} is logged but not stored")


def _check_idempotency(
    txn: Txn, tables: Tables, states: dict[str, int], report: CheckReport
) -> None:
    for key, raw in txn.cursor(db=tables.idempotency):
        response = checkout_pb2.RedeemResponse.FromString(
            store_pb2.IdempotencyRecord.FromString(raw).response
        )
        if response.redemption.id not in states:
            report.problems.append(
                f"idempotency key {bytes(key).decode(errors='replace')} answers "
                f"redemption {response.redemption.id!r}, which is not logged"
            )

"""The ledger part of `promocore check`: every gift card and loyalty card balance equals the sum
of its ledger, each entry's balance_after is the running sum, no balance is ever negative, and a
loyalty card's earn buckets hold exactly its balance."""

from __future__ import annotations

from collections import defaultdict

from promocore.store.counters import CounterKeys
from promocore.store.keys import decode_counter
from promocore.store.tables import Tables
from promocore.store.txn import Txn
from promocore.v1 import loyalty_pb2
from promocore.v1.internal import store_pb2

BALANCE_PREFIXES = (CounterKeys.gift_balance_key(b""), CounterKeys.points_balance_key(b""))


def check_ledgers(txn: Txn, tables: Tables, problems: list[str]) -> int:
    """Appends the problems found; returns the number of cards reconciled."""
    balances: dict[bytes, int] = {}
    for key, raw in txn.cursor(db=tables.counters):
        key = bytes(key)
        if key.startswith(BALANCE_PREFIXES):
            balances[key] = decode_counter(raw)
    codes_of_kind: dict[bytes, list[bytes]] = defaultdict(list)
    for key in balances:
        code = key.split(b"/", 1)[1]
        codes_of_kind[code].append(key)

    ledgers: dict[bytes, list[bytes]] = {}
    for key, raw in txn.cursor(db=tables.ledger):
        code = bytes(key)[:-9]
        ledgers.setdefault(code, []).append(raw)

    bucket_sums: dict[bytes, int] = defaultdict(int)
    for key, raw in txn.cursor(db=tables.points_buckets):
        bucket = store_pb2.PointsBucket.FromString(raw)
        code = bytes(key)[:-9]
        bucket_sums[code] += bucket.remaining
        if bucket.remaining < 0:
            problems.append(f"points bucket {code.decode()}#{bucket.seq} is negative")

    cards = set(codes_of_kind) | set(ledgers)
    for code in sorted(cards):
        name = code.decode(errors="replace")
        keys = codes_of_kind.get(code, [])
        if len(keys) > 1:
            problems.append(f"card {name} holds both a gift balance and points")
        balance = sum(balances[k] for k in keys)
        running = 0
        for raw in ledgers.get(code, []):
            entry = loyalty_pb2.LedgerEntry.FromString(raw)
            running += entry.delta
            if entry.balance_after != running:
                problems.append(
                    f"ledger entry {entry.id} says balance {entry.balance_after}, "
                    f"its ledger sums to {running}"
                )
            if running < 0:
                problems.append(f"card {name} went negative ({running}) at entry {entry.id}")
        if balance != running:
            problems.append(f"card {name} has balance {balance}, its ledger sums to {running}")
        if balance < 0:
            problems.append(f"card {name} has a negative balance {balance}")
        points_key = CounterKeys.points_balance_key(code)
        if (points_key in balances or code in bucket_sums) and bucket_sums.get(
            code, 0
        ) != balances.get(points_key, 0):
            problems.append(
                f"loyalty card {name} has {balances.get(points_key, 0)} points, "
                f"its earn buckets hold {bucket_sums.get(code, 0)}"
            )
    return len(cards)

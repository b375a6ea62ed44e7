"""Usage counters: reading them as one request sees them, and changing them.

Which counters a checkout or a Qualify reads, and which a redemption changes, the engine decides
(rust/engine/src/counter_keys.rs, through its CheckoutPlan); the store reads and writes the keys
it names. Python builds only the keys of the balances and code quantities it keeps itself
(gift card and loyalty card credits, the console's code view).
"""

from __future__ import annotations

import lmdb

from promocore import _engine
from promocore.store.counter_layout import current_counter_key
from promocore.store.keys import add_to_counter, decode_counter, prefetch
from promocore.store.points_buckets import PointsBuckets
from promocore.store.reservations import Reservations
from promocore.store.tables import Tables
from promocore.v1.internal import store_pb2


class CounterKeys:
    """The counters-table keys of a code's own counters, as the engine spells them."""

    @staticmethod
    def code_key(normalized_code: bytes) -> bytes:
        """The code's redeemed quantity."""
        return b"code/" + normalized_code

    @staticmethod
    def gift_balance_key(normalized_code: bytes) -> bytes:
        """The live balance of a gift card."""
        return b"gift/" + normalized_code

    @staticmethod
    def points_balance_key(normalized_code: bytes) -> bytes:
        """The points of a loyalty card."""
        return b"points/" + normalized_code


class CounterView:
    """Counters as one request sees them: committed values plus the unexpired holds of other
    reservation sessions (the request's own session excluded)."""

    def __init__(
        self,
        txn: lmdb.Transaction,
        tables: Tables,
        reservations: Reservations,
        *,
        now_ms: int,
        session_key: str = "",
    ) -> None:
        self._txn = txn
        self._tables = tables
        self._table = tables.counters
        self._reservations = reservations
        self._now_ms = now_ms
        self._session_key = session_key
        # Asked on the first read: a request whose redeemables count nothing never asks.
        self._any_holds: bool | None = None

    def prefetch(self, keys: list[bytes | None]) -> None:
        prefetch(self._txn, self._table, [key for key in keys if key is not None])

    def spendable_points(self, points_key: bytes) -> int:
        """Points of the card's buckets spendable now (committed, before holds)."""
        code = points_key[len(CounterKeys.points_balance_key(b"")) :]
        return PointsBuckets(self._tables).spendable(self._txn, code, self._now_ms)

    def value(self, key: bytes) -> tuple[int, int]:
        """(committed value, held by other sessions)."""
        committed = decode_counter(self._txn.get(key, db=self._table))
        if self._any_holds is None:
            self._any_holds = self._reservations.any_holds(self._txn)
        if not self._any_holds:
            return committed, 0
        held = self._reservations.held_by_others(
            self._txn, key, now_ms=self._now_ms, session_key=self._session_key
        )
        return committed, held


def read_counters(
    view: CounterView, counter_keys: list[bytes], points_keys: list[bytes]
) -> tuple[list[int], list[bool], list[int]]:
    """What the engine's PreparedCheckout asked for: each counter as `view` sees it (committed
    plus other sessions' holds) with whether holds are in it, and each loyalty card's spendable
    points plus holds."""
    view.prefetch(counter_keys)
    values: list[int] = []
    held: list[bool] = []
    for key in counter_keys:
        committed, holds = view.value(key)
        values.append(committed + holds)
        held.append(holds != 0)
    # Pending and expired points are held but not spendable: only the buckets spendable at the
    # request's clock time count.
    points = [view.spendable_points(key) + view.value(key)[1] for key in points_keys]
    return values, held, points


def apply_redemption_changes(
    txn: lmdb.Transaction, table: lmdb._Database, writes: _engine.RedemptionWrites
) -> None:
    """Adds a redemption's counter changes (summed per key by the engine) in bulk: one read of
    the current values, one `putmulti`. On a shared store (Redis) each is an addition the
    commit makes without reading, so redeemers of one campaign never conflict over it."""
    if hasattr(txn, "increment"):
        for key, delta in writes.counter_changes():
            txn.increment(key, delta, db=table)
        return
    cursor = txn.cursor(db=table)
    cursor.putmulti(writes.counter_writes(cursor.getmulti(writes.counter_keys())))


def apply_deltas(
    txn: lmdb.Transaction,
    table: lmdb._Database,
    deltas: list[store_pb2.CounterDelta],
    *,
    sign: int = 1,
) -> None:
    """Adds each delta (negated with sign=-1, for a rollback) to its counter (a key a record
    kept from before the per-customer layout, to the counter's current key)."""
    for delta in deltas:
        add_to_counter(txn, table, current_counter_key(delta.key), sign * delta.delta)

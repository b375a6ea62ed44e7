"""Usage counters: which keys a redemption touches, reading them, and changing them.

Keys are readable paths. Ids are restricted to [A-Za-z0-9_-] and the free-form parts (customer
id, code) come last, so no two counters can share a key. Period counters carry the local day,
ISO week or month in the campaign's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import lmdb

from promocore import _engine
from promocore.store.keys import add_to_counter, decode_counter, prefetch
from promocore.store.points_buckets import PointsBuckets
from promocore.store.reservations import Reservations
from promocore.store.tables import Tables
from promocore.v1 import campaign_pb2
from promocore.v1.internal import evaluation_pb2, store_pb2


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name or "UTC")


@dataclass(frozen=True)
class Periods:
    day: str
    week: str
    month: str

    @classmethod
    def at(cls, now_ms: int, time_zone: str) -> Periods:
        # Every zone's offset is whole minutes, so periods change only on a minute boundary.
        return cls._at_minute(now_ms // 60_000, time_zone)

    @classmethod
    @lru_cache(maxsize=1024)
    def _at_minute(cls, minute: int, time_zone: str) -> Periods:
        now_ms = minute * 60_000
        local = datetime.fromtimestamp(now_ms / 1000, tz=UTC).astimezone(_zone(time_zone))
        iso_year, iso_week, _ = local.isocalendar()
        return cls(
            day=local.strftime("%Y-%m-%d"),
            week=f"{iso_year}-W{iso_week:02d}",
            month=local.strftime("%Y-%m"),
        )


@dataclass(frozen=True)
class CounterKeys:
    """The counters one redeemable reads and, when redeemed, increments."""

    code_redeemed: bytes | None
    campaign_redemptions: bytes
    campaign_day: bytes
    discount_given: bytes
    order_value: bytes
    customer_redemptions: bytes | None
    customer_day: bytes | None
    customer_week: bytes | None
    customer_month: bytes | None
    # The live balance of a gift card or the points of a loyalty card presented as the code.
    gift_balance: bytes | None = None
    points_balance: bytes | None = None

    @staticmethod
    def code_key(normalized_code: bytes) -> bytes:
        return b"code/" + normalized_code

    @staticmethod
    def gift_balance_key(normalized_code: bytes) -> bytes:
        return b"gift/" + normalized_code

    @staticmethod
    def points_balance_key(normalized_code: bytes) -> bytes:
        return b"points/" + normalized_code

    @classmethod
    def build(
        cls,
        *,
        campaign_id: str,
        time_zone: str,
        normalized_code: bytes | None,
        customer_id: str,
        now_ms: int,
        code_kind: int = campaign_pb2.CODE_KIND_UNSPECIFIED,
    ) -> CounterKeys:
        periods = Periods.at(now_ms, time_zone)
        campaign = f"campaign/{campaign_id}"

        def customer_key(period: str) -> bytes | None:
            if not customer_id:
                return None
            return f"customer/{campaign_id}/{period}/{customer_id}".encode()

        return cls(
            code_redeemed=cls.code_key(normalized_code) if normalized_code is not None else None,
            campaign_redemptions=f"{campaign}/redemptions".encode(),
            campaign_day=f"{campaign}/day/{periods.day}".encode(),
            discount_given=f"{campaign}/discount".encode(),
            order_value=f"{campaign}/order_value".encode(),
            customer_redemptions=customer_key("all"),
            customer_day=customer_key(f"day/{periods.day}"),
            customer_week=customer_key(f"week/{periods.week}"),
            customer_month=customer_key(f"month/{periods.month}"),
            gift_balance=cls.gift_balance_key(normalized_code)
            if normalized_code is not None and code_kind == campaign_pb2.CODE_KIND_GIFT_CARD
            else None,
            points_balance=cls.points_balance_key(normalized_code)
            if normalized_code is not None and code_kind == campaign_pb2.CODE_KIND_LOYALTY_CARD
            else None,
        )

    def read(self, view: CounterView) -> tuple[evaluation_pb2.Counters, bool]:
        """The counters as `view` sees them, and whether other sessions' holds are among them."""
        held_by_others = False

        def get(key: bytes | None) -> int:
            nonlocal held_by_others
            if key is None:
                return 0
            committed, held = view.value(key)
            held_by_others = held_by_others or held != 0
            return committed + held

        keys = {
            "code_redeemed": self.code_redeemed,
            "campaign_redemptions": self.campaign_redemptions,
            "customer_redemptions": self.customer_redemptions,
            "customer_day": self.customer_day,
            "customer_week": self.customer_week,
            "customer_month": self.customer_month,
            "campaign_day": self.campaign_day,
            "discount_given": self.discount_given,
            "order_value": self.order_value,
        }
        view.prefetch(list(keys.values()))
        counters = evaluation_pb2.Counters(**{field: get(key) for field, key in keys.items()})
        return counters, held_by_others


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
    """Adds each delta (negated with sign=-1, for a rollback) to its counter."""
    for delta in deltas:
        add_to_counter(txn, table, delta.key, sign * delta.delta)

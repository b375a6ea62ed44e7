"""BalanceBook: every change of a gift card balance or loyalty points goes through here.

Each change moves the card's balance counter (through the redemption log, so `promocore check`
can replay it), writes one ledger entry, and for points keeps the earn buckets in step. Debits
at Redeem are applied by the redemption log itself (they are counter deltas of the redemption);
the book observes the log and writes their ledger entries and bucket consumption in the same
write transaction, and gives them back exactly on rollback.
"""

from __future__ import annotations

from collections.abc import Callable

from promocore.errors import FailedPreconditionError
from promocore.store.counters import CounterKeys
from promocore.store.keys import decode_counter
from promocore.store.ledger import Ledger
from promocore.store.points_buckets import PointsBuckets, is_expired
from promocore.store.redemptions import Redeemed, RedemptionLog
from promocore.store.tables import Tables
from promocore.store.txn import Txn
from promocore.v1 import loyalty_pb2
from promocore.v1.internal import store_pb2

GIFT_PREFIX = CounterKeys.gift_balance_key(b"")
POINTS_PREFIX = CounterKeys.points_balance_key(b"")


class BalanceBook:
    def __init__(self, tables: Tables, redemptions: RedemptionLog) -> None:
        self._t = tables
        self._log = redemptions
        self.ledger = Ledger(tables)
        self.buckets = PointsBuckets(tables)
        # Told of every points credit inside its transaction (integration events).
        self.points_listeners: list[Callable[[Txn, bytes, store_pb2.Credit], None]] = []

    # Reading -------------------------------------------------------------------------------

    def balance(self, txn: Txn, key: bytes) -> int:
        return decode_counter(txn.get(key, db=self._t.counters))

    def effects(self, txn: Txn, redemption_id: str) -> store_pb2.BalanceEffects:
        raw = txn.get(redemption_id.encode(), db=self._t.balance_effects)
        return (
            store_pb2.BalanceEffects() if raw is None else store_pb2.BalanceEffects.FromString(raw)
        )

    def add_effects(self, txn: Txn, redemption_id: str, more: store_pb2.BalanceEffects) -> None:
        effects = self.effects(txn, redemption_id)
        effects.MergeFrom(more)
        txn.put(redemption_id.encode(), effects.SerializeToString(), db=self._t.balance_effects)

    # Gift cards ----------------------------------------------------------------------------

    def credit_gift(
        self,
        txn: Txn,
        normalized_code: bytes,
        amount: int,
        *,
        at_ms: int,
        reason: str,
        kind: loyalty_pb2.LedgerEntryKind = loyalty_pb2.LEDGER_CREDIT,
    ) -> loyalty_pb2.LedgerEntry:
        credit = store_pb2.Credit(amount=amount, at_unix_ms=at_ms, reason=reason, kind=kind)
        return self._credit(txn, CounterKeys.gift_balance_key(normalized_code), credit)

    # Points --------------------------------------------------------------------------------

    def credit_points(
        self,
        txn: Txn,
        normalized_code: bytes,
        points: int,
        *,
        earned_at_ms: int,
        active_at_ms: int,
        expires_at_ms: int,
        source: str,
        redemption_id: str = "",
        kind: loyalty_pb2.LedgerEntryKind = loyalty_pb2.LEDGER_CREDIT,
    ) -> store_pb2.BucketChange:
        """A new earn bucket of `points` (> 0)."""
        bucket = store_pb2.PointsBucket(
            seq=self.buckets.next_seq(txn, normalized_code),
            earned_at_ms=earned_at_ms,
            active_at_ms=active_at_ms,
            expires_at_ms=expires_at_ms,
            earned=points,
            remaining=points,
            source=source,
            redemption_id=redemption_id,
        )
        self.buckets.put(txn, normalized_code, bucket)
        credit = store_pb2.Credit(
            amount=points,
            at_unix_ms=earned_at_ms,
            reason=source,
            kind=kind,
            active_at_ms=active_at_ms,
            expires_at_ms=expires_at_ms,
            redemption_id=redemption_id,
        )
        self._credit(txn, CounterKeys.points_balance_key(normalized_code), credit)
        for listener in self.points_listeners:
            listener(txn, normalized_code, credit)
        return store_pb2.BucketChange(code=normalized_code, seq=bucket.seq, points=points)

    def spend_points(
        self,
        txn: Txn,
        normalized_code: bytes,
        points: int,
        *,
        now_ms: int,
        reason: str,
        reference: str = "",
        kind: loyalty_pb2.LedgerEntryKind = loyalty_pb2.LEDGER_DEBIT,
    ) -> list[store_pb2.BucketChange]:
        """Spends `points` (> 0) oldest bucket first; FAILED_PRECONDITION insufficient_points
        when fewer are spendable now (pending and expired points never count)."""
        self.expire_due(txn, normalized_code, now_ms)
        changes = self.buckets.consume(txn, normalized_code, points, now_ms)
        if changes is None:
            spendable = self.buckets.spendable(txn, normalized_code, now_ms)
            raise FailedPreconditionError(
                f"card {normalized_code.decode()} has {spendable} spendable points, "
                f"{points} needed",
                reason="insufficient_points",
            )
        credit = store_pb2.Credit(
            amount=-points, at_unix_ms=now_ms, reason=reason, kind=kind, redemption_id=reference
        )
        self._credit(txn, CounterKeys.points_balance_key(normalized_code), credit)
        return changes

    def expire_due(self, txn: Txn, normalized_code: bytes, now_ms: int) -> int:
        """Writes off the expired buckets' points (an EXPIRY ledger entry each)."""
        written_off = 0
        for bucket in self.buckets.all(txn, normalized_code):
            if bucket.remaining > 0 and is_expired(bucket, now_ms):
                lost = bucket.remaining
                bucket.remaining = 0
                bucket.expired = True
                self.buckets.put(txn, normalized_code, bucket)
                credit = store_pb2.Credit(
                    amount=-lost,
                    at_unix_ms=bucket.expires_at_ms,
                    reason=f"expired bucket {bucket.seq}",
                    kind=loyalty_pb2.LEDGER_EXPIRY,
                )
                self._credit(txn, CounterKeys.points_balance_key(normalized_code), credit)
                written_off += lost
        return written_off

    def take_back(
        self,
        txn: Txn,
        change: store_pb2.BucketChange,
        *,
        at_ms: int,
        reason: str,
        reference: str,
    ) -> int:
        """Removes what is left of points earned into a bucket (a rolled-back order's points);
        returns how many were taken (those already spent or expired stay spent or expired)."""
        bucket = self.buckets.get(txn, change.code, change.seq)
        if bucket is None:
            return 0
        taken = min(bucket.remaining, change.points)
        if taken <= 0:
            return 0
        bucket.remaining -= taken
        self.buckets.put(txn, change.code, bucket)
        credit = store_pb2.Credit(
            amount=-taken,
            at_unix_ms=at_ms,
            reason=reason,
            kind=loyalty_pb2.LEDGER_DEBIT,
            redemption_id=reference,
        )
        self._credit(txn, CounterKeys.points_balance_key(change.code), credit)
        return taken

    # The redemption log's observer ---------------------------------------------------------

    def on_redeemed(self, txn: Txn, redeemed: Redeemed) -> None:
        """The redemption's balance debits (already applied to the counters): ledger entries,
        and the points taken from the spendable buckets, oldest first."""
        debits = redeemed.balance_debits
        if not debits:
            return
        at_ms = redeemed.created_at_ms
        redemption_id = redeemed.redemption.id
        spent = store_pb2.BalanceEffects()
        for key, delta in debits:
            if key.startswith(POINTS_PREFIX):
                code = key[len(POINTS_PREFIX) :]
                changes = self.buckets.consume(txn, code, -delta, at_ms)
                if changes is None:
                    # The engine was handed the spendable points of this very transaction, so
                    # this cannot happen; refusing keeps the books exact if it ever did.
                    raise FailedPreconditionError(
                        f"card {code.decode()} cannot pay {-delta} points",
                        reason="insufficient_points",
                    )
                spent.spent.extend(changes)
            self._entry(txn, key, delta, loyalty_pb2.LEDGER_DEBIT, at_ms, "redeemed", redemption_id)
        if spent.spent:
            self.add_effects(txn, redemption_id, spent)

    def on_rolled_back(
        self,
        txn: Txn,
        stored: store_pb2.StoredRedemption,
        rollback: store_pb2.Rollback,
    ) -> None:
        """Gives the debits back (points to the very buckets they came from) and takes back
        what the order earned."""
        redemption_id = stored.redemption.id
        at_ms = rollback.at_unix_ms
        for delta in stored.deltas:
            key = bytes(delta.key)
            if key.startswith((GIFT_PREFIX, POINTS_PREFIX)) and delta.delta:
                self._entry(
                    txn,
                    key,
                    -delta.delta,
                    loyalty_pb2.LEDGER_REFUND,
                    at_ms,
                    f"rolled back: {rollback.reason}" if rollback.reason else "rolled back",
                    redemption_id,
                )
        effects = self.effects(txn, redemption_id)
        for change in effects.spent:
            bucket = self.buckets.get(txn, change.code, change.seq)
            if bucket is not None:
                bucket.remaining += change.points
                self.buckets.put(txn, change.code, bucket)
        for change in effects.earned:
            self.take_back(
                txn, change, at_ms=at_ms, reason="order rolled back", reference=redemption_id
            )

    # Internals -----------------------------------------------------------------------------

    def _credit(self, txn: Txn, key: bytes, credit: store_pb2.Credit) -> loyalty_pb2.LedgerEntry:
        credit.key = key
        kind = credit.kind or (
            loyalty_pb2.LEDGER_CREDIT if credit.amount >= 0 else loyalty_pb2.LEDGER_DEBIT
        )
        if self.balance(txn, key) + credit.amount < 0:
            raise FailedPreconditionError(
                f"{key.decode()} would become negative", reason="insufficient_balance"
            )
        self._log.credit(txn, credit)
        return self._entry(
            txn,
            key,
            credit.amount,
            kind,
            credit.at_unix_ms,
            credit.reason,
            credit.redemption_id,
            active_at_ms=credit.active_at_ms,
            expires_at_ms=credit.expires_at_ms,
        )

    def _entry(
        self,
        txn: Txn,
        key: bytes,
        delta: int,
        kind: loyalty_pb2.LedgerEntryKind,
        at_ms: int,
        reason: str,
        redemption_id: str,
        *,
        active_at_ms: int = 0,
        expires_at_ms: int = 0,
    ) -> loyalty_pb2.LedgerEntry:
        """The ledger entry of a change already applied to the counter."""
        code = key.split(b"/", 1)[1]
        entry = loyalty_pb2.LedgerEntry(
            code=code.decode(),
            kind=kind,
            delta=delta,
            balance_after=self.balance(txn, key),
            redemption_id=redemption_id,
            reason=reason,
        )
        entry.created_at.FromMilliseconds(at_ms)
        if active_at_ms:
            entry.active_at.FromMilliseconds(active_at_ms)
        if expires_at_ms:
            entry.expires_at.FromMilliseconds(expires_at_ms)
        return self.ledger.append(txn, code, entry)

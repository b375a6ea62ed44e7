"""Earn buckets of loyalty cards: points earned together activate and expire together.

A bucket is pending before `active_at_ms`, spendable from then until `expires_at_ms` (0 = never),
expired after. Spending takes the oldest spendable bucket first (earn time, then sequence), so
points close to expiry go first and expired or pending points are never spent. The card's points
counter is the sum of `remaining` over its buckets (spendable, pending and expired-but-not-yet-
written-off alike); what a checkout may spend is computed from the buckets at its clock time.
"""

from __future__ import annotations

from dataclasses import dataclass

from promocore.store.keys import encode_u64, last_under
from promocore.store.tables import Tables
from promocore.store.txn import Txn
from promocore.v1.internal import store_pb2


def bucket_key(normalized_code: bytes, seq: int) -> bytes:
    return normalized_code + b"\0" + encode_u64(seq)


def is_spendable(bucket: store_pb2.PointsBucket, now_ms: int) -> bool:
    return (
        bucket.remaining > 0
        and bucket.active_at_ms <= now_ms
        and (bucket.expires_at_ms == 0 or now_ms < bucket.expires_at_ms)
    )


def is_expired(bucket: store_pb2.PointsBucket, now_ms: int) -> bool:
    return bucket.expires_at_ms != 0 and now_ms >= bucket.expires_at_ms


@dataclass(frozen=True)
class PointsSummary:
    spendable: int
    pending: int
    # Spendable points whose bucket expires within the horizon asked for.
    expiring: int
    # Points of expired buckets not yet written off (they count for nothing).
    expired: int
    total: int


class PointsBuckets:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def all(self, txn: Txn, normalized_code: bytes) -> list[store_pb2.PointsBucket]:
        """The card's buckets, oldest first (the order spending consumes them)."""
        prefix = normalized_code + b"\0"
        cursor = txn.cursor(db=self._t.points_buckets)
        buckets = []
        found = cursor.set_range(prefix)
        while found and bytes(cursor.key()).startswith(prefix):
            buckets.append(store_pb2.PointsBucket.FromString(cursor.value()))
            found = cursor.next()
        buckets.sort(key=lambda b: (b.earned_at_ms, b.seq))
        return buckets

    def get(self, txn: Txn, normalized_code: bytes, seq: int) -> store_pb2.PointsBucket | None:
        raw = txn.get(bucket_key(normalized_code, seq), db=self._t.points_buckets)
        return None if raw is None else store_pb2.PointsBucket.FromString(raw)

    def put(self, txn: Txn, normalized_code: bytes, bucket: store_pb2.PointsBucket) -> None:
        txn.put(
            bucket_key(normalized_code, bucket.seq),
            bucket.SerializeToString(),
            db=self._t.points_buckets,
        )

    def next_seq(self, txn: Txn, normalized_code: bytes) -> int:
        last = last_under(txn, self._t.points_buckets, normalized_code + b"\0")
        return 1 if last is None else store_pb2.PointsBucket.FromString(last[1]).seq + 1

    def summary(
        self, txn: Txn, normalized_code: bytes, now_ms: int, *, horizon_ms: int = 0
    ) -> PointsSummary:
        spendable = pending = expiring = expired = total = 0
        for bucket in self.all(txn, normalized_code):
            total += bucket.remaining
            if bucket.remaining <= 0:
                continue
            if is_expired(bucket, now_ms):
                expired += bucket.remaining
            elif bucket.active_at_ms > now_ms:
                pending += bucket.remaining
            else:
                spendable += bucket.remaining
                if (
                    horizon_ms
                    and bucket.expires_at_ms
                    and bucket.expires_at_ms <= now_ms + horizon_ms
                ):
                    expiring += bucket.remaining
        return PointsSummary(spendable, pending, expiring, expired, total)

    def spendable(self, txn: Txn, normalized_code: bytes, now_ms: int) -> int:
        return sum(b.remaining for b in self.all(txn, normalized_code) if is_spendable(b, now_ms))

    def consume(
        self, txn: Txn, normalized_code: bytes, points: int, now_ms: int
    ) -> list[store_pb2.BucketChange] | None:
        """Takes `points` from the spendable buckets, oldest first; None (nothing changed) when
        they hold fewer."""
        candidates = [b for b in self.all(txn, normalized_code) if is_spendable(b, now_ms)]
        if sum(b.remaining for b in candidates) < points:
            return None
        changes: list[store_pb2.BucketChange] = []
        left = points
        for bucket in candidates:
            if left == 0:
                break
            taken = min(bucket.remaining, left)
            bucket.remaining -= taken
            left -= taken
            self.put(txn, normalized_code, bucket)
            changes.append(
                store_pb2.BucketChange(code=normalized_code, seq=bucket.seq, points=taken)
            )
        return changes

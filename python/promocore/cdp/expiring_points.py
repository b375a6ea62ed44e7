"""EVENT_POINTS_EXPIRING: announced by the scheduler once per earn bucket, when the bucket's
spendable points will expire within the loyalty card's expiring horizon (30 days), so that
messaging tools can remind the customer in time."""

from __future__ import annotations

import orjson

from promocore.cdp.integration_events import IntegrationEvents
from promocore.programs.loyalty.accounts import EXPIRING_HORIZON_MS
from promocore.store import Store, Txn
from promocore.store.points_buckets import is_spendable
from promocore.v1 import events_pb2
from promocore.v1.internal import store_pb2


def notified_key(normalized_card: bytes, seq: int) -> bytes:
    return b"expiring_notified/" + normalized_card + b"\0" + seq.to_bytes(8, "big")


class ExpiringPoints:
    def __init__(self, store: Store, events: IntegrationEvents) -> None:
        self._store = store
        self._events = events

    def announce_batch(self, txn: Txn, after: bytes, limit: int, now_ms: int) -> bytes:
        """Looks at up to `limit` loyalty cards after `after` (card code order); returns the last
        card looked at (b"" when there are no more)."""
        cursor = txn.cursor(db=self._store.tables.loyalty_accounts)
        found = cursor.set_range(after + b"\0") if after else cursor.first()
        accounts: list[tuple[bytes, store_pb2.LoyaltyAccount]] = []
        while found and len(accounts) < limit:
            accounts.append(
                (bytes(cursor.key()), store_pb2.LoyaltyAccount.FromString(cursor.value()))
            )
            found = cursor.next()
        for normalized, account in accounts:
            self.announce(txn, normalized, account, now_ms)
        return accounts[-1][0] if accounts else b""

    def announce(
        self,
        txn: Txn,
        normalized: bytes,
        account: store_pb2.LoyaltyAccount,
        now_ms: int,
    ) -> bool:
        """One event for the card's newly expiring buckets, if any."""
        settings = self._store.tables.settings
        due = [
            bucket
            for bucket in self._store.balances.buckets.all(txn, normalized)
            if is_spendable(bucket, now_ms)
            and bucket.expires_at_ms
            and bucket.expires_at_ms <= now_ms + EXPIRING_HORIZON_MS
            and txn.get(notified_key(normalized, bucket.seq), db=settings) is None
        ]
        if not due:
            return False
        for bucket in due:
            txn.put(notified_key(normalized, bucket.seq), b"", db=settings)
        event = events_pb2.IntegrationEvent(
            type=events_pb2.EVENT_POINTS_EXPIRING,
            customer_id=account.customer_id,
            campaign_id=account.campaign_id,
            code=account.code,
            data_json=orjson.dumps(
                {
                    "points": sum(bucket.remaining for bucket in due),
                    "expires_at_ms": min(bucket.expires_at_ms for bucket in due),
                },
                option=orjson.OPT_SORT_KEYS,
            ).decode(),
        )
        self._events.append(txn, event, now_ms=now_ms)
        return True

"""Redemption records, the append-only log, and idempotency keys."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from functools import cached_property
from typing import Protocol

from promocore import _engine
from promocore.errors import AlreadyExistsError, FailedPreconditionError, NotFoundError
from promocore.store.counters import apply_deltas, apply_redemption_changes
from promocore.store.keys import append_sequenced, decode_u64, encode_u64
from promocore.store.tables import Tables
from promocore.store.txn import Txn
from promocore.v1 import checkout_pb2
from promocore.v1.internal import store_pb2


class Redeemed:
    """A redemption just recorded, as the log's observers see it: the public record (parsed on
    first use), the request, and what the engine already picked out of its counter changes."""

    def __init__(self, writes: _engine.RedemptionWrites, request: bytes) -> None:
        self._writes = writes
        self.request = request

    @cached_property
    def redemption(self) -> checkout_pb2.Redemption:
        return checkout_pb2.Redemption.FromString(self._writes.redemption)

    @property
    def customer_id(self) -> str:
        return self._writes.customer_id

    @property
    def created_at_ms(self) -> int:
        return self._writes.created_at_unix_ms

    @property
    def event(self) -> bytes:
        """The EVENT_REDEEMED integration event, for IntegrationEvents.append_encoded."""
        return self._writes.event

    @cached_property
    def balance_debits(self) -> list[tuple[bytes, int]]:
        """Gift card and loyalty card changes (signed, negative for a debit)."""
        return self._writes.balance_debits

    @cached_property
    def referral_codes(self) -> list[str]:
        """Applied codes that are referral codes."""
        return self._writes.referral_codes


class RedemptionObserver(Protocol):
    """Told of every redemption and rollback inside its write transaction (balance ledgers,
    loyalty earning); raising aborts the redemption. An observer with nothing to do for a
    redemption returns at once: every Redeem calls every observer."""

    def on_redeemed(self, txn: Txn, redeemed: Redeemed) -> None: ...

    def on_rolled_back(
        self,
        txn: Txn,
        stored: store_pb2.StoredRedemption,
        rollback: store_pb2.Rollback,
    ) -> None: ...


class RedemptionLog:
    def __init__(self, tables: Tables) -> None:
        self._t = tables
        self._observers: tuple[RedemptionObserver, ...] = ()

    def set_observers(self, observers: Sequence[RedemptionObserver]) -> None:
        """Who is told of each redemption and rollback, in this order (the server wires them:
        promocore.server.grpc_server). Without observers only the log and the counters move."""
        self._observers = tuple(observers)

    def replay(self, txn: Txn, idempotency_key: str, request: bytes) -> bytes | None:
        """The first answer stored for this key, or None when the key is new.

        The same key with different request bytes is refused: a retry must repeat the request.
        """
        raw = txn.get(idempotency_key.encode(), db=self._t.idempotency)
        if raw is None:
            return None
        record = store_pb2.IdempotencyRecord.FromString(raw)
        if record.request_sha256 != hashlib.sha256(request).digest():
            raise AlreadyExistsError(
                f"idempotency key {idempotency_key!r} was used with a different request",
                reason="idempotency_key_reused",
            )
        return record.response

    def record_redemption(self, txn: Txn, writes: _engine.RedemptionWrites, request: bytes) -> None:
        """Applies the counter changes and writes the record, the log entry and the key, all as
        the engine encoded them; then tells the observers."""
        apply_redemption_changes(txn, self._t.counters, writes)
        stored = writes.stored
        redeemed = Redeemed(writes, request)
        redemption = redeemed.redemption
        txn.put(redemption.id.encode(), stored, db=self._t.redemptions)
        log_record = writes.log_record
        append_sequenced(txn, self._t.redemption_log, lambda _sequence: log_record)
        txn.put(
            redemption.idempotency_key.encode(), writes.idempotency_record, db=self._t.idempotency
        )
        for observer in self._observers:
            observer.on_redeemed(txn, redeemed)

    def credit(self, txn: Txn, credit: store_pb2.Credit) -> None:
        """Changes a balance outside a redemption (gift card issue, top-up, points earned,
        spent on a reward or expired; signed), logged so that `promocore check` can recompute
        the balance. Use BalanceBook, which also writes the card's ledger."""
        apply_deltas(
            txn, self._t.counters, [store_pb2.CounterDelta(key=credit.key, delta=credit.amount)]
        )
        self._append(txn, store_pb2.LogRecord(credited=credit))

    def newest_first(self, txn: Txn, before_sequence: int = 0) -> Iterator[tuple[int, str]]:
        """(log sequence, redemption id) of every redemption, newest first, starting below
        `before_sequence` when given."""
        cursor = txn.cursor(db=self._t.redemption_log)
        if before_sequence and cursor.set_range(encode_u64(before_sequence)):
            found = cursor.prev()
        else:
            found = cursor.last()
        while found:
            record = store_pb2.LogRecord.FromString(cursor.value())
            if record.WhichOneof("entry") == "redeemed":
                yield decode_u64(cursor.key()), record.redeemed.redemption.id
            found = cursor.prev()

    def get(self, txn: Txn, redemption_id: str) -> store_pb2.StoredRedemption:
        raw = txn.get(redemption_id.encode(), db=self._t.redemptions)
        if raw is None:
            raise NotFoundError(f"redemption {redemption_id!r} does not exist")
        return store_pb2.StoredRedemption.FromString(raw)

    def roll_back(self, txn: Txn, rollback: store_pb2.Rollback) -> store_pb2.StoredRedemption:
        """Reverts the counters of a redemption exactly once and marks it ROLLED_BACK."""
        stored = self.get(txn, rollback.redemption_id)
        redemption = stored.redemption
        if redemption.status == checkout_pb2.ROLLED_BACK:
            raise FailedPreconditionError(
                f"redemption {redemption.id!r} was already rolled back "
                f"(rollback {redemption.rollback_id})",
                reason="already_rolled_back",
            )
        apply_deltas(txn, self._t.counters, list(stored.deltas), sign=-1)
        redemption.status = checkout_pb2.ROLLED_BACK
        redemption.rolled_back_at.FromMilliseconds(rollback.at_unix_ms)
        redemption.rollback_reason = rollback.reason
        redemption.rollback_id = rollback.rollback_id
        txn.put(redemption.id.encode(), stored.SerializeToString(), db=self._t.redemptions)
        self._append(txn, store_pb2.LogRecord(rolled_back=rollback))
        for observer in self._observers:
            observer.on_rolled_back(txn, stored, rollback)
        return stored

    def _append(self, txn: Txn, record: store_pb2.LogRecord) -> None:
        encoded = record.SerializeToString()
        append_sequenced(txn, self._t.redemption_log, lambda _sequence: encoded)

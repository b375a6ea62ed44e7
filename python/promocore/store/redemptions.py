"""Redemption records, the append-only log, and idempotency keys.

Each redemption is written once, as its record in the redemptions table (keyed by its
time-ordered id, so appended); the log holds its id in commit order, and its idempotency key
the request's SHA-256, the id and the few results of the first answer that did not apply
(docs/operations.md, "What a redeem writes"). Stores of format 1 kept a copy of the record in
the log and the whole first answer with the key; store/migrate_v2.py converts them, and the
readers here still read either form.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator, Sequence
from functools import cached_property
from typing import Protocol

import orjson

from promocore import _engine
from promocore.errors import AlreadyExistsError, FailedPreconditionError, NotFoundError
from promocore.store.counters import apply_deltas, apply_redemption_changes
from promocore.store.keys import (
    append_sequenced,
    decode_u64,
    encode_u64,
    prefetch,
    put_appending,
)
from promocore.store.tables import Tables
from promocore.store.txn import Txn
from promocore.v1 import checkout_pb2, common_pb2, events_pb2
from promocore.v1.internal import store_pb2


def new_redemption_id(now_ms: int) -> str:
    """A redemption id that sorts by time: the milliseconds (12 hex digits) then 48 random bits,
    so new records go to the end of the redemptions table (appended, not a random leaf)."""
    return f"rdm_{now_ms:012x}{secrets.token_hex(6)}"


def log_reference(redemption_id: str) -> bytes:
    """The log record of a redemption: its id (the record is in the redemptions table)."""
    return store_pb2.LogRecord(redeemed_id=redemption_id).SerializeToString()


def compact_idempotency_record(
    request_sha256: bytes, redemption: checkout_pb2.Redemption, response: bytes
) -> bytes:
    """The idempotency record of a successful redemption: the request's hash, the id, and the
    answer's results that did not apply (the answer's other fields are the redemption's). What
    a format-1 record is converted to; the engine encodes a new redemption's the same way
    (`RedemptionWrites.idempotency_record`)."""
    record = store_pb2.IdempotencyRecord(request_sha256=request_sha256, redemption_id=redemption.id)
    results = checkout_pb2.RedeemResponse.FromString(response).redeemables
    if len(results) != len(redemption.redeemables):
        for position, result in enumerate(results):
            if result.status != common_pb2.APPLICABLE:
                record.unapplied.add(position=position, result=result)
    return record.SerializeToString()


def first_answer(
    record: store_pb2.IdempotencyRecord, stored: store_pb2.StoredRedemption
) -> checkout_pb2.RedeemResponse:
    """The first answer of a compact idempotency record: the redemption as it was committed (a
    later rollback undone), its applied results with the unapplied ones in their places."""
    redemption = checkout_pb2.Redemption()
    redemption.CopyFrom(stored.redemption)
    redemption.status = checkout_pb2.SUCCEEDED
    for field in ("rolled_back_at", "rollback_reason", "rollback_id"):
        redemption.ClearField(field)
    answer = checkout_pb2.RedeemResponse(redemption=redemption, status=checkout_pb2.SUCCEEDED)
    applied = iter(redemption.redeemables)
    unapplied = {placed.position: placed.result for placed in record.unapplied}
    for position in range(len(redemption.redeemables) + len(unapplied)):
        answer.redeemables.append(unapplied[position] if position in unapplied else next(applied))
    if redemption.HasField("totals"):
        answer.totals.CopyFrom(redemption.totals)
    return answer


def event_reference(redemption_id: str) -> bytes:
    """The EVENT_REDEEMED integration event as stored: the redemption's id, the rest read from
    its record when the event is read (RedemptionLog.complete_event)."""
    return events_pb2.IntegrationEvent(
        type=events_pb2.EVENT_REDEEMED, redemption_id=redemption_id
    ).SerializeToString()


def is_event_reference(event: events_pb2.IntegrationEvent) -> bool:
    return (
        event.type == events_pb2.EVENT_REDEEMED
        and bool(event.redemption_id)
        and not event.HasField("time")
    )


def fill_redeemed_event(
    event: events_pb2.IntegrationEvent, redemption: checkout_pb2.Redemption
) -> None:
    """The fields of EVENT_REDEEMED, from the redemption's record, when the event is read (it is
    stored as a reference): its time, customer, first campaign and code applied, and the data:
    amount, campaigns, codes, currency, order, discount. Stores of format 1 hold whole events
    written by the engine of that release; this is their form (store/migrate_v2.py converts an
    event only when this rebuilds it exactly)."""
    campaign_ids = [result.campaign_id for result in redemption.redeemables]
    codes = [
        result.redeemable.code
        for result in redemption.redeemables
        if result.redeemable.WhichOneof("target") == "code" and result.redeemable.code
    ]
    totals = redemption.totals
    event.time.CopyFrom(redemption.created_at)
    event.customer_id = redemption.customer_id
    event.campaign_id = campaign_ids[0] if campaign_ids else ""
    event.code = codes[0] if codes else ""
    event.redemption_id = redemption.id
    event.data_json = orjson.dumps(
        {
            "amount": totals.amount_after_discounts,
            "campaign_ids": campaign_ids,
            "codes": codes,
            "currency": totals.currency,
            "order_id": redemption.order_id,
            "total_discount": totals.total_discount,
        },
        option=orjson.OPT_SORT_KEYS,
    ).decode()


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
        """The EVENT_REDEEMED integration event as stored, for IntegrationEvents.append_encoded:
        a reference to the redemption's record (event_reference)."""
        return event_reference(self.redemption.id)

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
        return self.answer_of(txn, record).SerializeToString()

    def answer_of(
        self, txn: Txn, record: store_pb2.IdempotencyRecord
    ) -> checkout_pb2.RedeemResponse:
        """The first answer an idempotency record stands for (either store format)."""
        if not record.redemption_id:
            return checkout_pb2.RedeemResponse.FromString(record.response)
        return first_answer(record, self.get(txn, record.redemption_id))

    def record_redemption(self, txn: Txn, writes: _engine.RedemptionWrites, request: bytes) -> None:
        """Applies the counter changes and writes the record, the log entry and the key, all as
        the engine encoded them; then tells the observers."""
        apply_redemption_changes(txn, self._t.counters, writes)
        redeemed = Redeemed(writes, request)
        redemption = redeemed.redemption
        put_appending(txn, self._t.redemptions, redemption.id.encode(), writes.stored)
        reference = log_reference(redemption.id)
        append_sequenced(txn, self._t.redemption_log, lambda _sequence: reference)
        # Encoded by the engine as compact_idempotency_record encodes a converted one.
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
            redemption_id = logged_redemption_id(store_pb2.LogRecord.FromString(cursor.value()))
            if redemption_id is not None:
                yield decode_u64(cursor.key()), redemption_id
            found = cursor.prev()

    def logged(self, txn: Txn, record: store_pb2.LogRecord) -> store_pb2.StoredRedemption | None:
        """The redemption a log record reports (as it stands now, for format 2; as it was
        committed, for a format-1 copy), or None for a rollback or a credit."""
        kind = record.WhichOneof("entry")
        if kind == "redeemed_id":
            return self.get(txn, record.redeemed_id)
        return record.redeemed if kind == "redeemed" else None

    def complete_events(self, txn: Txn, events: list[events_pb2.IntegrationEvent]) -> None:
        """Fills in the EVENT_REDEEMED events stored as references from their redemptions'
        records (read together: one round trip on a shared store)."""
        references = [event for event in events if is_event_reference(event)]
        if not references:
            return
        prefetch(txn, self._t.redemptions, [e.redemption_id.encode() for e in references])
        for event in references:
            fill_redeemed_event(event, self.get(txn, event.redemption_id).redemption)

    def get(self, txn: Txn, redemption_id: str) -> store_pb2.StoredRedemption:
        raw = txn.get(redemption_id.encode(), db=self._t.redemptions)
        if raw is None:
            raise NotFoundError(f"redemption {redemption_id!r} does not exist")
        return store_pb2.StoredRedemption.FromString(raw)

    def to_roll_back(self, txn: Txn, redemption_id: str) -> store_pb2.StoredRedemption:
        """The redemption a rollback would revert; raises NotFoundError, or
        FailedPreconditionError for one rolled back already. Reads only."""
        stored = self.get(txn, redemption_id)
        redemption = stored.redemption
        if redemption.status == checkout_pb2.ROLLED_BACK:
            raise FailedPreconditionError(
                f"redemption {redemption.id!r} was already rolled back "
                f"(rollback {redemption.rollback_id})",
                reason="already_rolled_back",
            )
        return stored

    def roll_back(
        self, txn: Txn, rollback: store_pb2.Rollback, stored: store_pb2.StoredRedemption
    ) -> store_pb2.StoredRedemption:
        """Reverts the counters of a redemption exactly once and marks it ROLLED_BACK; `stored`
        is what to_roll_back returned in this transaction."""
        redemption = stored.redemption
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


def logged_redemption_id(record: store_pb2.LogRecord) -> str | None:
    """The id of the redemption a log record reports, or None for a rollback or a credit."""
    kind = record.WhichOneof("entry")
    if kind == "redeemed_id":
        return record.redeemed_id
    return record.redeemed.redemption.id if kind == "redeemed" else None

"""Integration events (code issued, redeemed, rolled back, points earned, tier changed, segment
entered/left): appended with a sequence number inside the write transaction of what they
report, so the stream holds exactly what was committed, in commit order, across restarts.

WatchEvents and the webhook sender read the table from a cursor; readers in any worker process
see the events of every process (one LMDB environment).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator

from google.protobuf.timestamp_pb2 import Timestamp

from promocore.store import Store, Txn
from promocore.store.keys import append_sequenced, decode_u64, encode_u64
from promocore.v1 import customer_pb2, events_pb2
from promocore.v1.internal import store_pb2

CHANNELS = ("email", "sms")
_SEQUENCE_FIELD = events_pb2.IntegrationEvent.DESCRIPTOR.fields_by_name["sequence"].number
_SEQUENCE_TAG = bytes([_SEQUENCE_FIELD << 3])  # wire type 0, varint


def contactable_channels(contact: customer_pb2.ContactPreferences) -> list[str]:
    """The channels integrations may message the customer on (none when opted out of all)."""
    if contact.all_opt_out:
        return []
    opted_out = {"email": contact.email_opt_out, "sms": contact.sms_opt_out}
    return [channel for channel in CHANNELS if not opted_out[channel]]


class IntegrationEvents:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._db = store.tables.integration_events
        # Wakes this process's live watchers early; other processes' events are found by polling.
        self.appended = threading.Condition()

    def append(
        self,
        txn: Txn,
        event: events_pb2.IntegrationEvent,
        *,
        now_ms: int,
        contact: customer_pb2.ContactPreferences | None = None,
    ) -> None:
        """Numbers and stores the event in `txn` (its `sequence` is the number); the customer's
        contact preferences (read from the store unless the caller has them) decide its
        contactable channels."""
        if not event.HasField("time"):
            event.time.CopyFrom(_timestamp(now_ms))
        event.ClearField("contactable_channels")
        event.ClearField("sequence")
        self.append_encoded(
            txn, event.SerializeToString(), customer_id=event.customer_id, contact=contact
        )

    def append_encoded(
        self,
        txn: Txn,
        event: bytes,
        *,
        customer_id: str,
        contact: customer_pb2.ContactPreferences | None = None,
    ) -> None:
        """`append` of an event already encoded, with its time and without `sequence` and
        `contactable_channels` (the engine encodes a redemption's): both are appended as
        protobuf fields, which a reader merges into the message."""
        if customer_id:
            if contact is None:
                raw = txn.get(customer_id.encode(), db=self._store.tables.customers)
                contact = (
                    store_pb2.StoredCustomer.FromString(raw).customer.contact
                    if raw is not None
                    else customer_pb2.ContactPreferences()
                )
            event += _encoded_channels(tuple(contactable_channels(contact)))

        def encode(sequence: int) -> bytes:
            return event + _encoded_sequence(sequence)

        append_sequenced(txn, self._db, encode, sequence_field=_SEQUENCE_FIELD)
        with self.appended:
            self.appended.notify_all()

    def after(self, after_sequence: int, *, limit: int = 500) -> list[events_pb2.IntegrationEvent]:
        """Up to `limit` committed events with a sequence above `after_sequence`, in order."""
        with self._store.read() as txn:
            events = list(self._iter_after(txn, after_sequence, limit))
            # A redemption's event is stored as a reference to its record.
            self._store.redemptions.complete_events(txn, events)
            return events

    def last_sequence(self) -> int:
        with self._store.read() as txn:
            cursor = txn.cursor(db=self._db)
            return decode_u64(cursor.key()) if cursor.last() else 0

    def _iter_after(
        self, txn: Txn, after_sequence: int, limit: int
    ) -> Iterator[events_pb2.IntegrationEvent]:
        cursor = txn.cursor(db=self._db)
        if not cursor.set_range(encode_u64(max(after_sequence, 0) + 1)):
            return
        for count, (_, value) in enumerate(cursor):
            if count == limit:
                return
            yield events_pb2.IntegrationEvent.FromString(value)

    def wait(self, timeout_s: float) -> None:
        """Blocks until an event is appended in this process or `timeout_s` passes."""
        with self.appended:
            self.appended.wait(timeout_s)


@functools.cache
def _encoded_channels(channels: tuple[str, ...]) -> bytes:
    """The `contactable_channels` field (one of a few combinations, encoded once each)."""
    return events_pb2.IntegrationEvent(contactable_channels=channels).SerializeToString()


def _encoded_sequence(sequence: int) -> bytes:
    """The `sequence` field: its tag, then the number as a base-128 varint (none for 0)."""
    if sequence == 0:
        return b""
    encoded = bytearray(_SEQUENCE_TAG)
    while sequence > 0x7F:
        encoded.append(sequence & 0x7F | 0x80)
        sequence >>= 7
    encoded.append(sequence)
    return bytes(encoded)


def _timestamp(ms: int) -> Timestamp:
    stamp = Timestamp()
    stamp.FromMilliseconds(ms)
    return stamp

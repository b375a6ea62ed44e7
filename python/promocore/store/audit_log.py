"""The audit trail of admin changes: the entry each change records, by whom (the current actor,
promocore.call_context.actor), and the table that keeps them, append-only, each in the change's
own transaction."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
from google.protobuf.message import Message

from promocore.call_context.actor import current_actor
from promocore.store.keys import append_sequenced, encode_u64
from promocore.store.tables import Tables
from promocore.store.txn import Txn
from promocore.v1 import admin_pb2
from promocore.wire.plain import to_plain

_SEQUENCE_FIELD = admin_pb2.AuditEntry.DESCRIPTOR.fields_by_name["sequence"].number


def entry(action: str, target: str, before: Any, after: Any) -> admin_pb2.AuditEntry:
    """An audit entry by the current actor; `before`/`after` are messages, plain values or None
    (a creation has no before)."""
    return admin_pb2.AuditEntry(
        actor=current_actor(),
        action=action,
        target=target,
        before_json=_json(before),
        after_json=_json(after),
    )


def plain(value: Any) -> Any:
    """Messages as plain values (nested in dicts and lists too); anything else as it is."""
    if isinstance(value, Message):
        return to_plain(value)
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def _json(value: Any) -> str:
    if value is None:
        return ""
    return orjson.dumps(plain(value), option=orjson.OPT_SORT_KEYS).decode()


class AuditLog:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def append(self, txn: Txn, entry: admin_pb2.AuditEntry) -> None:
        """Stores the entry under the next sequence number (which its `sequence` holds)."""

        def encode(sequence: int) -> bytes:
            entry.sequence = sequence
            return entry.SerializeToString()

        append_sequenced(txn, self._t.audit_log, encode, sequence_field=_SEQUENCE_FIELD)

    def newest_first(self, txn: Txn, before_sequence: int = 0) -> Iterator[admin_pb2.AuditEntry]:
        """Entries from the newest down, starting below `before_sequence` when given."""
        cursor = txn.cursor(db=self._t.audit_log)
        if before_sequence and cursor.set_range(encode_u64(before_sequence)):
            found = cursor.prev()  # the first entry below before_sequence
        else:
            found = cursor.last()
        while found:
            yield admin_pb2.AuditEntry.FromString(cursor.value())
            found = cursor.prev()

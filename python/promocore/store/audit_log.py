"""The audit log table: every admin change, append-only, in the change's own transaction."""

from __future__ import annotations

from collections.abc import Iterator

import lmdb

from promocore.store.keys import append_sequenced, encode_u64
from promocore.store.tables import Tables
from promocore.v1 import admin_pb2

_SEQUENCE_FIELD = admin_pb2.AuditEntry.DESCRIPTOR.fields_by_name["sequence"].number


class AuditLog:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def append(self, txn: lmdb.Transaction, entry: admin_pb2.AuditEntry) -> None:
        """Stores the entry under the next sequence number (which its `sequence` holds)."""

        def encode(sequence: int) -> bytes:
            entry.sequence = sequence
            return entry.SerializeToString()

        append_sequenced(txn, self._t.audit_log, encode, sequence_field=_SEQUENCE_FIELD)

    def newest_first(
        self, txn: lmdb.Transaction, before_sequence: int = 0
    ) -> Iterator[admin_pb2.AuditEntry]:
        """Entries from the newest down, starting below `before_sequence` when given."""
        cursor = txn.cursor(db=self._t.audit_log)
        if before_sequence and cursor.set_range(encode_u64(before_sequence)):
            found = cursor.prev()  # the first entry below before_sequence
        else:
            found = cursor.last()
        while found:
            yield admin_pb2.AuditEntry.FromString(cursor.value())
            found = cursor.prev()

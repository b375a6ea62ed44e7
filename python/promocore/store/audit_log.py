"""The audit log table: every admin change, append-only, in the change's own transaction."""

from __future__ import annotations

from collections.abc import Iterator

import lmdb

from promocore.store.keys import decode_u64, encode_u64
from promocore.store.tables import Tables
from promocore.v1 import admin_pb2


class AuditLog:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def append(self, txn: lmdb.Transaction, entry: admin_pb2.AuditEntry) -> admin_pb2.AuditEntry:
        """Stores the entry under the next sequence number (set on the entry)."""
        cursor = txn.cursor(db=self._t.audit_log)
        entry.sequence = decode_u64(cursor.key()) + 1 if cursor.last() else 1
        txn.put(encode_u64(entry.sequence), entry.SerializeToString(), db=self._t.audit_log)
        return entry

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

"""The ledger of every gift card and loyalty card: one entry per balance change, oldest first.

A card's balance counter always equals the sum of its ledger's deltas (`promocore check`
verifies it); each entry also records the balance after it, so a gap or a reordering shows.
"""

from __future__ import annotations

from collections.abc import Iterator

from promocore.store.keys import decode_u64, encode_u64, last_under
from promocore.store.tables import Tables
from promocore.store.txn import Txn
from promocore.v1 import loyalty_pb2


def ledger_prefix(normalized_code: bytes) -> bytes:
    # Codes are printable, so they never contain the \0 separator.
    return normalized_code + b"\0"


class Ledger:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def append(
        self, txn: Txn, normalized_code: bytes, entry: loyalty_pb2.LedgerEntry
    ) -> loyalty_pb2.LedgerEntry:
        """Stores `entry` as the card's next one; its id becomes "<code>:<sequence>"."""
        sequence = self._last_sequence(txn, normalized_code) + 1
        entry.id = f"{normalized_code.decode()}:{sequence}"
        txn.put(
            ledger_prefix(normalized_code) + encode_u64(sequence),
            entry.SerializeToString(),
            db=self._t.ledger,
        )
        return entry

    def entries(
        self, txn: Txn, normalized_code: bytes, *, after: int = 0
    ) -> Iterator[tuple[int, loyalty_pb2.LedgerEntry]]:
        """(sequence, entry) of the card's entries after sequence `after`, oldest first."""
        prefix = ledger_prefix(normalized_code)
        cursor = txn.cursor(db=self._t.ledger)
        found = cursor.set_range(prefix + encode_u64(after + 1))
        while found:
            key = bytes(cursor.key())
            if not key.startswith(prefix):
                return
            yield decode_u64(key[len(prefix) :]), loyalty_pb2.LedgerEntry.FromString(cursor.value())
            found = cursor.next()

    def _last_sequence(self, txn: Txn, normalized_code: bytes) -> int:
        prefix = ledger_prefix(normalized_code)
        last = last_under(txn, self._t.ledger, prefix)
        return 0 if last is None else decode_u64(last[0][len(prefix) :])

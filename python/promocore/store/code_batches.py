"""Bulk insertion of generated codes: sorted records in one LMDB `putmulti` per table.

The whole sorted batch goes into the codes table without overwriting; `putmulti` reports how
many keys it added. When that is all of them, the index entries follow in one more `putmulti`.
When some collided (a code already in the store, from any campaign), the batch's codes are read
back and only those that hold the batch's own record are indexed and returned: the colliding
ones were left as they were. Collisions are rare by construction (the unguessability guard
keeps the code space at least 10,000 times the batch), so the read back almost never runs.
"""

from __future__ import annotations

from itertools import repeat

from promocore.store.tables import Tables
from promocore.store.txn import Txn


def add_code_batch(
    txn: Txn,
    tables: Tables,
    keys: list[bytes],
    records: list[bytes],
    index_keys: list[bytes],
) -> list[bytes]:
    """Adds codes (`keys` sorted and unique, `records[i]` and `index_keys[i]` belonging to
    `keys[i]`); returns the records added (the others collided with codes in the store)."""
    _, added = txn.cursor(db=tables.codes).putmulti(
        zip(keys, records, strict=True), overwrite=False
    )
    if added == len(keys):
        txn.cursor(db=tables.campaign_codes).putmulti(zip(index_keys, repeat(b"")))
        return records
    # Some keys were taken: the records that are ours now are the ones added.
    stored: list[bytes] = []
    for key, record, index_key in zip(keys, records, index_keys, strict=True):
        if txn.get(key, db=tables.codes) == record:
            txn.put(index_key, b"", db=tables.campaign_codes)
            stored.append(record)
    return stored

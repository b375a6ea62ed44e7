"""Bulk insertion of generated codes: sorted records in one LMDB `putmulti` per table.

The fast path inserts a whole sorted batch into the codes table without overwriting, inside a
nested transaction; `putmulti` reports how many keys it added, so a batch with a collision
(a code already in the store, from any campaign) is undone and inserted one by one instead,
skipping the colliding codes. Collisions are rare by construction (the unguessability guard
keeps the code space at least 10,000 times the batch), so the slow path almost never runs.
"""

from __future__ import annotations

from itertools import repeat

from promocore.store.tables import Tables
from promocore.store.txn import Environment, Txn


def add_code_batch(
    env: Environment,
    txn: Txn,
    tables: Tables,
    keys: list[bytes],
    records: list[bytes],
    index_keys: list[bytes],
) -> list[bytes]:
    """Adds codes (`keys` sorted and unique, `records[i]` and `index_keys[i]` belonging to
    `keys[i]`); returns the records added (the others collided with codes in the store)."""
    nested = env.begin(write=True, parent=txn)
    try:
        _, added = nested.cursor(db=tables.codes).putmulti(
            zip(keys, records, strict=True), overwrite=False
        )
        if added == len(keys):
            nested.cursor(db=tables.campaign_codes).putmulti(zip(index_keys, repeat(b"")))
            nested.commit()
            return records
        nested.abort()
    except BaseException:
        nested.abort()
        raise
    stored: list[bytes] = []
    for key, record, index_key in zip(keys, records, index_keys, strict=True):
        if txn.put(key, record, db=tables.codes, overwrite=False):
            txn.put(index_key, b"", db=tables.campaign_codes)
            stored.append(record)
    return stored

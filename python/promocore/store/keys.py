"""Key encodings of the store's tables."""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable

from promocore.store.txn import Table, Txn

_U64_BE = struct.Struct(">Q")
_I64_LE = struct.Struct("<q")


def normalize_code(code: str) -> bytes:
    """Codes are case-insensitive: "summer-10" and "SUMMER-10" are one key."""
    return code.upper().encode()


def campaign_version_key(campaign_id: str, version: int) -> bytes:
    return campaign_id.encode() + b"\0" + _U64_BE.pack(version)


def campaign_code_key(campaign_id: str, normalized_code: bytes) -> bytes:
    return campaign_id.encode() + b"\0" + normalized_code


def encode_u64(value: int) -> bytes:
    return _U64_BE.pack(value)


def decode_u64(raw: bytes) -> int:
    value: int = _U64_BE.unpack(raw)[0]
    return value


def encode_counter(value: int) -> bytes:
    return _I64_LE.pack(value)


def decode_counter(raw: bytes | None) -> int:
    if raw is None:
        return 0
    value: int = _I64_LE.unpack(raw)[0]
    return value


def last_under(txn: Txn, db: Table, prefix: bytes) -> tuple[bytes, bytes] | None:
    """(key, value) of the last entry whose key starts with `prefix` (keys of the prefix are
    at most 8 bytes longer than it), or None."""
    cursor = txn.cursor(db=db)
    # Position past every key of the prefix, then step back onto the prefix's last one.
    found = cursor.prev() if cursor.set_range(prefix + b"\xff" * 9) else cursor.last()
    if found and bytes(cursor.key()).startswith(prefix):
        return bytes(cursor.key()), bytes(cursor.value())
    return None


def append_sequenced(
    txn: Txn, db: Table, encode: Callable[[int], bytes], *, sequence_field: int = 0
) -> int | None:
    """Stores a record under the table's next sequence number (8 bytes big-endian keys, so the
    table reads in commit order). `encode(sequence)` makes the record; `sequence_field` is the
    protobuf field that holds the sequence in it, if any.

    Returns the sequence, or None on a shared store (Redis), which numbers the record when the
    transaction commits: `encode(0)` is stored and the field is set there.
    """
    if hasattr(txn, "append_sequenced"):
        txn.append_sequenced(db, encode(0), sequence_field)
        return None
    cursor = txn.cursor(db=db)
    sequence = decode_u64(cursor.key()) + 1 if cursor.last() else 1
    # The largest key: MDB_APPEND fills the last leaf instead of splitting it in halves.
    txn.put(encode_u64(sequence), encode(sequence), db=db, append=True)
    return sequence


def put_appending(txn: Txn, db: Table, key: bytes, value: bytes) -> None:
    """Stores a record whose keys grow with time (time-ordered ids): on LMDB appended to the
    table's last leaf (MDB_APPEND), which leaves it full; a key that is not the largest (another
    worker's in the same millisecond) is stored as usual. A shared store (Redis) just puts it."""
    if hasattr(txn, "append_sequenced") or not txn.put(key, value, db=db, append=True):
        txn.put(key, value, db=db)


def add_to_counter(txn: Txn, db: Table, key: bytes, amount: int) -> None:
    """Adds to a counter; on a shared store (Redis) without reading it first, so writers that
    only add to one counter never conflict over it."""
    if hasattr(txn, "increment"):
        txn.increment(key, amount, db=db)
        return
    txn.put(key, encode_counter(decode_counter(txn.get(key, db=db)) + amount), db=db)


def read_unchecked(txn: Txn, db: Table, key: bytes) -> bytes | None:
    """The key's value for a decision that needs no exact answer (a value only ever raised):
    on a shared store (Redis) a read the commit does not re-check, so a concurrent writer of it
    is no conflict; on LMDB the transaction's own view."""
    if hasattr(txn, "get_unchecked"):
        value: bytes | None = txn.get_unchecked(key, db=db)
        return value
    return txn.get(key, db=db)


def raise_u64(txn: Txn, db: Table, key: bytes, value: int) -> None:
    """Sets an unsigned 8-byte value to `value` unless it is larger already; on a shared store
    (Redis) without reading it first, so writers that only raise it never conflict."""
    if hasattr(txn, "raise_to"):
        txn.raise_to(key, encode_u64(value), db=db)
        return
    current = txn.get(key, db=db)
    if current is None or decode_u64(current) < value:
        txn.put(key, encode_u64(value), db=db)


def prefetch(txn: Txn, db: Table, keys: Iterable[bytes]) -> None:
    """Hints that `keys` are about to be read: on a shared store (Redis) they are fetched in one
    round trip; LMDB reads from memory and ignores it."""
    if hasattr(txn, "prefetch"):
        txn.prefetch(keys, db=db)


def fetches_ahead(txn: Txn) -> bool:
    """Whether reads announced with prefetch_reads save anything (a shared store's round
    trips); on LMDB they do not, so callers need not even list them."""
    return hasattr(txn, "prefetch_reads")


# What a request is about to read: (table, keys) pairs to get, (table, start) pairs where a
# cursor is placed (set_range(start), or first() for None).
Gets = list[tuple[Table, list[bytes]]]
Walks = list[tuple[Table, bytes | None]]


def prefetch_reads(txn: Txn, gets: Gets, walks: Walks) -> None:
    """Hints that the keys of `gets` ((table, keys) pairs) are about to be read and cursors of
    `walks` ((table, start) pairs) about to be placed with set_range(start), or first() for a
    None start: on a shared store (Redis) all are fetched in one round trip; LMDB ignores it."""
    if hasattr(txn, "prefetch_reads"):
        txn.prefetch_reads(gets, walks)


def first_key_unchecked(txn: Txn, db: Table) -> bytes | None:
    """The table's first key, for a decision that changes no answer (housekeeping): on a shared
    store (Redis) one bounded read that the commit does not re-check, so a concurrent insert
    there is no conflict; on LMDB the first key of the transaction's view."""
    if hasattr(txn, "first_key_unchecked"):
        first: bytes | None = txn.first_key_unchecked(db)
        return first
    cursor = txn.cursor(db=db)
    return bytes(cursor.key()) if cursor.first() else None

"""What is particular to the Redis backend's optimistic transactions (redis_kv.py): a commit
whose reads another writer changed writes nothing and raises WriteConflict, phantoms included;
counter additions read nothing, so they never conflict."""

from __future__ import annotations

import pytest

from promocore.store import open_store
from promocore.store.errors import WriteConflict
from promocore.store.keys import add_to_counter, decode_counter, decode_u64
from promocore.store.redemption_time import LAST_REDEMPTION_KEY


@pytest.fixture
def store(redis_server):
    opened = open_store(redis_server.url)
    try:
        yield opened
    finally:
        opened.close()


def put(store, key: bytes, value: bytes, table=None) -> None:
    with store.write() as txn:
        txn.put(key, value, db=table or store.tables.settings)


def test_a_read_value_changed_by_another_writer_is_a_conflict_and_nothing_is_written(store):
    put(store, b"limit", b"1")
    txn = store.write()
    assert txn.get(b"limit", db=store.tables.settings) == b"1"
    txn.put(b"decided", b"yes", db=store.tables.settings)
    put(store, b"limit", b"2")
    with pytest.raises(WriteConflict):
        txn.commit()
    with store.read() as reader:
        assert reader.get(b"decided", db=store.tables.settings) is None


def test_a_key_read_as_absent_then_created_by_another_writer_is_a_conflict(store):
    txn = store.write()
    assert txn.get(b"idempotency-key", db=store.tables.settings) is None
    txn.put(b"idempotency-key", b"first", db=store.tables.settings)
    put(store, b"idempotency-key", b"second")
    with pytest.raises(WriteConflict):
        txn.commit()


def fill_even_keys(store, table) -> None:
    """k0000, k0002, ... k0598: room for a key between any two."""
    with store.write() as txn:
        for n in range(0, 600, 2):
            txn.put(f"k{n:04}".encode(), b"", db=table)


@pytest.mark.parametrize("position", [3, 200])  # before and after the first read-ahead chunk
def test_a_key_inserted_where_a_cursor_walked_is_a_conflict(store, position):
    table = store.tables.segments  # a table a new store leaves empty
    fill_even_keys(store, table)
    txn = store.write()
    cursor = txn.cursor(db=table)
    assert cursor.first()
    for _ in range(position + 1):
        assert cursor.next()
    txn.put(b"after-the-walk", b"", db=table)
    put(store, f"k{2 * position + 1:04}".encode(), b"phantom", table)  # inside the walked range
    with pytest.raises(WriteConflict):
        txn.commit()


def test_a_key_inserted_beyond_where_a_cursor_walked_is_no_conflict(store):
    table = store.tables.segments  # a table a new store leaves empty
    fill_even_keys(store, table)
    txn = store.write()
    cursor = txn.cursor(db=table)
    assert cursor.set_range(b"k0100") and cursor.next() and cursor.key() == b"k0102"
    txn.put(b"decided", b"", db=table)
    put(store, b"k0301", b"elsewhere", table)
    txn.commit()


def test_additions_to_one_counter_from_open_transactions_both_count(store):
    table = store.tables.counters
    first, second = store.write(), store.write()
    add_to_counter(first, table, b"shared", 3)
    add_to_counter(second, table, b"shared", 4)
    second.commit()
    first.commit()
    with store.read() as txn:
        assert decode_counter(txn.get(b"shared", db=table)) == 7


def test_a_walk_answered_from_the_transactions_earlier_walk_still_conflicts_on_a_phantom(store):
    table = store.tables.segments  # a table a new store leaves empty
    fill_even_keys(store, table)
    txn = store.write()
    assert txn.cursor(db=table).set_range(b"k0100")
    put(store, b"k0101", b"phantom", table)
    cursor = txn.cursor(db=table)  # the same walk again: the rows of the first one
    assert cursor.set_range(b"k0100") and cursor.next() and cursor.key() == b"k0102"
    txn.put(b"decided", b"", db=table)
    with pytest.raises(WriteConflict):
        txn.commit()


def test_a_prefetched_value_is_a_read_only_once_read(store):
    table = store.tables.settings
    put(store, b"unread", b"1")
    put(store, b"read", b"1")
    txn = store.write()
    txn.prefetch_reads([(table, [b"unread", b"read"])], [])
    put(store, b"unread", b"2")  # never read by txn: no conflict over it
    txn.put(b"decided", b"", db=table)
    txn.commit()

    txn = store.write()
    txn.prefetch_reads([(table, [b"read"])], [])
    put(store, b"read", b"2")
    assert txn.get(b"read", db=table) == b"1"  # as fetched; the commit finds it changed
    txn.put(b"decided", b"again", db=table)
    with pytest.raises(WriteConflict):
        txn.commit()


def test_a_prefetched_walk_is_the_answer_of_the_cursor_placed_there(store):
    table = store.tables.segments  # a table a new store leaves empty
    fill_even_keys(store, table)
    txn = store.write()
    txn.prefetch_reads([], [(table, b"k0100"), (table, None)])
    put(store, b"k0101", b"phantom", table)
    cursor = txn.cursor(db=table)
    assert cursor.set_range(b"k0100") and cursor.next() and cursor.key() == b"k0102"
    first = txn.cursor(db=table)
    assert first.first() and first.key() == b"k0000"
    txn.put(b"decided", b"", db=table)
    with pytest.raises(WriteConflict):
        txn.commit()


def test_the_writers_housekeeping_with_nothing_expired_conflicts_with_no_reservation(store):
    txn = store.write()
    store.reservations.delete_expired(txn, now_ms=store.clock.now_ms(), limit=32)
    with store.write() as other:  # a reservation made meanwhile by another node
        store.reservations.reserve(
            other,
            "elsewhere",
            expires_at_ms=store.clock.now_ms() + 60_000,
            holds=[(b"campaign/c/redemptions", 1)],
            redeemables=1,
        )
    txn.put(b"decided", b"", db=store.tables.settings)
    txn.commit()


def test_redemption_times_of_open_transactions_never_conflict_and_the_latest_stays(store):
    """Every Redeem reads and raises the store's last redemption time: on several nodes that
    one record must not make their commits conflict, nor go back."""
    times = store.redemption_time
    first, second = store.write(), store.write()
    assert times.next_ms(first, 5_000) == 5_000
    assert times.next_ms(second, 4_000) == 4_000
    times.recorded(first, 5_000)
    times.recorded(second, 4_000)
    first.commit()
    second.commit()  # no WriteConflict
    with store.write() as later:
        assert times.next_ms(later, 1_000) == 5_001  # the clock stepped back: after the last
        times.recorded(later, 5_001)
        assert times.next_ms(later, 1_000) == 5_002  # the same transaction sees its raise
    with store.read() as reader:
        assert decode_u64(reader.get(LAST_REDEMPTION_KEY, db=store.tables.settings)) == 5_001

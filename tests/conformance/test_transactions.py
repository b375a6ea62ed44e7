"""The transaction contract every store module relies on (py-lmdb's interface): reads see the
transaction's own writes, cursors walk keys in byte order over stored and pending keys, and
only committed writes are seen by others. (Transactions are not nested: LMDB's are not when it
writes through its map, store/tables.py.)"""

from __future__ import annotations

import pytest

from promocore.store.keys import add_to_counter, append_sequenced, decode_counter, decode_u64
from promocore.v1 import events_pb2

# The store conformance suite: every test here runs on each store backend (tests/README.md).
pytestmark = pytest.mark.conformance


SEQUENCE_FIELD = events_pb2.IntegrationEvent.DESCRIPTOR.fields_by_name["sequence"].number
KEYS = [b"a", b"a\x00", b"ab", b"b\xff", b"c"]


@pytest.fixture
def table(store):
    """A table a new store leaves empty (the settings table holds the store's own records)."""
    return store.tables.segments


def fill(store, table, keys=KEYS):
    with store.write() as txn:
        for key in keys:
            txn.put(key, b"v:" + key, db=table)


def test_get_put_delete_and_overwrite(store, table):
    with store.write() as txn:
        assert txn.get(b"k", db=table) is None
        assert txn.put(b"k", b"1", db=table) is True
        assert txn.get(b"k", db=table) == b"1"
        assert txn.put(b"k", b"2", db=table, overwrite=False) is False
        assert txn.get(b"k", db=table) == b"1"
        assert txn.put(b"k", b"3", db=table) is True
    with store.read() as txn:
        assert txn.get(b"k", db=table) == b"3"
        assert txn.get(b"missing", b"default", db=table) == b"default"
    with store.write() as txn:
        assert txn.delete(b"k", db=table) is True
        assert txn.delete(b"k", db=table) is False
        assert txn.get(b"k", db=table) is None
    with store.read() as txn:
        assert txn.get(b"k", db=table) is None


def test_tables_are_separate(store):
    with store.write() as txn:
        txn.put(b"same", b"settings", db=store.tables.settings)
        txn.put(b"same", b"codes", db=store.tables.codes)
    with store.read() as txn:
        assert txn.get(b"same", db=store.tables.settings) == b"settings"
        assert txn.get(b"same", db=store.tables.codes) == b"codes"
        assert txn.get(b"same", db=store.tables.counters) is None


def test_an_exception_aborts_the_transaction(store, table):
    with pytest.raises(RuntimeError), store.write() as txn:
        txn.put(b"k", b"1", db=table)
        raise RuntimeError("abort")
    with store.read() as txn:
        assert txn.get(b"k", db=table) is None


def test_cursor_walks_in_byte_order_both_ways(store, table):
    fill(store, table, list(reversed(KEYS)))
    with store.read() as txn:
        assert [key for key, _ in txn.cursor(db=table)] == KEYS
        assert list(txn.cursor(db=table).iternext(keys=True, values=False)) == KEYS
        assert list(txn.cursor(db=table).iternext(keys=False, values=True)) == [
            b"v:" + key for key in KEYS
        ]
        cursor = txn.cursor(db=table)
        walked = []
        found = cursor.last()
        while found:
            walked.append(bytes(cursor.key()))
            found = cursor.prev()
        assert walked == KEYS[::-1]


def test_cursor_set_range_positions_at_the_first_key_not_below(store, table):
    fill(store, table)
    with store.read() as txn:
        cursor = txn.cursor(db=table)
        assert cursor.set_range(b"a\x00") and cursor.key() == b"a\x00"
        assert cursor.set_range(b"aa") and cursor.key() == b"ab"
        assert cursor.value() == b"v:ab"
        assert cursor.next() and cursor.key() == b"b\xff"
        assert cursor.prev() and cursor.key() == b"ab"
        assert not cursor.set_range(b"d")
        # Iterating a positioned cursor starts at its key.
        cursor.set_range(b"b")
        assert [key for key, _ in cursor] == [b"b\xff", b"c"]


def test_cursors_walk_long_tables_whole_both_ways_and_from_anywhere(store, table):
    keys = [f"k{n:04}".encode() for n in range(700)]  # several read-ahead chunks on Redis
    fill(store, table, keys)
    with store.read() as txn:
        assert [key for key, _ in txn.cursor(db=table)] == keys
        cursor, walked = txn.cursor(db=table), []
        found = cursor.last()
        while found:
            walked.append(bytes(cursor.key()))
            found = cursor.prev()
        assert walked == keys[::-1]
        cursor = txn.cursor(db=table)
        assert cursor.set_range(b"k0300")
        assert cursor.next() and cursor.key() == b"k0301"
        assert cursor.prev() and cursor.prev() and cursor.key() == b"k0299"
        assert cursor.next() and cursor.next() and cursor.next() and cursor.key() == b"k0302"
    with store.write() as txn:
        cursor = txn.cursor(db=table)
        assert cursor.set_range(b"k0500")
        txn.put(b"k0500x", b"new", db=table)  # a pending key: the walk must show it
        assert cursor.next() and cursor.key() == b"k0500x"
        assert cursor.next() and cursor.key() == b"k0501"


def test_an_empty_table_has_no_first_or_last(store, table):
    with store.read() as txn:
        cursor = txn.cursor(db=table)
        assert not cursor.first()
        assert not cursor.last()
        assert list(cursor) == []
        assert txn.stat(table)["entries"] == 0


def test_cursors_see_the_transactions_own_writes_and_deletes(store, table):
    fill(store, table)
    with store.write() as txn:
        txn.delete(b"ab", db=table)
        txn.put(b"b", b"new", db=table)
        txn.put(b"a", b"changed", db=table)
        assert list(txn.cursor(db=table)) == [
            (b"a", b"changed"),
            (b"a\x00", b"v:a\x00"),
            (b"b", b"new"),
            (b"b\xff", b"v:b\xff"),
            (b"c", b"v:c"),
        ]
        cursor = txn.cursor(db=table)
        assert cursor.last() and cursor.key() == b"c"
        assert cursor.prev() and cursor.prev() and cursor.key() == b"b"
        assert cursor.prev() and cursor.key() == b"a\x00"
        assert txn.stat(table)["entries"] == 5
    with store.read() as txn:
        assert [key for key, _ in txn.cursor(db=table)] == [b"a", b"a\x00", b"b", b"b\xff", b"c"]
        assert txn.stat(table)["entries"] == 5


def test_a_cursor_deletes_its_key_and_moves_to_the_next(store, table):
    fill(store, table)
    with store.write() as txn:
        cursor = txn.cursor(db=table)
        assert cursor.set_range(b"ab")
        assert cursor.delete()
        assert cursor.key() == b"b\xff"
        assert cursor.last()
        assert cursor.delete()
        assert cursor.key() == b""  # nothing after the last key
        assert not cursor.delete()
    with store.read() as txn:
        assert [key for key, _ in txn.cursor(db=table)] == [b"a", b"a\x00", b"b\xff"]


def test_putmulti_without_overwrite_counts_what_it_added(store, table):
    fill(store, table, [b"b"])
    with store.write() as txn:
        consumed, added = txn.cursor(db=table).putmulti(
            [(b"a", b"1"), (b"b", b"2"), (b"c", b"3")], overwrite=False
        )
        assert (consumed, added) == (3, 2)
    with store.read() as txn:
        assert list(txn.cursor(db=table)) == [(b"a", b"1"), (b"b", b"v:b"), (b"c", b"3")]


def test_uncommitted_writes_are_invisible_to_others(store, table):
    txn = store.write()
    txn.put(b"pending", b"1", db=table)
    with store.read() as reader:
        assert reader.get(b"pending", db=table) is None
    txn.commit()
    with store.read() as reader:
        assert reader.get(b"pending", db=table) == b"1"


def test_values_are_bytes_of_any_content(store, table):
    blob = bytes(range(256)) * 64
    with store.write() as txn:
        txn.put(b"\x00\x01binary-key\xff", blob, db=table)
        txn.put(b"empty", b"", db=table)
    with store.read() as txn:
        assert txn.get(b"\x00\x01binary-key\xff", db=table) == blob
        assert txn.get(b"empty", db=table) == b""


def test_sequenced_appends_are_numbered_in_commit_order_with_the_number_in_the_record(store):
    table = store.tables.integration_events
    for customer in ("first", "second"):
        with store.write() as txn:
            event = events_pb2.IntegrationEvent(customer_id=customer)

            def encode(sequence: int, event=event) -> bytes:
                event.sequence = sequence
                return event.SerializeToString()

            append_sequenced(txn, table, encode, sequence_field=SEQUENCE_FIELD)
    aborted = store.write()
    append_sequenced(aborted, table, lambda _: b"never", sequence_field=SEQUENCE_FIELD)
    aborted.abort()
    with store.read() as txn:
        stored = [
            (decode_u64(key), events_pb2.IntegrationEvent.FromString(value))
            for key, value in txn.cursor(db=table)
        ]
    assert [(key, event.sequence, event.customer_id) for key, event in stored] == [
        (1, 1, "first"),
        (2, 2, "second"),
    ]


def test_counter_additions_read_back_and_roll_back_with_their_transaction(store):
    table = store.tables.counters
    with store.write() as txn:
        add_to_counter(txn, table, b"c", 5)
        add_to_counter(txn, table, b"c", -12)
        assert decode_counter(txn.get(b"c", db=table)) == -7
        add_to_counter(txn, table, b"fresh", 2**40)
    aborted = store.write()
    add_to_counter(aborted, table, b"c", 100)
    assert decode_counter(aborted.get(b"c", db=table)) == 93
    aborted.abort()
    with store.write() as txn:
        add_to_counter(txn, table, b"c", 2)
    with store.read() as txn:
        assert decode_counter(txn.get(b"c", db=table)) == -5
        assert decode_counter(txn.get(b"fresh", db=table)) == 2**40
        assert [key for key, _ in txn.cursor(db=table)] == [b"c", b"fresh"]

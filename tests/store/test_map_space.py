"""The store writes through its memory map, a sparse file as large as the map: the disk blocks a
write transaction may take are allocated before it begins (a real LMDB directory; the full
disk itself is tests/server/test_faults.py's, on a tmpfs)."""

from __future__ import annotations

import os
from pathlib import Path

from promocore.store import LmdbStore
from promocore.store.map_space import MAX_RESERVE_BYTES, MIN_RESERVE_BYTES
from promocore.store.tables import DEFAULT_MAP_SIZE


def allocated_bytes(store: LmdbStore) -> int:
    return os.stat(store.path / "data.mdb").st_blocks * 512


def in_use_bytes(store: LmdbStore) -> int:
    return (store.env.info()["last_pgno"] + 1) * store.env.stat()["psize"]


def test_the_data_file_is_the_map_and_the_reserve_ahead_of_the_data_is_allocated(tmp_path):
    store = LmdbStore(tmp_path / "data")
    try:
        assert os.stat(store.path / "data.mdb").st_size == DEFAULT_MAP_SIZE
        for n in range(50):
            with store.write() as txn:
                txn.put(b"key-%d" % n, os.urandom(3000))
        # The next write transaction found its pages and the reserve allocated.
        with store.write() as txn:
            txn.put(b"last", b"1")
        assert allocated_bytes(store) >= in_use_bytes(store) + MIN_RESERVE_BYTES
        # Not the map: a sparse file whose blocks follow the data.
        assert allocated_bytes(store) <= in_use_bytes(store) + 4 * MAX_RESERVE_BYTES
    finally:
        store.close()


def test_a_large_write_reserves_its_size_before_it_begins(tmp_path):
    store = LmdbStore(tmp_path / "data")
    try:
        before = allocated_bytes(store)
        store.reserve(24 << 20)
        assert allocated_bytes(store) >= in_use_bytes(store) + (24 << 20)
        assert allocated_bytes(store) > before
        with store.write() as txn:
            txn.put(b"big", os.urandom(16 << 20))
        with store.read() as txn:
            assert len(txn.get(b"big")) == 16 << 20
    finally:
        store.close()


def test_a_reopened_store_keeps_what_was_written_through_the_map(tmp_path):
    store = LmdbStore(tmp_path / "data")
    with store.write() as txn:
        txn.put(b"kept", b"through the map")
    store.close()
    reopened = LmdbStore(tmp_path / "data")
    try:
        with reopened.read() as txn:
            assert txn.get(b"kept") == b"through the map"
    finally:
        reopened.close()


def written_bytes() -> int:
    """What the kernel counts this process as having written to disk (`/proc/self/io`)."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("write_bytes:"):
            return int(line.split()[1])
    raise AssertionError("no write_bytes in /proc/self/io")


def test_a_small_commit_in_a_grown_store_writes_only_its_own_pages(tmp_path):
    # The store grows through the map page after page. With readahead, each page fault ahead
    # of the data reads a span of the file, in larger folios as the faults go on in order
    # (at about 11 MB, folios of several pages); a later commit that changes one page of
    # such a folio dirties, writes and counts it whole.
    store = LmdbStore(tmp_path / "data")
    try:
        for chunk in range(30):
            with store.write() as txn:
                for n in range(100):
                    txn.put(b"old-%05d" % (chunk * 100 + n), os.urandom(3000))
        assert in_use_bytes(store) > 11 << 20
        before = written_bytes()
        for n in range(20):
            with store.write() as txn:
                txn.put(b"new-%05d" % n, b"x" * 100)
        # A commit of one small record: its leaf, a branch page, the free list's page and a
        # meta page, each 4 KB (with readahead: about 40 KB).
        assert (written_bytes() - before) / 20 <= 6 * 4096
    finally:
        store.close()

"""With full durability an LMDB commit syncs its data and the store syncs the new root after
it (store.tables.open_environment): every way of committing a write pays that second sync
before it returns, and a write that fails pays none."""

from __future__ import annotations

import pytest

from promocore.store.store import Store
from promocore.store.tables import open_environment, sync_root


@pytest.fixture
def synced_store(tmp_path):
    env, tables = open_environment(tmp_path / "data")
    committed_at_sync: list[bytes | None] = []

    def recording_sync() -> None:
        with env.begin() as txn:
            committed_at_sync.append(txn.get(b"key", db=tables.settings))
        sync_root(env)

    store = Store(env, tables, location=str(tmp_path), sync=recording_sync)
    yield store, committed_at_sync
    store.close()


def test_a_with_block_is_synced_after_it_commits(synced_store):
    store, syncs = synced_store
    with store.write() as txn:
        txn.put(b"key", b"v1", db=store.tables.settings)
    assert syncs == [b"v1"]


def test_commit_is_synced_after_it_commits(synced_store):
    store, syncs = synced_store
    txn = store.write()
    txn.put(b"key", b"v2", db=store.tables.settings)
    txn.commit()
    assert syncs == [b"v2"]


def test_a_failed_write_is_not_synced(synced_store):
    store, syncs = synced_store
    with pytest.raises(ValueError), store.write() as txn:
        txn.put(b"key", b"never", db=store.tables.settings)
        raise ValueError("the write fails")
    assert syncs == []


def test_transact_is_synced_after_it_commits(synced_store):
    store, syncs = synced_store
    store.transact(lambda txn: txn.put(b"key", b"v3", db=store.tables.settings))
    assert syncs == [b"v3"]

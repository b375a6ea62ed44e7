"""Bulk code inserts into a real LMDB store: a batch that collides with codes already stored
keeps them untouched and adds only the new ones, with their index entries."""

from __future__ import annotations

from promocore.store import LmdbStore
from promocore.store.code_batches import add_code_batch
from promocore.store.codegen import CodePattern
from promocore.v1 import campaign_pb2


def test_a_colliding_batch_adds_only_the_new_codes_and_leaves_the_old_ones(tmp_path):
    store = LmdbStore(tmp_path / "data")
    pattern = CodePattern.from_config(
        campaign_pb2.CodeConfig(pattern="######", charset_preset="numbers"), "code_config"
    )
    new_tail = campaign_pb2.Code(campaign_id="new").SerializeToString()
    old_tail = campaign_pb2.Code(campaign_id="old").SerializeToString()
    try:
        keys, records, index = pattern.records(300, new_tail, b"new\0")
        old_keys, old_records, old_index = keys[::3], [], []
        for key in old_keys:  # a third of the batch exists already, owned by "old"
            old_records.append(b"\n\x06" + key + old_tail)
            old_index.append(b"old\0" + key)
        with store.write() as txn:
            assert add_code_batch(txn, store.tables, old_keys, old_records, old_index)
        with store.write() as txn:
            added = add_code_batch(txn, store.tables, keys, records, index)
        assert len(added) == len(keys) - len(old_keys)
        assert set(added) == set(records) - set(records[::3])
        with store.read() as txn:
            for key in keys:
                code = store.catalog.get_code(txn, key.decode())
                owner = "old" if key in old_keys else "new"
                assert code.campaign_id == owner and code.code.encode() == key
            listed = {c.code for c in store.catalog.iter_campaign_codes(txn, "new")}
            assert listed == {pattern.code_of(record) for record in added}
            assert len(list(store.catalog.iter_campaign_codes(txn, "old"))) == len(old_keys)
    finally:
        store.close()


def test_a_clean_batch_is_added_whole(tmp_path):
    store = LmdbStore(tmp_path / "data")
    pattern = CodePattern.from_config(campaign_pb2.CodeConfig(prefix="X-"), "code_config")
    try:
        keys, records, index = pattern.records(
            1000, campaign_pb2.Code(campaign_id="c").SerializeToString(), b"c\0"
        )
        assert keys == sorted(keys) and len(set(keys)) == len(keys) == 1000
        with store.write() as txn:
            assert add_code_batch(txn, store.tables, keys, records, index) is records
        with store.read() as txn:
            codes = list(store.catalog.iter_campaign_codes(txn, "c"))
        assert [c.code.encode() for c in codes] == keys
        assert all(c.code.startswith("X-") and len(c.code) == 10 for c in codes)
    finally:
        store.close()

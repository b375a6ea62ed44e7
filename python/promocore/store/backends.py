"""Which backend a store location means, and opening it: a redis:// (or rediss://) URL is Redis
(`RedisStore`, store/redis_store.py), anything else an LMDB directory (`LmdbStore`,
store/lmdb_store.py). Each backend subclasses `Store` (store/store.py), which imports neither; the
backend's module is imported when a store of that kind is opened."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from promocore.store.store import Store
from promocore.store.txn import Cursor, Txn

if TYPE_CHECKING:
    import lmdb

    from promocore.store.redis_cursor import RedisCursor
    from promocore.store.redis_kv import RedisTransaction

    def _backends_offer_the_interface(
        lmdb_txn: lmdb.Transaction[bytes],
        lmdb_cursor: lmdb.Cursor[bytes],
        redis_txn: RedisTransaction,
        redis_cursor: RedisCursor,
    ) -> tuple[Txn, Cursor, Txn, Cursor]:
        """Never run: the type checker (`make lint`) proves here that both backends'
        transactions and cursors are what store.Txn and store.Cursor promise the domain."""
        return lmdb_txn, lmdb_cursor, redis_txn, redis_cursor


def is_redis_location(location: str | Path) -> bool:
    return isinstance(location, str) and location.startswith(("redis://", "rediss://"))


def open_store(location: str | Path, **options: Any) -> Store:
    """The store at `location`: a redis:// URL opens Redis, anything else is an LMDB directory.
    `options` are the backend's keyword arguments (clock, max_batch, commit_observer; durability
    for LMDB)."""
    if is_redis_location(location):
        from promocore.store.redis_store import RedisStore

        options.pop("durability", None)  # Redis durability is the server's AOF setting
        return RedisStore(str(location), **options)
    from promocore.store.lmdb_store import LmdbStore

    return LmdbStore(location, **options)

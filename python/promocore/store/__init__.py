"""The store: campaigns, codes, usage counters and the redemption log, on LMDB (embedded, the
default) or Redis (shared by several nodes)."""

from promocore.store.lmdb_store import LmdbStore
from promocore.store.store import Store, open_store

__all__ = ["LmdbStore", "Store", "open_store"]

"""The embedded LMDB store: campaigns, codes, usage counters and the redemption log."""

from promocore.store.lmdb_store import LmdbStore

__all__ = ["LmdbStore"]

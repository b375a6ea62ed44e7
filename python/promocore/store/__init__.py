"""The store: campaigns, codes, usage counters and the redemption log, on LMDB (embedded, the
default) or Redis (several nodes). Imports only the engine binding, v1/, errors, clock and
call_context/; the domain packages and server/ import it, it imports none of them."""

from promocore.store.backends import open_store
from promocore.store.group_commit import Refusal
from promocore.store.lmdb_store import LmdbStore
from promocore.store.store import Store
from promocore.store.txn import Cursor, Table, Txn

__all__ = ["Cursor", "LmdbStore", "Refusal", "Store", "Table", "Txn", "open_store"]

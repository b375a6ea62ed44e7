"""API keys in LMDB: the public record and the SHA-256 of the secret, never the secret itself.

Every change (a new key, a revocation) bumps the auth generation, so each server process can tell
cheaply, without rereading the table, that the keys it has verified must be looked at again.
"""

from __future__ import annotations

from collections.abc import Iterator

from promocore.errors import NotFoundError
from promocore.store.keys import decode_counter, encode_counter
from promocore.store.tables import Tables
from promocore.store.txn import Txn
from promocore.v1 import admin_pb2
from promocore.v1.internal import store_pb2

GENERATION_KEY = b"auth/generation"


class ApiKeyTable:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def generation(self, txn: Txn) -> int:
        return decode_counter(txn.get(GENERATION_KEY, db=self._t.settings))

    def _bump_generation(self, txn: Txn) -> None:
        txn.put(GENERATION_KEY, encode_counter(self.generation(txn) + 1), db=self._t.settings)

    def get(self, txn: Txn, key_id: str) -> store_pb2.StoredApiKey | None:
        encoded = key_id.encode()
        if not encoded or len(encoded) > 64:
            return None
        raw = txn.get(encoded, db=self._t.api_keys)
        return None if raw is None else store_pb2.StoredApiKey.FromString(raw)

    def add(self, txn: Txn, stored: store_pb2.StoredApiKey) -> None:
        txn.put(stored.key.id.encode(), stored.SerializeToString(), db=self._t.api_keys)
        self._bump_generation(txn)

    def revoke(self, txn: Txn, key_id: str, now_ms: int) -> admin_pb2.ApiKey:
        stored = self.get(txn, key_id)
        if stored is None:
            raise NotFoundError(f"API key {key_id!r} does not exist", reason="api_key_not_found")
        if not stored.key.HasField("revoked_at"):
            stored.key.revoked_at.FromMilliseconds(now_ms)
            txn.put(key_id.encode(), stored.SerializeToString(), db=self._t.api_keys)
            self._bump_generation(txn)
        return stored.key

    def count(self, txn: Txn) -> int:
        entries: int = txn.stat(self._t.api_keys)["entries"]
        return entries

    def iter_keys(self, txn: Txn, after_id: str = "") -> Iterator[admin_pb2.ApiKey]:
        cursor = txn.cursor(db=self._t.api_keys)
        found = cursor.set_range(after_id.encode() + b"\0") if after_id else cursor.first()
        while found:
            yield store_pb2.StoredApiKey.FromString(cursor.value()).key
            found = cursor.next()

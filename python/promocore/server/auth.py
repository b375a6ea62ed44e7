"""Authentication of every RPC but health checks and reflection: the `x-api-key` metadata,
checked against the hashed keys in the store (the gate calls `authenticate`, then checks the
key's role against roles.ALLOWED).

Each process remembers the keys it has verified and drops them all when the store's auth
generation moves; it looks at the generation at most every REFRESH_INTERVAL_S, so a key revoked
by any process is refused by every process within that interval (well under a second). A key
verified before costs one dict lookup: the presented string itself is the cache key, so the
digest is computed only when a key is first seen in a generation. Unknown or wrong keys are never
remembered (a caller could fill the cache with made-up ones); the stored records are, by id, so
a wrong secret for a real id costs a digest but no store read.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from promocore.call_context.principal import Principal
from promocore.client.core import API_KEY_HEADER
from promocore.errors import UnauthenticatedError
from promocore.manage import api_keys
from promocore.store import Store
from promocore.v1.internal import store_pb2

REFRESH_INTERVAL_S = 0.25


def presented_key(metadata: Sequence[tuple[str, Any]] | None) -> str | None:
    """The API key of a call's metadata; None without one."""
    for name, value in metadata or ():
        if name == API_KEY_HEADER:
            return str(value)
    return None


class Authenticator:
    def __init__(self, store: Store, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._store = store
        self._monotonic = monotonic
        self._lock = threading.Lock()
        # Both replaced (never cleared in place) when the generation moves, under the lock.
        self._verified: dict[str, Principal] = {}  # presented key -> who it is
        self._records: dict[str, store_pb2.StoredApiKey] = {}  # key id -> its record
        self._generation = -1
        self._checked_at = float("-inf")

    def authenticate(self, key: str | None) -> Principal:
        """Who presents `key`; UnauthenticatedError when nobody (no key, unknown, revoked)."""
        if self._monotonic() - self._checked_at >= REFRESH_INTERVAL_S:
            self._refresh()
        principal = self._verified.get(key)  # type: ignore[arg-type]
        if principal is not None:
            return principal
        return self._verify(key)

    def _refresh(self) -> None:
        with self._lock:
            now = self._monotonic()
            if now - self._checked_at < REFRESH_INTERVAL_S:
                return  # another thread just did
            with self._store.read() as txn:
                generation = self._store.api_keys.generation(txn)
            self._checked_at = now
            if generation != self._generation:
                self._generation = generation
                self._verified = {}
                self._records = {}

    def _verify(self, key: str | None) -> Principal:
        if not key:
            raise UnauthenticatedError(f"an API key is required (metadata {API_KEY_HEADER!r})")
        key_id = api_keys.key_id_of(key)
        if key_id is None:
            raise UnauthenticatedError("the API key is unknown, malformed or revoked")
        records, verified = self._records, self._verified  # of the generation looked at last
        record = records.get(key_id)
        if record is None:
            with self._store.read() as txn:
                record = self._store.api_keys.get(txn, key_id)
        if record is None or record.key.HasField("revoked_at") or not api_keys.matches(key, record):
            raise UnauthenticatedError("the API key is unknown, malformed or revoked")
        principal = Principal(key_id=record.key.id, role=record.key.role)
        with self._lock:
            # Only into the dicts of the generation this record may belong to: when a refresh
            # replaced them meanwhile, the record may predate a revocation.
            if self._records is records:
                records.setdefault(key_id, record)
                verified[key] = principal
        return principal

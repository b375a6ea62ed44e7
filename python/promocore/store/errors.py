"""What the store raises, whatever the backend: one place for the server to import from.

A WriteConflict is a shared store's (Redis) lost race: nothing was written, and the work is run
again (the gate retries an RPC, `Store.transact` a write of its own). STORE_UNREACHABLE are the
exceptions of a store that cannot be reached; the server answers them with UNAVAILABLE
(`store_unavailable`). An embedded store (LMDB) raises neither.
"""

from __future__ import annotations

import redis

from promocore.errors import UnavailableError

STORE_UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


class WriteConflict(Exception):
    """Another writer changed what this transaction read; nothing was written. Run it again."""


def store_unavailable(error: BaseException) -> UnavailableError:
    return UnavailableError(f"the store is unreachable: {error}", reason="store_unavailable")

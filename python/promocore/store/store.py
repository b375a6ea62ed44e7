"""Store: the store's modules (catalog, redemption log, reservations, balances, keys, audit)
over one backend's tables, with the process's group-commit writer.

The backend is LMDB (`LmdbStore`, the default, one machine) or Redis (`RedisStore`, several
nodes); both offer the same transaction interface (py-lmdb's), so every module runs unchanged on
either. Both subclass `Store`; `open_store` (store/backends.py) picks one from a location.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from promocore.clock import Clock, SystemClock
from promocore.errors import WriteConflictError
from promocore.store.api_keys import ApiKeyTable
from promocore.store.audit_log import AuditLog
from promocore.store.balances import BalanceBook
from promocore.store.catalog import Catalog
from promocore.store.counter_layout import convert_counters
from promocore.store.errors import WriteConflict
from promocore.store.group_commit import DEFAULT_MAX_BATCH, CommitObserver, GroupCommitWriter
from promocore.store.redemption_time import RedemptionTime
from promocore.store.redemptions import RedemptionLog
from promocore.store.reservations import Reservations
from promocore.store.tables import Tables
from promocore.store.txn import Txn

# Expired reservation sessions deleted per write batch (housekeeping, not correctness).
EXPIRED_SESSIONS_PER_BATCH = 32
# Runs of a transact() whose transaction keeps losing races (shared store only).
TRANSACT_ATTEMPTS = 20
T = TypeVar("T")


class Store:
    """Opened once per process (after fork, when serving with several workers).

    Reads use `read()`. Checkout writes go through `writer`, which batches them into one
    durable transaction (group commit); admin writes use `write()`, a transaction of their own.
    Either way a write returns only once it is committed.
    """

    def __init__(
        self,
        env: Any,
        tables: Tables,
        *,
        location: str,
        max_batch: int = DEFAULT_MAX_BATCH,
        clock: Clock | None = None,
        commit_observer: CommitObserver | None = None,
    ) -> None:
        self.env = env
        self.tables = tables
        # Where the data lives, for messages: a directory or a redis:// URL.
        self.location = location
        self.catalog = Catalog(self.tables)
        self.redemptions = RedemptionLog(self.tables)
        self.redemption_time = RedemptionTime(self.tables)
        self.reservations = Reservations(self.tables)
        self.balances = BalanceBook(self.tables, self.redemptions)
        self.api_keys = ApiKeyTable(self.tables)
        self.audit = AuditLog(self.tables)
        self.clock = clock or SystemClock()
        # A store written before the per-customer counter layout is converted before any write.
        convert_counters(env, lambda work: transact(env, work), tables, location)
        self.writer = GroupCommitWriter(
            self.env,
            max_batch=max_batch,
            after_jobs=self._delete_expired_sessions,
            observer=commit_observer,
        )

    def read(self) -> Txn:
        txn: Txn = self.env.begin(write=False, buffers=False)
        return txn

    def write(self) -> Txn:
        txn: Txn = self.env.begin(write=True)
        return txn

    def reserve(self, extra_bytes: int) -> None:
        """Makes room on disk for a large write transaction about to begin (`extra_bytes` more
        than usual: a chunk of generated codes). Only an embedded store needs it
        (store/map_space.py)."""

    def transact(self, work: Callable[[Txn], T]) -> T:
        """Runs `work(txn)` in a write transaction of its own and returns its result; on a shared
        store a transaction that lost a race wrote nothing and is run again (for writes outside
        an RPC, which the gate already runs again)."""
        return transact(self.env, work)

    def is_empty(self) -> bool:
        with self.read() as txn:
            entries: int = txn.stat(self.tables.campaign_heads)["entries"]
            return entries == 0

    def close(self) -> None:
        self.writer.stop()
        self.env.close()

    def _delete_expired_sessions(self, txn: Txn) -> None:
        self.reservations.delete_expired(
            txn, now_ms=self.clock.now_ms(), limit=EXPIRED_SESSIONS_PER_BATCH
        )


def transact(env: Any, work: Callable[[Txn], T]) -> T:
    """`work(txn)` in a write transaction of `env`, run again while it loses races (a shared
    store's WriteConflict: nothing was written), at most TRANSACT_ATTEMPTS times."""
    for attempt in range(1, TRANSACT_ATTEMPTS + 1):
        try:
            with env.begin(write=True) as txn:
                return work(txn)
        except WriteConflict as conflict:
            if attempt == TRANSACT_ATTEMPTS:
                raise WriteConflictError(str(conflict)) from None
    raise AssertionError("unreachable")

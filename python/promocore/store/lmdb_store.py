"""LmdbStore: one LMDB environment holding the catalog, the counters, reservations and the
redemption log, with the process's group-commit writer."""

from __future__ import annotations

from pathlib import Path

import lmdb

from promocore.clock import Clock, SystemClock
from promocore.store.api_keys import ApiKeyTable
from promocore.store.audit_log import AuditLog
from promocore.store.balances import BalanceBook
from promocore.store.catalog import Catalog
from promocore.store.group_commit import DEFAULT_MAX_BATCH, GroupCommitWriter
from promocore.store.redemptions import RedemptionLog
from promocore.store.reservations import Reservations
from promocore.store.tables import DEFAULT_MAP_SIZE, Durability, open_environment

# Expired reservation sessions deleted per write batch (housekeeping, not correctness).
EXPIRED_SESSIONS_PER_BATCH = 32


class LmdbStore:
    """Opened once per process (after fork, when serving with several workers).

    Reads use `read()` (a snapshot, no lock). Checkout writes go through `writer`, which batches
    them into one durable transaction (group commit); admin writes use `write()`, a transaction
    of their own. Either way a write returns only once it is committed.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        map_size: int = DEFAULT_MAP_SIZE,
        durability: Durability = Durability.FULL,
        max_batch: int = DEFAULT_MAX_BATCH,
        clock: Clock | None = None,
    ) -> None:
        self.path = Path(path)
        self.env, self.tables = open_environment(
            self.path, map_size=map_size, durability=durability
        )
        self.catalog = Catalog(self.tables)
        self.redemptions = RedemptionLog(self.tables)
        self.reservations = Reservations(self.tables)
        self.balances = BalanceBook(self.tables, self.redemptions)
        self.api_keys = ApiKeyTable(self.tables)
        self.audit = AuditLog(self.tables)
        self.clock = clock or SystemClock()
        self.writer = GroupCommitWriter(
            self.env, max_batch=max_batch, after_jobs=self._delete_expired_sessions
        )

    def read(self) -> lmdb.Transaction:
        return self.env.begin(write=False, buffers=False)

    def write(self) -> lmdb.Transaction:
        return self.env.begin(write=True)

    def is_empty(self) -> bool:
        with self.read() as txn:
            return txn.stat(self.tables.campaign_heads)["entries"] == 0

    def close(self) -> None:
        self.writer.stop()
        self.env.close()

    def _delete_expired_sessions(self, txn: lmdb.Transaction) -> None:
        self.reservations.delete_expired(
            txn, now_ms=self.clock.now_ms(), limit=EXPIRED_SESSIONS_PER_BATCH
        )

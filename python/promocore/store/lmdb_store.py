"""LmdbStore: one LMDB environment holding the catalog, the counters and the redemption log."""

from __future__ import annotations

from pathlib import Path

import lmdb

from promocore.store.catalog import Catalog
from promocore.store.redemptions import RedemptionLog
from promocore.store.tables import DEFAULT_MAP_SIZE, open_environment


class LmdbStore:
    """Opened once per process (after fork, when serving with several workers).

    Reads use `read()` (a snapshot, no lock); every change goes through `write()`: a single LMDB
    write transaction, synced to disk before it returns, so a committed change survives a crash.
    """

    def __init__(self, path: Path | str, *, map_size: int = DEFAULT_MAP_SIZE) -> None:
        self.path = Path(path)
        self.env, self.tables = open_environment(self.path, map_size=map_size)
        self.catalog = Catalog(self.tables)
        self.redemptions = RedemptionLog(self.tables)

    def read(self) -> lmdb.Transaction:
        return self.env.begin(write=False, buffers=False)

    def write(self) -> lmdb.Transaction:
        return self.env.begin(write=True)

    def is_empty(self) -> bool:
        with self.read() as txn:
            return txn.stat(self.tables.campaign_heads)["entries"] == 0

    def close(self) -> None:
        self.env.close()

"""Disk space for the store's memory map, allocated before LMDB writes into it.

The store writes through its memory map (MDB_WRITEMAP, tables.py): a transaction's pages are
the page cache's own, synced at commit, with no copy into write calls. With it LMDB makes the
data file as large as the map, a sparse file whose pages take their disk blocks when first
written. A page written through the map into a hole cannot fail with ENOSPC: on a full disk the
process would die of SIGBUS. So before each write transaction the blocks of the pages it may
take are allocated with fallocate, from the last page in use up to a reserve ahead of it; on a
full disk that fails with ENOSPC (NoSpaceForStore), before anything is written, and the write is
refused like any other on a full disk. The reserve grows with the store (an eighth of it,
between MIN_RESERVE_BYTES and MAX_RESERVE_BYTES); a transaction that may take more (a chunk of
generated codes) asks for its size first (`reserve_more`).
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import lmdb

MIN_RESERVE_BYTES = 4 << 20
MAX_RESERVE_BYTES = 64 << 20
ALLOCATION_STEP_BYTES = 1 << 20


class NoSpaceForStore(OSError):
    """The disk has no room for the pages a write transaction may take; nothing was written."""


class ReservedEnvironment:
    """An LMDB environment opened with MDB_WRITEMAP whose write transactions begin only once
    the disk blocks they may write are allocated. Everything else is the environment's own."""

    def __init__(self, env: lmdb.Environment, data_file: Path) -> None:
        self._env = env
        self._fd = os.open(data_file, os.O_RDWR)
        self._page_size: int = env.stat()["psize"]
        self._map_size: int = env.info()["map_size"]
        # Bytes from the file's start whose blocks are allocated (by this process).
        self._allocated = 0

    def begin(self, *, write: bool = False, buffers: bool = False) -> lmdb.Transaction[Any]:
        if write:
            self.reserve_more(0)
        if buffers:
            return self._env.begin(write=write, buffers=True)
        return self._env.begin(write=write)

    def reserve_more(self, extra_bytes: int) -> None:
        """Allocates the pages in use, the reserve ahead of them and `extra_bytes` more."""
        in_use = (self._env.info()["last_pgno"] + 1) * self._page_size
        reserve = min(max(in_use // 8, MIN_RESERVE_BYTES), MAX_RESERVE_BYTES)
        needed = min(in_use + reserve + extra_bytes, self._map_size)
        if needed <= self._allocated:
            return
        # In steps of ALLOCATION_STEP_BYTES: a store growing page by page calls fallocate once
        # per step, not once per transaction.
        until = min(-(-needed // ALLOCATION_STEP_BYTES) * ALLOCATION_STEP_BYTES, self._map_size)
        try:
            os.posix_fallocate(self._fd, self._allocated, until - self._allocated)
        except OSError as error:
            raise NoSpaceForStore(
                error.errno or errno.ENOSPC,
                f"no space for the store's next pages ({os.strerror(error.errno or errno.ENOSPC)})",
            ) from None
        self._allocated = until

    def close(self) -> None:
        os.close(self._fd)
        self._env.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._env, name)

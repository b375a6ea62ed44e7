"""The LMDB data file checked before LMDB maps it: a file shorter than its own last page.

LMDB maps `data.mdb` and trusts its meta pages: a page past the end of a truncated file is
touched as memory, and the process dies of SIGBUS (no message, exit status 135; a worker that
restarts dies again). So before any `lmdb.open`, the two meta pages at the start of the file are
read with ordinary file reads: the newer one (by transaction id) names the last page in use,
and a file shorter than that page's end is refused with one line.

Layout (LMDB's `MDB_page` header, then `MDB_meta`, 64-bit builds): the header is 16 bytes; the
meta is magic (u32), version (u32), address (u64), map size (u64), two `MDB_db` records of 48
bytes (the free-page table's first field, `md_pad`, holds the page size), the last page number
(u64) and the transaction id (u64).
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path

from promocore.store.refusals import StoreRefused

DATA_FILE = "data.mdb"
LMDB_MAGIC = 0xBEEFC0DE
_PAGE_HEADER = 16
_META = struct.Struct("<IIQQ48s48sQQ")
# The smallest page size LMDB uses; the second meta page starts one page in.
_MIN_PAGE = 512


@dataclass(frozen=True)
class Meta:
    page_size: int
    last_page: int
    txn_id: int

    @property
    def needed_bytes(self) -> int:
        return (self.last_page + 1) * self.page_size


def check_data_file(directory: Path) -> Meta | None:
    """The newest meta of `directory`'s data file, after checking that the file holds every
    page it names; None when there is no data file yet (or an empty one: LMDB makes it).
    Raises StoreRefused when the file is too short or not an LMDB file."""
    path = directory / DATA_FILE
    try:
        size = os.stat(path).st_size
    except FileNotFoundError:
        return None
    if size == 0:
        return None
    with path.open("rb") as data:
        head = data.read(_PAGE_HEADER + _META.size)
        first = _meta(head, path)
        if first is None:
            raise StoreRefused(
                f"{path} is not an LMDB data file (no LMDB meta page at its start); refusing to "
                "open it"
            )
        data.seek(first.page_size)
        second = _meta(data.read(_PAGE_HEADER + _META.size), path)
    newest = first if second is None or first.txn_id >= second.txn_id else second
    if size < newest.needed_bytes:
        raise StoreRefused(
            f"{path} is truncated: {size} bytes, but its last page ({newest.last_page}, "
            f"{newest.page_size}-byte pages) ends at byte {newest.needed_bytes}; refusing to open "
            "it (restore it from a backup: docs/operations.md, 'A damaged or truncated store')"
        )
    return newest


def _meta(page: bytes, path: Path) -> Meta | None:
    if len(page) < _PAGE_HEADER + _META.size:
        return None
    magic, _version, _address, _map_size, free_db, _main_db, last_page, txn_id = _META.unpack_from(
        page, _PAGE_HEADER
    )
    if magic != LMDB_MAGIC:
        return None
    page_size = struct.unpack_from("<I", free_db, 0)[0]
    if page_size < _MIN_PAGE or page_size & (page_size - 1):
        raise StoreRefused(f"{path}: its meta page names a page size of {page_size}; refusing it")
    return Meta(page_size=page_size, last_page=last_page, txn_id=txn_id)

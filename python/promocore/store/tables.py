"""The LMDB environment and its named tables (one LMDB sub-database each)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import lmdb

# Virtual address space reserved for the map; the file only grows as data is written.
DEFAULT_MAP_SIZE = 64 << 30

TABLE_NAMES = (
    # campaign id -> latest version, 8 bytes big-endian
    "campaign_heads",
    # campaign id \0 version (8 bytes BE) -> Campaign bytes
    "campaign_versions",
    # normalized code -> Code bytes
    "codes",
    # campaign id \0 normalized code -> b"" (listing and export)
    "campaign_codes",
    # counter key -> signed 8-byte little-endian value
    "counters",
    # redemption id -> StoredRedemption bytes (current state)
    "redemptions",
    # sequence (8 bytes BE) -> LogRecord bytes, append-only
    "redemption_log",
    # idempotency key -> IdempotencyRecord bytes
    "idempotency",
)


@dataclass(frozen=True)
class Tables:
    campaign_heads: lmdb._Database
    campaign_versions: lmdb._Database
    codes: lmdb._Database
    campaign_codes: lmdb._Database
    counters: lmdb._Database
    redemptions: lmdb._Database
    redemption_log: lmdb._Database
    idempotency: lmdb._Database


def open_environment(
    path: Path, *, map_size: int = DEFAULT_MAP_SIZE
) -> tuple[lmdb.Environment, Tables]:
    """Opens (creating) the environment; every commit is synced to disk before it returns."""
    path.mkdir(parents=True, exist_ok=True)
    env = lmdb.open(
        str(path),
        map_size=map_size,
        max_dbs=len(TABLE_NAMES) + 4,
        max_readers=1024,
        sync=True,
        metasync=True,
        lock=True,
    )
    with env.begin(write=True) as txn:
        handles = {name: env.open_db(name.encode(), txn=txn) for name in TABLE_NAMES}
    return env, Tables(**handles)

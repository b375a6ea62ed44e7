"""The store-identity record: what makes an LMDB file promocore's.

Written when a store is created, in a table of its own (`store_identity`): the store format
version, the program that created it and when. Every open reads it first, in the transaction
that opens the tables, before anything is written:

- identity present: promocore's store; a format newer than this program knows is refused;
- no identity and an empty file (no table, no record): a new store, the identity is written;
- no identity, and only tables that promocore names: a store made by a release before the
  identity record existed; it is adopted (the identity is written, `created_by` saying so);
- anything else (records or tables promocore never makes): another program's LMDB file, refused
  without a write, so that nothing (demo data, tables, a bootstrap key) is written into it.
"""

from __future__ import annotations

import importlib.metadata
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from promocore.store.refusals import StoreRefused

IDENTITY_TABLE = b"store_identity"
IDENTITY_KEY = b"identity"
# A conversion's progress (store/migrate_v2.py), while one is under way.
MIGRATION_KEY = b"migration"
# The layout of the tables (store/tables.py). A store of a newer format is refused; one of an
# older format is converted when a server opens it (store/migrate_v2.py). 1: each redemption
# copied into the log and its first answer kept whole; 2: the record written once; 3: a
# customer's counters under one prefix (store/counter_layout.py, which moves them).
FORMAT_VERSION = 3
# The format of the stores releases wrote before the identity record existed.
FIRST_FORMAT_VERSION = 1
# How many foreign names a refusal lists.
LISTED_NAMES = 5


@dataclass(frozen=True)
class StoreIdentity:
    format_version: int
    created_by: str
    # UTC, RFC 3339, from the wall clock of the process that wrote it.
    created_at: str

    def encode(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True).encode()

    @classmethod
    def decode(cls, raw: bytes) -> StoreIdentity:
        fields = json.loads(raw)
        return cls(
            format_version=int(fields["format_version"]),
            created_by=str(fields["created_by"]),
            created_at=str(fields["created_at"]),
        )


def new_identity(*, adopted: bool = False) -> StoreIdentity:
    program = f"promocore {_version()}"
    return StoreIdentity(
        # An adopted store has the layout of the releases before the identity record.
        format_version=FIRST_FORMAT_VERSION if adopted else FORMAT_VERSION,
        created_by=f"{program} (adopted a store of an earlier release)" if adopted else program,
        created_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    )


def read_identity(env: Any, txn: Any) -> StoreIdentity | None:
    """The identity of an open environment, or None when it has none."""
    if txn.get(IDENTITY_TABLE) is None:  # the main table lists the named tables
        return None
    table = env.open_db(IDENTITY_TABLE, txn=txn, create=False)
    raw = txn.get(IDENTITY_KEY, db=table)
    return StoreIdentity.decode(raw) if raw is not None else None


def ensure_identity(env: Any, txn: Any, path: Path, table_names: tuple[str, ...]) -> StoreIdentity:
    """The identity of the store opened in `txn` (a write transaction), written when the store
    is new or of an earlier release; raises StoreRefused for anything else."""
    identity = checked_identity(env, txn, path, table_names)
    if identity is not None:
        return identity
    identity = new_identity(adopted=txn.get(b"campaign_heads") is not None)
    table = env.open_db(IDENTITY_TABLE, txn=txn)
    txn.put(IDENTITY_KEY, identity.encode(), db=table)
    return identity


def checked_identity(
    env: Any, txn: Any, path: Path, table_names: tuple[str, ...]
) -> StoreIdentity | None:
    """The identity of the store opened in `txn`; None for a new store or one of an earlier
    release (ensure_identity writes one); raises StoreRefused for a store of a newer format
    and for another program's file. Reads only."""
    identity = read_identity(env, txn)
    if identity is not None:
        if identity.format_version > FORMAT_VERSION:
            raise StoreRefused(
                f"{path} holds a promocore store of format {identity.format_version}, made by "
                f"{identity.created_by}; this program reads format {FORMAT_VERSION} at most"
            )
        return identity
    foreign = foreign_names(txn, table_names)
    if foreign:
        raise StoreRefused(
            f"{path} holds an LMDB file that is not a promocore store (no store identity; "
            f"it has {_listed(foreign)}); refusing to open it. Point --data-dir at an empty "
            "directory or at a promocore store"
        )
    return None


def record_format_version(env: Any, txn: Any, version: int) -> None:
    """Records, in `txn` (a write transaction), that the store is now of format `version`."""
    identity = read_identity(env, txn)
    if identity is None:
        raise StoreRefused("the store has no identity record to record its format in")
    table = env.open_db(IDENTITY_TABLE, txn=txn, create=False)
    updated = StoreIdentity(version, identity.created_by, identity.created_at)
    txn.put(IDENTITY_KEY, updated.encode(), db=table)


def foreign_names(txn: Any, table_names: tuple[str, ...]) -> list[bytes]:
    """The keys of the main table that are neither promocore's tables nor its identity."""
    known = {name.encode() for name in table_names} | {IDENTITY_TABLE}
    return [bytes(key) for key in txn.cursor().iternext(values=False) if bytes(key) not in known]


def _listed(names: list[bytes]) -> str:
    shown = ", ".join(repr(name.decode(errors="replace")) for name in names[:LISTED_NAMES])
    more = f" and {len(names) - LISTED_NAMES} more" if len(names) > LISTED_NAMES else ""
    return f"{len(names)} records or tables promocore does not make: {shown}{more}"


def _version() -> str:
    try:
        return importlib.metadata.version("promocore")
    except importlib.metadata.PackageNotFoundError:
        return "(development)"

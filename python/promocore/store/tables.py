"""The LMDB environment and its named tables (one LMDB sub-database each)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

import lmdb

from promocore.store.data_file import DATA_FILE, check_data_file
from promocore.store.identity import (
    checked_identity,
    ensure_identity,
    foreign_names,
    read_identity,
)
from promocore.store.map_space import ReservedEnvironment
from promocore.store.refusals import StoreRefused
from promocore.store.txn import Table

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
    # len(counter key) (2 bytes BE) + counter key + session key -> Hold bytes
    "holds",
    # session key -> Reservation bytes: the holds of one session
    "sessions",
    # expiry (8 bytes BE ms) + session key -> b"": finds expired sessions to clean up
    "session_expiry",
    # setting name -> bytes (e.g. b"stacking_rules" -> StackingRules)
    "settings",
    # campaign id \0 normalized code -> b"": codes Qualify lists for everyone
    "public_codes",
    # normalized card code \0 sequence (8 bytes BE) -> LedgerEntry bytes (gift and loyalty cards)
    "ledger",
    # normalized loyalty card code \0 bucket sequence (8 bytes BE) -> PointsBucket bytes
    "points_buckets",
    # normalized loyalty card code -> LoyaltyAccount bytes
    "loyalty_accounts",
    # customer id \0 campaign id -> normalized code of the customer's card (loyalty, gift, referral)
    "customer_cards",
    # redemption id -> BalanceEffects bytes: what it did to earn buckets
    "balance_effects",
    # normalized referral code -> ReferralStats bytes; code \0 referee id -> b"" (converted)
    "referrals",
    # "<operation>/<idempotency key>" -> IdempotencyRecord bytes of admin balance operations
    "admin_idempotency",
    # API key id -> StoredApiKey bytes (the secret only as its SHA-256)
    "api_keys",
    # sequence (8 bytes BE) -> AuditEntry bytes, append-only: every admin change
    "audit_log",
    # customer id -> StoredCustomer bytes
    "customers",
    # segment id -> Segment bytes (without members)
    "segments",
    # segment id \0 customer id -> b"": members of static and dynamic segments
    "segment_members",
    # distribution id -> Distribution bytes
    "distributions",
    # distribution id \0 customer id -> DistributionFiring bytes
    "distribution_fired",
    # customer id \0 normalized code -> Publication bytes: the customer's wallet
    "publications",
    # sequence (8 bytes BE) -> IntegrationEvent bytes, append-only (WatchEvents, webhooks)
    "integration_events",
    # kind ("e" email, "p" phone, "n" name word) \0 normalized value \0 customer id -> b"":
    # finds customers by what support staff are told (cdp/customer_search.py)
    "customer_search",
)


@dataclass(frozen=True)
class Tables:
    # Each a backend's handle of one table: an LMDB named database, a RedisTable.
    campaign_heads: Table
    campaign_versions: Table
    codes: Table
    campaign_codes: Table
    counters: Table
    redemptions: Table
    redemption_log: Table
    idempotency: Table
    holds: Table
    sessions: Table
    session_expiry: Table
    settings: Table
    public_codes: Table
    ledger: Table
    points_buckets: Table
    loyalty_accounts: Table
    customer_cards: Table
    balance_effects: Table
    referrals: Table
    admin_idempotency: Table
    api_keys: Table
    audit_log: Table
    customers: Table
    segments: Table
    segment_members: Table
    distributions: Table
    distribution_fired: Table
    publications: Table
    integration_events: Table
    customer_search: Table


class Durability(enum.Enum):
    """What an acknowledged write survives (`promocore serve --durability`)."""

    # Synced before it is acknowledged: survives kill -9, an OS crash and a power cut.
    FULL = "full"
    # No fsync: the commit is in the OS page cache when it returns. Survives kill -9 of the
    # server (the kernel still writes the pages), not an OS crash or power cut, which may lose
    # the last commits and, on a file system that does not keep the order of writes, damage
    # the database (LMDB's NOSYNC). Much faster on slow disks.
    PROCESS = "process"


def open_environment(
    path: Path, *, map_size: int = DEFAULT_MAP_SIZE, durability: Durability = Durability.FULL
) -> tuple[ReservedEnvironment, Tables]:
    """Opens (creating) the environment. Open it in the process that uses it (after fork).

    Opened safely: a data file shorter than its last page is refused before LMDB maps it
    (store/data_file.py), and a file that is not promocore's before anything is written into
    it (store/identity.py); both raise StoreRefused."""
    path.mkdir(parents=True, exist_ok=True)
    existing = check_data_file(path) is not None
    if existing:
        # Whose file it is, read before the writable map makes the file the map's size.
        _check_identity_unchanged(path)
    synced = durability is Durability.FULL
    # Written through the map: a transaction's pages are the page cache's, synced at commit,
    # not copied into write calls (less CPU per commit). The file must be cached page by page:
    # in a large folio (what write calls and readahead make) one changed page dirties, and
    # the kernel writes and counts, the whole folio. So no readahead (MDB_NORDAHEAD: a page
    # fault reads its own page). The map's disk blocks are allocated ahead of the writes
    # (store/map_space.py).
    lmdb_env = lmdb.open(
        str(path),
        map_size=map_size,
        max_dbs=len(TABLE_NAMES) + 4,
        max_readers=1024,
        sync=synced,
        metasync=synced,
        lock=True,
        writemap=True,
        readahead=False,
    )
    try:
        env = ReservedEnvironment(lmdb_env, path / DATA_FILE)
    except BaseException:
        lmdb_env.close()
        raise
    # An existing store's opening transaction writes nothing (an identity record at most, for a
    # store of a release before it): it begins without allocating space ahead, so that a server
    # restarted on a full disk starts, serves reads and refuses writes with the reason.
    opening = lmdb_env if existing else env
    try:
        with opening.begin(write=True) as txn:
            ensure_identity(env, txn, path, TABLE_NAMES)
            handles = {name: env.open_db(name.encode(), txn=txn) for name in TABLE_NAMES}
    except BaseException:
        env.close()
        raise
    return env, Tables(**handles)


def _read_only_environment(path: Path) -> lmdb.Environment:
    """A read-only environment of the store at `path`, without readahead like the writable
    one: pages it reads stay cached page by page for the server's writes (open_environment)."""
    return lmdb.open(
        str(path), readonly=True, max_dbs=len(TABLE_NAMES) + 4, lock=True, readahead=False
    )


def _check_identity_unchanged(path: Path) -> None:
    """Raises StoreRefused for a data file of another program or of a newer format, reading
    it through a read-only environment (no byte of the file changes)."""
    env = _read_only_environment(path)
    try:
        with env.begin() as txn:
            checked_identity(env, txn, path, TABLE_NAMES)
    finally:
        env.close()


def open_readonly(path: Path) -> tuple[lmdb.Environment, Tables]:
    """Opens an existing store for reading only (`promocore check`, beside a running server)."""
    if not (path / "data.mdb").exists():
        raise FileNotFoundError(f"no promocore store in {path}")
    check_data_file(path)
    env = _read_only_environment(path)
    with env.begin() as txn:
        foreign = read_identity(env, txn) is None and foreign_names(txn, TABLE_NAMES)
    if foreign:
        env.close()
        raise StoreRefused(f"{path} holds an LMDB file that is not a promocore store")
    # Without an explicit transaction py-lmdb commits the one it opens, which keeps the handles
    # valid (a read transaction that ends by abort would close them).
    handles = {name: _existing_table(env, name) for name in TABLE_NAMES}
    return env, Tables(**handles)


def _existing_table(env: lmdb.Environment, name: str) -> lmdb._Database | None:
    """The table, or None in a store written before the table existed (a server of this version
    creates it on its next start; nothing `check` reads is in it)."""
    try:
        return env.open_db(name.encode(), create=False)
    except lmdb.NotFoundError:
        return None

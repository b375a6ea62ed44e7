"""LmdbStore: the store in one LMDB environment (the default: one machine, any number of
worker processes)."""

from __future__ import annotations

from pathlib import Path

from promocore.clock import Clock
from promocore.store.group_commit import DEFAULT_MAX_BATCH, CommitObserver
from promocore.store.identity import FORMAT_VERSION, read_identity, record_format_version
from promocore.store.map_space import ReservedEnvironment
from promocore.store.migrate_v2 import migrate_if_needed
from promocore.store.store import Store
from promocore.store.tables import DEFAULT_MAP_SIZE, Durability, open_environment


class LmdbStore(Store):
    env: ReservedEnvironment

    def __init__(
        self,
        path: Path | str,
        *,
        map_size: int = DEFAULT_MAP_SIZE,
        durability: Durability = Durability.FULL,
        max_batch: int = DEFAULT_MAX_BATCH,
        clock: Clock | None = None,
        commit_observer: CommitObserver | None = None,
    ) -> None:
        self.path = Path(path)
        env, tables = open_environment(self.path, map_size=map_size, durability=durability)
        try:
            migrate_if_needed(env, tables, self.path)
            # Format 3 is format 2 with the customer counters moved (Store does it, resumably):
            # from here on an earlier release refuses the store.
            raise_format_version(env)
        except BaseException:
            env.close()
            raise
        super().__init__(
            env,
            tables,
            location=str(self.path),
            max_batch=max_batch,
            clock=clock,
            commit_observer=commit_observer,
        )

    def reserve(self, extra_bytes: int) -> None:
        self.env.reserve_more(extra_bytes)


def raise_format_version(env: ReservedEnvironment) -> None:
    """Records the current format version in a store of an earlier one (whose tables are
    otherwise of the current format: store/migrate_v2.py converted them)."""
    with env.begin() as txn:
        identity = read_identity(env, txn)
    if identity is not None and identity.format_version < FORMAT_VERSION:
        with env.begin(write=True) as txn:
            record_format_version(env, txn, FORMAT_VERSION)

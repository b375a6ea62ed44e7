"""Leases: a duty that must run in one process of all the nodes sharing a store (the scheduler,
the webhook sender) runs where its lease is held.

A lease is a record in the settings table: its holder and until when it holds it, by the wall
clock. The holder renews it as it works; when the holder stops renewing (it stopped or died) the
lease expires and the next process that asks takes it over. Taking and renewing are store
transactions, so two processes never both hold an unexpired lease. On one machine with LMDB
only worker 0 runs these duties anyway, and always holds the lease.
"""

from __future__ import annotations

import os
import socket
import struct
import time
import uuid

from promocore.store.store import Store
from promocore.store.txn import Txn

_EXPIRY = struct.Struct(">Q")


class Lease:
    def __init__(self, store: Store, name: str, *, ttl_s: float) -> None:
        self._store = store
        self._key = f"lease/{name}".encode()
        self._ttl_ms = int(ttl_s * 1000)
        self.holder = f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex[:8]}".encode()
        # Until when this process holds the lease (0: not held, as far as it knows).
        self._held_until_ms = 0

    def hold(self) -> bool:
        """True when this process holds the lease now; renews it when half its time is gone."""
        now_ms = _wall_ms()
        if self._held_until_ms - now_ms > self._ttl_ms // 2:
            return True

        def take_or_renew(txn: Txn) -> bool:
            raw = txn.get(self._key, db=self._store.tables.settings)
            if raw is not None:
                expires_ms, holder = _EXPIRY.unpack(raw[: _EXPIRY.size])[0], raw[_EXPIRY.size :]
                if holder != self.holder and expires_ms > now_ms:
                    return False
            until = now_ms + self._ttl_ms
            txn.put(self._key, _EXPIRY.pack(until) + self.holder, db=self._store.tables.settings)
            return True

        held = self._store.transact(take_or_renew)
        self._held_until_ms = now_ms + self._ttl_ms if held else 0
        return held

    def release(self) -> None:
        """Gives the lease up at once (a stopping holder), so another process need not wait."""
        if not self._held_until_ms:
            return

        def give_up(txn: Txn) -> None:
            raw = txn.get(self._key, db=self._store.tables.settings)
            if raw is not None and raw[_EXPIRY.size :] == self.holder:
                txn.delete(self._key, db=self._store.tables.settings)

        self._held_until_ms = 0
        self._store.transact(give_up)


def _wall_ms() -> int:
    # Real time, not the injected clock: leases are about processes being alive.
    return int(time.time() * 1000)

"""Reservations: usage a Validate session holds on counters until it is redeemed, released or
expires.

A hold is stored under its counter key with its own expiry. Whoever reads a counter adds the
unexpired holds of other sessions, so an expired hold stops counting the instant it expires:
no sweeper is needed for correctness. Expired holds are deleted lazily by the writer.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable

from promocore.store.keys import encode_u64, first_key_unchecked
from promocore.store.tables import Tables
from promocore.store.txn import Txn
from promocore.v1.internal import store_pb2

_KEY_LENGTH = struct.Struct(">H")


def hold_prefix(counter_key: bytes) -> bytes:
    """Length-prefixed, so no counter key's holds can be mistaken for another's."""
    return _KEY_LENGTH.pack(len(counter_key)) + counter_key


# The longest a reservation may hold (ValidateRequest.reservation.ttl_seconds at most).
MAX_HOLD_MS = 3600 * 1000


class Reservations:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def any_holds(self, txn: Txn) -> bool:
        """Cheap test that lets reads skip hold lookups when nobody reserves."""
        entries: int = txn.stat(self._t.holds)["entries"]
        return entries > 0

    def held_by_others(self, txn: Txn, counter_key: bytes, *, now_ms: int, session_key: str) -> int:
        """Sum of the unexpired holds on a counter by sessions other than `session_key`.

        A hold lives at most MAX_HOLD_MS: one whose expiry is further ahead than that was made
        before the clock stepped back, and no longer counts (without this cap a 120 s hold
        made before a step back of a day would hold its slot for the day)."""
        prefix = hold_prefix(counter_key)
        cursor = txn.cursor(db=self._t.holds)
        held = 0
        latest = now_ms + MAX_HOLD_MS
        found = cursor.set_range(prefix)
        while found and cursor.key().startswith(prefix):
            hold = store_pb2.Hold.FromString(cursor.value())
            if now_ms < hold.expires_at_ms <= latest and hold.session_key != session_key:
                held += hold.delta
            found = cursor.next()
        return held

    def reserve(
        self,
        txn: Txn,
        session_key: str,
        *,
        expires_at_ms: int,
        holds: Iterable[tuple[bytes, int]],
        redeemables: int,
    ) -> None:
        """Replaces the session's holds with these (counter key, delta as a redemption would
        add it)."""
        self.release(txn, session_key)
        reservation = store_pb2.Reservation(
            session_key=session_key,
            expires_at_ms=expires_at_ms,
            holds=[store_pb2.CounterDelta(key=key, delta=delta) for key, delta in holds],
            redeemables=redeemables,
        )
        for held in reservation.holds:
            hold = store_pb2.Hold(
                session_key=session_key, delta=held.delta, expires_at_ms=expires_at_ms
            )
            txn.put(
                hold_prefix(held.key) + session_key.encode(),
                hold.SerializeToString(),
                db=self._t.holds,
            )
        txn.put(session_key.encode(), reservation.SerializeToString(), db=self._t.sessions)
        txn.put(self._expiry_key(reservation), b"", db=self._t.session_expiry)

    def release(self, txn: Txn, session_key: str) -> int:
        """Deletes the session's holds; returns how many redeemables they held (0 if none)."""
        raw = txn.get(session_key.encode(), db=self._t.sessions)
        if raw is None:
            return 0
        reservation = store_pb2.Reservation.FromString(raw)
        for held in reservation.holds:
            txn.delete(hold_prefix(held.key) + session_key.encode(), db=self._t.holds)
        txn.delete(session_key.encode(), db=self._t.sessions)
        txn.delete(self._expiry_key(reservation), db=self._t.session_expiry)
        return reservation.redeemables

    def delete_expired(self, txn: Txn, *, now_ms: int, limit: int) -> int:
        """Deletes up to `limit` expired sessions (housekeeping; they already count for nothing)."""
        # Keys start with the expiry: when the first has not expired, none has. Looked at
        # without a re-checked read, so that a reservation made meanwhile elsewhere does not
        # make the writer's whole batch conflict (on Redis) for housekeeping with nothing to do.
        first = first_key_unchecked(txn, self._t.session_expiry)
        if first is None or first[:8] > encode_u64(now_ms):
            return 0
        cursor = txn.cursor(db=self._t.session_expiry)
        expired: list[str] = []
        found = cursor.first()
        while found and len(expired) < limit:
            key = bytes(cursor.key())
            if key[:8] > encode_u64(now_ms):
                break
            expired.append(key[8:].decode())
            found = cursor.next()
        for session_key in expired:
            self.release(txn, session_key)
        return len(expired)

    @staticmethod
    def _expiry_key(reservation: store_pb2.Reservation) -> bytes:
        return encode_u64(reservation.expires_at_ms) + reservation.session_key.encode()

"""Redemption times that never go back, whatever the system clock does.

A redemption is dated by the clock, unless the clock shows a time before the store's last
redemption: then it is dated 1 ms after that one (max(clock, last + 1 ms) while the clock is
behind). The last time is one record of the settings table, read inside the
redemption's own write transaction and raised when the redemption is recorded, so it holds
across every worker and restart. On Redis the read is not re-checked at commit and the raise is
applied by the commit script: redemptions on several nodes never conflict over this one record
(each is dated no earlier than the last time its node read; two nodes committing in the same
instant may date theirs in either order). Redemptions in the same millisecond of a clock that runs
forward share it: forcing +1 ms on each would date them ahead of the clock whenever more than
1,000 a second are made. When the clock steps back, redemptions keep the last time (1 ms later
each) until the clock catches up; their per-day, per-week and per-month limits and the
campaign's windows are judged at that time, so no day is counted twice. A clock stepped forward
dates redemptions in the future it shows; after it is set right they keep that time until the
clock reaches it (docs/operations.md, "A clock that jumps").
"""

from __future__ import annotations

from promocore.store.keys import decode_u64, raise_u64, read_unchecked
from promocore.store.tables import Tables
from promocore.store.txn import Txn

LAST_REDEMPTION_KEY = b"last_redemption_ms"


class RedemptionTime:
    def __init__(self, tables: Tables) -> None:
        self._settings = tables.settings

    def next_ms(self, txn: Txn, clock_ms: int) -> int:
        """The time of a redemption made now: never before the last one recorded."""
        last = read_unchecked(txn, self._settings, LAST_REDEMPTION_KEY)
        if last is None:
            return clock_ms
        last_ms = decode_u64(last)
        return clock_ms if clock_ms >= last_ms else last_ms + 1

    def recorded(self, txn: Txn, at_ms: int) -> None:
        """A redemption dated `at_ms` is recorded in `txn`."""
        raise_u64(txn, self._settings, LAST_REDEMPTION_KEY, at_ms)

"""The counters table's layout of a customer's counters, and the conversion of a store written
before it (store format 3).

Since format 3 a customer's counters of every campaign share one prefix,
`per-customer/<customer>/<campaign>/all`, `.../day/<day>`, `.../week/<week>`, `.../month/<month>`
(rust/engine/src/counter_keys.rs builds them), so the counters one redeem changes lie side by side:
a leaf or two of the table instead of one leaf per campaign and period (docs/operations.md).
Before, they were `customer/<campaign>/all/<customer>`, `customer/<campaign>/day/<day>/<customer>`
and so on, spread over the table by campaign and period.

A store written before is converted when it is opened (`convert_counters`), over the store's
transaction interface, so on either backend: each old counter is moved to its new key, and the
holds of open reservations with it, a batch per transaction. What is converted is no longer
found under the old prefix, so a conversion stopped anywhere, kill -9 included, goes on from where
it stopped at the next open. Records that keep counter keys for later (a redemption's changes,
undone by its rollback and summed by `promocore check`) are not rewritten: their old keys are read
through `current_counter_key`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Protocol, TypeVar

from promocore.store.keys import decode_counter, encode_counter
from promocore.store.reservations import hold_prefix
from promocore.store.tables import Tables
from promocore.store.txn import Environment, Txn
from promocore.v1.internal import store_pb2

log = logging.getLogger(__name__)

PER_CUSTOMER_PREFIX = b"per-customer/"
OLD_CUSTOMER_PREFIX = b"customer/"
_PERIODS = (b"day", b"week", b"month")
# Counters (and reservation sessions) moved per transaction; $PROMOCORE_MIGRATION_BATCH, which
# sizes store/migrate_v2.py's batches too, overrides it.
CONVERSION_BATCH = 2000


def current_counter_key(key: bytes) -> bytes:
    """`key` in the current layout: a customer's counter of the layout before format 3 moved
    under its customer's prefix, any other key as it is."""
    if not key.startswith(OLD_CUSTOMER_PREFIX):
        return key
    campaign, _, rest = key[len(OLD_CUSTOMER_PREFIX) :].partition(b"/")
    kind, _, rest = rest.partition(b"/")
    if kind == b"all":
        period, customer = b"all", rest
    elif kind in _PERIODS:
        value, _, customer = rest.partition(b"/")
        period = kind + b"/" + value
    else:
        raise ValueError(f"not a counter key of either layout: {key!r}")
    return PER_CUSTOMER_PREFIX + customer + b"/" + campaign + b"/" + period


# The settings record that says a store's counters and holds are in the current layout.
LAYOUT_KEY = b"counter_layout"
LAYOUT = b"per-customer"

T = TypeVar("T")


class Runner(Protocol):
    """Runs `work` in a write transaction of its own and returns its result (store.transact)."""

    def __call__(self, work: Callable[[Txn], T]) -> T: ...


def convert_counters(env: Environment, run: Runner, tables: Tables, location: str) -> int:
    """Moves a store's customer counters, and the holds on them, to the current layout if they
    are not yet; returns how many counters it moved. `run(work)` runs `work` in a write
    transaction of `env` of its own (store.transact)."""
    with env.begin() as txn:
        if txn.get(LAYOUT_KEY, db=tables.settings) == LAYOUT:
            return 0
    limit = int(os.environ.get("PROMOCORE_MIGRATION_BATCH", CONVERSION_BATCH))
    moved = 0
    while batch := run(lambda txn: _move_counters(txn, tables, limit)):
        moved += batch
        log.info("store %s: %d customer counters moved to the per-customer layout", location, moved)
    after = b""
    while after := run(lambda txn: _move_holds(txn, tables, after, limit)):
        pass
    run(lambda txn: txn.put(LAYOUT_KEY, LAYOUT, db=tables.settings))
    if moved:
        log.info("store %s: counters now in the per-customer layout (%d moved)", location, moved)
    return moved


def _move_counters(txn: Txn, tables: Tables, limit: int) -> int:
    """Moves up to `limit` counters of the old layout to their keys; returns how many."""
    cursor = txn.cursor(tables.counters)
    old: list[tuple[bytes, bytes]] = []
    found = cursor.set_range(OLD_CUSTOMER_PREFIX)
    while found and len(old) < limit:
        key = bytes(cursor.key())
        if not key.startswith(OLD_CUSTOMER_PREFIX):
            break
        old.append((key, bytes(cursor.value())))
        found = cursor.next()
    for key, value in old:
        new_key = current_counter_key(key)
        # Nothing writes the new key before the conversion ends; added, not replaced, all the same.
        total = decode_counter(txn.get(new_key, db=tables.counters)) + decode_counter(value)
        txn.put(new_key, encode_counter(total), db=tables.counters)
        txn.delete(key, db=tables.counters)
    return len(old)


def _move_holds(txn: Txn, tables: Tables, after: bytes, limit: int) -> bytes:
    """Moves the holds of up to `limit` reservation sessions after `after` (b"": from the first)
    to the counters' current keys; returns the last session key seen, b"" once none is left."""
    cursor = txn.cursor(tables.sessions)
    found = cursor.set_range(after + b"\0") if after else cursor.first()
    sessions: list[tuple[bytes, bytes]] = []
    while found and len(sessions) < limit:
        sessions.append((bytes(cursor.key()), bytes(cursor.value())))
        found = cursor.next()
    for session_key, raw in sessions:
        _move_session_holds(txn, tables, session_key, store_pb2.Reservation.FromString(raw))
    return sessions[-1][0] if sessions else b""


def _move_session_holds(
    txn: Txn, tables: Tables, session_key: bytes, reservation: store_pb2.Reservation
) -> None:
    if not any(held.key.startswith(OLD_CUSTOMER_PREFIX) for held in reservation.holds):
        return
    for held in reservation.holds:
        new_key = current_counter_key(held.key)
        if new_key == held.key:
            continue
        old_hold = hold_prefix(held.key) + session_key
        hold = txn.get(old_hold, db=tables.holds)
        if hold is not None:
            txn.delete(old_hold, db=tables.holds)
            txn.put(hold_prefix(new_key) + session_key, bytes(hold), db=tables.holds)
        held.key = new_key
    txn.put(session_key, reservation.SerializeToString(), db=tables.sessions)

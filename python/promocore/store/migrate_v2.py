"""Converts an LMDB store of format 1 to format 2 (store/identity.py), when it is opened.

Format 1 wrote each redemption four times: its record in the redemptions table, a copy of it
in the log, its whole first answer with its idempotency key, and its integration event. Format 2
writes the record once (store/redemptions.py): the log and the event name the redemption, the
idempotency record holds the request's hash, the id and the answer's unapplied results. The
conversion rewrites the old log records, idempotency records and redemption events in place
(same keys, smaller values), a batch per transaction; each batch commits its progress with it
(a record in the identity table), so a conversion stopped anywhere, kill -9 included, goes on
from there at the next open. The format version becomes 2 in the transaction that ends it.

A record is converted only when the redemptions table holds what it copies (the same counter
changes; the same first answer and the same event rebuilt from it): otherwise it is kept as it
is, and the readers, which read either form, still read it.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from promocore.store.identity import (
    IDENTITY_TABLE,
    MIGRATION_KEY,
    read_identity,
    record_format_version,
)
from promocore.store.redemptions import (
    compact_idempotency_record,
    fill_redeemed_event,
    first_answer,
    is_event_reference,
    log_reference,
)
from promocore.store.tables import Tables
from promocore.v1 import checkout_pb2, events_pb2
from promocore.v1.internal import store_pb2

log = logging.getLogger(__name__)

TO_FORMAT = 2
# Records read and rewritten per transaction ($PROMOCORE_MIGRATION_BATCH overrides it): small
# enough that a batch's dirty pages stay in memory, large enough that syncs do not dominate.
DEFAULT_BATCH = 2000
PHASES = ("redemption_log", "idempotency", "integration_events")


@dataclass
class Progress:
    phase: str = PHASES[0]
    # The last key of the phase's table that was converted (hex); "" before the first.
    after: str = ""
    converted: int = 0
    kept: int = 0

    def encode(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True).encode()

    @classmethod
    def decode(cls, raw: bytes | None) -> Progress:
        return cls(**json.loads(raw)) if raw is not None else cls()


def migrate_if_needed(env: Any, tables: Tables, path: Path) -> bool:
    """Converts the store to format 2 if it is of format 1; True when it converted anything."""
    with env.begin() as txn:
        identity = read_identity(env, txn)
    if identity is None or identity.format_version >= TO_FORMAT:
        return False
    batch = int(os.environ.get("PROMOCORE_MIGRATION_BATCH", DEFAULT_BATCH))
    log.info("store %s: converting from format %d to %d", path, identity.format_version, TO_FORMAT)
    while _convert_batch(env, tables, path, batch):
        pass
    return True


def _convert_batch(env: Any, tables: Tables, path: Path, batch: int) -> bool:
    """One transaction: the next `batch` records of the current phase, and the progress. False
    once the store is of format 2."""
    with env.begin(write=True) as txn:
        identity = read_identity(env, txn)
        if identity is None or identity.format_version >= TO_FORMAT:
            return False  # another process of this server finished it
        identity_table = env.open_db(IDENTITY_TABLE, txn=txn, create=False)
        progress = Progress.decode(txn.get(MIGRATION_KEY, db=identity_table))
        if progress.phase not in PHASES:
            record_format_version(env, txn, TO_FORMAT)
            txn.delete(MIGRATION_KEY, db=identity_table)
            log.info(
                "store %s: now of format %d (%d records converted, %d kept as they were)",
                path,
                TO_FORMAT,
                progress.converted,
                progress.kept,
            )
            return False
        table = getattr(tables, progress.phase)
        records = _next_records(txn, table, bytes.fromhex(progress.after), batch)
        convert = CONVERSIONS[progress.phase]
        for key, value in records:
            converted = convert(txn, tables, value)
            if converted is None:
                progress.kept += 1
            elif converted != value:
                txn.put(key, converted, db=table)
                progress.converted += 1
        if len(records) < batch:
            log.info(
                "store %s: %s converted (%d records converted so far)",
                path,
                progress.phase,
                progress.converted,
            )
            following = PHASES.index(progress.phase) + 1
            progress.phase = PHASES[following] if following < len(PHASES) else "done"
            progress.after = ""
        else:
            progress.after = records[-1][0].hex()
            log.info(
                "store %s: converting %s, %d records converted so far",
                path,
                progress.phase,
                progress.converted,
            )
        txn.put(MIGRATION_KEY, progress.encode(), db=identity_table)
    return True


def _next_records(txn: Any, table: Any, after: bytes, batch: int) -> list[tuple[bytes, bytes]]:
    """Up to `batch` (key, value) pairs with keys above `after` (all keys for b"")."""
    cursor = txn.cursor(db=table)
    found = cursor.set_range(after) if after else cursor.first()
    if found and after and bytes(cursor.key()) == after:
        found = cursor.next()
    records: list[tuple[bytes, bytes]] = []
    while found and len(records) < batch:
        records.append((bytes(cursor.key()), bytes(cursor.value())))
        found = cursor.next()
    return records


def _stored(txn: Any, tables: Tables, redemption_id: str) -> store_pb2.StoredRedemption | None:
    raw = txn.get(redemption_id.encode(), db=tables.redemptions)
    return store_pb2.StoredRedemption.FromString(raw) if raw is not None else None


def _convert_log_record(txn: Any, tables: Tables, value: bytes) -> bytes | None:
    """A redemption's copy becomes its id; other records stay (None: kept, the table does not
    hold the same redemption)."""
    record = store_pb2.LogRecord.FromString(value)
    if record.WhichOneof("entry") != "redeemed":
        return value
    copy = record.redeemed
    stored = _stored(txn, tables, copy.redemption.id)
    if stored is None or list(stored.deltas) != list(copy.deltas):
        return None
    return log_reference(copy.redemption.id)


def _convert_answer(txn: Any, tables: Tables, value: bytes) -> bytes | None:
    """A whole first answer becomes the compact record, when the answer rebuilt from it is the
    very answer stored (None: kept)."""
    record = store_pb2.IdempotencyRecord.FromString(value)
    if record.redemption_id:
        return value
    answer = checkout_pb2.RedeemResponse.FromString(record.response)
    stored = _stored(txn, tables, answer.redemption.id)
    if stored is None:
        return None
    compact = compact_idempotency_record(record.request_sha256, answer.redemption, record.response)
    rebuilt = first_answer(store_pb2.IdempotencyRecord.FromString(compact), stored)
    return compact if rebuilt == answer else None


def _convert_event(txn: Any, tables: Tables, value: bytes) -> bytes | None:
    """A redemption's whole event becomes a reference to its record, when the event read back
    from the record is the very event stored (None: kept); other events stay."""
    event = events_pb2.IntegrationEvent.FromString(value)
    if event.type != events_pb2.EVENT_REDEEMED or is_event_reference(event):
        return value
    stored = _stored(txn, tables, event.redemption_id)
    if stored is None:
        return None
    reference = events_pb2.IntegrationEvent(
        sequence=event.sequence,
        type=event.type,
        redemption_id=event.redemption_id,
        contactable_channels=event.contactable_channels,
    )
    encoded = reference.SerializeToString()
    fill_redeemed_event(reference, stored.redemption)
    return encoded if reference == event else None


CONVERSIONS = {
    "redemption_log": _convert_log_record,
    "idempotency": _convert_answer,
    "integration_events": _convert_event,
}

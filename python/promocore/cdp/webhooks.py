"""Webhooks: integration events POSTed as JSON to one URL, signed with HMAC-SHA256, retried
with exponential backoff until the receiver answers 2xx, in sequence order.

The sender's cursor (the last delivered sequence) is kept in the store's settings table, so a
restarted server resumes where it stopped: delivery is at least once (a crash between the
receiver's 2xx and the cursor write re-sends that event; receivers deduplicate by `sequence`).
With several nodes on one shared store one process sends at a time: the holder of a lease
(store/leases.py), which a stopped or dead sender's successor takes over.

Signature: header `X-Promocore-Signature: t=<unix seconds>,v1=<hex>` where hex is
HMAC-SHA256(secret, "<t>.<body>"); `verify_signature` is the receiver's check.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

import orjson
from google.protobuf import json_format

from promocore.cdp.integration_events import IntegrationEvents
from promocore.store import Store
from promocore.store.keys import decode_u64, encode_u64
from promocore.store.leases import Lease
from promocore.v1 import events_pb2

log = logging.getLogger("promocore.webhooks")
SIGNATURE_HEADER = "X-Promocore-Signature"
# Signatures older than this are refused by verify_signature (replay protection).
DEFAULT_TOLERANCE_S = 300


@dataclass(frozen=True)
class WebhookConfig:
    url: str
    secret: str
    # First retry after this, doubling up to max_backoff_s.
    initial_backoff_s: float = 1.0
    max_backoff_s: float = 300.0
    timeout_s: float = 10.0
    # How often the sender looks for new events when idle.
    poll_interval_s: float = 0.5


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify_signature(
    secret: str,
    header: str,
    body: bytes,
    *,
    now_s: float | None = None,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
) -> bool:
    """The receiver's check of the signature header (constant-time comparison)."""
    try:
        parts = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(parts["t"])
        expected = sign(secret, timestamp, body)
    except (KeyError, ValueError):
        return False
    now_s = time.time() if now_s is None else now_s
    if abs(now_s - timestamp) > tolerance_s:
        return False
    return hmac.compare_digest(expected, header)


def event_body(event: events_pb2.IntegrationEvent) -> bytes:
    document = json_format.MessageToDict(event, preserving_proto_field_name=True)
    # int64 fields are strings in proto JSON; the sequence is easier to use as a number.
    document["sequence"] = event.sequence
    return orjson.dumps(document, option=orjson.OPT_SORT_KEYS)


class WebhookSender:
    def __init__(self, store: Store, events: IntegrationEvents, config: WebhookConfig) -> None:
        self._store = store
        self._events = events
        self._config = config
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._cursor_key = b"webhook_cursor/" + hashlib.sha256(config.url.encode()).digest()[:8]
        self.deliveries = 0
        self.failures = 0
        # Several nodes on one shared store: only the holder of the lease sends.
        self._lease = Lease(
            store, "webhooks/" + self._cursor_key.hex(), ttl_s=max(10 * config.poll_interval_s, 5.0)
        )

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="promocore-webhooks", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def cursor(self) -> int:
        with self._store.read() as txn:
            raw = txn.get(self._cursor_key, db=self._store.tables.settings)
            return decode_u64(raw) if raw is not None else 0

    def _save_cursor(self, sequence: int) -> None:
        with self._store.write() as txn:
            txn.put(self._cursor_key, encode_u64(sequence), db=self._store.tables.settings)

    def _run(self) -> None:
        try:
            self._send_while_held()
        finally:
            self._lease.release()

    def _send_while_held(self) -> None:
        cursor = -1
        while not self._stop.is_set():
            try:
                held = self._lease.hold()
            except Exception:  # the store is unreachable: try again after a pause
                log.exception("webhook lease")
                held = False
            if not held:
                cursor = -1  # another process sends; its progress is in the store
                self._stop.wait(self._config.poll_interval_s)
                continue
            if cursor < 0:
                cursor = self.cursor()
            pending = self._events.after(cursor, limit=100)
            if not pending:
                self._events.wait(self._config.poll_interval_s)
                continue
            for event in pending:
                if not self._deliver(event):
                    return
                cursor = event.sequence
                self._save_cursor(cursor)

    def _deliver(self, event: events_pb2.IntegrationEvent) -> bool:
        """POSTs until a 2xx; False when stopped first."""
        body = event_body(event)
        backoff = self._config.initial_backoff_s
        while not self._stop.is_set():
            if self._post(body):
                self.deliveries += 1
                return True
            self.failures += 1
            self._stop.wait(backoff)
            backoff = min(backoff * 2, self._config.max_backoff_s)
        return False

    def _post(self, body: bytes) -> bool:
        request = urllib.request.Request(
            self._config.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                SIGNATURE_HEADER: sign(self._config.secret, int(time.time()), body),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self._config.timeout_s) as response:
                status: int = response.status
                return 200 <= status < 300
        except (urllib.error.URLError, OSError, ValueError) as error:
            log.warning("webhook delivery to %s failed: %s", self._config.url, error)
            return False

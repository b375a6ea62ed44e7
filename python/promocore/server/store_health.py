"""The health status as the store's writes go: NOT_SERVING while they cannot be done.

Checkout needs writes (Redeem, Rollback, reservations). While the store's commits fail (a full
disk, an I/O error: store/failures.py) or the oldest write waits past WRITE_WAIT_BOUND_S (a
writer stalled, the write lock held by a frozen process), the overall status ("") and the
checkout service's turn NOT_SERVING, so that a load balancer or orchestrator sends checkouts
elsewhere; the first commit that succeeds, or the wait falling back under the bound, turns
them SERVING again. The admin and events services stay SERVING: their reads still work.

Also here: the free space of the store's file system, a start-up warning below
LOW_FREE_SPACE_BYTES and a gauge (promocore.server.metrics samples `free_bytes`).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

from grpc_health.v1 import health, health_pb2

from promocore.store import Store
from promocore.store.failures import failures

log = logging.getLogger("promocore.server")

# The oldest write waiting this long turns the health NOT_SERVING (docs/operations.md).
WRITE_WAIT_BOUND_S = 2.0
# Each look wakes a thread that takes the GIL from the calls being served; twice a second
# turns the health within WRITE_WAIT_BOUND_S + 0.5 s.
WATCH_INTERVAL_S = 0.5
# Below this much free space on the store's file system the server warns at start.
LOW_FREE_SPACE_BYTES = 1 << 30
_SERVING = health_pb2.HealthCheckResponse.SERVING
_NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


def free_bytes(store: Store) -> int | None:
    """Free space for the store's files (None for a store that is not a directory: Redis)."""
    path = getattr(store, "path", None)
    if path is None:
        return None
    stats = os.statvfs(Path(path))
    return stats.f_bavail * stats.f_frsize


def warn_if_low_on_space(store: Store) -> None:
    free = free_bytes(store)
    if free is not None and free < LOW_FREE_SPACE_BYTES:
        log.warning(
            "only %.1f MB free on the file system of %s (warning below %.0f MB): when it is "
            "full, writes (Redeem, Rollback, admin changes) are refused until space is freed",
            free / 1e6,
            store.location,
            LOW_FREE_SPACE_BYTES / 1e6,
        )


class StoreHealth:
    """Keeps `services`' health NOT_SERVING while writes fail or wait past the bound."""

    def __init__(
        self, servicer: health.HealthServicer, services: tuple[str, ...], store: Store
    ) -> None:
        self._servicer = servicer
        self._services = services
        self._writer = store.writer
        self._lock = threading.Lock()
        self._failing = False
        self._stalled = False
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._watch, name="promocore-store-health", daemon=True
        )
        failures.on_change(self._commits_failing)

    def start(self) -> StoreHealth:
        self._thread.start()
        return self

    def stop(self) -> None:
        failures.remove_listener(self._commits_failing)
        self._stop.set()
        self._thread.join()

    def oldest_write_age_s(self) -> float:
        since = self._writer.oldest_waiting_since
        return time.monotonic() - since if since else 0.0

    def _commits_failing(self, failing: bool) -> None:
        with self._lock:
            self._failing = failing
            self._apply()

    def _watch(self) -> None:
        while not self._stop.wait(WATCH_INTERVAL_S):
            age = self.oldest_write_age_s()
            stalled = age > WRITE_WAIT_BOUND_S
            if stalled == self._stalled:
                continue
            with self._lock:
                self._stalled = stalled
                self._apply()
            if stalled:
                log.error(
                    "writes stalled: the oldest has waited %.1f s (bound %.0f s); health "
                    "NOT_SERVING until they move",
                    age,
                    WRITE_WAIT_BOUND_S,
                )
            else:
                log.warning("writes move again; health SERVING")

    def _apply(self) -> None:
        status = _NOT_SERVING if self._failing or self._stalled else _SERVING
        for name in self._services:
            self._servicer.set(name, status)

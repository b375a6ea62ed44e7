"""What a failing store answers and logs: a full disk, an I/O error, a full map, a damaged page.

A write LMDB cannot commit (ENOSPC, EIO: LMDB's short write on a full disk, the map full), or
one refused before it began because the disk has no room for its pages (map_space.py), wrote
nothing: the caller is answered UNAVAILABLE (RESOURCE_EXHAUSTED for a full map, which only a
larger map fixes), reason `store_write_failed`, "nothing was written; retry with the same
idempotency key". A page LMDB cannot read is DATA_LOSS, reason `store_damaged`.

One log line per kind of failure per LOG_INTERVAL_S, with how many calls it failed since the
last line, never a traceback per call: a full disk must not be filled further by the log.
`WriteHealth` follows the commits (the group-commit writer reports each batch): failing from
the first failed commit, healthy again at the first that succeeds; the server turns that into
its health status (promocore.server.store_health).
"""

from __future__ import annotations

import errno
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import lmdb

from promocore.errors import (
    DataLossError,
    PromocoreError,
    ResourceExhaustedError,
    UnavailableError,
)
from promocore.store.map_space import NoSpaceForStore

log = logging.getLogger("promocore.store")

LOG_INTERVAL_S = 10.0
STORE_WRITE_FAILED = "store_write_failed"
STORE_DAMAGED = "store_damaged"
# How long a caller refused for a full disk is told to wait before retrying.
RETRY_AFTER_MS = 1000
NOTHING_WRITTEN = "nothing was written; retry with the same idempotency key"


class StoreWriteFailed(UnavailableError):
    """A write the store could not commit (disk full, I/O error); nothing was written."""

    def __init__(self, message: str) -> None:
        super().__init__(message, reason=STORE_WRITE_FAILED)


class StoreFull(ResourceExhaustedError):
    """The LMDB map is full (its size, not the disk): nothing was written."""

    def __init__(self, message: str) -> None:
        super().__init__(message, reason=STORE_WRITE_FAILED, retry_after_ms=RETRY_AFTER_MS)


class StoreDamaged(DataLossError):
    """LMDB found a page it cannot read (the file is damaged)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, reason=STORE_DAMAGED)


# What the store raises when it cannot do its work: the gate answers these (store_answer).
STORE_FAILURES: tuple[type[BaseException], ...] = (lmdb.Error, NoSpaceForStore)


@dataclass(frozen=True)
class Kind:
    name: str  # disk_full, io_error, map_full, damaged, other
    what: str  # for people: what it means


DISK_FULL = Kind("disk_full", "the disk is full")
IO_ERROR = Kind(
    "io_error", "an I/O error (LMDB's short write: most often a full disk, else a failing disk)"
)
FILE_TOO_LARGE = Kind("file_too_large", "the data file reached the file size limit (RLIMIT_FSIZE)")
MAP_FULL = Kind("map_full", "the LMDB map is full (its size, not the disk)")
DAMAGED = Kind("damaged", "a page of the store is damaged")
OTHER = Kind("other", "the store failed")


def kind_of(error: BaseException) -> Kind:
    if isinstance(error, lmdb.MapFullError):
        return MAP_FULL
    if isinstance(error, lmdb.CorruptedError | lmdb.PageNotFoundError | lmdb.PanicError):
        return DAMAGED
    text = str(error)
    if isinstance(error, lmdb.DiskError) or _mentions(error, text, errno.ENOSPC):
        return DISK_FULL
    if _mentions(error, text, errno.EIO):
        return IO_ERROR
    if _mentions(error, text, errno.EFBIG):
        return FILE_TOO_LARGE
    return OTHER


def _mentions(error: BaseException, text: str, number: int) -> bool:
    return getattr(error, "errno", None) == number or os.strerror(number) in text


def store_answer(error: BaseException) -> PromocoreError:
    """The answer to a call the store failed (a STORE_FAILURES error), logged and told to the
    write health."""
    kind = kind_of(error)
    failures.record(kind, error)
    if kind is DAMAGED:
        return StoreDamaged(
            f"the store is damaged ({str(error).strip()}); the operator must run "
            "`promocore check --full`"
        )
    if kind is MAP_FULL:
        return StoreFull(f"the store's map is full; {NOTHING_WRITTEN}")
    return StoreWriteFailed(f"the store could not commit: {kind.what}; {NOTHING_WRITTEN}")


class FailureLog:
    """One line per kind per interval: the first failure of a kind is logged at once, the next
    ones counted and logged with their count once the interval has passed."""

    def __init__(
        self, interval_s: float = LOG_INTERVAL_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._interval_s = interval_s
        self._clock = clock
        self._lock = threading.Lock()
        # kind name -> [failures not yet logged, when the last line was logged]
        self._pending: dict[str, list[Any]] = {}
        self.failing_since: float | None = None
        self._recovery_logged = float("-inf")
        self._listeners: list[Callable[[bool], None]] = []

    def on_change(self, listener: Callable[[bool], None]) -> None:
        """`listener(failing)` is told when writes start failing and when they succeed again."""
        self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[bool], None]) -> None:
        self._listeners.remove(listener)

    def record(self, kind: Kind, error: BaseException) -> None:
        now = self._clock()
        with self._lock:
            pending = self._pending.setdefault(kind.name, [0, None])
            pending[0] += 1
            due = pending[1] is None or now - pending[1] >= self._interval_s
            if due:
                count, pending[0], pending[1] = pending[0], 0, now
            started = kind is not DAMAGED and self.failing_since is None
            if started:
                self.failing_since = now
        if due:
            log.error(
                "store failing: %s (%s); %d call%s refused since the last such line, nothing of "
                "them written%s",
                kind.what,
                str(error).strip(),
                count,
                "" if count == 1 else "s",
                "" if kind is DAMAGED else " (callers told to retry)",
            )
        if started:
            self._tell(True)

    def committed(self) -> None:
        """A write committed: the store writes again (one test when nothing was failing). The
        line saying so is rate-limited like the failures: a store that flaps (a nearly full
        disk where some commits still fit) logs a line per interval, not one per flap."""
        if self.failing_since is None:
            return
        now = self._clock()
        with self._lock:
            since, self.failing_since = self.failing_since, None
            if since is None:
                return
            unlogged = sum(pending[0] for pending in self._pending.values())
            for pending in self._pending.values():
                pending[0] = 0
            due = now - self._recovery_logged >= self._interval_s
            if due:
                self._recovery_logged = now
        if due:
            log.warning(
                "store writes succeed again after %.1f s of failures (%d more refused since "
                "the last line)",
                now - since,
                unlogged,
            )
        self._tell(False)

    def _tell(self, failing: bool) -> None:
        for listener in self._listeners:
            try:
                listener(failing)
            except Exception:  # a broken listener must not turn an answer into an error
                log.exception("store failure listener %r failed", listener)


# The process's one failure log (each worker process has its own).
failures = FailureLog()

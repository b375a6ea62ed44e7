"""Heartbeats from the workers to the supervisor, through a page of shared memory.

A worker that stops making progress keeps what it holds: a worker stopped (SIGSTOP, a debugger),
paging, or in a very long pause while its writer holds LMDB's single write lock stops every
Redeem on every worker, and the supervisor, which only reacts to exits, would never know. So
the supervisor maps a shared page before it forks (one pair of slots per worker) and each
worker's heartbeat thread writes, every BEAT_INTERVAL_S:

- the serving slot: the time of the beat (a process that is frozen stops beating);
- the writer slot: since when its group-commit writer has held the write transaction, 0 when it
  holds none (a writer stuck inside a batch, holding the lock, shows an old time while the
  process still beats; a writer that waits for the lock shows 0: the holder is the culprit).

The supervisor reads them (promocore.server.supervision) and kills a worker silent past
SILENCE_BOUND_S, which makes LMDB release its lock, then restarts it. Times are
`time.monotonic()`, one clock for every process of the machine.
"""

from __future__ import annotations

import mmap
import struct
import threading
import time
from collections.abc import Callable

# A worker that has not beaten, or whose writer has held the write lock, for this long is
# killed and restarted (docs/operations.md, "A frozen worker").
SILENCE_BOUND_S = 5.0
# Each beat wakes a thread that takes the GIL from the calls being served: once a second is
# plenty against a 5 s bound (a frozen worker is still found 5 to 6 s after its last beat).
BEAT_INTERVAL_S = 1.0
_SLOT = struct.Struct("<dd")  # serving beat, writer holding the lock since


class HeartbeatBoard:
    """The shared page: made by the supervisor before the first fork, inherited by the workers."""

    def __init__(self, workers: int) -> None:
        self._workers = workers
        self._memory = mmap.mmap(-1, max(mmap.PAGESIZE, _SLOT.size * workers))

    def reset(self, index: int) -> None:
        """Before worker `index` (re)starts: it is not judged until its first beat."""
        _SLOT.pack_into(self._memory, index * _SLOT.size, 0.0, 0.0)

    def beat(self, index: int, writer_holding_since: float) -> None:
        _SLOT.pack_into(self._memory, index * _SLOT.size, time.monotonic(), writer_holding_since)

    def silence(self, index: int, now: float, bound: float = SILENCE_BOUND_S) -> str | None:
        """Why worker `index` is to be replaced, or None while it makes progress."""
        beat, writer_since = _SLOT.unpack_from(self._memory, index * _SLOT.size)
        if beat and now - beat > bound:
            return f"no heartbeat for {now - beat:.1f} s (the process is stopped, paging or paused)"
        if writer_since and now - writer_since > bound:
            return (
                f"its writer has held the store's write lock for {now - writer_since:.1f} s "
                "without committing"
            )
        return None


class Heartbeat:
    """The worker's heartbeat thread: beats into its slot of the board every BEAT_INTERVAL_S."""

    def __init__(
        self, board: HeartbeatBoard, index: int, writer_holding_since: Callable[[], float]
    ) -> None:
        self._board = board
        self._index = index
        self._writer_holding_since = writer_holding_since
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="promocore-heartbeat", daemon=True)

    def start(self) -> Heartbeat:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while True:
            self._board.beat(self._index, self._writer_holding_since())
            if self._stop.wait(BEAT_INTERVAL_S):
                return

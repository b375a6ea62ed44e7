"""Group commit: one writer thread per process turns many concurrent writes into one durable
LMDB transaction and one sync.

Callers hand in a job (a function of a write transaction) and block until the transaction that
ran it is committed, so a reply is never sent before its write is on disk. The writer begins
the batch's transaction before it takes the queued jobs, so the jobs that queue while another
process holds LMDB's write lock join this batch rather than the next. A job that raises is
rolled back alone, the others of the batch commit: jobs run straight in the batch's transaction,
and a batch in which one raised is aborted, that job answered with its error, and the others
run again in a new transaction (LMDB's transactions are not nested: the store writes through
its memory map, tables.py). Jobs are functions of the transaction: run again, they write the
same. Jobs run one after another inside the batch, each seeing the writes of those before it,
so checks and updates stay exact. On a shared store (Redis) a batch whose reads another node
changed before it committed is run again whole; its jobs are functions of the transaction.
A job whose caller's deadline (promocore.call_context.deadlines) has passed when its batch
reaches it is not run at all: late work is dropped whole, never half-written.

A batch the store cannot commit (a full disk, an I/O error, a full map) is answered, not raised
as it came: its callers get store/failures.py's answer (nothing written, retry with the same
idempotency key), logged once per kind and interval. For the supervisor's heartbeat and the
health status the writer shows, in two attributes read by another thread, since when it has held
LMDB's write lock (`holding_lock_since`) and since when the oldest write it has taken waits
(`oldest_waiting_since`), both `time.monotonic()` values, 0.0 when none.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar, cast

from promocore.call_context import deadlines
from promocore.errors import UnavailableError, WriteConflictError
from promocore.store.errors import WriteConflict
from promocore.store.failures import OTHER, STORE_FAILURES, failures, kind_of, store_answer
from promocore.store.txn import Environment, Txn

T = TypeVar("T")
Job = Callable[[Txn], object]
# Called once per batch inside its transaction, after the jobs (housekeeping).
BatchHook = Callable[[Txn], None]
# What runs once a batch has committed (after_commit).
Effect = Callable[[], object]
# A job as queued: the job, its caller's reply, the caller's deadline, when it was queued.
Queued = tuple[Job, "Reply[Any]", float | None, float]
# A job's outcome: its reply, its result, the error it raised.
Outcome = tuple["Reply[Any]", object, BaseException | None]

DEFAULT_MAX_BATCH = 256
# A batch that keeps losing races (shared store only) is run at most this often, with a short
# random pause growing per attempt so that competing writers drift apart.
MAX_ATTEMPTS = 50
CONFLICT_BACKOFF_S = 0.002
_STOP = object()
log = logging.getLogger("promocore.store")


class CommitObserver(Protocol):
    """Told of every batch's end (promocore.server.metrics)."""

    def batch_committed(self, jobs: int, seconds: float) -> None:
        """`seconds`: the commit and its sync, after the jobs ran."""

    def write_conflict(self) -> None: ...

    def batch_failed(self) -> None: ...


# The effects waiting for the batch that the writer thread is running (see after_commit).
_batch = threading.local()


def after_commit(effect: Effect) -> None:
    """Runs `effect` once the batch running the current job has committed; never if the job
    raises or the batch fails or is run again. Outside a batch (no writer), at once."""
    effects = getattr(_batch, "effects", None)
    if effects is None:
        effect()
    else:
        effects.append(effect)


class Reply(Generic[T]):
    """What the writer answers one caller: a result or an error, set once. The caller waits on
    a lock the writer releases (a Future's condition, its waiter list and callbacks would cost
    every Redeem more, on both threads)."""

    __slots__ = ("_done", "_error", "_result")

    def __init__(self) -> None:
        self._done = threading.Lock()
        self._done.acquire()
        self._result: T | None = None
        self._error: BaseException | None = None

    def set_result(self, result: T) -> None:
        self._result = result
        self._done.release()

    def set_exception(self, error: BaseException) -> None:
        self._error = error
        self._done.release()

    def result(self) -> T:
        """Waits for the answer; raises the job's error."""
        self._done.acquire()
        if self._error is not None:
            raise self._error
        return cast(T, self._result)


class Refusal:
    """What a job returns, instead of raising, when it refuses before it has written anything:
    its caller is answered with `error` and the batch goes on. (A job that raises makes the
    batch run again without it, the jobs before it with it: a stream of refused requests would
    cost their batches that much again.)"""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


class _JobRaised(Exception):
    """The job at `index` of the batch raised (its error is the cause): nothing of the batch
    is written."""

    def __init__(self, index: int) -> None:
        super().__init__(index)
        self.index = index


class WriterStopped(UnavailableError):
    """The writer is shutting down; the job was not run (UNAVAILABLE: retry on another
    worker or server)."""

    def __init__(self) -> None:
        super().__init__(
            "the server is shutting down; nothing was written, retry", reason="shutting_down"
        )


class GroupCommitWriter:
    def __init__(
        self,
        env: Environment,
        *,
        max_batch: int = DEFAULT_MAX_BATCH,
        after_jobs: BatchHook | None = None,
        observer: CommitObserver | None = None,
    ) -> None:
        """`observer` is told of every batch's end (the metrics, when on; otherwise each batch
        pays one test of None)."""
        if max_batch < 1:
            raise ValueError("max_batch must be >= 1")
        self._env = env
        self._max_batch = max_batch
        self._after_jobs = after_jobs
        self._observer = observer
        self._queue: queue.SimpleQueue[Queued | object] = queue.SimpleQueue()
        self._stopping = False
        self.batches = 0
        self.jobs = 0
        self.holding_lock_since = 0.0
        self.oldest_waiting_since = 0.0
        self._thread = threading.Thread(target=self._run, name="promocore-writer", daemon=True)
        self._thread.start()

    def submit(self, job: Callable[[Txn], T | Refusal]) -> T:
        """Runs `job` in the next batch; returns its result once the batch is committed (raises
        the error of a Refusal it returns)."""
        if self._stopping:
            raise WriterStopped()
        reply: Reply[T] = Reply()
        self._queue.put((job, reply, deadlines.current(), time.monotonic()))
        return reply.result()

    def stop(self) -> None:
        """Finishes the queued jobs, then stops the thread."""
        self._stopping = True
        self._queue.put(_STOP)
        self._thread.join()

    def _run(self) -> None:
        while True:
            queued = self._queue.get()
            if queued is _STOP:
                return
            first = cast(Queued, queued)
            self.oldest_waiting_since = first[3]
            # The write transaction first (it waits for LMDB's write lock), the batch after.
            try:
                txn = self._env.begin(write=True)
            except BaseException as failure:
                self.oldest_waiting_since = 0.0
                first[1].set_exception(_answer(failure, "a write transaction could not begin"))
                continue
            self.holding_lock_since = time.monotonic()
            try:
                batch, stop_after = _drain(self._queue, first, self._max_batch)
                self._commit(batch, txn)
            finally:
                self.holding_lock_since = self.oldest_waiting_since = 0.0
            if stop_after:
                return

    def _commit(self, batch: list[Queued], txn: Txn | None) -> None:
        """Runs `batch` in `txn` (begun for it), again in new transactions while it loses
        races or one of its jobs raises (that job answered, the batch run without it)."""
        attempt = 1
        while batch:
            try:
                if txn is None:
                    txn = self._env.begin(write=True)
                outcomes, effects, commit_s = self._run_batch(batch, txn)
            except _JobRaised as raised:
                # Nothing of the batch was written: the job that raised gets its error, the
                # others run again.
                batch[raised.index][1].set_exception(cast(BaseException, raised.__cause__))
                batch = batch[: raised.index] + batch[raised.index + 1 :]
                txn = None
                continue
            except WriteConflict as conflict:
                # Another process or node committed what this batch read (Redis): nothing of
                # the batch was written; run it again on fresh data.
                if self._observer is not None:
                    self._observer.write_conflict()
                if attempt < MAX_ATTEMPTS:
                    time.sleep(random.uniform(0, CONFLICT_BACKOFF_S * attempt))
                    attempt += 1
                    txn = None
                    continue
                error: BaseException = WriteConflictError(str(conflict))
            except BaseException as failure:  # nothing of the batch is written
                error = self._failed(failure, batch)
            else:
                failures.committed()
                self.batches += 1
                self.jobs += len(batch)
                if self._observer is not None:
                    self._observer.batch_committed(len(batch), commit_s)
                for effect in effects:
                    effect()
                for reply, result, job_error in outcomes:
                    if job_error is None:
                        reply.set_result(result)
                    else:
                        reply.set_exception(job_error)
                return
            for _, reply, _, _ in batch:
                reply.set_exception(error)
            return

    def _failed(self, failure: BaseException, batch: list[Queued]) -> BaseException:
        """What every job of a batch that failed whole is answered."""
        if self._observer is not None:
            self._observer.batch_failed()
        return _answer(failure, f"group commit of {len(batch)} jobs failed")

    def _run_batch(
        self, batch: list[Queued], txn: Txn
    ) -> tuple[list[Outcome], list[Effect], float]:
        """The jobs' outcomes, the effects to run now that they are committed, and how long
        the commit (with its sync) took (0 when nobody observes). A job that raises aborts the
        batch (_JobRaised)."""
        timed = self._observer is not None
        outcomes: list[Outcome] = []
        effects: list[Effect] = []
        _batch.effects = effects
        try:
            with txn:
                for index, (job, reply, deadline, _) in enumerate(batch):
                    try:
                        deadlines.check(deadline)
                    except BaseException as late:
                        outcomes.append((reply, None, late))
                        continue
                    try:
                        result = job(txn)
                    except BaseException as error:
                        if _store_wide(error):
                            raise  # the store failed or lost a race, not the job
                        raise _JobRaised(index) from error
                    if type(result) is Refusal:
                        outcomes.append((reply, None, result.error))
                    else:
                        outcomes.append((reply, result, None))
                if self._after_jobs is not None:
                    self._after_jobs(txn)
                committing = time.perf_counter() if timed else 0.0
            # Leaving the block committed (and synced, with full durability).
            commit_s = time.perf_counter() - committing if timed else 0.0
        finally:
            _batch.effects = None
        return outcomes, effects, commit_s


def _store_wide(error: BaseException) -> bool:
    """Whether a job's error is the store's (a full disk or map, a damaged page, a lost race),
    which every job of the batch would meet, rather than the job's own."""
    if isinstance(error, WriteConflict):
        return True
    return isinstance(error, STORE_FAILURES) and kind_of(error) is not OTHER


def _answer(failure: BaseException, what: str) -> BaseException:
    """What the callers of a failed batch get: the store's answer to a store failure (logged by
    kind and interval), anything else as it came (a bug: logged with its traceback)."""
    if isinstance(failure, STORE_FAILURES):
        return store_answer(failure)
    log.exception(what)
    return failure


def _drain(
    source: queue.SimpleQueue[Queued | object], first: Queued, limit: int
) -> tuple[list[Queued], bool]:
    """`first` and what else `source` holds now, at most `limit` in all; and whether the stop
    mark was among them (it is not in the list)."""
    items = [first]
    while len(items) < limit:
        try:
            item = source.get_nowait()
        except queue.Empty:
            break
        if item is _STOP:
            return items, True
        items.append(cast(Queued, item))
    return items, False

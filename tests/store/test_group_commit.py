"""The group-commit writer over a real LMDB directory."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from promocore.store import LmdbStore, Refusal, group_commit
from promocore.store.failures import StoreFull


@pytest.fixture
def store(tmp_path):
    opened = LmdbStore(tmp_path / "data")
    yield opened
    opened.close()


def put(key: bytes):
    def job(txn):
        txn.put(key, b"1", db=None)
        return key

    return job


def test_concurrent_jobs_share_commits_and_each_gets_its_result(store):
    results: dict[int, bytes] = {}
    start = threading.Barrier(64)

    def submit(n: int) -> None:
        start.wait()
        results[n] = store.writer.submit(put(b"job-%d" % n))

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(64)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {n: b"job-%d" % n for n in range(64)}
    assert store.writer.jobs == 64
    assert store.writer.batches < 64  # at least some jobs shared a transaction and a sync
    with store.read() as txn:
        assert all(txn.get(b"job-%d" % n) == b"1" for n in range(64))


def test_a_failing_job_is_rolled_back_alone(store):
    def failing(txn):
        txn.put(b"half-written", b"1")
        raise ValueError("job failed")

    outcomes: list[object] = []
    barrier = threading.Barrier(3)

    def run(job) -> None:
        barrier.wait()
        try:
            outcomes.append(store.writer.submit(job))
        except ValueError as error:
            outcomes.append(error)

    threads = [threading.Thread(target=run, args=(job,)) for job in (put(b"a"), failing, put(b"b"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(map(str, outcomes)) == ["b'a'", "b'b'", "job failed"]
    with store.read() as txn:
        assert txn.get(b"a") == b"1" and txn.get(b"b") == b"1"
        assert txn.get(b"half-written") is None


def one_batch(store, jobs) -> dict[int, object]:
    """Runs `jobs` as one batch, queued in this order behind a job that holds the writer: each
    job's result, or its error, by position."""
    release = threading.Event()
    holder = threading.Thread(target=store.writer.submit, args=(lambda txn: release.wait(10),))
    holder.start()
    while not store.writer.holding_lock_since:
        time.sleep(0.001)
    outcomes: dict[int, object] = {}

    def run(n: int, job) -> None:
        try:
            outcomes[n] = store.writer.submit(job)
        except Exception as error:
            outcomes[n] = error

    threads = []
    for n, job in enumerate(jobs):
        threads.append(threading.Thread(target=run, args=(n, job)))
        threads[-1].start()
        while store.writer._queue.qsize() < n + 1:  # queued in this order
            time.sleep(0.001)
    release.set()
    for thread in (holder, *threads):
        thread.join()
    return outcomes


def counting(runs: list[str]):
    def add(txn):
        runs.append("add")
        count = int(txn.get(b"count") or b"0") + 1
        txn.put(b"count", b"%d" % count)
        return count

    return add


def test_a_batch_in_which_a_job_raised_is_run_again_and_writes_the_others_once(store):
    runs: list[str] = []
    add = counting(runs)

    def failing(txn):
        txn.put(b"half-written", b"1")
        raise ValueError("job failed")

    outcomes = one_batch(store, (add, failing, add))
    assert {n: str(outcome) for n, outcome in outcomes.items()} == {0: "1", 1: "job failed", 2: "2"}
    # The first add ran twice: in the batch that the failure aborted whole, then again in the
    # batch run without the failing job.
    assert runs == ["add"] * 3
    with store.read() as txn:
        assert txn.get(b"count") == b"2"
        assert txn.get(b"half-written") is None


def test_a_job_that_refuses_before_writing_costs_its_batch_no_run_again(store):
    runs: list[str] = []
    add = counting(runs)

    def refusing(txn):
        runs.append("refusing")
        return Refusal(ValueError("refused"))

    outcomes = one_batch(store, (add, refusing, add))
    assert {n: str(outcome) for n, outcome in outcomes.items()} == {0: "1", 1: "refused", 2: "2"}
    assert runs == ["add", "refusing", "add"]  # one run of the batch
    with store.read() as txn:
        assert txn.get(b"count") == b"2"


def test_a_full_map_refuses_the_whole_batch_at_once(tmp_path):
    """A store-wide failure met inside a job (the map is full) is the batch's, not the job's:
    every job of the batch is answered with it, none is run again alone."""
    store = LmdbStore(tmp_path / "small", map_size=1 << 20)
    try:
        runs: list[int] = []

        def big(n: int):
            def job(txn):
                runs.append(n)
                txn.put(b"big-%d" % n, bytes(400_000))
                return n

            return job

        outcomes = one_batch(store, [big(n) for n in range(4)])
        assert all(isinstance(outcome, StoreFull) for outcome in outcomes.values()), outcomes
        assert len(outcomes) == 4
        assert runs == [0, 1, 2]  # the third filled the map; the batch ended there, once
        with store.read() as txn:
            assert all(txn.get(b"big-%d" % n) is None for n in range(4))
    finally:
        store.close()


def test_a_job_returns_only_once_its_write_is_committed(store, tmp_path):
    store.writer.submit(put(b"durable"))
    # Another process (as another worker would) sees the write: it is committed, not merely
    # pending in the writer's transaction.
    reader = (
        "import lmdb, sys; env = lmdb.open(sys.argv[1], readonly=True, max_dbs=16); "
        "print(env.begin().get(b'durable'))"
    )
    seen = subprocess.run(
        [sys.executable, "-c", reader, str(tmp_path / "data")],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    assert seen.stdout.strip() == "b'1'"


def test_one_commit_per_job_when_batches_are_limited_to_one(tmp_path):
    store = LmdbStore(tmp_path / "single", max_batch=1)
    try:
        threads = [
            threading.Thread(target=store.writer.submit, args=(put(b"k%d" % n),)) for n in range(16)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert store.writer.batches == store.writer.jobs == 16
    finally:
        store.close()


class RecordingObserver:
    """A CommitObserver that keeps what it is told."""

    def __init__(self) -> None:
        self.batches: list[tuple[int, float]] = []
        self.conflicts = 0
        self.failures = 0

    def batch_committed(self, jobs: int, seconds: float) -> None:
        self.batches.append((jobs, seconds))

    def write_conflict(self) -> None:
        self.conflicts += 1

    def batch_failed(self) -> None:
        self.failures += 1


@pytest.fixture
def observer():
    return RecordingObserver()


@pytest.fixture
def observed_store(tmp_path, observer):
    opened = LmdbStore(tmp_path / "observed", commit_observer=observer)
    yield opened
    opened.close()


def test_after_commit_effects_run_once_committed_and_never_for_a_failed_job(
    observed_store, observer
):
    store = observed_store
    seen: list[str] = []

    def counted(key: bytes, *, fail: bool = False):
        def job(txn):
            txn.put(key, b"1", db=None)
            # The effect must not see an uncommitted write: it runs after the commit.
            group_commit.after_commit(lambda: seen.append(_committed(store, key)))
            if fail:
                raise ValueError("this job fails after asking for its effect")
            return key

        return job

    assert store.writer.submit(counted(b"kept")) == b"kept"
    with pytest.raises(ValueError):
        store.writer.submit(counted(b"undone", fail=True))
    assert seen == ["kept committed"]
    # The failing job's batch held nothing else: it was aborted, not committed empty.
    assert [jobs for jobs, _ in observer.batches] == [1]
    assert all(0 < seconds < 5 for _, seconds in observer.batches)
    assert (observer.conflicts, observer.failures) == (0, 0)

    group_commit.after_commit(lambda: seen.append("outside a batch: at once"))
    assert seen[-1] == "outside a batch: at once"


def _committed(store, key: bytes) -> str:
    with store.read() as txn:
        return f"{key.decode()} {'committed' if txn.get(key) == b'1' else 'not committed'}"

"""Overload: a bounded number of RPCs per process answered RESOURCE_EXHAUSTED beyond it, late
RPCs abandoned whole at their deadline, and load shedding that spares bursts."""

from __future__ import annotations

import threading

import grpc
import lmdb
import pytest

from promocore import Client
from promocore.call_context import deadlines
from promocore.errors import DeadlineExceededError, ResourceExhaustedError
from promocore.server.grpc_server import ServerOptions, start_server
from promocore.server.load_shedding import MAX_IN_SERVICE, FifoSlots, LoadShedder
from promocore.store.check import check_store
from promocore.store.group_commit import GroupCommitWriter

from support import TEST_ADMIN_KEY, cart, coupon

CODES_PER_STREAM = 1_000_000  # several seconds of work now that generation runs in Rust


def serve(tmp_path, clock, **options):
    return start_server(
        tmp_path / "data", "127.0.0.1:0", clock=clock, options=ServerOptions(**options)
    )


def bulk_campaign(client: Client) -> None:
    """The campaign the busy streams generate codes for."""
    client.create_campaign(
        id="bulk",
        name="bulk",
        type="DISCOUNT_COUPONS",
        currency="EUR",
        effect={"amount_off_order": {"amount": 1}},
    )


def busy_streams(target: str, count: int) -> list[threading.Thread]:
    """`count` GenerateCodes streams, each returned once it is under way on the server."""
    started = [threading.Event() for _ in range(count)]
    threads = []
    for index in range(count):

        def run(index=index):
            with Client(target, api_key=TEST_ADMIN_KEY, timeout=120) as client:
                client.generate_codes(
                    "bulk",
                    CODES_PER_STREAM,
                    return_codes=False,
                    on_progress=lambda *_: started[index].set(),
                )

        thread = threading.Thread(target=run)
        thread.start()
        threads.append(thread)
    for event in started:
        assert event.wait(60)
    return threads


def test_rpcs_beyond_the_bound_are_refused_at_once(tmp_path, clock):
    running = serve(tmp_path, clock, max_concurrent_rpcs=2, threads=4)
    target = f"127.0.0.1:{running.port}"
    try:
        with Client(target, api_key=TEST_ADMIN_KEY) as client:
            bulk_campaign(client)
            streams = busy_streams(target, 2)
            with pytest.raises(ResourceExhaustedError):
                client.validate(cart(("A", 1000, 1)), codes=["ANY"])
            for thread in streams:
                thread.join()
            # Once the streams are done, the same call is served.
            answer = client.validate(cart(("A", 1000, 1)), codes=["ANY"])
            assert answer["redeemables"][0]["reason"] == "code_not_found"
    finally:
        running.stop(grace=None)


def test_a_redeem_past_its_deadline_is_abandoned_and_writes_nothing(tmp_path, clock):
    running = serve(tmp_path, clock, threads=1)
    target = f"127.0.0.1:{running.port}"
    try:
        with Client(target, api_key=TEST_ADMIN_KEY) as client:
            bulk_campaign(client)
            code = coupon(client, "c1", "SAVE1")
            # The only thread is busy: the Redeem waits in the queue past its deadline.
            streams = busy_streams(target, 1)
            with (
                Client(target, api_key=TEST_ADMIN_KEY, timeout=0.2) as hurried,
                pytest.raises(DeadlineExceededError),
            ):
                hurried.redeem(cart(("A", 1000, 1), id="o1"), codes=[code], idempotency_key="k1")
            for thread in streams:
                thread.join()
            assert client.get_code(code).get("redeemed_quantity", 0) == 0
            # The key was never used: a retry is a first redemption, not a replay.
            retry = client.redeem(cart(("A", 1000, 1), id="o1"), codes=[code], idempotency_key="k1")
            assert (retry["status"], retry.get("replayed", False)) == ("SUCCEEDED", False)
    finally:
        running.stop(grace=None)
    report = check_store(tmp_path / "data")
    assert report.ok, report.problems


def test_the_writer_skips_a_job_whose_deadline_passed(tmp_path):
    env = lmdb.open(str(tmp_path / "db"), map_size=1 << 20)
    writer = GroupCommitWriter(env)
    ran = []

    def job(txn):
        ran.append(True)
        txn.put(b"k", b"v")

    try:
        with deadlines.until(0.0), pytest.raises(DeadlineExceededError):  # long past
            writer.submit(job)
        assert ran == []
        with env.begin() as txn:
            assert txn.get(b"k") is None
        writer.submit(job)
        assert ran == [True]
    finally:
        writer.stop()
        env.close()


class Ticks:
    """Monotonic time for the shedder, moved by the test."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_shedding_spares_a_burst_but_not_a_standing_queue():
    ticks = Ticks()
    shedder = LoadShedder(target_ms=10, interval_ms=500, monotonic=ticks)
    # A burst: the first RPCs of the interval start at once, later ones wait long.
    assert [shedder.should_shed(wait) for wait in (0.0, 0.001, 0.2, 0.4)] == [False] * 4
    ticks.now += 0.5
    assert shedder.should_shed(0.3) is False  # the interval had quick pick-ups: no overload
    # A standing queue: a whole interval in which every RPC waited longer than the target.
    for wait in (0.05, 0.08, 0.2):
        assert shedder.should_shed(wait) is False
    ticks.now += 0.5
    assert shedder.should_shed(0.06) is True
    assert shedder.should_shed(0.002) is False  # one that did not wait is still served
    # The next interval saw a quick pick-up: overload is over.
    ticks.now += 0.5
    assert shedder.should_shed(0.05) is False
    assert shedder.shed == 1


def overloaded_shedder(ticks: Ticks) -> LoadShedder:
    """A shedder whose last interval had a standing queue (every RPC waited past the target)."""
    shedder = LoadShedder(target_ms=10, interval_ms=500, monotonic=ticks, max_queue_ms=60_000)
    for wait in (0.05, 0.08):
        shedder.should_shed(wait)
    ticks.now += 0.5
    assert shedder.should_shed(0.06) is True  # the interval ends: overloaded
    return shedder


def test_an_rpc_that_found_its_slot_free_is_served_even_when_overloaded():
    ticks = Ticks()
    shedder = overloaded_shedder(ticks)
    assert shedder.enter(remaining=60) is None  # no queue to stand in: served
    shedder.leave()
    assert shedder.shed == 1


def test_an_rpc_that_queued_past_the_target_is_refused_when_overloaded():
    ticks = Ticks()
    shedder = overloaded_shedder(ticks)
    assert shedder.enter(remaining=60) is None  # holds the only slot
    outcome = []
    waiter = threading.Thread(target=lambda: outcome.append(shedder.enter(remaining=60)))
    waiter.start()
    while shedder.waiting == 0:  # until it stands in the slot queue
        waiter.join(0.001)
    ticks.now += 0.03  # it waits 30 ms (past the 10 ms target) ...
    shedder.leave()  # ... then gets the slot, and is refused with it
    waiter.join()
    [status] = outcome
    assert status is not None and status.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert shedder.shed == 2
    # The refused RPC gave its slot back: the next one is served at once.
    assert shedder.enter(remaining=60) is None
    shedder.leave()


class CpuSeconds(Ticks):
    """A thread's CPU time for the shedder, moved by the test."""


def serve_rpcs(shedder: LoadShedder, cpu: CpuSeconds, count: int, cost_s: float) -> None:
    """`count` RPCs one after another, each using `cost_s` of CPU in service."""
    for _ in range(count):
        assert shedder.enter(remaining=60) is None
        cpu.now += cost_s
        shedder.leave()


def test_cheap_rpcs_get_enough_slots_that_a_normal_load_never_queues():
    cpu = CpuSeconds()
    shedder = LoadShedder(target_ms=10, monotonic=Ticks(), cpu_time=cpu)
    assert shedder.in_service == 1  # nothing measured yet: as cautious as one slot
    serve_rpcs(shedder, cpu, 200, cost_s=0.0002)  # a usual Validate: 0.2 ms of CPU
    # 10 ms / 0.2 ms = 50 would fit; the ceiling is MAX_IN_SERVICE.
    assert shedder.in_service == MAX_IN_SERVICE
    # 16 RPCs at once (the bench's 32 users over two workers) all start without waiting.
    for _ in range(16):
        assert shedder.enter(remaining=60) is None
    assert shedder.waiting == 0
    for _ in range(16):
        shedder.leave()


def test_expensive_rpcs_are_served_one_at_a_time_and_the_slots_follow_the_cost():
    cpu = CpuSeconds()
    shedder = LoadShedder(target_ms=10, monotonic=Ticks(), cpu_time=cpu)
    serve_rpcs(shedder, cpu, 200, cost_s=0.0002)
    assert shedder.in_service == MAX_IN_SERVICE
    serve_rpcs(shedder, cpu, 200, cost_s=0.012)  # 30 codes on a 300-line cart: 12 ms
    assert shedder.in_service == 1
    serve_rpcs(shedder, cpu, 200, cost_s=0.003)
    assert shedder.in_service == 3  # 10 ms / 3 ms, rounded down


def test_a_fixed_number_of_slots_does_not_adapt():
    cpu = CpuSeconds()
    shedder = LoadShedder(target_ms=10, monotonic=Ticks(), cpu_time=cpu, in_service=1)
    serve_rpcs(shedder, cpu, 200, cost_s=0.0002)
    assert shedder.in_service == 1


def test_more_slots_go_to_the_waiters_at_once():
    slots = FifoSlots(1)
    assert slots.try_acquire()
    granted = []
    waiter = threading.Thread(target=lambda: granted.append(slots.acquire(timeout=10)))
    waiter.start()
    while slots.waiting == 0:
        waiter.join(0.001)
    slots.resize(2)
    waiter.join(10)
    assert granted == [True]
    # Fewer slots: those in use are given back as their holders leave, none handed on.
    slots.resize(1)
    slots.release()
    assert not slots.try_acquire()
    slots.release()
    assert slots.try_acquire()

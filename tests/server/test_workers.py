"""`promocore serve --workers N`: processes sharing one port and one store, restarted when they
die, stopped gracefully, and all seeing a change made through any of them at once."""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import pytest

from promocore import Client
from promocore.server.workers import STOP_GRACE_S, worker_cpus

from support import ServerProcess, cart, coupon, wait_until

ORDER = cart(("BEANS", 2000, 1))
# What the servers started by these tests may use: they inherit the test process's mask.
ALLOWED_CPUS = sorted(os.sched_getaffinity(0))


@pytest.fixture
def server(tmp_path):
    with ServerProcess(tmp_path / "data", workers=2) as running:
        yield running


def test_a_dead_worker_is_replaced(server):
    before = server.worker_pids()
    assert len(before) == 2
    os.kill(before[0], signal.SIGKILL)
    wait_until(
        lambda: len(server.worker_pids()) == 2 and before[0] not in server.worker_pids(),
        "the killed worker replaced",
        timeout=10,
    )
    after = server.worker_pids()
    assert len(after) == 2 and before[0] not in after and before[1] in after
    server.wait_until_serving(10)
    with Client(server.target) as client:
        assert client.list_campaigns() == []


def test_sigterm_stops_every_worker_gracefully(server):
    workers = server.worker_pids()
    assert server.stop() == 0
    for pid in workers:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_a_worker_that_does_not_stop_is_killed_and_the_supervisor_still_exits(server):
    stuck, other = server.worker_pids()
    os.kill(stuck, signal.SIGSTOP)  # stopped: it cannot act on SIGTERM
    started = time.monotonic()
    assert server.stop() == 0
    waited = time.monotonic() - started
    assert STOP_GRACE_S - 0.5 <= waited < STOP_GRACE_S + 10  # the grace, then the kill
    for pid in (stuck, other):
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_a_disable_through_one_connection_is_seen_on_every_worker(server):
    with Client(server.target) as admin:
        coupon(admin, "switch", "SWITCH")
        # Warm every worker's compiled cache with the active version first.
        for _ in range(8):
            with Client(server.target) as checkout:
                assert checkout.validate(ORDER, codes=["SWITCH"])["valid"]
        admin.disable_campaign("switch")
    # New connections land on either worker (SO_REUSEPORT spreads them).
    for _ in range(16):
        with Client(server.target) as checkout:
            [result] = checkout.validate(ORDER, codes=["SWITCH"])["redeemables"]
            assert result["reason"] == "campaign_inactive"


def cpu_list(text: str) -> set[int]:
    """The CPUs of a kernel CPU list such as `0-3,6`."""
    cpus: set[int] = set()
    for part in text.split(","):
        first, _, last = part.partition("-")
        cpus.update(range(int(first), int(last or first) + 1))
    return cpus


def allowed_cpus_of_threads(pid: int) -> list[set[int]]:
    """Cpus_allowed_list of every thread of a process (gRPC's pool included)."""
    masks = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        status = (task / "status").read_text()
        line = next(x for x in status.splitlines() if x.startswith("Cpus_allowed_list:"))
        masks.append(cpu_list(line.split(":", 1)[1].strip()))
    return masks


@pytest.mark.skipif(
    len(ALLOWED_CPUS) < 2,
    reason=f"pinning 2 workers to distinct CPUs needs 2 allowed CPUs; this process has "
    f"{len(ALLOWED_CPUS)}",
)
def test_auto_affinity_pins_each_worker_and_all_its_threads_to_its_own_cpu(tmp_path):
    with ServerProcess(tmp_path / "data", workers=2, extra=("--cpu-affinity", "auto")) as server:
        pids = server.worker_pids()
        # Every worker has finished starting (its last start-up step logged, after the pin)
        # before its threads are read, and before one of them is killed: one worker answering
        # health checks does not mean the other has finished starting.
        for pid in pids:
            wait_for_start_up_heap_frozen(server.log_path, pid)
        per_worker = []
        for pid in pids:
            masks = allowed_cpus_of_threads(pid)
            assert len(masks) > 1  # the gRPC threads started after the pin, and inherited it
            [mask] = {frozenset(m) for m in masks}
            assert len(mask) == 1
            per_worker.append(mask)
        assert len(set(per_worker)) == 2
        assert set().union(*per_worker) <= set(ALLOWED_CPUS)
        # A replaced worker takes its predecessor's CPU again.
        os.kill(pids[0], signal.SIGKILL)
        wait_until(
            lambda: any(p not in pids for p in server.worker_pids()),
            "the killed worker replaced",
            timeout=10,
        )
        replaced = [p for p in server.worker_pids() if p not in pids]
        wait_for_start_up_heap_frozen(server.log_path, replaced[0])
        assert {frozenset(m) for m in allowed_cpus_of_threads(replaced[0])} == {per_worker[0]}
    log = server.log_path.read_text()
    for index, pid in enumerate(pids):
        [cpu] = per_worker[index]
        assert f"worker {index} (pid {pid}) pinned to CPU {cpu}" in log
        assert_start_up_heap_frozen(log, pid)


def wait_for_start_up_heap_frozen(log_path: Path, pid: int, timeout: float = 30) -> None:
    wait_until(
        lambda: re.search(rf"process {pid}: \d+ start-up objects", log_path.read_text()),
        f"worker {pid} logging its start-up heap frozen",
        timeout=timeout,
    )


def assert_start_up_heap_frozen(log: str, pid: int) -> None:
    """The worker took its start-up heap out of the collector's full scans (grpc_server.py)."""
    frozen = re.search(rf"process {pid}: (\d+) start-up objects out of the garbage", log)
    assert frozen and int(frozen.group(1)) > 10_000


def test_off_leaves_every_worker_on_the_whole_allowed_set(tmp_path):
    with ServerProcess(tmp_path / "data", workers=2, extra=("--cpu-affinity", "off")) as server:
        pids = server.worker_pids()
        for pid in pids:
            wait_for_start_up_heap_frozen(server.log_path, pid)
            assert allowed_cpus_of_threads(pid) and all(
                mask == set(ALLOWED_CPUS) for mask in allowed_cpus_of_threads(pid)
            )
    log = server.log_path.read_text()
    assert not re.search(r"\) pinned to CPU \d", log)
    for pid in pids:
        assert_start_up_heap_frozen(log, pid)


def test_auto_pins_nothing_when_workers_outnumber_the_allowed_cpus(tmp_path):
    workers = len(ALLOWED_CPUS) + 1
    with ServerProcess(tmp_path / "data", workers=workers) as server:  # auto is the default
        pids = server.worker_pids()
        assert len(pids) == workers
        for pid in pids:
            assert all(mask == set(ALLOWED_CPUS) for mask in allowed_cpus_of_threads(pid))
    log = server.log_path.read_text()
    assert not re.search(r"\) pinned to CPU \d", log)
    assert "workers not pinned to CPUs (--cpu-affinity auto" in log


def test_worker_cpus_takes_the_allowed_cpus_in_order_and_refuses_an_unknown_mode():
    assert worker_cpus(2, "auto", [5, 3, 9]) == [3, 5]
    assert worker_cpus(3, "auto", [3, 5, 9]) == [3, 5, 9]
    assert worker_cpus(4, "auto", [3, 5, 9]) is None
    assert worker_cpus(2, "off", [3, 5, 9]) is None
    with pytest.raises(ValueError, match="--cpu-affinity"):
        worker_cpus(2, "always", [0, 1])

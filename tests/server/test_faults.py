"""Faults an operator meets, the fast ones that need no root (`make faults` runs all six under
load, with a full tmpfs and a stepped clock): a store that cannot write answers UNAVAILABLE
with its reason, logs once per interval and turns health NOT_SERVING until a commit succeeds; a
worker frozen while it holds the store's write lock is killed and replaced within the bound; a
server shutting down answers UNAVAILABLE."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
import time
import urllib.request
import uuid

import grpc
import lmdb
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from prometheus_client.parser import text_string_to_metric_families

from promocore import Client
from promocore.errors import PromocoreError, UnavailableError
from promocore.server.grpc_server import ADMIN_SERVICE, start_server
from promocore.server.heartbeat import BEAT_INTERVAL_S, SILENCE_BOUND_S
from promocore.server.store_health import WRITE_WAIT_BOUND_S
from promocore.store.failures import STORE_WRITE_FAILED

from support import (
    ServerProcess,
    cart,
    check_report,
    coupon,
    free_port,
    freeze_holding_the_write_lock,
    stopped,
    wait_until,
    write_lock_owner,
)

# A process that takes the store's write lock and keeps it for 4 s.
HOLD_THE_WRITE_LOCK = """
import sys, time, lmdb
env = lmdb.open(sys.argv[1], max_dbs=64)
txn = env.begin(write=True)
print("holding", flush=True)
time.sleep(4)
txn.abort()
"""
FAULT_GAUGES = ("promocore_store_free_bytes", "promocore_oldest_queued_write_seconds")
OWN_CONNECTION = (("grpc.use_local_subchannel_pool", 1),)
PROMOCORE = (sys.executable, "-m", "promocore.cli")
GENERATE_20000 = ("codes", "generate", "open", "--count", "20000")
ORDER = cart(("BEANS", 2000, 1))
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


def health_of(target: str, service: str = "") -> int:
    with grpc.insecure_channel(target) as channel:
        answer = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service=service), timeout=5
        )
    return answer.status


def redeem(client: Client, key: str) -> dict:
    return client.redeem(
        {**ORDER, "id": key}, idempotency_key=key, codes=["OPEN"], customer={"id": "c-" + key}
    )


def limit_file_size(pid: int, limit: int) -> None:
    """The worker's data file cannot grow past `limit` bytes (RLIMIT_FSIZE: its writes beyond
    fail with EFBIG, as they fail with ENOSPC on a full disk; Python ignores SIGXFSZ)."""
    resource.prlimit(pid, resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))


def test_a_store_that_cannot_write_answers_logs_once_and_turns_health(tmp_path):
    with ServerProcess(tmp_path / "data", workers=1) as server, Client(server.target) as client:
        coupon(client, "open", "OPEN")
        acknowledged = {redeem(client, f"before-{n}")["redemption"]["id"] for n in range(3)}
        (worker,) = server.worker_pids()
        limit_file_size(worker, (tmp_path / "data" / "data.mdb").stat().st_size)

        refused = None
        for attempt in range(5000):  # until the log's next page must grow the file
            try:
                acknowledged.add(redeem(client, f"during-{attempt}")["redemption"]["id"])
            except UnavailableError as error:
                refused, failed_key = error, f"during-{attempt}"
                break
        assert refused is not None, "no write failed"
        assert refused.reason == STORE_WRITE_FAILED
        assert "nothing was written; retry with the same idempotency key" in refused.message
        assert health_of(server.target) == NOT_SERVING
        assert health_of(server.target, ADMIN_SERVICE) == SERVING  # reads still work
        assert client.get_code("OPEN")["code"] == "OPEN"
        for _ in range(30):  # a burst of failures: counted, not logged one by one
            with pytest.raises(UnavailableError):
                redeem(client, failed_key)

        generate = subprocess.run(
            [*PROMOCORE, "--target", server.target, *GENERATE_20000],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert generate.returncode == 1
        assert "Traceback" not in generate.stderr
        assert "codes were committed before the failure" in generate.stderr
        committed = int(generate.stderr.split(" of the 20000 codes")[0].rsplit("; ", 1)[1])
        assert len(client.list_codes("open")) == 1 + committed

        log = server.log_path.read_text()
        # LMDB's write stops short at the limit, which it reports as EIO (as on a full disk).
        assert log.count("promocore.store ERROR store failing: an I/O error") == 1
        assert "Traceback" not in log

        limit_file_size(worker, resource.RLIM_INFINITY)
        acknowledged.add(redeem(client, failed_key)["redemption"]["id"])  # the same key: once
        assert health_of(server.target) == SERVING
        assert "store writes succeed again after" in server.log_path.read_text()
        for redemption_id in acknowledged:
            assert client.get_redemption(redemption_id)["status"] == "SUCCEEDED"
    status, report = check_report(tmp_path / "data")
    assert status == 0, report
    assert report["redemptions"] == len(acknowledged)


def test_a_worker_frozen_holding_the_write_lock_is_replaced_within_the_bound(tmp_path):
    """The case of the issue: one of two workers stopped (SIGSTOP) while its writer holds LMDB's
    write lock (read from the lock file), under a Redeem load on both. No Redeem succeeds on any
    worker until the supervisor kills it, at the heartbeat bound; then they succeed again, the
    whole gap within the bound + 2 s."""
    data_dir = tmp_path / "data"
    with ServerProcess(data_dir, workers=2) as server:
        with Client(server.target) as admin:
            coupon(admin, "open", "OPEN")
        successes: list[float] = []
        acknowledged: set[str] = set()
        stop = threading.Event()

        def load() -> None:
            while not stop.is_set():
                # A new connection per call (not gRPC's shared one): the kernel spreads them over
                # both workers.
                with Client(server.target, timeout=1.0, channel_options=OWN_CONNECTION) as client:
                    try:
                        answer = redeem(client, uuid.uuid4().hex)
                    except (PromocoreError, grpc.RpcError):
                        continue
                acknowledged.add(answer["redemption"]["id"])
                successes.append(time.monotonic())

        threads = [threading.Thread(target=load) for _ in range(4)]
        for thread in threads:
            thread.start()
        try:
            wait_until(lambda: successes, "the load's first redeem")
            frozen = server.worker_pids()[0]
            frozen_at = freeze_holding_the_write_lock(data_dir, frozen)
            # Killed: no longer stopped (a zombie until the supervisor reaps it, then gone).
            wait_until(
                lambda: not stopped(frozen), "the frozen worker killed", timeout=SILENCE_BOUND_S + 5
            )
            killed_at = time.monotonic()
            wait_until(lambda: successes[-1] > killed_at, "a redeem after the kill", timeout=10)
            time.sleep(1.0)
        finally:
            stop.set()
            for thread in threads:
                thread.join()
        # Its last beat came up to a beat before it froze: the earliest it can be killed.
        earliest_kill = frozen_at + SILENCE_BOUND_S - BEAT_INTERVAL_S
        assert earliest_kill <= killed_at <= frozen_at + SILENCE_BOUND_S + 1
        # Until then no worker can write (answers already on their way may arrive just after
        # the freeze).
        while_frozen = [at for at in successes if frozen_at + 0.5 < at < earliest_kill]
        assert not while_frozen, [round(at - frozen_at, 3) for at in while_frozen]
        after = [at for at in successes if at > frozen_at]
        gaps = [b - a for a, b in zip([frozen_at, *after], after, strict=False)]
        assert max(gaps) <= SILENCE_BOUND_S + 2, max(gaps)
        log = server.log_path.read_text()
        assert f"(pid {frozen}) made no progress: no heartbeat for" in log
        assert f"(pid {frozen}) killed by SIGKILL" in log
        with Client(server.target) as admin:
            for redemption_id in acknowledged:
                assert admin.get_redemption(redemption_id)["status"] == "SUCCEEDED"
    assert check_report(data_dir)[0] == 0


def test_the_write_lock_owner_is_read_from_the_lock_file(tmp_path):
    """What the frozen-worker test relies on: the lock file names the thread holding the write
    lock, and nobody once it is released."""
    env = lmdb.open(str(tmp_path / "store"))
    try:
        assert write_lock_owner(tmp_path / "store") == 0
        txn = env.begin(write=True)
        assert write_lock_owner(tmp_path / "store") == threading.get_native_id()
        txn.abort()
        assert write_lock_owner(tmp_path / "store") == 0
    finally:
        env.close()


def test_a_server_shutting_down_answers_unavailable(tmp_path):
    running = start_server(tmp_path / "data", "127.0.0.1:0")
    target = f"127.0.0.1:{running.port}"
    try:
        with Client(target) as client:
            coupon(client, "open", "OPEN")
            running.health.enter_graceful_shutdown()
            running.gate.drain()  # what RunningServer.stop does first
            with pytest.raises(UnavailableError) as refused:
                client.validate(ORDER, codes=["OPEN"])
            assert refused.value.reason == "shutting_down"
            with pytest.raises(UnavailableError):
                redeem(client, "late")
            assert health_of(target) == NOT_SERVING
    finally:
        running.stop()


def test_writes_waiting_past_the_bound_turn_health_not_serving(tmp_path):
    """Another process holds LMDB's write lock (as a frozen worker would): the Redeem waits,
    health turns NOT_SERVING once the oldest write has waited WRITE_WAIT_BOUND_S, and SERVING
    again when the write goes through."""
    running = start_server(tmp_path / "data", "127.0.0.1:0")
    target = f"127.0.0.1:{running.port}"
    try:
        with Client(target) as client:
            coupon(client, "open", "OPEN")
            holder = subprocess.Popen(
                [sys.executable, "-c", HOLD_THE_WRITE_LOCK, str(tmp_path / "data")],
                stdout=subprocess.PIPE,
                text=True,
            )
            assert holder.stdout.readline().strip() == "holding"
            answers: list[dict] = []
            waiting = threading.Thread(target=lambda: answers.append(redeem(client, "waits")))
            waiting.start()
            time.sleep(WRITE_WAIT_BOUND_S / 2)
            assert health_of(target) == SERVING  # waiting, not yet past the bound
            deadline = time.monotonic() + WRITE_WAIT_BOUND_S + 2
            while health_of(target) == SERVING and time.monotonic() < deadline:
                time.sleep(0.05)
            assert health_of(target) == NOT_SERVING
            holder.wait(timeout=30)
            waiting.join(timeout=10)
            assert answers and answers[0]["status"] == "SUCCEEDED"
            deadline = time.monotonic() + 2
            while health_of(target) != SERVING and time.monotonic() < deadline:
                time.sleep(0.05)
            assert health_of(target) == SERVING
    finally:
        running.stop()


def test_free_space_and_the_oldest_write_are_metrics(tmp_path):
    metrics_port = free_port()
    extra = ("--metrics-listen", f"127.0.0.1:{metrics_port}")
    with ServerProcess(tmp_path / "data", workers=2, extra=extra) as server:
        with Client(server.target) as client:
            coupon(client, "open", "OPEN")
            redeem(client, "one")
        deadline = time.monotonic() + 10
        samples: dict[str, float] = {}
        while time.monotonic() < deadline and len(samples) < 2:
            with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics") as answer:
                text = answer.read().decode()
            samples = {
                sample.name: sample.value
                for family in text_string_to_metric_families(text)
                for sample in family.samples
                if sample.name in FAULT_GAUGES
            }
            time.sleep(0.2)
    stats = os.statvfs(tmp_path / "data")
    free = stats.f_bavail * stats.f_frsize
    # The file system is shared with other work: the sample is near what statvfs says now.
    assert abs(samples["promocore_store_free_bytes"] - free) < 0.05 * free + (64 << 20)
    assert 0 <= samples["promocore_oldest_queued_write_seconds"] < 1  # nothing waits now

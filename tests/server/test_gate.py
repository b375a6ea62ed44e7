"""The gate (server/gate.py) through a real server: writes waiting for the group commit hold no
thread or slot a read needs, writes beyond their bound are refused at once, and every RPC ends at
the finish hooks with its method and status code.

The writer is made to wait for real: another process holds LMDB's write lock (LMDB has one
writer at a time across processes), so every write the server takes blocks in its group commit
until the test lets go."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent import futures
from contextlib import contextmanager
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from promocore import Client
from promocore.errors import ResourceExhaustedError, UnauthenticatedError
from promocore.server.gate import asks_for_reservation
from promocore.server.grpc_server import RunningServer, ServerOptions, start_server
from promocore.v1 import checkout_pb2

from support import TEST_ADMIN_KEY, cart, coupon, wait_until

HOLD_WRITE_LOCK = """
import sys
import lmdb
from promocore.store.tables import DEFAULT_MAP_SIZE, TABLE_NAMES
env = lmdb.open(sys.argv[1], map_size=DEFAULT_MAP_SIZE, max_dbs=len(TABLE_NAMES) + 4, lock=True)
txn = env.begin(write=True)
print("holding", flush=True)
sys.stdin.read()  # until the test closes our stdin
txn.abort()
"""


@contextmanager
def writer_blocked(data_dir: Path) -> Iterator[None]:
    """While inside, another process holds the store's write lock: every write waits."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_WRITE_LOCK, str(data_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout.readline() == b"holding\n"
        yield
    finally:
        holder.stdin.close()
        assert holder.wait(30) == 0


def serve(tmp_path: Path, clock, **options) -> RunningServer:
    return start_server(
        tmp_path / "data", "127.0.0.1:0", clock=clock, options=ServerOptions(**options)
    )


def test_a_validate_is_served_while_many_writes_wait_for_the_group_commit(tmp_path, clock):
    running = serve(tmp_path, clock)  # the default threads and slots
    target = f"127.0.0.1:{running.port}"
    redeems, reserving = 40, 8  # together far more than the old pool of 16 threads
    try:
        with Client(target, api_key=TEST_ADMIN_KEY, timeout=60) as client:
            code = coupon(client, "c1", "SAVE1")
            with (
                futures.ThreadPoolExecutor(redeems + reserving) as pool,
                writer_blocked(tmp_path / "data"),  # let go before the pool waits for its calls
            ):
                redeemed = [
                    pool.submit(
                        client.redeem,
                        cart(("A", 1000, 1), id=f"o{n}"),
                        codes=[code],
                        idempotency_key=f"k{n}",
                    )
                    for n in range(redeems)
                ]
                held = [
                    pool.submit(
                        client.validate,
                        cart(("A", 1000, 1)),
                        codes=[code],
                        reservation={"session_key": f"s{n}", "ttl_seconds": 60},
                    )
                    for n in range(reserving)
                ]
                wait_until(
                    lambda: running.gate.writes.in_flight == redeems + reserving,
                    "every write in flight",
                )
                # Every write waits in the writer; a quiet Validate gets a thread and the slot.
                answer = client.validate(cart(("A", 1000, 1)), codes=[code])
                assert answer["redeemables"][0]["status"] == "APPLICABLE"
                assert not any(f.done() for f in redeemed + held)
            # The writer runs again: every write completes.
            assert {f.result()["status"] for f in redeemed} == {"SUCCEEDED"}
            assert all("session_key" in f.result()["reservation"] for f in held)
    finally:
        running.stop(grace=None)


def test_writes_beyond_their_bound_are_refused_at_once_and_reads_still_served(tmp_path, clock):
    running = serve(tmp_path, clock, max_concurrent_writes=2)
    target = f"127.0.0.1:{running.port}"
    try:
        with Client(target, api_key=TEST_ADMIN_KEY, timeout=60) as client:
            code = coupon(client, "c1", "SAVE1")
            with futures.ThreadPoolExecutor(2) as pool, writer_blocked(tmp_path / "data"):
                waiting = [
                    pool.submit(
                        client.redeem,
                        cart(("A", 1000, 1), id=f"o{n}"),
                        codes=[code],
                        idempotency_key=f"k{n}",
                    )
                    for n in range(2)
                ]
                wait_until(lambda: running.gate.writes.in_flight == 2, "two writes in flight")
                with pytest.raises(ResourceExhaustedError) as refused:
                    client.redeem(cart(("A", 1000, 1), id="o3"), codes=[code], idempotency_key="k3")
                assert refused.value.reason == "overloaded" and refused.value.retry_after_ms > 0
                # A Validate asking for a reservation is a write too ...
                with pytest.raises(ResourceExhaustedError):
                    client.validate(
                        cart(("A", 1000, 1)),
                        codes=[code],
                        reservation={"session_key": "s", "ttl_seconds": 60},
                    )
                # ... one that does not is a read, served.
                answer = client.validate(cart(("A", 1000, 1)), codes=[code])
                assert answer["redeemables"][0]["status"] == "APPLICABLE"
            assert [f.result()["status"] for f in waiting] == ["SUCCEEDED"] * 2
            # The refused Redeem wrote nothing: its retry is a first redemption.
            retry = client.redeem(cart(("A", 1000, 1), id="o3"), codes=[code], idempotency_key="k3")
            assert (retry["status"], retry.get("replayed", False)) == ("SUCCEEDED", False)
            assert running.gate.writes.in_flight == 0
    finally:
        running.stop(grace=None)


def validate_bytes(**fields) -> bytes:
    request = checkout_pb2.ValidateRequest(redeemables=[{"code": "SAVE*1"}], **fields)
    request.order.currency = "EUR"
    request.order.items.add(sku="*" * 42, unit_price=42, quantity=1)  # tag-like bytes inside
    request.order.metadata_json = '{"note": "' + "*" * 300 + '"}'
    return request.SerializeToString()


def test_a_reservation_is_found_in_the_top_level_of_the_request_bytes():
    assert asks_for_reservation(validate_bytes()) is False
    holding = validate_bytes(reservation={"session_key": "s", "ttl_seconds": 60})
    assert asks_for_reservation(holding) is True
    assert asks_for_reservation(b"") is False
    assert asks_for_reservation(holding[:-3]) is True  # cut short after the tag: still asked
    assert asks_for_reservation(b"\x0a\xff\xff*") is False  # does not walk: the parse reports it


def test_every_rpc_ends_at_the_finish_hooks_with_its_method_and_code(server, target, client):
    ended: list[tuple[str, grpc.StatusCode, float]] = []
    lock = threading.Lock()

    def hook(method, code, seconds, context):
        with lock:
            ended.append((method, code, seconds))

    server.gate.on_finish(hook)
    coupon(client, "c1", "SAVE1")
    client.validate(cart(("A", 1000, 1)), codes=["SAVE1"])
    with (
        Client(target, api_key="pck_0123456789abcdef_wrong") as stranger,
        pytest.raises(UnauthenticatedError),
    ):
        stranger.validate(cart(("A", 1000, 1)), codes=["SAVE1"])
    client.generate_codes("c1", 3, return_codes=False)  # a stream
    with grpc.insecure_channel(target) as channel:
        health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
    with lock:
        outcomes = [(method.rsplit("/", 1)[1], code) for method, code, _ in ended]
        assert all(seconds >= 0 for _, _, seconds in ended)
    assert outcomes == [
        ("CreateCampaign", grpc.StatusCode.OK),
        ("CreateCode", grpc.StatusCode.OK),
        ("Validate", grpc.StatusCode.OK),
        ("Validate", grpc.StatusCode.UNAUTHENTICATED),
        ("GenerateCodes", grpc.StatusCode.OK),
        ("Check", grpc.StatusCode.OK),
    ]

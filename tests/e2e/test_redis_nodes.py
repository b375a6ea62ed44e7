"""Several promocore nodes on one Redis store (issue 10): racing clients get
exactly K successes across two nodes, a disable on node 1 is enforced by node 2 within a second,
and a Redis server killed (-9) and restarted from its AOF under load loses no acknowledged
redemption. With $PROMOCORE_REDIS_FIGURES naming a directory each test writes its figures
there (one JSON file per test, written before its assertions) for `make test-redis`."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path

import orjson
import pytest
from redis_nodes_support import (
    LoadClient,
    finish_all,
    race_across,
    start_nodes,
    stop_nodes,
    write_figures,
)

from promocore import Client
from promocore.cli.security import ensure_admin_key
from promocore.errors import UnavailableError
from promocore.server.auth import REFRESH_INTERVAL_S
from promocore.server.grpc_server import start_server
from promocore.store.api_keys import ApiKeyTable
from promocore.store.backends import open_store
from promocore.store.check import check_store

from redis_support import RedisServer, RedisServerMissing, redis_server_executable
from support import TEST_ADMIN_KEY, coupon

K = 40
REQUESTS = 200
# Kill switch: Validate client processes on node 2, calls counted from 1 s after the disable.
VALIDATE_CLIENTS = 2
LATE_CALLS_PER_CLIENT = 40
# Restart: redeem client processes x threads each; Redis restarts (kill -9, start from AOF).
REDEEM_CLIENTS = 2
REDEEM_THREADS = 2
RESTARTS = 2
ACKS_BETWEEN_RESTARTS = 60
OUTAGE_S = 0.3
PROGRESS_TIMEOUT_S = 30.0
# (error type, reason) of a call that failed while Redis was down.
EXPECTED_OUTAGE_ERRORS = {("UnavailableError", "store_unavailable")}
ORDER = {"currency": "EUR", "items": [{"sku": "BEANS", "unit_price": 2000, "quantity": 1}]}


def redis_for(directory: Path) -> RedisServer:
    try:
        redis_server_executable()
    except RedisServerMissing as missing:
        raise pytest.fail.Exception(str(missing), pytrace=False) from None
    return RedisServer(directory)


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One Redis and two nodes on it (2 workers each): (redis, node1, node2)."""
    base = tmp_path_factory.mktemp("redis-nodes")
    with redis_for(base / "redis") as redis_server:
        nodes = start_nodes(base, redis_server.url, 2, workers=2)
        try:
            yield redis_server, *nodes
        finally:
            stop_nodes(nodes)


def test_two_nodes_racing_a_total_limit_give_exactly_k_successes(shared):
    redis_server, node1, node2 = shared
    with Client(node1.target) as admin:
        coupon(admin, "two-node-total", "TWO-NODE-40", limits={"total_redemptions": K})
    requests = [
        {"code": "TWO-NODE-40", "customer": f"c{n}", "key": f"two-node-{n}"}
        for n in range(REQUESTS)
    ]
    outcomes = race_across([node1.target, node2.target], requests)

    succeeded = [o for o in outcomes if o.get("status") == "SUCCEEDED"]
    with Client(node2.target) as reader:
        stored = reader.list_redemptions(campaign_id="two-node-total")
        redeemed_quantity = reader.get_code("TWO-NODE-40")["redeemed_quantity"]
    report = check_store(redis_server.url)
    write_figures(
        "two_node_race",
        {
            "two_node_requests": REQUESTS,
            "two_node_limit": K,
            "two_node_successes": len(succeeded),
            "two_node_oversold": len(succeeded) - K,
            "two_node_successes_by_node": {
                "node1": sum(o["target"] == node1.target for o in succeeded),
                "node2": sum(o["target"] == node2.target for o in succeeded),
            },
            "two_node_stored_redemptions": len(stored),
            "two_node_store_check_ok": report.ok,
            "two_node_store_check_problems": report.problems[:10],
        },
    )

    assert Counter(o.get("status") or o["error"] for o in outcomes) == {
        "SUCCEEDED": K,
        "FAILED": REQUESTS - K,
    }
    assert {o["reason"] for o in outcomes if o["status"] == "FAILED"} == {"campaign_limit_exceeded"}
    # Both nodes took part in the race. (How the K successes split between them is up to the
    # race: one node's group-commit batch can take most of them, so that is only reported.)
    assert {o["target"] for o in outcomes} == {node1.target, node2.target}
    # The store agrees, read through the other node than the one that created the campaign.
    assert redeemed_quantity == K
    assert len(stored) == K
    assert {r["id"] for r in stored} == {o["redemption_id"] for o in succeeded}
    assert {r["idempotency_key"] for r in stored} == {o["key"] for o in succeeded}
    assert report.ok, report.summary()


def test_two_nodes_racing_a_per_customer_limit_hold_it_for_every_customer(shared):
    redis_server, node1, node2 = shared
    customers = 20
    with Client(node2.target) as admin:
        coupon(admin, "two-node-per-customer", "TWO-NODE-TWICE", limits={"per_customer": 2})
    requests = [
        {"code": "TWO-NODE-TWICE", "customer": f"p{n % customers}", "key": f"two-node-pc-{n}"}
        for n in range(REQUESTS)
    ]
    outcomes = race_across([node1.target, node2.target], requests)

    succeeded = [o for o in outcomes if o.get("status") == "SUCCEEDED"]
    by_customer = Counter(o["customer"] for o in succeeded)
    report = check_store(redis_server.url)
    write_figures(
        "two_node_per_customer",
        {
            "per_customer_limit": 2,
            "per_customer_customers": customers,
            "per_customer_successes": len(succeeded),
            "per_customer_max_successes": max(by_customer.values(), default=0),
            "per_customer_oversold": sum(max(0, n - 2) for n in by_customer.values()),
            "per_customer_successes_by_node": {
                "node1": sum(o["target"] == node1.target for o in succeeded),
                "node2": sum(o["target"] == node2.target for o in succeeded),
            },
        },
    )

    assert by_customer == {f"p{n}": 2 for n in range(customers)}
    failed = [o for o in outcomes if o.get("status") != "SUCCEEDED"]
    assert len(failed) == REQUESTS - 2 * customers
    assert {o.get("reason") for o in failed} == {"customer_limit_exceeded"}
    assert {o["target"] for o in succeeded} == {node1.target, node2.target}
    with Client(node1.target) as reader:
        assert len(reader.list_redemptions(campaign_id="two-node-per-customer")) == 2 * customers
    assert report.ok, report.summary()


def test_a_disable_on_node_1_is_enforced_by_node_2_within_a_second(shared, tmp_path):
    _, node1, node2 = shared
    with Client(node1.target) as admin:
        coupon(admin, "two-node-flash", "TWO-NODE-FLASH")
    outputs = [tmp_path / f"validate-{n}.jsonl" for n in range(VALIDATE_CLIENTS)]
    clients = [LoadClient("validate", node2.target, "TWO-NODE-FLASH", str(o)) for o in outputs]
    try:
        # Ready = every connection of every client had an applicable answer from node 2.
        for client in clients:
            client.wait_ready()
        with Client(node1.target) as admin:
            sent = time.monotonic()
            admin.disable_campaign("two-node-flash")
            acknowledged = time.monotonic()
        # Each client goes on until LATE_CALLS_PER_CLIENT calls started >= 1 s after the ack.
        for client in clients:
            client.send(f"after {acknowledged + 1.0!r} {LATE_CALLS_PER_CLIENT}")
    finally:
        finish_all(clients)
    calls = sorted(
        (orjson.loads(line) for output in outputs for line in output.read_bytes().splitlines()),
        key=lambda call: call["start"],
    )

    def inactive(call: dict) -> bool:
        return call.get("reason") == "campaign_inactive"

    before = [call for call in calls if call["end"] < sent]
    after = [call for call in calls if call["start"] >= acknowledged + 1.0]
    # Propagation: from the ack to the start of the first call from which on every answer of
    # node 2 was "inactive" (0 when node 2 already refused everything started after the ack).
    last_active = max((i for i, call in enumerate(calls) if not inactive(call)), default=-1)
    first_all_inactive = calls[last_active + 1]["start"] if last_active + 1 < len(calls) else None
    propagation = None if first_all_inactive is None else first_all_inactive - acknowledged
    write_figures(
        "kill_switch",
        {
            "disable_propagation_s": None if propagation is None else max(0.0, propagation),
            "disable_propagation_raw_s": propagation,
            "disable_rpc_s": acknowledged - sent,
            "validates_total": len(calls),
            "validates_before_disable": len(before),
            "validates_from_1s_after_ack": len(after),
            "late_not_inactive": sum(not inactive(call) for call in after),
        },
    )

    assert before, "no Validate on node 2 finished before the disable"
    assert all(call.get("reason") == "" for call in before), Counter(
        call.get("reason") or call.get("error") for call in before
    )
    assert len(after) >= VALIDATE_CLIENTS * LATE_CALLS_PER_CLIENT >= 50
    late = [call for call in after if not inactive(call)]
    assert late == []
    assert propagation is not None and propagation < 1.0


def ack_times(outputs: list[Path]) -> list[float]:
    """When each redemption the redeem clients acknowledged so far was answered."""
    times = []
    for output in outputs:
        if output.exists():
            for line in output.read_bytes().splitlines():
                if b'"acked_at"' in line:
                    times.append(orjson.loads(line)["acked_at"])
    return times


def wait_for_acks(outputs: list[Path], count: int, after: float, what: str) -> float:
    """Waits until `count` redemptions were acknowledged after `after` (time.monotonic);
    returns when that was seen."""
    deadline = time.monotonic() + PROGRESS_TIMEOUT_S
    while (seen := sum(t > after for t in ack_times(outputs))) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: {seen} acks after {PROGRESS_TIMEOUT_S} s")
        time.sleep(0.02)
    return time.monotonic()


def stored_redemptions(store_url: str) -> list:
    """Every redemption in the store's log (Redemption messages), read without a node."""
    store = open_store(store_url)
    try:
        with store.read() as txn:
            log = store.redemptions
            return [log.get(txn, rid).redemption for _, rid in log.newest_first(txn)]
    finally:
        store.close()


def test_redis_restarted_under_load_loses_no_acknowledged_redemption(tmp_path):
    with redis_for(tmp_path / "redis") as redis_server:
        [node] = start_nodes(tmp_path, redis_server.url, 1, workers=2)
        try:
            with Client(node.target) as admin:
                coupon(admin, "restart-load", "RESTART")
            outputs = [tmp_path / f"redeem-{n}.jsonl" for n in range(REDEEM_CLIENTS)]
            clients = [
                LoadClient("redeem", node.target, "RESTART", f"r{n}", str(REDEEM_THREADS), str(o))
                for n, o in enumerate(outputs)
            ]
            outages = []
            load_error = None  # a load that stopped making progress: reported, then failed
            try:
                for client in clients:
                    client.wait_ready()
                since = time.monotonic()
                for restart in range(RESTARTS):
                    # Load is flowing: acknowledgements since the start (or the last restart).
                    wait_for_acks(
                        outputs, ACKS_BETWEEN_RESTARTS, since, f"load before restart {restart + 1}"
                    )
                    killed = time.monotonic()
                    redis_server.kill()
                    time.sleep(OUTAGE_S)  # the outage: node calls fail meanwhile
                    redis_server.start()
                    restarted = time.monotonic()
                    # The load goes on: acknowledgements of calls answered after the restart.
                    resumed = wait_for_acks(
                        outputs, 1, restarted, f"load after restart {restart + 1}"
                    )
                    first_ack = min(t for t in ack_times(outputs) if t > restarted)
                    outages.append((killed, restarted, first_ack))
                    since = resumed
                wait_for_acks(outputs, 20, since, "load after the last restart")
            except AssertionError as stalled:
                load_error = str(stalled)
            finally:
                for client in clients:
                    if client.process.poll() is None:
                        client.send("stop")
                finish_all(clients)
        finally:
            stop_nodes([node])
        # What the store holds, read directly (the node is gone, nothing writes any more).
        stored = stored_redemptions(redis_server.url)
        report = check_store(redis_server.url)

    records = [orjson.loads(line) for o in outputs for line in o.read_bytes().splitlines()]
    acked = [r for r in records if "acked_at" in r]
    failed_attempts = [r for r in records if "error" in r]
    abandoned = [r for r in records if r.get("abandoned")]
    stored_by_key = Counter(r.idempotency_key for r in stored)
    stored_id_of = {r.idempotency_key: r.id for r in stored}
    lost = [
        r for r in acked if r["redemption_id"] and stored_id_of.get(r["key"]) != r["redemption_id"]
    ]
    outage_errors = Counter(f"{r['error']}:{r.get('reason', '')}" for r in failed_attempts)
    write_figures(
        "restart",
        {
            "load_error": load_error,
            "restarts": len(outages),
            "acked": len(acked),
            "acked_succeeded": sum(r["status"] == "SUCCEEDED" for r in acked),
            "acked_after_retry": sum(r["attempts"] > 1 for r in acked),
            "replayed_answers": sum(r["replayed"] for r in acked),
            "stored_redemptions": len(stored),
            "lost_acked_after_restart": len(lost),
            "duplicate_redemptions": sum(n - 1 for n in stored_by_key.values() if n > 1),
            "errors_during_outage": len(failed_attempts),
            "error_kinds": dict(outage_errors),
            "abandoned_keys": len(abandoned),
            "outage_s": [round(restarted - killed, 3) for killed, restarted, _ in outages],
            # From the restart to the first redemption acknowledged after it.
            "recovery_s": [round(first - restarted, 3) for _, restarted, first in outages],
            "store_check_ok": report.ok,
            "store_check_problems": report.problems[:10],
        },
    )

    assert load_error is None, load_error
    assert len(outages) == RESTARTS
    assert all(r["status"] == "SUCCEEDED" and r["redemption_id"] for r in acked), Counter(
        r["status"] for r in acked
    )
    assert len({r["key"] for r in acked}) == len(acked), "a key answered twice by the clients"
    assert lost == []
    assert [k for k, n in stored_by_key.items() if n > 1] == []
    # Each client thread finished the key it held when the load stopped: every key it tried
    # was answered, so the store holds exactly the acknowledged redemptions.
    assert abandoned == []
    assert set(stored_by_key) == {r["key"] for r in acked}
    # The outages were real: calls failed while Redis was down, as UNAVAILABLE.
    assert failed_attempts, "no call failed while Redis was down"
    unexpected = [
        r for r in failed_attempts if (r["error"], r["reason"]) not in EXPECTED_OUTAGE_ERRORS
    ]
    assert unexpected == [], outage_errors
    assert report.ok, report.summary()


def test_every_rpc_while_redis_is_down_answers_unavailable(redis_server):
    """Including the gate's own read of the store to authenticate (the key generation, at most
    every REFRESH_INTERVAL_S), which once escaped as UNKNOWN "Error in service handler!"."""
    ensure_admin_key(redis_server.url, TEST_ADMIN_KEY)
    running = start_server(redis_server.url, "127.0.0.1:0")
    try:
        with Client(f"127.0.0.1:{running.port}") as client:
            coupon(client, "outage", "OUTAGE")
            client.redeem({**ORDER, "id": "outage-1"}, codes=["OUTAGE"], idempotency_key="o-1")
            redis_server.kill()
            # Past the interval after which the gate's authentication reads the store again.
            time.sleep(2 * REFRESH_INTERVAL_S)
            calls = {
                "redeem": lambda: client.redeem(
                    {**ORDER, "id": "outage-2"}, codes=["OUTAGE"], idempotency_key="o-2"
                ),
                "validate": lambda: client.validate(ORDER, codes=["OUTAGE"]),
                "get_code": lambda: client.get_code("OUTAGE"),
            }
            answers = {}
            for name, call in calls.items():
                try:
                    answers[name] = call()
                except Exception as error:
                    answers[name] = error
    finally:
        running.stop(grace=None)
    for name, answer in answers.items():
        assert isinstance(answer, UnavailableError), (name, answer)
        assert answer.reason == "store_unavailable", (name, answer)


def test_nodes_starting_at_once_on_an_empty_store_all_start(redis_server, monkeypatch):
    """Two nodes' start-up key installation, interleaved as it happens when they start at once:
    both have read "no key yet" before either commits. The loser's write conflicts and is run
    again (it once exited `promocore serve` with WriteConflict); one key is installed."""
    both_read = threading.Barrier(2, timeout=10)
    synced = threading.local()
    count = ApiKeyTable.count

    def count_then_wait(self, txn):
        found = count(self, txn)
        if getattr(txn, "write", False) and not getattr(synced, "done", False):
            synced.done = True  # only the first attempt of each node waits for the other
            both_read.wait()
        return found

    monkeypatch.setattr(ApiKeyTable, "count", count_then_wait)
    errors = []

    def start_up() -> None:
        try:
            ensure_admin_key(redis_server.url, TEST_ADMIN_KEY)
        except Exception as error:
            errors.append(error)

    nodes = [threading.Thread(target=start_up) for _ in range(2)]
    for node in nodes:
        node.start()
    for node in nodes:
        node.join(timeout=30)
    assert errors == []
    store = open_store(redis_server.url)
    try:
        with store.read() as txn:
            assert store.api_keys.count(txn) == 1
    finally:
        store.close()

"""No oversell across processes: ≥ 200 concurrent clients in 8 client processes race limits on
a server of 4 worker processes sharing one LMDB store."""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import orjson
import pytest

from promocore import Client
from promocore.store.check import check_store

from support import ServerProcess

RACE_CLIENT = Path(__file__).with_name("race_client.py")
CLIENT_PROCESSES = 8
CLIENTS = 200
K = 50


def race(target: str, requests: list[dict]) -> list[dict]:
    """Runs the requests from CLIENT_PROCESSES processes at one instant; returns the outcomes."""
    start_at = time.time() + 4.0  # time for the client processes to import and connect
    chunks = [requests[i::CLIENT_PROCESSES] for i in range(CLIENT_PROCESSES)]
    processes = [
        subprocess.Popen(
            [sys.executable, str(RACE_CLIENT), target, str(start_at), orjson.dumps(chunk).decode()],
            stdout=subprocess.PIPE,
            text=True,
        )
        for chunk in chunks
    ]
    outcomes = []
    for process in processes:
        stdout, _ = process.communicate(timeout=120)
        assert process.returncode == 0
        outcomes.extend(orjson.loads(line) for line in stdout.splitlines())
    assert len(outcomes) == len(requests)
    return outcomes


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("race") / "data"
    with ServerProcess(data_dir, workers=4) as running:
        yield running


def campaign(client: Client, campaign_id: str, limits: dict, code: str) -> None:
    client.create_campaign(
        id=campaign_id,
        name=campaign_id,
        type="DISCOUNT_COUPONS",
        currency="EUR",
        effect={"amount_off_order": {"amount": 500}},
        limits=limits,
    )
    client.create_code(campaign_id, code)


def test_a_campaign_limit_of_k_gives_exactly_k_successes(server, tmp_path):
    with Client(server.target) as client:
        campaign(client, "total-50", {"total_redemptions": K}, "TOTAL50")
    requests = [
        {"code": "TOTAL50", "customer": f"c{n}", "key": f"total-{n}"} for n in range(CLIENTS)
    ]
    outcomes = race(server.target, requests)

    statuses = Counter(o.get("status") or o["error"] for o in outcomes)
    assert statuses == {"SUCCEEDED": K, "FAILED": CLIENTS - K}
    assert {o["reason"] for o in outcomes if o["status"] == "FAILED"} == {"campaign_limit_exceeded"}
    with Client(server.target) as client:
        assert client.get_code("TOTAL50")["redeemed_quantity"] == K
        for outcome in outcomes:
            if outcome["status"] == "SUCCEEDED":
                assert client.get_redemption(outcome["redemption_id"])["status"] == "SUCCEEDED"
    assert check_store(server.data_dir).ok


def test_a_per_customer_limit_holds_for_every_customer(server):
    customers = 20
    with Client(server.target) as client:
        campaign(client, "per-customer-2", {"per_customer": 2}, "TWICE")
    requests = [
        {"code": "TWICE", "customer": f"p{n % customers}", "key": f"pc-{n}"} for n in range(CLIENTS)
    ]
    outcomes = race(server.target, requests)

    succeeded = Counter(o["customer"] for o in outcomes if o.get("status") == "SUCCEEDED")
    assert succeeded == {f"p{n}": 2 for n in range(customers)}
    failed = [o for o in outcomes if o.get("status") != "SUCCEEDED"]
    assert len(failed) == CLIENTS - 2 * customers
    assert {o.get("reason") for o in failed} == {"customer_limit_exceeded"}
    report = check_store(server.data_dir)
    assert report.ok, report.summary()


def test_a_code_quantity_of_k_gives_exactly_k_successes(server):
    with Client(server.target) as client:
        campaign(client, "quantity-50", {}, "PLACEHOLDER-UNUSED")
        client.create_code("quantity-50", "FIFTY", redemption_quantity=K)
    requests = [{"code": "FIFTY", "customer": "", "key": f"q-{n}"} for n in range(CLIENTS)]
    outcomes = race(server.target, requests)

    assert Counter(o.get("status") for o in outcomes) == {"SUCCEEDED": K, "FAILED": CLIENTS - K}
    assert {o["reason"] for o in outcomes if o["status"] == "FAILED"} == {"code_quantity_exceeded"}
    with Client(server.target) as client:
        assert client.get_code("FIFTY")["redeemed_quantity"] == K

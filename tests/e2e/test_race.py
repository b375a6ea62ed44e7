"""No oversell across processes: ≥ 200 concurrent clients in 8 client processes race limits on
a server of 4 worker processes sharing one LMDB store."""

from __future__ import annotations

from collections import Counter

import pytest

from promocore import Client
from promocore.store.check import check_store

from race_harness import race
from support import ServerProcess, coupon

CLIENTS = 200
K = 50


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("race") / "data"
    with ServerProcess(data_dir, workers=4) as running:
        yield running


def test_a_campaign_limit_of_k_gives_exactly_k_successes(server, tmp_path):
    with Client(server.target) as client:
        coupon(client, "total-50", "TOTAL50", limits={"total_redemptions": K})
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
        coupon(client, "per-customer-2", "TWICE", limits={"per_customer": 2})
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
        coupon(client, "quantity-50", "UNLIMITED-50")
        client.create_code("quantity-50", "FIFTY", redemption_quantity=K)
    requests = [{"code": "FIFTY", "customer": "", "key": f"q-{n}"} for n in range(CLIENTS)]
    outcomes = race(server.target, requests)

    assert Counter(o.get("status") for o in outcomes) == {"SUCCEEDED": K, "FAILED": CLIENTS - K}
    assert {o["reason"] for o in outcomes if o["status"] == "FAILED"} == {"code_quantity_exceeded"}
    with Client(server.target) as client:
        assert client.get_code("FIFTY")["redeemed_quantity"] == K

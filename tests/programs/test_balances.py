"""Gift card balances as limits: partial use across orders, never negative, restored by
rollback, exact under concurrent debits from real processes."""

from __future__ import annotations

import pytest
from programs_support import loyalty_program

from promocore import Client
from promocore.store.check import check_store

from race_harness import race
from support import ServerProcess, cart


def gift_campaign(client: Client, campaign_id: str = "gift") -> None:
    client.create_campaign(id=campaign_id, name="Gift cards", type="GIFT_VOUCHERS", currency="EUR")


def pay(client: Client, code: str, amount: int, key: str) -> dict:
    return client.redeem(cart(("ITEM", amount, 1), id=key), codes=[code], idempotency_key=key)


def test_a_gift_card_pays_across_orders_until_empty(client):
    gift_campaign(client)
    client.create_code("gift", "GIFT-50", gift_balance=5000)
    assert client.get_code("GIFT-50")["gift_balance"] == 5000

    first = pay(client, "GIFT-50", 3000, "g1")
    assert first["redeemables"][0]["gift_amount"] == 3000
    assert (first["totals"]["gift_card_amount"], first["totals"]["total_to_pay"]) == (3000, 0)
    assert client.get_code("GIFT-50")["gift_balance"] == 2000

    second = pay(client, "GIFT-50", 3000, "g2")
    assert second["redeemables"][0]["gift_amount"] == 2000  # what is left, the rest by card
    assert second["totals"]["total_to_pay"] == 1000
    assert client.get_code("GIFT-50")["gift_balance"] == 0

    empty = pay(client, "GIFT-50", 1000, "g3")
    assert empty["status"] == "FAILED"
    assert empty["redeemables"][0]["reason"] == "insufficient_balance"

    client.rollback(first["redemption"]["id"])
    assert client.get_code("GIFT-50")["gift_balance"] == 3000


def test_a_reserved_gift_amount_is_not_spendable_by_others(client):
    gift_campaign(client)
    client.create_code("gift", "GIFT-10", gift_balance=1000)
    held = client.validate(
        cart(("ITEM", 800, 1)),
        codes=["GIFT-10"],
        reservation={"session_key": "s1", "ttl_seconds": 60},
    )
    assert held["redeemables"][0]["gift_amount"] == 800
    other = client.validate(cart(("ITEM", 800, 1)), codes=["GIFT-10"])
    assert other["redeemables"][0]["gift_amount"] == 200


@pytest.fixture(scope="module")
def workers(tmp_path_factory):
    with ServerProcess(tmp_path_factory.mktemp("gift") / "data", workers=4) as running:
        yield running


def test_concurrent_debits_sum_exactly_and_never_go_negative(workers):
    balance = 50_000
    with Client(workers.target) as client:
        gift_campaign(client)
        client.create_code("gift", "SHARED-GIFT", gift_balance=balance)
    # 200 clients pay 20.00 orders with one card of 500.00: 25 are paid in full by the card.
    requests = [{"code": "SHARED-GIFT", "customer": "", "key": f"gift-{n}"} for n in range(200)]
    outcomes = race(workers.target, requests)

    paid = [o["gift_amount"] for o in outcomes if o.get("status") == "SUCCEEDED"]
    assert sum(paid) == balance
    assert all(amount > 0 for amount in paid)
    assert {o["reason"] for o in outcomes if o.get("status") == "FAILED"} == {
        "insufficient_balance"
    }
    with Client(workers.target) as client:
        assert client.get_code("SHARED-GIFT")["gift_balance"] == 0
    report = check_store(workers.data_dir)
    assert report.ok, report.summary()


def test_concurrent_point_spends_and_gift_debits_never_go_negative(workers):
    """Gift debits and point spends race on two cards at once; the points sit in buckets of
    different ages, so every spend walks the buckets oldest first inside the write."""
    with Client(workers.target) as client:
        gift_campaign(client, "race-gift")
        client.create_code("race-gift", "RACE-GIFT", gift_balance=30_000)
        loyalty_program(client, "race-club")
        card = client.enroll_loyalty("race-club", "racer")["code"]
        for n, points in enumerate((7_000, 13_000, 9_000, 11_000)):  # 40,000 points
            client.adjust_points(card, points, idempotency_key=f"grant-{n}")
    gift_requests = [{"code": "RACE-GIFT", "customer": "", "key": f"rg-{n}"} for n in range(100)]
    point_requests = [
        {"redeemables": [{"code": card, "points": 2000}], "customer": "racer", "key": f"rp-{n}"}
        for n in range(100)
    ]
    outcomes = race(workers.target, gift_requests + point_requests)

    succeeded = [o for o in outcomes if o.get("status") == "SUCCEEDED"]
    gift_paid = sum(o["gift_amount"] for o in succeeded if o["key"].startswith("rg-"))
    points_spent = [o["points"] for o in succeeded if o["key"].startswith("rp-")]
    assert gift_paid == 30_000
    assert points_spent == [2000] * 20  # 20 orders of 20.00 paid with 2,000 points each
    assert {o["reason"] for o in outcomes if o.get("status") == "FAILED"} == {
        "insufficient_balance",
        "insufficient_points",
    }
    with Client(workers.target) as client:
        assert client.get_code("RACE-GIFT")["gift_balance"] == 0
        final = client.get_loyalty_card(card)
        assert (final["points"], final["balance"]) == (0, 0)
        debits = [e["delta"] for e in client.list_ledger(card) if e["kind"] == "LEDGER_DEBIT"]
        assert debits == [-2000] * 20
    report = check_store(workers.data_dir)
    assert report.ok, report.summary()

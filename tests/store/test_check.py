"""`promocore check`: consistent after real traffic, failing on a corrupted store."""

from __future__ import annotations

from promocore.store.keys import encode_counter

from support import cart, check_report, coupon, promocore_check

ORDER = cart(("BEANS", 2000, 1))


def traffic(client) -> str:
    coupon(
        client,
        "checked",
        "CHECKED",
        limits={"total_redemptions": 10, "per_customer": 3},
        effect={"percent_off_order": {"percent_bp": 1000}},
    )
    ids = []
    for n in range(6):
        answer = client.redeem(
            {**ORDER, "id": f"o{n}"},
            codes=["CHECKED"],
            customer={"id": f"c{n % 2}"},
            idempotency_key=f"k{n}",
        )
        ids.append(answer["redemption"]["id"])
    client.rollback(ids[0])
    client.rollback(ids[3])
    return "checked"


def test_a_store_with_redemptions_and_rollbacks_is_consistent(client, server):
    traffic(client)
    status, report = check_report(server.store.location)
    assert (status, report["problems"]) == (0, [])
    assert (report["redemptions"], report["rollbacks"]) == (6, 2)
    result = promocore_check(server.store.location)
    assert result.returncode == 0, result.stdout
    assert "consistent" in result.stdout


def test_a_corrupted_counter_is_found(client, server):
    traffic(client)
    with server.store.write() as txn:
        txn.put(b"campaign/checked/redemptions", encode_counter(3), db=server.store.tables.counters)
    status, report = check_report(server.store.location)
    assert status == 1
    assert "counter campaign/checked/redemptions is 3, the log gives 4" in report["problems"]
    result = promocore_check(server.store.location)
    assert result.returncode == 1
    assert "campaign/checked/redemptions" in result.stdout


def test_a_redemption_missing_from_the_log_is_found(client, server):
    traffic(client)
    with server.store.write() as txn:
        cursor = txn.cursor(db=server.store.tables.redemption_log)
        assert cursor.last()
        cursor.delete()  # the last rollback vanishes from the log
    status, report = check_report(server.store.location)
    assert status == 1
    assert any("is ROLLED_BACK, the log says SUCCEEDED" in p for p in report["problems"])


def card_traffic(client) -> tuple[str, str]:
    """A gift card and a loyalty card, each with credits, a debit and a refund."""
    client.create_campaign(id="gift", name="gift", type="GIFT_VOUCHERS", currency="EUR")
    client.create_campaign(
        id="club",
        name="club",
        type="LOYALTY_PROGRAM",
        currency="EUR",
        loyalty={"points_rate_money": 1, "points_rate_points": 1},
    )
    [gift] = client.issue_gift_cards("gift", balance=1500)  # 20.00 orders: 5.00 left for points
    card = client.enroll_loyalty("club", "ann")["code"]
    client.adjust_points(card, 500, idempotency_key="grant")
    paid = client.redeem(
        {**ORDER, "id": "paid"},
        customer={"id": "ann"},
        redeemables=[{"code": gift["code"]}, {"code": card, "points": 100}],
        idempotency_key="paid",
    )
    client.rollback(paid["redemption"]["id"])
    client.redeem(
        {**ORDER, "id": "again"},
        customer={"id": "ann"},
        redeemables=[{"code": gift["code"]}, {"code": card, "points": 100}],
        idempotency_key="again",
    )
    return gift["code"], card


def test_card_ledgers_reconcile_with_their_balances(client, server):
    card_traffic(client)
    status, report = check_report(server.store.location)
    assert (status, report["problems"], report["cards"]) == (0, [], 2)


def test_a_ledger_entry_missing_is_found(client, server):
    gift, _ = card_traffic(client)
    with server.store.write() as txn:
        cursor = txn.cursor(db=server.store.tables.ledger)
        assert cursor.set_range(gift.upper().encode() + b"\0")
        cursor.delete()  # the issue credit vanishes from the card's ledger
    status, report = check_report(server.store.location)
    assert status == 1
    assert f"card {gift.upper()} has balance 0, its ledger sums to -1500" in report["problems"]


def test_points_outside_their_buckets_are_found(client, server):
    _, card = card_traffic(client)
    buckets = server.store.balances.buckets
    normalized = card.upper().encode()
    with server.store.write() as txn:
        [bucket] = buckets.all(txn, normalized)
        bucket.remaining += 7
        buckets.put(txn, normalized, bucket)
    status, report = check_report(server.store.location)
    assert status == 1
    assert (
        f"loyalty card {card.upper()} has 400 points, its earn buckets hold 407"
        in report["problems"]
    )

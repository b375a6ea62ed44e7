"""`promocore check`: consistent after real traffic, failing on a corrupted store."""

from __future__ import annotations

from promocore.store.check import CheckReport
from promocore.store.keys import append_sequenced, encode_counter
from promocore.v1.internal import store_pb2

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


# Each tampering below breaks one invariant of the store; `promocore check` names it. The
# traffic: 6 redemptions of CHECKED, 2 rolled back, so the campaign's counter is 6 - 2 = 4.
def test_a_counter_missing_from_its_table_is_found(client, server):
    traffic(client)
    with server.store.write() as txn:
        assert txn.delete(b"campaign/checked/redemptions", db=server.store.tables.counters)
    status, report = check_report(server.store.location)
    assert status == 1
    assert "counter campaign/checked/redemptions is missing, the log gives 4" in report["problems"]


def test_a_negative_counter_no_redemption_made_is_found_twice(client, server):
    traffic(client)
    with server.store.write() as txn:
        txn.put(b"campaign/ghost/redemptions", encode_counter(-2), db=server.store.tables.counters)
    status, report = check_report(server.store.location)
    assert status == 1
    ghost = [p for p in report["problems"] if "campaign/ghost/" in p]
    assert ghost == [
        "counter campaign/ghost/redemptions is -2, the log gives 0",
        "counter campaign/ghost/redemptions is negative: -2",
    ]


def test_a_redemption_stored_without_its_log_record_is_found(client, server):
    traffic(client)
    tables = server.store.tables
    with server.store.write() as txn:
        cursor = txn.cursor(db=tables.redemptions)
        assert cursor.first()
        copy = store_pb2.StoredRedemption.FromString(cursor.value())
        copy.redemption.id = "r-unlogged"
        txn.put(b"r-unlogged", copy.SerializeToString(), db=tables.redemptions)
    status, report = check_report(server.store.location)
    assert status == 1
    assert report["problems"] == ["redemption r-unlogged is stored but not logged"]


def test_an_idempotency_answer_of_an_unlogged_redemption_is_found(client, server):
    traffic(client)
    record = store_pb2.IdempotencyRecord(redemption_id="r-ghost")
    with server.store.write() as txn:
        txn.put(b"k-ghost", record.SerializeToString(), db=server.store.tables.idempotency)
    status, report = check_report(server.store.location)
    assert status == 1
    assert report["problems"] == [
        "idempotency key k-ghost answers redemption 'r-ghost', which is not logged"
    ]


def test_an_empty_log_record_is_found_by_its_place_in_the_log(client, server):
    traffic(client)
    with server.store.write() as txn:
        append_sequenced(
            txn,
            server.store.tables.redemption_log,
            lambda _: store_pb2.LogRecord().SerializeToString(),
        )
    status, report = check_report(server.store.location)
    assert status == 1
    # 6 redemptions and 2 rollbacks before it: the empty record is the 9th.
    assert report["log_records"] == 9
    assert report["problems"] == ["log record 9 is empty"]


def test_a_report_lists_the_first_50_problems_and_counts_the_rest():
    report = CheckReport(
        log_records=3, redemptions=2, rollbacks=1, problems=[f"p{n}" for n in range(60)]
    )
    lines = report.summary().splitlines()
    assert lines[0] == (
        "3 log records (2 redemptions, 1 rollbacks), 0 counters, 0 card ledgers: 60 problems"
    )
    assert lines[1:51] == [f"  - p{n}" for n in range(50)]
    assert lines[51:] == ["  ... and 10 more"]  # 60 - 50
    assert report.as_plain()["ok"] is False
    assert CheckReport().summary().endswith(": consistent")

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
    status, report = check_report(server.store.path)
    assert (status, report["problems"]) == (0, [])
    assert (report["redemptions"], report["rollbacks"]) == (6, 2)
    result = promocore_check(server.store.path)
    assert result.returncode == 0, result.stdout
    assert "consistent" in result.stdout


def test_a_corrupted_counter_is_found(client, server):
    traffic(client)
    with server.store.write() as txn:
        txn.put(b"campaign/checked/redemptions", encode_counter(3), db=server.store.tables.counters)
    status, report = check_report(server.store.path)
    assert status == 1
    assert "counter campaign/checked/redemptions is 3, the log gives 4" in report["problems"]
    result = promocore_check(server.store.path)
    assert result.returncode == 1
    assert "campaign/checked/redemptions" in result.stdout


def test_a_redemption_missing_from_the_log_is_found(client, server):
    traffic(client)
    with server.store.write() as txn:
        cursor = txn.cursor(db=server.store.tables.redemption_log)
        assert cursor.last()
        cursor.delete()  # the last rollback vanishes from the log
    status, report = check_report(server.store.path)
    assert status == 1
    assert any("is ROLLED_BACK, the log says SUCCEEDED" in p for p in report["problems"])

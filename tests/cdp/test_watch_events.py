"""WatchEvents: persisted integration events with sequence numbers; a consumer that disconnects
resumes from its cursor across a server restart with no loss and no duplicate."""

from __future__ import annotations

import threading

from cdp_support import backlog, pay, small_promotion, welcome_coupons

from promocore import Client
from promocore.server.grpc_server import ServerOptions, start_server


def test_a_consumer_resumes_from_its_cursor_across_a_restart(tmp_path, clock):
    data_dir = tmp_path / "data"
    options = ServerOptions(scheduler_interval_s=0)
    first = start_server(data_dir, "127.0.0.1:0", clock=clock, options=options)
    received: list[dict] = []
    with Client(f"127.0.0.1:{first.port}", timeout=10) as client:
        small_promotion(client)
        welcome_coupons(client, "thanks")
        stream = client.watch_events()  # live: waits for events
        got_three = threading.Event()

        def consume() -> None:
            for event in stream:
                received.append(event)
                if len(received) == 3:
                    got_three.set()
                    return

        consumer = threading.Thread(target=consume)
        consumer.start()
        pay(client, "ann", 1000, "k1")  # EVENT_REDEEMED
        client.publish_code("thanks", "ann")  # EVENT_CODE_ISSUED
        pay(client, "bob", 1000, "k2")  # EVENT_REDEEMED
        assert got_three.wait(10), received
        consumer.join(10)
        stream.close()  # the consumer disconnects
        # Produced while it is away, before and after the restart:
        client.publish_code("thanks", "bob")
    first.stop(grace=None)

    second = start_server(data_dir, "127.0.0.1:0", clock=clock, options=options)
    try:
        with Client(f"127.0.0.1:{second.port}", timeout=10) as client:
            pay(client, "cid", 1000, "k3")
            cursor = received[-1]["sequence"]
            resumed = backlog(client, after=cursor)
            everything = backlog(client)
    finally:
        second.stop(grace=None)

    sequences = [e["sequence"] for e in received + resumed]
    assert sequences == [e["sequence"] for e in everything]  # no loss, no duplicate, in order
    assert sequences == list(range(1, len(sequences) + 1))
    assert [e["type"] for e in everything] == [
        "EVENT_REDEEMED",
        "EVENT_CODE_ISSUED",
        "EVENT_REDEEMED",
        "EVENT_CODE_ISSUED",
        "EVENT_REDEEMED",
    ]
    assert [e["customer_id"] for e in everything] == ["ann", "ann", "bob", "bob", "cid"]


def test_events_carry_the_channels_the_customer_may_be_contacted_on(client):
    welcome_coupons(client, "thanks")
    client.upsert_customer("ann", {}, contact={"email_opt_out": True})
    client.upsert_customer("bob", {}, contact={"all_opt_out": True})
    for customer_id in ("ann", "bob", "cid"):
        client.publish_code("thanks", customer_id)
    channels = {
        e["customer_id"]: e.get("contactable_channels", [])
        for e in backlog(client, types=["EVENT_CODE_ISSUED"])
    }
    assert channels == {"ann": ["sms"], "bob": [], "cid": ["email", "sms"]}


def test_points_and_tier_changes_are_integration_events(client):
    client.create_campaign(
        id="club",
        name="club",
        type="LOYALTY_PROGRAM",
        currency="EUR",
        loyalty={
            "points_rate_money": 1,
            "points_rate_points": 1,
            "tier_basis": "POINTS_IN_PERIOD",
            "tiers": [{"id": "gold", "name": "Gold", "threshold": 1000}],
            "earning_rules": [
                {
                    "id": "review",
                    "trigger": "EARN_ON_CUSTOM_EVENT",
                    "event_name": "review",
                    "points": 1200,
                }
            ],
        },
    )
    client.enroll_loyalty("club", "ann")
    assert client.track_event("ann", "review")["points_earned"] == 1200
    events = [e for e in backlog(client) if e["customer_id"] == "ann"]
    earned = [e for e in events if e["type"] == "EVENT_POINTS_EARNED"]
    assert [e["data"]["points"] for e in earned] == [1200]
    tiers = [e["data"] for e in events if e["type"] == "EVENT_TIER_CHANGED"]
    assert tiers == [{"from_tier": "", "to_tier": "gold"}]


def test_the_stream_filters_by_type(client):
    welcome_coupons(client, "thanks")
    small_promotion(client)
    client.publish_code("thanks", "ann")
    pay(client, "ann", 1000, "k1")
    assert [e["type"] for e in backlog(client, types=["EVENT_REDEEMED"])] == ["EVENT_REDEEMED"]


def test_a_redemption_and_its_rollback_are_told_with_the_same_fields(client):
    """The redeemed event is encoded by the engine, the rolled-back one by the server: both
    describe the same redemption the same way."""
    small_promotion(client)
    welcome_coupons(client, "thanks")
    client.upsert_customer("ann", {}, contact={"sms_opt_out": True})
    code = client.publish_code("thanks", "ann")["code"]
    answer = client.redeem(
        {
            "id": 'order-quote"d',
            "currency": "EUR",
            "items": [{"sku": "SKU-1", "unit_price": 4000, "quantity": 1}],
        },
        codes=[code],
        idempotency_key="k-events",
        customer={"id": "ann"},
        include_promotions=True,
    )
    assert answer["status"] == "SUCCEEDED", answer
    redemption = answer["redemption"]
    client.rollback(redemption["id"])
    [redeemed] = backlog(client, types=["EVENT_REDEEMED"])
    [rolled_back] = backlog(client, types=["EVENT_ROLLED_BACK"])
    applied = redemption["redeemables"]
    expected_data = {
        "order_id": 'order-quote"d',
        "campaign_ids": [result["campaign_id"] for result in applied],
        "codes": [code],
        "total_discount": redemption["totals"]["total_discount"],
        "amount": redemption["totals"]["amount_after_discounts"],
        "currency": "EUR",
    }
    for event in (redeemed, rolled_back):
        assert event["data"] == expected_data
        assert event["customer_id"] == "ann"
        assert event["redemption_id"] == redemption["id"]
        assert event["campaign_id"] == applied[0]["campaign_id"]
        assert event["code"] == code
        assert event["contactable_channels"] == ["email"]
    assert redeemed["time"] == redemption["created_at"]
    assert redeemed["sequence"] < rolled_back["sequence"]

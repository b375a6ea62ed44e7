"""Customers, aggregates, static and dynamic segments, and segment-entered distributions, over
gRPC against a real server."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cdp_support import backlog, pay, small_promotion, welcome_coupons

from promocore.errors import AlreadyExistsError, InvalidArgumentError, NotFoundError

from support import NOW, cart

# The store conformance suite: every test here runs on each store backend (tests/README.md).
pytestmark = pytest.mark.conformance

DAY_MS = 86_400_000
BIG_SPENDERS = {"subject": "customer.aggregates.spent_last_365_days", "op": "gt", "value": 100000}


def test_upsert_merges_attributes_key_by_key(client):
    client.upsert_customer("ann", {"country": "FR", "tier": "gold"})
    merged = client.upsert_customer("ann", {"tier": None, "city": "Lyon"})
    assert merged["attributes"] == {"country": "FR", "city": "Lyon"}
    assert client.get_customer("ann")["attributes"] == {"country": "FR", "city": "Lyon"}


def test_a_bad_customer_is_refused_naming_the_field(client):
    with pytest.raises(InvalidArgumentError) as error:
        client.upsert_customer("no spaces allowed", {"a": 1})
    assert error.value.field == "customer.id"
    with pytest.raises(NotFoundError):
        client.get_customer("nobody")


def test_aggregates_follow_redemptions_and_rollbacks(client, clock):
    small_promotion(client)
    first = pay(client, "ann", 10000, "k1")
    clock.advance(2 * DAY_MS)
    pay(client, "ann", 5000, "k2")
    aggregates = client.get_customer("ann")["aggregates"]
    assert aggregates["orders_count"] == 2
    assert aggregates["total_spent"] == 9900 + 4950
    assert aggregates["spent_last_365_days"] == 9900 + 4950
    assert aggregates["campaign_redemptions"] == {"one-percent": 2}
    assert aggregates["last_order_at"] == NOW + timedelta(days=2)

    client.rollback(first["redemption"]["id"], reason="refund")
    aggregates = client.get_customer("ann")["aggregates"]
    assert aggregates["orders_count"] == 1
    assert aggregates["total_spent"] == 4950
    assert aggregates["campaign_redemptions"] == {"one-percent": 1}


def test_spend_leaves_the_365_day_window(client, clock):
    small_promotion(client)
    pay(client, "ann", 10000, "k1")
    clock.advance(364 * DAY_MS)
    assert client.get_customer("ann")["aggregates"]["spent_last_365_days"] == 9900
    clock.advance(DAY_MS)
    aggregates = client.get_customer("ann")["aggregates"]
    assert aggregates["spent_last_365_days"] == 0
    assert aggregates["total_spent"] == 9900


def test_entering_the_big_spenders_segment_fires_its_distribution_exactly_once(client):
    small_promotion(client)
    welcome_coupons(client, "vip-thanks")
    client.upsert_customer("ann", {"country": "FR"})
    client.create_segment("big-spenders", "Spent over 1,000 in the last year", rules=BIG_SPENDERS)
    client.create_distribution(
        {
            "id": "vip-thanks",
            "name": "Thank big spenders",
            "trigger": "TRIGGER_SEGMENT_ENTERED",
            "segment_id": "big-spenders",
            "campaign_id": "vip-thanks",
        }
    )

    pay(client, "ann", 60000, "k1")  # 594.00 spent
    assert client.get_customer("ann")["segments"] == []
    second = pay(client, "ann", 60000, "k2")  # 1,188.00 spent: enters
    assert client.get_customer("ann")["segments"] == ["big-spenders"]
    assert client.list_segment_members("big-spenders") == ["ann"]
    pay(client, "ann", 60000, "k3")  # still a member: nothing new

    issued = backlog(client, types=["EVENT_CODE_ISSUED"])
    assert [(e["customer_id"], e["campaign_id"]) for e in issued] == [("ann", "vip-thanks")]
    assert issued[0]["code"].startswith("VIP-THANKS-")
    entered = backlog(client, types=["EVENT_SEGMENT_ENTERED"])
    assert [e["data"] for e in entered] == [{"segment_id": "big-spenders"}]
    assert entered[0]["sequence"] < issued[0]["sequence"]
    assert second["redemption"]["id"] in {
        e["redemption_id"] for e in backlog(client, types=["EVENT_REDEEMED"])
    }


def test_leaving_and_entering_again_does_not_issue_a_second_code(client):
    small_promotion(client)
    welcome_coupons(client, "vip-thanks")
    client.create_segment("big-spenders", "Big spenders", rules=BIG_SPENDERS)
    client.create_distribution(
        {
            "name": "Thank big spenders",
            "trigger": "TRIGGER_SEGMENT_ENTERED",
            "segment_id": "big-spenders",
            "campaign_id": "vip-thanks",
        }
    )
    big = pay(client, "ann", 200000, "k1")
    assert client.get_customer("ann")["segments"] == ["big-spenders"]
    client.rollback(big["redemption"]["id"], reason="refund")
    assert client.get_customer("ann")["segments"] == []
    pay(client, "ann", 200000, "k2")
    assert client.get_customer("ann")["segments"] == ["big-spenders"]
    kinds = [e["type"] for e in backlog(client) if e["customer_id"] == "ann"]
    assert kinds.count("EVENT_SEGMENT_ENTERED") == 2
    assert kinds.count("EVENT_SEGMENT_LEFT") == 1
    assert kinds.count("EVENT_CODE_ISSUED") == 1


def test_campaign_rules_read_the_stored_segments(client):
    client.create_segment("vip", "VIP", customer_ids=["ann"])
    client.create_campaign(
        id="vip-only",
        name="VIP only",
        type="PROMOTION",
        currency="EUR",
        effect={"amount_off_order": {"amount": 300}},
        rules={"subject": "customer.segments", "op": "contains", "value": "vip"},
    )
    order = cart(("SKU-1", 5000, 1))
    for customer_id, expected in (("ann", "APPLICABLE"), ("bob", "INAPPLICABLE")):
        answer = client.validate(
            order, customer={"id": customer_id}, include_promotions=True, explain_promotions=True
        )
        statuses = {r["campaign_id"]: r["status"] for r in answer["redeemables"]}
        assert statuses.get("vip-only", "INAPPLICABLE") == expected


def test_a_new_dynamic_segment_takes_in_the_customers_who_match_already(client):
    client.upsert_customer("ann", {"country": "FR"})
    client.upsert_customer("bob", {"country": "DE"})
    segment = client.create_segment(
        "french",
        "French customers",
        rules={"subject": "customer.attributes.country", "op": "eq", "value": "FR"},
    )
    assert segment["size"] == 1
    assert client.list_segment_members("french") == ["ann"]
    assert [c["id"] for c in client.list_customers(segment_id="french")] == ["ann"]
    client.upsert_customer("bob", {"country": "FR"})
    assert client.list_segment_members("french") == ["ann", "bob"]
    assert [s["id"] for s in client.list_segments()] == ["french"]


def test_a_segment_rule_that_does_not_compile_names_the_field(client):
    with pytest.raises(InvalidArgumentError) as error:
        client.create_segment(
            "broken", "Broken", rules={"subject": "customer.nope", "op": "eq", "value": 1}
        )
    assert error.value.field.startswith("segment.rules_json")


def test_tracked_events_count_and_can_put_a_customer_in_a_segment(client):
    client.create_segment(
        "reviewers",
        "Wrote two reviews",
        rules={"subject": "customer.aggregates.events.review", "op": "gte", "value": 2},
    )
    first = client.track_event("ann", "review", time="2026-02-28T09:00:00Z")
    assert first.get("segments_entered", []) == []
    second = client.track_event("ann", "review")
    assert second["segments_entered"] == ["reviewers"]
    aggregates = client.get_customer("ann")["aggregates"]
    assert aggregates["event_counts"] == {"review": 2}
    assert aggregates["last_event_at"] == NOW


# The refusals below are decided before anything is written, the same on every backend: they
# use `admin` (a server on LMDB) rather than running once per backend.
@pytest.mark.parametrize(
    ("segment_id", "name", "options", "field"),
    [
        ("two words", "VIP", {}, "segment.id"),
        ("x" * 65, "VIP", {}, "segment.id"),
        ("vip", "", {}, "segment.name"),
        ("vip", "VIP", {"rules": BIG_SPENDERS, "customer_ids": ["ann"]}, "segment.customer_ids"),
        ("vip", "VIP", {"customer_ids": ["ann", "bob smith"]}, "segment.customer_ids[1]"),
    ],
)
def test_a_bad_segment_is_refused_naming_the_field(admin, segment_id, name, options, field):
    with pytest.raises(InvalidArgumentError) as error:
        admin.create_segment(segment_id, name, **options)
    assert error.value.field == field
    assert admin.list_segments() == []
    # A refused static segment adds none of its members as customers.
    assert admin.list_customers() == []


def test_a_segment_id_is_taken_once_and_an_unknown_one_has_no_members(admin):
    created = admin.create_segment("vip", "VIP", customer_ids=["ann", "bob", "ann"])
    # "ann" listed twice is one member.
    assert created["size"] == 2
    with pytest.raises(AlreadyExistsError):
        admin.create_segment("vip", "Other", customer_ids=["carl"])
    assert admin.list_segment_members("vip") == ["ann", "bob"]
    with pytest.raises(NotFoundError):
        admin.list_segment_members("nope")
    with pytest.raises(NotFoundError):
        admin.list_customers(segment_id="nope")

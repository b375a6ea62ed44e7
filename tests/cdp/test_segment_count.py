"""CountSegmentMembers: a draft dynamic segment's live count, against a real server. The count
is the membership the segment gets when it is created with the same rule; nothing is stored;
the walk is bounded and says so; a rule that does not compile names its field; readers may ask."""

from __future__ import annotations

import pytest
from cdp_support import pay, small_promotion

from promocore import Client
from promocore.cdp import segments
from promocore.errors import InvalidArgumentError, PermissionDeniedError

# (customer, country, orders): who the rules below are about.
PEOPLE = [
    ("ann", "DE", 3),
    ("bob", "DE", 1),
    ("cara", "AT", 4),
    ("dora", "DE", 5),
    ("emil", "FR", 0),
]
DRAFTS = [
    {
        "all": [
            {"subject": "customer.aggregates.orders_count", "op": "gte", "value": 3},
            {"subject": "customer.attributes.country", "op": "eq", "value": "DE"},
        ]
    },
    {"subject": "customer.aggregates.orders_count", "op": "lt", "value": 1},
    {"subject": "customer.attributes.country", "op": "in", "value": ["AT", "FR"]},
    {"subject": "customer.aggregates.total_spent", "op": "gte", "value": 30000},
    {"not": {"subject": "customer.attributes.country", "op": "eq", "value": "DE"}},
]


def customers_with_orders(client: Client) -> None:
    small_promotion(client)
    for customer_id, country, orders in PEOPLE:
        client.upsert_customer(customer_id, {"country": country})
        for number in range(orders):
            pay(client, customer_id, 10000, f"{customer_id}-{number}")


def test_the_count_is_the_membership_the_segment_gets(client):
    customers_with_orders(client)
    for index, rules in enumerate(DRAFTS):
        counted = client.count_segment_members(rules)
        assert counted["complete"] is True
        assert counted["examined"] == len(PEOPLE)
        client.create_segment(f"draft-{index}", f"Draft {index}", rules=rules)
        members = client.list_segment_members(f"draft-{index}")
        assert counted["matched"] == len(members), (rules, counted, members)
        assert counted["sample_customer_ids"] == sorted(members)[:10]
    # The first draft: customers with at least 3 orders in DE.
    assert client.list_segment_members("draft-0") == ["ann", "dora"]


def test_counting_stores_nothing(client):
    customers_with_orders(client)
    before = [client.get_customer(customer_id) for customer_id, _, _ in PEOPLE]
    client.count_segment_members(DRAFTS[0])
    assert client.list_segments() == []
    assert [client.get_customer(customer_id) for customer_id, _, _ in PEOPLE] == before


def test_the_walk_is_bounded_and_says_so(client, monkeypatch):
    customers_with_orders(client)
    monkeypatch.setattr(segments, "MAX_COUNTED_CUSTOMERS", 3)  # the server runs in this process
    counted = client.count_segment_members(
        {"subject": "customer.aggregates.orders_count", "op": "gte", "value": 0}
    )
    assert (counted["examined"], counted["matched"], counted["complete"]) == (3, 3, False)
    monkeypatch.setattr(segments, "MAX_COUNTED_CUSTOMERS", len(PEOPLE))
    counted = client.count_segment_members(
        {"subject": "customer.aggregates.orders_count", "op": "gte", "value": 0}
    )
    assert (counted["examined"], counted["complete"]) == (len(PEOPLE), True)


def test_a_rule_that_does_not_compile_names_its_field(client):
    with pytest.raises(InvalidArgumentError) as error:
        client.count_segment_members(
            {"all": [{"subject": "customer.attributes.country", "op": "nope", "value": "DE"}]}
        )
    assert error.value.field.startswith("rules_json.all[0]")


def test_readers_may_count_checkout_keys_may_not(client, target):
    customers_with_orders(client)
    for role in ("read_only", "support"):
        secret = client.create_api_key(f"{role}-counter", role)["secret"]
        with Client(target, api_key=secret) as reader:
            assert reader.count_segment_members(DRAFTS[0])["matched"] == 2
    secret = client.create_api_key("till", "checkout")["secret"]
    with Client(target, api_key=secret) as till, pytest.raises(PermissionDeniedError):
        till.count_segment_members(DRAFTS[0])

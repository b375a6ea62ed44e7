"""Auto-applied promotions joining checkouts (`options.include_promotions`) over gRPC: every
active promotion joins in catalog order, the ones with limits are counted exactly, and a change
to any of them is seen by the next request."""

from __future__ import annotations

import pytest

from support import cart, coupon, promocore_check

# The store conformance suite: every test here runs on each store backend (tests/README.md).
pytestmark = pytest.mark.conformance

ORDER = cart(("BEANS", 2000, 2, ["coffee"]), ("MUG", 1000, 1, ["mugs"]))


def promotion(client, campaign_id: str, amount: int, **fields) -> None:
    client.create_campaign(
        id=campaign_id,
        name=campaign_id,
        type="PROMOTION",
        currency="EUR",
        effect={"amount_off_order": {"amount": amount}},
        **fields,
    )


@pytest.fixture
def catalog(client):
    """Four promotions, the second limited to two redemptions in total, the third only for a
    customer's first order (its rule reads a counter), and a coupon."""
    promotion(client, "p1-plain", 100)
    promotion(client, "p2-limited", 200, limits={"total_redemptions": 2})
    promotion(
        client,
        "p3-first-order",
        300,
        rules={"subject": "counters.customer_redemptions", "op": "eq", "value": 0},
    )
    promotion(client, "p4-plain", 400)
    coupon(client, "coupon", "SAVE1")
    return client


def outcome(answer: dict) -> list[tuple[str, str, str]]:
    return [
        (r.get("campaign_id", ""), r["status"], r.get("reason", "")) for r in answer["redeemables"]
    ]


def redeem(client, key: str, customer: str = "alice", **options) -> dict:
    return client.redeem(
        {**ORDER, "id": key},
        codes=["SAVE1"],
        customer={"id": customer},
        idempotency_key=key,
        include_promotions=True,
        **options,
    )


def test_every_promotion_joins_after_the_requested_codes_in_catalog_order(catalog):
    answer = catalog.validate(
        ORDER, codes=["SAVE1"], customer={"id": "alice"}, include_promotions=True
    )
    assert outcome(answer) == [
        ("coupon", "APPLICABLE", ""),
        ("p1-plain", "APPLICABLE", ""),
        ("p2-limited", "APPLICABLE", ""),
        ("p3-first-order", "APPLICABLE", ""),
        ("p4-plain", "APPLICABLE", ""),
    ]
    assert answer["totals"]["total_discount"] == 100 + 100 + 200 + 300 + 400


def test_limits_and_counter_rules_of_joined_promotions_are_counted(catalog):
    for n, customer in enumerate(("alice", "bob")):
        assert redeem(catalog, f"order-{n}", customer)["status"] == "SUCCEEDED"
    explained = catalog.validate(
        ORDER,
        codes=["SAVE1"],
        customer={"id": "alice"},
        include_promotions=True,
        explain_promotions=True,
    )
    assert outcome(explained)[1:] == [
        ("p1-plain", "APPLICABLE", ""),
        ("p2-limited", "INAPPLICABLE", "campaign_limit_exceeded"),
        ("p3-first-order", "INAPPLICABLE", "rules_not_met"),
        ("p4-plain", "APPLICABLE", ""),
    ]
    # Unless asked, the promotions this order does not get are left out of the answer.
    third = redeem(catalog, "order-2", "alice")
    assert outcome(third)[1:] == [("p1-plain", "APPLICABLE", ""), ("p4-plain", "APPLICABLE", "")]
    applied = [r["campaign_id"] for r in third["redemption"]["redeemables"]]
    assert applied == ["coupon", "p1-plain", "p4-plain"]


def test_a_promotion_requested_by_id_is_not_joined_twice(catalog):
    answer = catalog.validate(
        ORDER,
        redeemables=[{"promotion_id": "p4-plain"}],
        customer={"id": "carol"},
        include_promotions=True,
    )
    assert [r[0] for r in outcome(answer)] == [
        "p4-plain",
        "p1-plain",
        "p2-limited",
        "p3-first-order",
    ]
    assert all(status == "APPLICABLE" for _, status, _ in outcome(answer))


def test_disabling_a_promotion_is_seen_by_the_next_request(catalog):
    catalog.disable_campaign("p1-plain")
    answer = catalog.validate(
        ORDER, customer={"id": "alice"}, include_promotions=True, explain_promotions=True
    )
    assert ("p1-plain", "INAPPLICABLE", "campaign_inactive") in outcome(answer)
    catalog.enable_campaign("p1-plain")
    answer = catalog.validate(ORDER, customer={"id": "alice"}, include_promotions=True)
    assert ("p1-plain", "APPLICABLE", "") in outcome(answer)


def test_redeemed_promotions_update_their_counters_consistently_with_the_log(catalog, server):
    for n in range(4):
        redeem(catalog, f"order-{n}", f"customer-{n}")
    result = promocore_check(server.store.location)
    assert result.returncode == 0, result.stdout + result.stderr

"""Qualify's wallet: assigned codes (publications), public codes, auto promotions, gift cards,
loyalty balances and affordable rewards, each with its effect on the cart; TrackEvent issuing
codes through distributions."""

from __future__ import annotations

import pytest
from cdp_support import backlog, welcome_coupons
from programs_support import gift_program, loyalty_program

from promocore.errors import FailedPreconditionError, InvalidArgumentError

from support import cart

# The store conformance suite: every test here runs on each store backend (tests/README.md).
pytestmark = pytest.mark.conformance


def abandoned_cart_distribution(client):
    welcome_coupons(client, "come-back", amount=700)
    return client.create_distribution(
        {
            "name": "Cart abandoned",
            "trigger": "TRIGGER_CUSTOM_EVENT_TRACKED",
            "event_name": "cart_abandoned",
            "campaign_id": "come-back",
        }
    )


def test_a_cart_abandoned_event_issues_a_code_that_is_in_the_wallet_and_validates(client):
    abandoned_cart_distribution(client)
    tracked = client.track_event("ann", "cart_abandoned", {"cart_value": 4200})
    [code] = tracked["issued_codes"]
    assert code.startswith("COME-BACK-")
    # Once per customer: a second abandoned cart issues nothing.
    assert client.track_event("ann", "cart_abandoned")["issued_codes"] == []

    order = cart(("SKU-1", 4200, 1))
    wallet = client.qualify(order, customer={"id": "ann"})
    entries = [(e["source"], e["result"]["redeemable"]["code"]) for e in wallet["entries"]]
    assert entries == [("ASSIGNED_CODE", code)]
    assert wallet["entries"][0]["result"]["items_discount"] == 700

    answer = client.validate(order, codes=[code], customer={"id": "ann"})
    assert answer["redeemables"][0]["status"] == "APPLICABLE"
    assert answer["totals"]["total_discount"] == 700
    # Assigned to ann: nobody else can use it, and it is not in anyone else's wallet.
    other = client.validate(order, codes=[code], customer={"id": "bob"})
    assert other["redeemables"][0]["status"] != "APPLICABLE"
    assert client.qualify(order, customer={"id": "bob"}).get("entries", []) == []


def test_a_used_up_wallet_code_leaves_the_wallet(client):
    client.create_campaign(
        id="thanks",
        name="thanks",
        type="DISCOUNT_COUPONS",
        currency="EUR",
        effect={"amount_off_order": {"amount": 300}},
        code_redemption_quantity=1,
    )
    code = client.publish_code("thanks", "ann")["code"]
    client.create_code("thanks", "SPARE")  # not ann's: never in her wallet
    order = cart(("SKU-1", 2000, 1))
    wallet = client.qualify(order, customer={"id": "ann"})
    assert [e["result"]["redeemable"]["code"] for e in wallet["entries"]] == [code]
    redeemed = client.redeem(
        {**order, "id": "o-1"}, idempotency_key="k-1", codes=[code], customer={"id": "ann"}
    )
    assert redeemed["status"] == "SUCCEEDED"
    assert client.qualify(order, customer={"id": "ann"}).get("entries", []) == []


def test_the_wallet_ranks_best_deal_first_with_cards_rewards_and_near_misses(client):
    welcome_coupons(client, "small", amount=200)
    welcome_coupons(client, "big", amount=900)
    client.create_campaign(
        id="over-50",
        name="5.00 off over 50.00",
        type="PROMOTION",
        currency="EUR",
        effect={"amount_off_order": {"amount": 500}},
        rules={"subject": "order.amount", "op": "gte", "value": 5000},
    )
    client.create_campaign(
        id="auto-1",
        name="1.00 off",
        type="PROMOTION",
        currency="EUR",
        effect={"amount_off_order": {"amount": 100}},
    )
    small = client.publish_code("small", "ann")["code"]
    big = client.publish_code("big", "ann")["code"]
    gift_program(client)
    [gift_card] = client.issue_gift_cards("gift", balance=2500, customer_id="ann")
    loyalty_program(
        client,
        rewards=[
            {
                "id": "cheap",
                "name": "Cheap",
                "points_cost": 100,
                "effect": {"free_product_sku": "A"},
            },
            {
                "id": "dear",
                "name": "Dear",
                "points_cost": 5000,
                "effect": {"free_product_sku": "B"},
            },
        ],
    )
    card = client.enroll_loyalty("club", "ann")["code"]
    client.adjust_points(card, 400, idempotency_key="grant")

    order = cart(("SKU-1", 4000, 1))
    wallet = client.qualify(order, customer={"id": "ann"}, include_near_misses=True)
    ranked = [
        (e["source"], e["result"]["campaign_id"], e["result"].get("items_discount", 0))
        for e in wallet["entries"]
    ]
    assert ranked == [
        ("ASSIGNED_CODE", "big", 900),
        ("ASSIGNED_CODE", "small", 200),
        ("AUTO_PROMOTION", "auto-1", 100),
        ("WALLET_GIFT_CARD", "gift", 0),
        ("WALLET_LOYALTY_CARD", "club", 0),
    ]
    assert {e["result"]["redeemable"]["code"] for e in wallet["entries"][:2]} == {small, big}
    gift_entry = wallet["entries"][3]["result"]
    assert gift_entry["gift_amount"] == 2500
    assert [m["result"]["campaign_id"] for m in wallet["near_misses"]] == ["over-50"]
    assert [(g["code"], g["balance"]) for g in wallet["gift_cards"]] == [(gift_card["code"], 2500)]
    assert [(c["code"], c["points"]) for c in wallet["loyalty_cards"]] == [(card, 400)]
    assert [r["reward"]["id"] for r in wallet["rewards"]] == ["cheap"]


def test_an_anonymous_wallet_has_public_offers_only(client):
    welcome_coupons(client, "thanks")
    client.publish_code("thanks", "ann")
    wallet = client.qualify(cart(("SKU-1", 2000, 1)))
    assert wallet.get("entries", []) == []


def test_a_bad_event_is_refused_naming_the_field(client):
    with pytest.raises(InvalidArgumentError) as error:
        client.track_event("ann", "Not A Name")
    assert error.value.field == "name"
    with pytest.raises(InvalidArgumentError) as error:
        client.create_distribution({"name": "x", "trigger": "TRIGGER_INACTIVE", "campaign_id": "c"})
    assert error.value.field == "distribution.inactive_days"


def test_order_paid_distributions_fire_once_or_on_every_order(client):
    welcome_coupons(client, "first-order")
    welcome_coupons(client, "every-order")
    client.create_distribution(
        {"name": "first", "trigger": "TRIGGER_ORDER_PAID", "campaign_id": "first-order"}
    )
    client.create_distribution(
        {
            "name": "every",
            "trigger": "TRIGGER_ORDER_PAID",
            "campaign_id": "every-order",
            "repeat": True,
        }
    )
    client.create_campaign(
        id="auto",
        name="auto",
        type="PROMOTION",
        currency="EUR",
        effect={"amount_off_order": {"amount": 100}},
    )
    for key in ("k1", "k2", "k3"):
        client.redeem(
            cart(("SKU-1", 3000, 1), id=key),
            idempotency_key=key,
            customer={"id": "ann"},
            include_promotions=True,
        )
    issued = [e["campaign_id"] for e in backlog(client, types=["EVENT_CODE_ISSUED"])]
    assert sorted(issued) == ["every-order"] * 3 + ["first-order"]


def test_publishing_an_existing_code_assigns_it(client):
    welcome_coupons(client, "thanks")
    client.create_code("thanks", "HELLO-ANN")
    publication = client.publish_code("thanks", "ann", code="hello-ann")
    assert publication["code"] == "HELLO-ANN"
    assert client.get_code("HELLO-ANN")["assigned_customer_id"] == "ann"
    with pytest.raises(FailedPreconditionError):
        client.publish_code("thanks", "bob", code="HELLO-ANN")

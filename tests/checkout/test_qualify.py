"""Qualify through the server: promotions and public codes best deal first, used-up and disabled
offers left out at once, near misses; stacking rules set over the admin API."""

from __future__ import annotations

import pytest

from promocore import InvalidArgumentError

from support import cart, coupon

# The store conformance suite: every test here runs on each store backend (tests/README.md).
pytestmark = pytest.mark.conformance

CART = cart(("BEANS", 1500, 2, ["coffee"]))  # 30.00 EUR


def promotion(client, campaign_id: str, percent_bp: int, *, minimum: int = 0, limits=None):
    client.create_campaign(
        id=campaign_id,
        name=campaign_id,
        type="PROMOTION",
        currency="EUR",
        rules={"subject": "order.amount", "op": "gte", "value": minimum},
        effect={"percent_off_order": {"percent_bp": percent_bp}},
        limits=limits or {},
    )


def offered(wallet) -> list[tuple[str, str, int]]:
    return [
        (
            e["source"],
            e["result"]["redeemable"].get("promotion_id") or e["result"]["redeemable"]["code"],
            e["result"]["items_discount"],
        )
        for e in wallet["entries"]
    ]


def test_promotions_and_public_codes_come_best_deal_first(client):
    promotion(client, "five", 500)
    promotion(client, "ten", 1000)
    coupon(client, "coupons", "HIDDEN", effect={"amount_off_order": {"amount": 400}})
    client.create_code("coupons", "EVERYONE", public=True)
    # 10% of 3000 = 300; 4.00 off = 400; 5% = 150. HIDDEN is not public: not offered.
    assert offered(client.qualify(CART)) == [
        ("PUBLIC_CODE", "EVERYONE", 400),
        ("AUTO_PROMOTION", "ten", 300),
        ("AUTO_PROMOTION", "five", 150),
    ]


def test_near_misses_say_how_far_the_cart_is(client):
    promotion(client, "big-basket", 1000, minimum=5000)
    wallet = client.qualify(CART, include_near_misses=True)
    assert wallet["entries"] == []
    [miss] = wallet["near_misses"]
    near_miss = miss["result"]["explanation"]["near_miss"]
    assert (near_miss["missing"], near_miss["unit"]) == (2000, "amount")
    assert client.qualify(CART)["near_misses"] == []


def test_a_used_up_or_disabled_offer_is_left_out_at_once(client):
    promotion(client, "once", 1000, limits={"total_redemptions": 1})
    promotion(client, "switch", 500)
    assert [o[1] for o in offered(client.qualify(CART))] == ["once", "switch"]

    paid = client.redeem(
        {**CART, "id": "o1"}, redeemables=[{"promotion_id": "once"}], idempotency_key="k1"
    )
    assert paid["status"] == "SUCCEEDED"
    client.disable_campaign("switch")
    assert offered(client.qualify(CART)) == []


def test_a_rule_on_counters_reads_them_as_validate_does(client):
    """The engine decides which counters Qualify reads, as for a checkout: a rule on
    `counters.*` (without limits) sees the redemptions made."""
    client.create_campaign(
        id="first-buyer",
        name="First buyer",
        type="PROMOTION",
        currency="EUR",
        rules={"subject": "counters.campaign_redemptions", "op": "lt", "value": 1},
        effect={"percent_off_order": {"percent_bp": 1000}},
    )
    assert [o[1] for o in offered(client.qualify(CART))] == ["first-buyer"]
    paid = client.redeem(
        {**CART, "id": "o1"}, redeemables=[{"promotion_id": "first-buyer"}], idempotency_key="k1"
    )
    assert paid["status"] == "SUCCEEDED"
    assert offered(client.qualify(CART)) == []
    [result] = client.validate(CART, redeemables=[{"promotion_id": "first-buyer"}])["redeemables"]
    assert result["reason"] == "rules_not_met"


def test_stacking_rules_apply_to_every_checkout_after_they_are_set(client):
    coupon(client, "a", "CODE-A")
    coupon(client, "b", "CODE-B")
    assert client.validate(CART, codes=["CODE-A", "CODE-B"])["valid"] is True
    assert client.get_stacking_rules() == {
        "max_applied": None,
        "default_max_per_category": None,
        "categories": [],
        "application_order": "APPLICATION_ORDER_UNSPECIFIED",
        "joint_placement": "JOINT_PLACEMENT_UNSPECIFIED",
        "exclusive_resolution": "EXCLUSIVE_RESOLUTION_UNSPECIFIED",
        "max_exclusive_applied": None,
        "max_per_exclusive_category": None,
        "product_stack_policy": "PRODUCT_STACK_POLICY_UNSPECIFIED",
        "no_effect_policy": "NO_EFFECT_POLICY_UNSPECIFIED",
        "combination_mode": "COMBINATION_MODE_UNSPECIFIED",
    }

    client.set_stacking_rules({"max_applied": 1})
    assert client.get_stacking_rules()["max_applied"] == 1
    first, second = client.validate(CART, codes=["CODE-A", "CODE-B"])["redeemables"]
    assert first["status"] == "APPLICABLE"
    assert (second["status"], second["reason"]) == ("SKIPPED", "stacking_limit_exceeded")


def test_invalid_stacking_rules_name_the_field(client):
    with pytest.raises(InvalidArgumentError) as error:
        client.set_stacking_rules({"max_applied": 31})
    assert error.value.field == "rules.max_applied"
    with pytest.raises(InvalidArgumentError) as error:
        client.set_stacking_rules({"categories": [{"name": "vip"}, {"name": "vip"}]})
    assert error.value.field.startswith("rules.categories[1]")

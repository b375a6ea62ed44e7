"""Program settings the server could not honour are refused at create, naming the field."""

from __future__ import annotations

import pytest

from promocore.errors import InvalidArgumentError

PER_EURO = {"id": "r", "trigger": "EARN_ON_ORDER_PAID", "points": 1, "per_amount": 100}


@pytest.mark.parametrize(
    ("loyalty", "field"),
    [
        (
            {"earning_rules": [{**PER_EURO, "per_amount": 0}]},
            "campaign.loyalty.earning_rules[0].per_amount",
        ),
        ({"earning_rules": [PER_EURO, PER_EURO]}, "campaign.loyalty.earning_rules[1].id"),
        (
            {"earning_rules": [{"id": "e", "trigger": "EARN_ON_CUSTOM_EVENT", "points": 5}]},
            "campaign.loyalty.earning_rules[0].event_name",
        ),
        (
            {"earning_rules": [{"id": "s", "trigger": "EARN_ON_SEGMENT_ENTERED", "points": 5}]},
            "campaign.loyalty.earning_rules[0].segment_id",
        ),
        (
            {
                "earning_rules": [
                    {**PER_EURO, "rules": {"subject": "order.amount", "op": "gt", "value": 1}}
                ]
            },
            "campaign.loyalty.earning_rules[0].rules_json",
        ),
        (
            {"earning_rules": [{**PER_EURO, "multipliers": [{"multiplier_bp": 20000}]}]},
            "campaign.loyalty.earning_rules[0].multipliers[0]",
        ),
        ({"expiry": {"at_period_end": True}}, "campaign.loyalty.expiry.period"),
        (
            {"rewards": [{"id": "x", "points_cost": 10, "effect": {"gift_card_credit": 500}}]},
            "campaign.loyalty.rewards[0].gift_card_campaign_id",
        ),
        (
            {
                "rewards": [
                    {
                        "id": "x",
                        "points_cost": 10,
                        "effect": {"free_product_sku": "MUG"},
                        "tier_ids": ["gold"],
                    }
                ]
            },
            "campaign.loyalty.rewards[0].tier_ids[0]",
        ),
    ],
)
def test_bad_loyalty_settings_name_their_field(client, loyalty, field):
    with pytest.raises(InvalidArgumentError) as error:
        client.create_campaign(name="club", type="LOYALTY_PROGRAM", currency="EUR", loyalty=loyalty)
    assert error.value.field == field


def test_referral_points_need_a_loyalty_program(client):
    with pytest.raises(InvalidArgumentError) as error:
        client.create_campaign(
            name="friends",
            type="REFERRAL_PROGRAM",
            currency="EUR",
            effect={"amount_off_order": {"amount": 500}},
            referral={"referrer_points": 100},
        )
    assert error.value.field == "campaign.referral.referrer_loyalty_campaign_id"

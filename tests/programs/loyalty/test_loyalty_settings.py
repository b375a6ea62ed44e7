"""Program settings the server could not honour are refused at create, naming the field."""

from __future__ import annotations

import pytest

from promocore.errors import InvalidArgumentError

PER_EURO = {"id": "r", "trigger": "EARN_ON_ORDER_PAID", "points": 1, "per_amount": 100}
MUG_REWARD = {"id": "mug", "points_cost": 500, "effect": {"free_product_sku": "MUG"}}
GOLD = {"id": "gold", "name": "Gold", "threshold": 1000, "multiplier_bp": 15000}


# One case per check of settings.py: each input breaks exactly one rule and the refusal names
# the field that breaks it.
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
        (
            {"earning_rules": [{"id": "r", "points": 1}]},
            "campaign.loyalty.earning_rules[0].trigger",
        ),
        (
            {"earning_rules": [{**PER_EURO, "points": 0}]},
            "campaign.loyalty.earning_rules[0].points",
        ),
        (
            {"earning_rules": [{**PER_EURO, "id": "two words"}]},
            "campaign.loyalty.earning_rules[0].id",
        ),
        ({"earning_rules": [{**PER_EURO, "cap": -1}]}, "campaign.loyalty.earning_rules[0].cap"),
        (
            {"earning_rules": [{**PER_EURO, "days_of_week": [6, 8]}]},
            "campaign.loyalty.earning_rules[0].days_of_week[1]",
        ),
        (
            {"earning_rules": [{**PER_EURO, "days_of_week": [6, 7, 6]}]},
            "campaign.loyalty.earning_rules[0].days_of_week",
        ),
        (
            {"earning_rules": [{**PER_EURO, "multipliers": [{"sku": "MUG", "category": "cups"}]}]},
            "campaign.loyalty.earning_rules[0].multipliers[0]",
        ),
        (
            {"earning_rules": [{**PER_EURO, "multipliers": [{"sku": "MUG", "multiplier_bp": -1}]}]},
            "campaign.loyalty.earning_rules[0].multipliers[0].multiplier_bp",
        ),
        ({"pending_days": -1}, "campaign.loyalty.pending_days"),
        ({"points_rate_money": -5}, "campaign.loyalty.points_rate_money"),
        ({"expiry": {"after_months": -3}}, "campaign.loyalty.expiry.after_months"),
        (
            {"expiry": {"after_months": 12, "at_period_end": True, "period": "PERIOD_YEAR"}},
            "campaign.loyalty.expiry",
        ),
        ({"tiers": [GOLD, GOLD]}, "campaign.loyalty.tiers[1].id"),
        ({"tiers": [{**GOLD, "threshold": -1}]}, "campaign.loyalty.tiers[0].threshold"),
        (
            {"rewards": [{**MUG_REWARD, "points_cost": -1}]},
            "campaign.loyalty.rewards[0].points_cost",
        ),
        ({"rewards": [{"id": "nothing", "points_cost": 10}]}, "campaign.loyalty.rewards[0].effect"),
        (
            {
                "rewards": [
                    {
                        "id": "credit",
                        "points_cost": 10,
                        "effect": {"gift_card_credit": 0},
                        "gift_card_campaign_id": "gift",
                    }
                ]
            },
            "campaign.loyalty.rewards[0].effect.gift_card_credit",
        ),
        (
            {
                "rewards": [
                    {"id": "c", "points_cost": 10, "effect": {"issue_code_from_campaign_id": ""}}
                ]
            },
            "campaign.loyalty.rewards[0].effect.issue_code_from_campaign_id",
        ),
        (
            {"rewards": [{"id": "f", "points_cost": 10, "effect": {"free_product_sku": ""}}]},
            "campaign.loyalty.rewards[0].effect.free_product_sku",
        ),
        ({"rewards": [{**MUG_REWARD, "stock": -1}]}, "campaign.loyalty.rewards[0].stock"),
    ],
)
def test_each_loyalty_setting_rule_names_the_field_it_refuses(client, loyalty, field):
    with pytest.raises(InvalidArgumentError) as error:
        client.create_campaign(name="club", type="LOYALTY_PROGRAM", currency="EUR", loyalty=loyalty)
    assert error.value.field == field
    # Refused before anything is stored.
    assert client.list_campaigns() == []


@pytest.mark.parametrize(
    ("referral", "field"),
    [
        ({"referrer_points": 100}, "campaign.referral.referrer_loyalty_campaign_id"),
        ({"referrer_points": -100}, "campaign.referral.referrer_points"),
        ({"referrer_gift_credit": 250}, "campaign.referral.referrer_gift_campaign_id"),
        ({"max_rewards_per_referrer": -1}, "campaign.referral.max_rewards_per_referrer"),
        ({"conversion_event": "First Order!"}, "campaign.referral.conversion_event"),
    ],
)
def test_each_referral_setting_rule_names_the_field_it_refuses(client, referral, field):
    with pytest.raises(InvalidArgumentError) as error:
        client.create_campaign(
            name="friends",
            type="REFERRAL_PROGRAM",
            currency="EUR",
            effect={"amount_off_order": {"amount": 500}},
            referral=referral,
        )
    assert error.value.field == field

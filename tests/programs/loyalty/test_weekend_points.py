"""Earning rules limited to days of the week, through the real server: the "weekend double
points" program (an order rule every day and a second one on Saturdays and Sundays) earns
double on the program's weekend, in its own time zone, and single on weekdays."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from programs_support import loyalty_program

from promocore.errors import InvalidArgumentError

from support import cart

EVERY_ORDER = {"id": "every-order", "trigger": "EARN_ON_ORDER_PAID", "points": 1, "per_amount": 100}
WEEKEND_BONUS = {**EVERY_ORDER, "id": "weekend-bonus", "days_of_week": [6, 7]}


def test_weekend_orders_earn_double_in_the_program_s_zone(client, clock):
    client.create_campaign(
        id="club",
        name="Double points at weekends",
        type="LOYALTY_PROGRAM",
        currency="EUR",
        time_zone="Europe/Berlin",
        loyalty={"earning_rules": [EVERY_ORDER, WEEKEND_BONUS]},
    )
    card = client.enroll_loyalty("club", "ann")["code"]
    earned = []

    def order_at(when: datetime, amount: int) -> None:
        clock.set(int(when.timestamp() * 1000))
        before = client.get_loyalty_card(card)["points"]
        answer = client.redeem(
            cart(("BEANS", amount, 1), id=f"order-{len(earned)}"),
            customer={"id": "ann"},
            codes=[card],
            idempotency_key=f"order-{len(earned)}",
        )
        assert answer["status"] == "SUCCEEDED"
        earned.append(client.get_loyalty_card(card)["points"] - before)

    # Wednesday 4 March, noon in Berlin: one point per 1.00.
    order_at(datetime(2026, 3, 4, 11, 0, tzinfo=UTC), 3000)
    # Friday 23:30 UTC is Saturday 00:30 in Berlin: the program's weekend, double.
    order_at(datetime(2026, 3, 6, 23, 30, tzinfo=UTC), 3000)
    # Sunday 22:30 UTC is Sunday 23:30 in Berlin: double.
    order_at(datetime(2026, 3, 8, 22, 30, tzinfo=UTC), 4550)
    # Sunday 23:30 UTC is Monday 00:30 in Berlin: single again.
    order_at(datetime(2026, 3, 8, 23, 30, tzinfo=UTC), 3000)
    assert earned == [30, 60, 90, 30]


def test_days_of_the_week_are_checked_naming_the_rule(client):
    for days, field in (
        ([0], "days_of_week[0]"),
        ([6, 8], "days_of_week[1]"),
        ([6, 6], "days_of_week"),
    ):
        with pytest.raises(InvalidArgumentError) as refused:
            loyalty_program(client, earning_rules=[{**WEEKEND_BONUS, "days_of_week": days}])
        assert refused.value.field == f"campaign.loyalty.earning_rules[0].{field}"

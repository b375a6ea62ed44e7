"""Every limit kind, through the server: read by Validate, enforced by Redeem,
restored by Rollback; day, week and month in the campaign's time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from support import cart

# The store conformance suite: every test here runs on each store backend (tests/README.md).
pytestmark = pytest.mark.conformance

NEW_YORK = ZoneInfo("America/New_York")
ORDER = cart(("BEANS", 2000, 1))  # 20.00 EUR


@pytest.fixture
def make_campaign(client):
    def make(limits: dict, *, time_zone: str = "UTC", amount: int = 500) -> str:
        campaign_id = f"limits-{len(client.list_campaigns())}"
        client.create_campaign(
            id=campaign_id,
            name=campaign_id,
            type="DISCOUNT_COUPONS",
            currency="EUR",
            time_zone=time_zone,
            effect={"amount_off_order": {"amount": amount}},
            limits=limits,
        )
        code = f"CODE-{campaign_id}"
        client.create_code(campaign_id, code)
        return code

    return make


class Checkout:
    def __init__(self, client) -> None:
        self.client = client
        self.count = 0

    def redeem(self, code: str, customer: str = "alice", order: dict = ORDER) -> dict:
        self.count += 1
        answer = self.client.redeem(
            {**order, "id": f"o{self.count}"},
            codes=[code],
            customer={"id": customer} if customer else None,
            idempotency_key=f"k{self.count}",
        )
        return answer

    def reason(self, code: str, customer: str = "alice", order: dict = ORDER) -> str:
        answer = self.redeem(code, customer, order)
        return "" if answer["status"] == "SUCCEEDED" else answer["redeemables"][0]["reason"]


@pytest.fixture
def checkout(client):
    return Checkout(client)


def at(clock, local: datetime) -> None:
    """Moves the injected clock to a local time."""
    clock.set(int(local.timestamp() * 1000))


def test_campaign_total(make_campaign, checkout, client):
    code = make_campaign({"total_redemptions": 2})
    assert [checkout.reason(code, c) for c in ("a", "b", "c")] == [
        "",
        "",
        "campaign_limit_exceeded",
    ]
    [result] = client.validate(ORDER, codes=[code], customer={"id": "d"})["redeemables"]
    assert result["reason"] == "campaign_limit_exceeded"


def test_per_customer_needs_and_counts_the_customer(make_campaign, checkout):
    code = make_campaign({"per_customer": 1})
    assert checkout.reason(code, "") == "customer_limit_exceeded"  # anonymous: cannot be counted
    assert checkout.reason(code, "alice") == ""
    assert checkout.reason(code, "alice") == "customer_limit_exceeded"
    assert checkout.reason(code, "bob") == ""


def test_per_customer_per_day_resets_at_local_midnight(make_campaign, checkout, clock):
    code = make_campaign({"per_customer_per_day": 1}, time_zone="America/New_York")
    at(clock, datetime(2026, 3, 10, 23, 30, tzinfo=NEW_YORK))
    assert checkout.reason(code) == ""
    at(clock, datetime(2026, 3, 10, 23, 59, tzinfo=NEW_YORK))  # 03:59 UTC the next day
    assert checkout.reason(code) == "daily_limit_exceeded"
    at(clock, datetime(2026, 3, 11, 0, 1, tzinfo=NEW_YORK))
    assert checkout.reason(code) == ""


def test_campaign_per_day(make_campaign, checkout, clock):
    code = make_campaign({"per_day": 2}, time_zone="America/New_York")
    at(clock, datetime(2026, 3, 10, 9, 0, tzinfo=NEW_YORK))
    assert [checkout.reason(code, c) for c in ("a", "b", "c")] == ["", "", "daily_limit_exceeded"]
    at(clock, datetime(2026, 3, 11, 9, 0, tzinfo=NEW_YORK))
    assert checkout.reason(code, "c") == ""


def test_per_customer_per_week_is_the_iso_week(make_campaign, checkout, clock):
    code = make_campaign({"per_customer_per_week": 1})
    at(clock, datetime(2026, 3, 9, 10, 0, tzinfo=ZoneInfo("UTC")))  # Monday
    assert checkout.reason(code) == ""
    at(clock, datetime(2026, 3, 15, 23, 0, tzinfo=ZoneInfo("UTC")))  # Sunday, same ISO week
    assert checkout.reason(code) == "customer_limit_exceeded"
    at(clock, datetime(2026, 3, 16, 0, 0, tzinfo=ZoneInfo("UTC")))  # next Monday
    assert checkout.reason(code) == ""


def test_per_customer_per_month(make_campaign, checkout, clock):
    code = make_campaign({"per_customer_per_month": 2}, time_zone="America/New_York")
    at(clock, datetime(2026, 3, 31, 20, 0, tzinfo=NEW_YORK))  # April 1st in UTC
    assert [checkout.reason(code) for _ in range(3)] == ["", "", "customer_limit_exceeded"]
    at(clock, datetime(2026, 4, 1, 0, 30, tzinfo=NEW_YORK))
    assert checkout.reason(code) == ""


def test_budget_of_discount_refuses_what_would_exceed_it(make_campaign, checkout):
    code = make_campaign({"budget_discount": 1200}, amount=500)
    # 500 + 500 = 1000; a third 500 would make 1500 > 1200.
    assert [checkout.reason(code, c) for c in ("a", "b", "c")] == ["", "", "budget_exceeded"]


def test_budget_of_order_value(make_campaign, checkout):
    code = make_campaign({"budget_order_value": 5000})
    # Orders of 20.00: 2000 + 2000 = 4000; a third would make 6000 > 5000.
    assert [checkout.reason(code, c) for c in ("a", "b", "c")] == ["", "", "budget_exceeded"]
    assert checkout.reason(code, "d", cart(("MUG", 1000, 1))) == ""  # exactly 5000


def test_code_quantity(client, make_campaign, checkout):
    make_campaign({})
    client.create_code("limits-0", "TWICE-ONLY", redemption_quantity=2)
    assert [checkout.reason("TWICE-ONLY", c) for c in "abc"] == ["", "", "code_quantity_exceeded"]


def test_rollback_gives_back_every_counter_it_took(client, make_campaign, checkout):
    code = make_campaign({"per_customer": 1, "budget_discount": 500, "total_redemptions": 1})
    paid = checkout.redeem(code)
    assert checkout.reason(code) == "campaign_limit_exceeded"
    client.rollback(paid["redemption"]["id"])
    assert checkout.reason(code) == ""


def test_two_redeemables_of_one_redemption_commit_together(client, make_campaign, checkout):
    first = make_campaign({"total_redemptions": 1})
    second = make_campaign({"total_redemptions": 1})
    answer = client.redeem(
        {**ORDER, "id": "both"}, codes=[first, second], customer={"id": "z"}, idempotency_key="both"
    )
    assert [r["status"] for r in answer["redeemables"]] == ["APPLICABLE", "APPLICABLE"]
    assert len(answer["redemption"]["redeemables"]) == 2
    client.rollback(answer["redemption"]["id"])
    assert checkout.reason(first) == checkout.reason(second) == ""

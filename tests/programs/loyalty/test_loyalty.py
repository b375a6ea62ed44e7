"""Loyalty programs end to end over gRPC, with an injected clock: earning, caps, pending points,
expiry per bucket with oldest-first spending, tiers, rewards, pay with points."""

from __future__ import annotations

import pytest
from programs_support import DAY_MS, loyalty_program, pay_with_points

from promocore.errors import FailedPreconditionError

from support import cart, check_report, coupon

# The store conformance suite: every test here runs on each store backend (tests/README.md).
pytestmark = pytest.mark.conformance

MONTH_MS = 31 * DAY_MS


def earn_per_euro(**extra):
    """One point per 1.00 paid, coffee lines double."""
    return {
        "id": "per-euro",
        "trigger": "EARN_ON_ORDER_PAID",
        "points": 1,
        "per_amount": 100,
        "multipliers": [{"category": "coffee", "multiplier_bp": 20000}],
        **extra,
    }


def test_a_paid_order_earns_points_with_line_and_tier_multipliers_and_the_tier_upgrades(
    client, server
):
    loyalty_program(
        client,
        earning_rules=[earn_per_euro()],
        tier_basis="POINTS_IN_PERIOD",
        tier_period="PERIOD_MONTH",
        tiers=[
            {"id": "silver", "name": "Silver", "threshold": 0, "multiplier_bp": 10000},
            {"id": "gold", "name": "Gold", "threshold": 500, "multiplier_bp": 15000},
        ],
    )
    card = client.enroll_loyalty("club", "ann")
    assert (card["points"], card["tier_id"]) == (0, "silver")
    # Enrolling again returns the same card.
    assert client.enroll_loyalty("club", "ann")["code"] == card["code"]

    def order(n: int, *lines) -> dict:
        return client.redeem(
            cart(*lines, id=f"o-{n}"),
            customer={"id": "ann"},
            codes=[card["code"]],
            idempotency_key=f"k-{n}",
        )

    # 25.00 of coffee (x2) and 250.00 of other goods at Silver (x1): 50 + 250 points.
    order(1, ("BEANS", 1250, 2, ["coffee"]), ("GRINDER", 25000, 1))
    assert client.get_loyalty_card(card["code"])["points"] == 300
    assert client.get_loyalty_card(card["code"])["tier_id"] == "silver"
    # 200.00 more at Silver: 500 points this month, the Gold threshold is crossed.
    order(2, ("KETTLE", 20000, 1))
    upgraded = client.get_loyalty_card(campaign_id="club", customer_id="ann")
    assert (upgraded["points"], upgraded["tier_id"], upgraded["period_points"]) == (
        500,
        "gold",
        500,
    )
    # At Gold every point counts 1.5 times: 10.00 of coffee = 20 points x 1.5 = 30.
    order(3, ("BEANS", 1000, 1, ["coffee"]))
    assert client.get_loyalty_card(card["code"])["points"] == 530
    assert client.get_loyalty_card(card["code"])["lifetime_spend"] == 25000 + 2500 + 20000 + 1000

    status, report = check_report(server.store.location)
    assert (status, report["problems"]) == (0, [])


def test_event_points_stop_at_the_monthly_cap_and_resume_next_month(client, clock):
    loyalty_program(
        client,
        earning_rules=[
            {
                "id": "likes",
                "trigger": "EARN_ON_CUSTOM_EVENT",
                "event_name": "social_like",
                "points": 40,
                "cap": 100,
                "cap_period": "PERIOD_MONTH",
            },
            {
                "id": "news",
                "trigger": "EARN_ON_CUSTOM_EVENT",
                "event_name": "newsletter_signup",
                "points": 25,
            },
        ],
    )
    card = client.enroll_loyalty("club", "bob")
    earned = [client.track_event("bob", "social_like")["points_earned"] for _ in range(4)]
    assert earned == [40, 40, 20, 0]
    assert client.track_event("bob", "newsletter_signup")["points_earned"] == 25
    assert client.track_event("bob", "unknown_event")["points_earned"] == 0
    assert client.get_loyalty_card(card["code"])["points"] == 125

    clock.advance(MONTH_MS)  # 2026-04-01: a new cap period
    assert client.track_event("bob", "social_like")["points_earned"] == 40
    # A retried event (same idempotency key) is counted once.
    assert client.track_event("bob", "social_like", idempotency_key="e-1")["points_earned"] == 40
    assert client.track_event("bob", "social_like", idempotency_key="e-1")["points_earned"] == 40
    assert client.get_loyalty_card(card["code"])["points"] == 205
    # Not enrolled: nothing earned, nothing created.
    assert client.track_event("carl", "social_like")["points_earned"] == 0


def test_pending_points_activate_after_the_returns_window(client, clock):
    loyalty_program(client, earning_rules=[earn_per_euro()], pending_days=14)
    card = client.enroll_loyalty("club", "cid")["code"]
    client.redeem(
        cart(("LAMP", 8000, 1), id="o-1"),
        customer={"id": "cid"},
        codes=[card],
        idempotency_key="k-1",
    )
    pending = client.get_loyalty_card(card)
    assert (pending["points"], pending["pending_points"], pending["balance"]) == (0, 80, 80)
    refused = client.validate(
        cart(("MUG", 500, 1)), customer={"id": "cid"}, redeemables=[pay_with_points(50, card)]
    )
    assert refused["redeemables"][0]["reason"] == "insufficient_points"

    clock.advance(14 * DAY_MS - 1)
    assert client.get_loyalty_card(card)["points"] == 0
    clock.advance(1)
    active = client.get_loyalty_card(card)
    assert (active["points"], active["pending_points"]) == (80, 0)
    paid = client.validate(
        cart(("MUG", 500, 1)), customer={"id": "cid"}, redeemables=[pay_with_points(50, card)]
    )
    assert paid["totals"]["points_amount"] == 50


def test_a_rolled_back_order_takes_its_pending_points_back(client, server):
    loyalty_program(client, earning_rules=[earn_per_euro()], pending_days=14)
    card = client.enroll_loyalty("club", "dan")["code"]
    answer = client.redeem(
        cart(("LAMP", 8000, 1), id="o-1"),
        customer={"id": "dan"},
        codes=[card],
        idempotency_key="k-1",
    )
    assert client.get_loyalty_card(card)["pending_points"] == 80
    client.rollback(answer["redemption"]["id"], reason="returned")
    returned = client.get_loyalty_card(card)
    assert (returned["pending_points"], returned["balance"], returned["lifetime_spend"]) == (
        0,
        0,
        0,
    )
    assert [e["delta"] for e in client.list_ledger(card)] == [80, -80]
    assert check_report(server.store.location)[1]["problems"] == []


def test_points_expire_per_bucket_and_spending_takes_the_oldest_first(client, clock, server):
    loyalty_program(client, expiry={"after_months": 12})
    card = client.enroll_loyalty("club", "eve")["code"]
    client.adjust_points(card, 100, idempotency_key="a")  # bucket A, 2026-03-01 -> 2027-03-01
    clock.advance(MONTH_MS)
    client.adjust_points(card, 50, idempotency_key="b")  # bucket B, 2026-04-01 -> 2027-04-01

    clock.advance(MONTH_MS)
    spent = client.redeem(
        cart(("LAMP", 12000, 1), id="o-1"),
        customer={"id": "eve"},
        redeemables=[pay_with_points(120, card)],
        idempotency_key="k-1",
    )
    assert spent["totals"]["points_amount"] == 120
    assert client.get_loyalty_card(card)["points"] == 30

    # 2027-03-08: bucket A expired. Oldest first took all of A and 20 of B, so B still holds 30
    # (had the newest been spent first, A's 30 would be gone now and 0 left).
    clock.set(clock.now_ms() + 10 * MONTH_MS)
    assert client.get_loyalty_card(card)["points"] == 30
    client.adjust_points(card, 40, idempotency_key="c")  # bucket C, 2027-03-08 -> 2028-03-08
    assert client.get_loyalty_card(card)["points"] == 70
    # 2027-05-09: B was earned 13 months ago and expired: its 30 points are never spendable.
    clock.advance(2 * MONTH_MS)
    later = client.get_loyalty_card(card)
    assert (later["points"], later["balance"]) == (40, 70)
    refused = client.validate(
        cart(("LAMP", 12000, 1)), customer={"id": "eve"}, redeemables=[pay_with_points(50, card)]
    )
    assert refused["redeemables"][0]["reason"] == "insufficient_points"
    with pytest.raises(FailedPreconditionError) as error:
        client.adjust_points(card, -50, idempotency_key="d")
    assert error.value.reason == "insufficient_points"
    client.adjust_points(card, -40, idempotency_key="e")
    ledger = client.list_ledger(card)
    assert [(e["kind"], e["delta"]) for e in ledger] == [
        ("LEDGER_ADJUSTMENT", 100),
        ("LEDGER_ADJUSTMENT", 50),
        ("LEDGER_DEBIT", -120),
        ("LEDGER_ADJUSTMENT", 40),
        ("LEDGER_EXPIRY", -30),
        ("LEDGER_ADJUSTMENT", -40),
    ]
    assert client.get_loyalty_card(card)["balance"] == 0
    assert check_report(server.store.location)[1]["problems"] == []


def test_a_reward_bought_with_points_issues_a_coupon_that_validates(client):
    coupon(client, "reward-coupons", "UNUSED", effect={"amount_off_order": {"amount": 500}})
    client.create_campaign(id="gift", name="gift", type="GIFT_VOUCHERS", currency="EUR")
    loyalty_program(
        client,
        tiers=[{"id": "gold", "name": "Gold", "threshold": 1000}],
        rewards=[
            {
                "id": "five-off",
                "name": "5.00 off",
                "points_cost": 300,
                "effect": {"issue_code_from_campaign_id": "reward-coupons"},
            },
            {
                "id": "gift-10",
                "name": "10.00 gift credit",
                "points_cost": 900,
                "cash_price": 0,
                "effect": {"gift_card_credit": 1000},
                "gift_card_campaign_id": "gift",
            },
            {
                "id": "gold-mug",
                "name": "Mug",
                "points_cost": 100,
                "cash_price": 499,
                "effect": {"free_product_sku": "MUG"},
                "tier_ids": ["gold"],
            },
        ],
    )
    card = client.enroll_loyalty("club", "fay")["code"]
    client.adjust_points(card, 1200, idempotency_key="grant")

    bought = client.buy_reward(card, "five-off", idempotency_key="r-1")
    assert bought["card"]["points"] == 900
    coupon_code = bought["issued_code"]
    answer = client.validate(cart(("MUG", 2000, 1)), codes=[coupon_code], customer={"id": "fay"})
    assert answer["redeemables"][0]["status"] == "APPLICABLE"
    assert answer["totals"]["total_discount"] == 500
    other = client.validate(cart(("MUG", 2000, 1)), codes=[coupon_code], customer={"id": "gus"})
    assert other["redeemables"][0]["reason"] == "not_assigned_to_customer"
    # The retried purchase answers the same coupon and costs nothing more.
    assert client.buy_reward(card, "five-off", idempotency_key="r-1")["issued_code"] == coupon_code

    with pytest.raises(FailedPreconditionError) as tier_only:
        client.buy_reward(card, "gold-mug", idempotency_key="r-2")
    assert tier_only.value.reason == "tier_required"

    gift = client.buy_reward(card, "gift-10", idempotency_key="r-3")
    assert (gift["card"]["points"], gift["gift_card"]["balance"]) == (0, 1000)
    with pytest.raises(FailedPreconditionError) as poor:
        client.buy_reward(card, "five-off", idempotency_key="r-4")
    assert poor.value.reason == "insufficient_points"


def test_points_plus_cash_and_free_product_rewards_for_a_tier(client):
    loyalty_program(
        client,
        tier_basis="LIFETIME_SPEND",
        tiers=[{"id": "gold", "name": "Gold", "threshold": 0}],
        rewards=[
            {
                "id": "mug",
                "name": "Mug",
                "points_cost": 100,
                "cash_price": 499,
                "effect": {"free_product_sku": "MUG"},
                "tier_ids": ["gold"],
                "stock": 1,
            }
        ],
    )
    card = client.enroll_loyalty("club", "hal")["code"]
    client.adjust_points(card, 300, idempotency_key="grant")
    bought = client.buy_reward(card, "mug", idempotency_key="m-1")
    assert (bought["free_product_sku"], bought["cash_due"], bought["card"]["points"]) == (
        "MUG",
        499,
        200,
    )
    with pytest.raises(FailedPreconditionError) as sold_out:
        client.buy_reward(card, "mug", idempotency_key="m-2")
    assert sold_out.value.reason == "reward_out_of_stock"
    assert client.get_loyalty_card(card)["points"] == 200


def test_a_stacked_checkout_applies_discount_then_gift_card_then_points(client, server):
    coupon(client, "ten", "TEN", effect={"percent_off_order": {"percent_bp": 1000}})
    client.create_campaign(id="gift", name="gift", type="GIFT_VOUCHERS", currency="EUR")
    [gift] = client.issue_gift_cards("gift", balance=2000)
    loyalty_program(client, points_rate_money=1, points_rate_points=2)  # 2 points per cent
    card = client.enroll_loyalty("club", "ivy")["code"]
    client.adjust_points(card, 10_000, idempotency_key="grant")

    order = cart(("COAT", 9999, 1), ("SCARF", 2001, 1), id="o-1")  # 120.00
    answer = client.redeem(
        order,
        customer={"id": "ivy"},
        redeemables=[pay_with_points(6001, card), {"code": gift["code"]}, {"code": "TEN"}],
        idempotency_key="stacked",
    )
    totals = answer["totals"]
    # 120.00 - 10% = 108.00; the gift card pays 20.00 -> 88.00 left; 6001 points are worth
    # 30.00 (floor of 30.005) and the card spends the 6000 that pay it; 58.00 left to pay.
    assert (totals["amount"], totals["total_discount"], totals["amount_after_discounts"]) == (
        12000,
        1200,
        10800,
    )
    assert (totals["gift_card_amount"], totals["points_amount"], totals["total_to_pay"]) == (
        2000,
        3000,
        5800,
    )
    points_result = next(r for r in answer["redeemables"] if r["redeemable"]["code"] == card)
    assert points_result["points"] == 6000
    assert client.get_gift_card(gift["code"])["balance"] == 0
    assert client.get_loyalty_card(card)["points"] == 4000
    assert check_report(server.store.location)[1]["problems"] == []


def test_points_expiring_at_period_end_and_reserved_points(client, clock):
    loyalty_program(
        client,
        earning_rules=[
            {"id": "news", "trigger": "EARN_ON_CUSTOM_EVENT", "event_name": "review", "points": 300}
        ],
        expiry={"at_period_end": True, "period": "PERIOD_MONTH"},
    )
    card = client.enroll_loyalty("club", "joe")["code"]
    client.track_event("joe", "review")  # 2026-03-01 12:00: expires 2026-04-01 00:00 UTC
    # Expiring means within 30 days; 30.5 days are left.
    assert client.get_loyalty_card(card)["expiring_points"] == 0

    held = client.validate(
        cart(("MUG", 2000, 1)),
        customer={"id": "joe"},
        redeemables=[pay_with_points(200, card)],
        reservation={"session_key": "till-1", "ttl_seconds": 300},
    )
    assert held["totals"]["points_amount"] == 200
    other = client.validate(
        cart(("MUG", 2000, 1)), customer={"id": "joe"}, redeemables=[pay_with_points(200, card)]
    )
    assert other["redeemables"][0]["reason"] == "insufficient_points"  # only 100 not held
    client.release_reservation("till-1")

    clock.set(clock.now_ms() + 31 * DAY_MS - 12 * 3_600_000 - 1)  # 2026-03-31 23:59:59.999
    last_moment = client.get_loyalty_card(card)
    assert (last_moment["points"], last_moment["expiring_points"]) == (300, 300)
    clock.advance(1)
    assert client.get_loyalty_card(card)["points"] == 0

"""Customers with something to show on their cockpit page (tests of the cockpit and the
browser tests)."""

from __future__ import annotations

from programs_support import loyalty_program

from promocore import Client

from support import cart


def rewarded_customers(admin: Client) -> None:
    """ann: a coupon, a gift card, 400 points earned at Silver (Gold at 500); bob: his own
    coupon."""
    admin.create_campaign(
        id="welcome",
        name="Welcome 5 off",
        type="DISCOUNT_COUPONS",
        currency="EUR",
        effect={"amount_off_order": {"amount": 500}},
    )
    admin.upsert_customer("ann", {"country": "DE"})
    admin.upsert_customer("bob", {"country": "AT"})
    admin.create_code("welcome", "ANN-WELCOME")
    admin.create_code("welcome", "BOB-WELCOME")
    admin.publish_code("welcome", "ann", code="ANN-WELCOME")
    admin.publish_code("welcome", "bob", code="BOB-WELCOME")
    admin.create_campaign(id="gift", name="Gift cards", type="GIFT_VOUCHERS", currency="EUR")
    admin.issue_gift_cards("gift", balance=2500, customer_id="ann")
    loyalty_program(
        admin,
        tier_basis="POINTS_IN_PERIOD",
        tier_period="PERIOD_YEAR",
        earning_rules=[
            {"id": "per-euro", "trigger": "EARN_ON_ORDER_PAID", "points": 1, "per_amount": 100}
        ],
        tiers=[
            {"id": "silver", "name": "Silver", "threshold": 0},
            {"id": "gold", "name": "Gold", "threshold": 500},
        ],
        rewards=[
            {
                "id": "mug",
                "name": "A mug",
                "points_cost": 300,
                "effect": {"free_product_sku": "MUG"},
            },
            {
                "id": "bag",
                "name": "A bag of beans",
                "points_cost": 450,
                "effect": {"free_product_sku": "BEANS"},
            },
        ],
    )
    card = admin.enroll_loyalty("club", "ann")["code"]
    # 400.00 EUR paid: 400 points, which count towards the tier.
    admin.redeem(
        cart(("TV", 40000, 1), id="order-1"),
        customer={"id": "ann"},
        codes=[card],
        idempotency_key="order-1",
    )

"""A runnable tour of gift cards, loyalty and referral programs against a live promocore server.

    promocore serve --data-dir /tmp/tour --workers 1 &
    python examples/loyalty_giftcards_referral.py --target 127.0.0.1:50051

It sets up one program of each kind, runs the flows a shop runs, and checks every amount the
server answers against the amount worked out by hand in the comments. It prints each step and
exits 1 at the end if any amount differed (2 if the server could not be reached). Every id it
creates carries a random suffix, so it can run more than once against the same server.
Time-based behaviour (pending points, expiry) needs a clock the tour cannot move: see
tests/programs/loyalty/test_loyalty.py for those, run with an injected clock.
"""

from __future__ import annotations

import argparse
import secrets
import sys
from typing import Any

from promocore import Client, PromocoreError

MISMATCHES: list[str] = []


def expect(what: str, actual: Any, expected: Any) -> None:
    ok = actual == expected
    print(
        f"  {'ok ' if ok else 'BAD'} {what}: {actual!r}"
        + ("" if ok else f" (expected {expected!r})")
    )
    if not ok:
        MISMATCHES.append(what)


def order(order_id: str, *lines: tuple[str, int, int, list[str]]) -> dict[str, Any]:
    return {
        "id": order_id,
        "currency": "EUR",
        "items": [
            {"sku": sku, "unit_price": price, "quantity": qty, "categories": categories}
            for sku, price, qty, categories in lines
        ],
    }


def gift_cards(client: Client, run: str) -> str:
    print("Gift cards")
    campaign = f"gift-{run}"
    client.create_campaign(id=campaign, name="Gift cards", type="GIFT_VOUCHERS", currency="EUR")
    [card] = client.issue_gift_cards(campaign, balance=5000, customer_id=f"ann-{run}")
    code = card["code"]
    expect("issued balance", card["balance"], 5000)
    first = client.redeem(
        order(f"o1-{run}", ("MUG", 1800, 1, [])),
        codes=[code],
        customer={"id": f"ann-{run}"},
        idempotency_key=f"gift-1-{run}",
    )
    expect("first order paid by the card", first["totals"]["gift_card_amount"], 1800)
    second = client.redeem(
        order(f"o2-{run}", ("LAMP", 4500, 1, [])),
        codes=[code],
        customer={"id": f"ann-{run}"},
        idempotency_key=f"gift-2-{run}",
    )
    # 50.00 - 18.00 = 32.00 left, so the card pays 32.00 of 45.00 and 13.00 is paid otherwise.
    expect("second order paid by the card", second["totals"]["gift_card_amount"], 3200)
    expect("second order left to pay", second["totals"]["total_to_pay"], 1300)
    expect("balance after two orders", client.get_gift_card(code)["balance"], 0)
    expect(
        "balance after a top-up",
        client.top_up_gift_card(code, 2500, idempotency_key=f"top-{run}")["balance"],
        2500,
    )
    expect("ledger", [e["delta"] for e in client.list_ledger(code)], [5000, -1800, -3200, 2500])
    return campaign


def loyalty(client: Client, run: str) -> tuple[str, str]:
    print("Loyalty program")
    coupons = f"reward-coupons-{run}"
    client.create_campaign(
        id=coupons,
        name="Reward coupons",
        type="DISCOUNT_COUPONS",
        currency="EUR",
        effect={"amount_off_order": {"amount": 500}},
    )
    program = f"club-{run}"
    client.create_campaign(
        id=program,
        name="Coffee club",
        type="LOYALTY_PROGRAM",
        currency="EUR",
        loyalty={
            "earning_rules": [
                # One point per 1.00 paid; coffee earns double.
                {
                    "id": "per-euro",
                    "trigger": "EARN_ON_ORDER_PAID",
                    "points": 1,
                    "per_amount": 100,
                    "multipliers": [{"category": "coffee", "multiplier_bp": 20000}],
                },
                # 40 points per like, at most 100 a month.
                {
                    "id": "likes",
                    "trigger": "EARN_ON_CUSTOM_EVENT",
                    "event_name": "social_like",
                    "points": 40,
                    "cap": 100,
                    "cap_period": "PERIOD_MONTH",
                },
            ],
            "tier_basis": "LIFETIME_SPEND",
            "tiers": [
                {"id": "silver", "name": "Silver", "threshold": 0, "multiplier_bp": 10000},
                {"id": "gold", "name": "Gold", "threshold": 30000, "multiplier_bp": 15000},
            ],
            "rewards": [
                {
                    "id": "five-off",
                    "name": "5.00 off",
                    "points_cost": 200,
                    "effect": {"issue_code_from_campaign_id": coupons},
                }
            ],
            "points_rate_money": 1,
            "points_rate_points": 1,
        },
    )
    customer = f"bob-{run}"
    card = client.enroll_loyalty(program, customer)["code"]
    client.redeem(
        order(f"o3-{run}", ("BEANS", 1250, 2, ["coffee"]), ("GRINDER", 27500, 1, [])),
        customer={"id": customer},
        codes=[card],
        idempotency_key=f"loyal-1-{run}",
    )
    # 25.00 of coffee x2 = 50 points, 275.00 of grinder = 275 points, at Silver (x1).
    after_first = client.get_loyalty_card(card)
    expect("points after a 300.00 order", after_first["points"], 325)
    expect("tier after 300.00 lifetime spend", after_first["tier_id"], "gold")
    client.redeem(
        order(f"o4-{run}", ("BEANS", 1000, 1, ["coffee"])),
        customer={"id": customer},
        codes=[card],
        idempotency_key=f"loyal-2-{run}",
    )
    # At Gold: 10.00 of coffee = 20 points x 1.5 = 30.
    expect("points after a Gold order", client.get_loyalty_card(card)["points"], 355)
    likes = [client.track_event(customer, "social_like")["points_earned"] for _ in range(3)]
    expect("like points under the monthly cap of 100", likes, [40, 40, 20])
    reward = client.buy_reward(card, "five-off", idempotency_key=f"reward-{run}")
    expect("points after buying a 200-point reward", reward["card"]["points"], 255)
    check = client.validate(
        order(f"o5-{run}", ("MUG", 2000, 1, [])),
        codes=[reward["issued_code"]],
        customer={"id": customer},
    )
    expect("the reward coupon validates", check["redeemables"][0]["status"], "APPLICABLE")
    expect("the reward coupon's discount", check["totals"]["total_discount"], 500)
    return program, card


def stacked(client: Client, run: str, gift_campaign: str, card: str, customer: str) -> None:
    print("Stacked checkout: coupon, then gift card, then points")
    coupon = f"ten-{run}"
    client.create_campaign(
        id=coupon,
        name="10% off",
        type="DISCOUNT_COUPONS",
        currency="EUR",
        effect={"percent_off_order": {"percent_bp": 1000}},
    )
    client.create_code(coupon, f"TEN-{run}")
    [gift] = client.issue_gift_cards(gift_campaign, balance=2000)
    answer = client.redeem(
        order(f"o6-{run}", ("COAT", 9999, 1, []), ("SCARF", 2001, 1, [])),
        customer={"id": customer},
        redeemables=[{"code": f"TEN-{run}"}, {"code": gift["code"]}, {"code": card, "points": 250}],
        idempotency_key=f"stacked-{run}",
    )
    totals = answer["totals"]
    # 120.00 - 10% = 108.00; gift card 20.00 -> 88.00; 250 points = 2.50 -> 85.50 to pay.
    expect("discount", totals["total_discount"], 1200)
    expect("gift card", totals["gift_card_amount"], 2000)
    expect("points", totals["points_amount"], 250)
    expect("to pay", totals["total_to_pay"], 8550)
    # The order also earns: 108.00 after discounts minus the 2.50 paid with points = 105.50
    # (gift cards were bought with money, points earn nothing) -> 105.5 points x 1.5 at Gold.
    expect(
        "points after paying 250 and earning 158",
        client.get_loyalty_card(card)["points"],
        255 - 250 + 158,
    )


def referral(client: Client, run: str, gift_campaign: str, program: str) -> None:
    print("Referral program")
    campaign = f"friends-{run}"
    client.create_campaign(
        id=campaign,
        name="Bring a friend",
        type="REFERRAL_PROGRAM",
        currency="EUR",
        effect={"amount_off_order": {"amount": 500}},
        limits={"per_customer": 1},
        referral={
            "referrer_points": 100,
            "referrer_loyalty_campaign_id": program,
            "referrer_gift_credit": 250,
            "referrer_gift_campaign_id": gift_campaign,
            "max_rewards_per_referrer": 2,
        },
    )
    referrer = f"rita-{run}"
    code = client.create_referral_code(campaign, referrer)["code"]
    own = client.validate(
        order(f"o7-{run}", ("BOOTS", 6000, 1, [])), codes=[code], customer={"id": referrer}
    )
    expect("self-referral refused", own["redeemables"][0]["reason"], "self_referral")
    for n, friend in enumerate(("sam", "tom", "uma", "sam")):
        answer = client.redeem(
            order(f"o8-{n}-{run}", ("BOOTS", 6000, 1, [])),
            codes=[code],
            customer={"id": f"{friend}-{run}"},
            idempotency_key=f"ref-{n}-{run}",
        )
        expected = "SUCCEEDED" if n < 3 else "FAILED"  # sam's second order gets no discount
        expect(f"{friend}'s order with the code", answer["status"], expected)
    stats = client.get_referral_stats(code)
    expect("conversions", stats["conversions"], 3)
    expect("rewarded conversions (cap 2)", stats["rewarded_conversions"], 2)
    expect(
        "referrer points",
        client.get_loyalty_card(campaign_id=program, customer_id=referrer)["points"],
        200,
    )
    expect("referrer gift credit", stats["gift_credit_earned"], 500)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", default="127.0.0.1:50051", help="server HOST:PORT")
    args = parser.parse_args()
    run = secrets.token_hex(3)
    try:
        with Client(args.target) as client:
            gift_campaign = gift_cards(client, run)
            program, card = loyalty(client, run)
            stacked(client, run, gift_campaign, card, f"bob-{run}")
            referral(client, run, gift_campaign, program)
    except PromocoreError as error:
        print(f"error from the server: {error}", file=sys.stderr)
        return 2
    if MISMATCHES:
        print(f"{len(MISMATCHES)} amounts differed: {', '.join(MISMATCHES)}", file=sys.stderr)
        return 1
    print("every amount matched")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The seeded data set of the load benchmark (`make bench`), and the carts its users send.

100 active auto-applied promotions, 10,000 coupon codes over 10 coupon campaigns, 20-item carts,
3 codes per request, and the limit-1,000 campaign of the TV-ad spike. Everything is derived from
one seed, so two runs load the same store and send the same kinds of requests.
"""

from __future__ import annotations

import random
from typing import Any

from promocore import Client

SEED = 20261122
CURRENCY = "EUR"
PROMOTIONS = 100
COUPON_CAMPAIGNS = 10
CODES_PER_CAMPAIGN = 1_000
CART_ITEMS = 20
CODES_PER_REQUEST = 3
SPIKE_CAMPAIGN = "tv-spike"
SPIKE_CODE = "TVSPIKE"
SPIKE_LIMIT = 1_000

# 400 SKUs in 40 categories; a cart of 20 lines touches about 16 of them.
CATEGORIES = tuple(f"cat-{n:02d}" for n in range(40))
SKUS = [f"SKU-{n:04d}" for n in range(400)]
TIERS = ("bronze", "silver", "gold", "platinum")


def sku_categories(sku_index: int) -> list[str]:
    return [CATEGORIES[sku_index % len(CATEGORIES)]]


def promotion(n: int, rng: random.Random) -> dict[str, Any]:
    """A shop's mix of auto promotions, each aimed at part of the catalog or of the customers:
    spend thresholds, category deals, multi-buys on a few SKUs, tier perks, app-only offers.
    On the benchmark's carts a handful apply (RESULTS.md reports how many on average)."""
    category = CATEGORIES[rng.randrange(len(CATEGORIES))]
    in_category = {"subject": "item.categories", "op": "contains", "value": category}
    kind = ("threshold", "category", "multi-buy", "tier", "channel")[n % 5]
    if kind == "threshold":
        rules: dict[str, Any] = {
            "subject": "order.amount",
            "op": "gte",
            "value": rng.choice((30_000, 50_000, 100_000)),
        }
        effect: dict[str, Any] = {"amount_off_order": {"amount": rng.choice((500, 1_000, 2_000))}}
    elif kind == "category":
        rules = {"subject": "items.quantity", "filter": in_category, "op": "gte", "value": 3}
        effect = {
            "percent_off_items": {
                "filter": {"rule": in_category},
                "percent_bp": rng.choice((500, 1_000, 1_500)),
            }
        }
    elif kind == "multi-buy":
        skus = {"subject": "item.sku", "op": "in", "value": rng.sample(SKUS, 3)}
        rules = {"subject": "items.quantity", "filter": skus, "op": "gte", "value": 3}
        effect = {
            "buy_x_get_y": {
                "buy_filter": {"rule": skus},
                "buy_quantity": 2,
                "get_filter": {"rule": skus},
                "get_quantity": 1,
                "percent_bp": 10_000,
                "max_repeats": 1,
            }
        }
    elif kind == "tier":
        rules = {"subject": "customer.attributes.tier", "op": "eq", "value": rng.choice(TIERS[2:])}
        effect = {"percent_off_order": {"percent_bp": 500, "cap": 2_000}}
    else:
        rules = {"subject": "order.channel", "op": "eq", "value": "app"}
        effect = {"shipping": {"percent_bp": 5_000}}
    return {
        "id": f"auto-{n:03d}",
        "name": f"Auto promotion {n} ({kind})",
        "type": "PROMOTION",
        "currency": CURRENCY,
        "rules": rules,
        "effect": effect,
        "stacking": {"category": f"auto-{kind}", "priority": n},
    }


def coupon_campaign(n: int) -> dict[str, Any]:
    return {
        "id": f"coupon-{n:02d}",
        "name": f"Coupon campaign {n}",
        "type": "DISCOUNT_COUPONS",
        "currency": CURRENCY,
        "rules": {"subject": "order.amount", "op": "gte", "value": 1_000},
        "effect": {"percent_off_order": {"percent_bp": 200 + 100 * n, "cap": 5_000}},
        # Each of the three codes of a request comes from its own category, so they stack.
        "stacking": {"category": f"coupons-{n % CODES_PER_REQUEST}"},
        "code_config": {"pattern": f"C{n:02d}-######"},
    }


def spike_campaign() -> dict[str, Any]:
    return {
        "id": SPIKE_CAMPAIGN,
        "name": "TV ad: 10.00 EUR off, first 1,000 orders",
        "type": "DISCOUNT_COUPONS",
        "currency": CURRENCY,
        "effect": {"amount_off_order": {"amount": 1_000}},
        "limits": {"total_redemptions": SPIKE_LIMIT},
    }


def load(client: Client) -> dict[str, list[str]]:
    """Creates the data set through the admin API; returns the coupon codes by campaign id."""
    rng = random.Random(SEED)
    for n in range(PROMOTIONS):
        client.create_campaign(promotion(n, rng))
    codes: dict[str, list[str]] = {}
    for n in range(COUPON_CAMPAIGNS):
        campaign = client.create_campaign(coupon_campaign(n))
        codes[campaign["id"]] = client.generate_codes(campaign["id"], CODES_PER_CAMPAIGN)
    client.create_campaign(spike_campaign())
    client.create_code(SPIKE_CAMPAIGN, SPIKE_CODE)
    categories = [{"name": f"coupons-{n}", "max_applied": 1} for n in range(CODES_PER_REQUEST)]
    # Three coupons and up to five promotions (one per kind) apply to an order.
    client.set_stacking_rules({"max_applied": 8, "categories": categories})
    return codes


def cart(rng: random.Random, order_id: str, channel: str = "web") -> dict[str, Any]:
    items = []
    for sku_index in rng.sample(range(len(SKUS)), CART_ITEMS):
        items.append(
            {
                "sku": SKUS[sku_index],
                "categories": sku_categories(sku_index),
                "unit_price": 99 + (sku_index * 37) % 1_500,
                "quantity": 1 + sku_index % 3,
            }
        )
    return {
        "id": order_id,
        "currency": CURRENCY,
        "channel": channel,
        "shipping_amount": 495,
        "items": items,
    }


def request_codes(rng: random.Random, codes: dict[str, list[str]]) -> list[str]:
    """Three codes of three stacking categories."""
    campaigns = sorted(codes)
    chosen = []
    for category in range(CODES_PER_REQUEST):
        campaign = campaigns[rng.randrange(category, len(campaigns), CODES_PER_REQUEST)]
        chosen.append(rng.choice(codes[campaign]))
    return chosen


def checkout_request(
    rng: random.Random,
    order_id: str,
    codes: dict[str, list[str]],
    *,
    channel: str = "web",
    promotions: bool = True,
) -> dict[str, Any]:
    """A Validate or Redeem request as the load benchmarks send it, in plain values: a cart, a
    customer, three codes of three stacking categories, auto promotions joining."""
    return {
        "order": cart(rng, order_id, channel),
        "customer": customer(rng),
        "redeemables": [{"code": c} for c in request_codes(rng, codes)],
        "options": {"include_promotions": promotions},
    }


def customer(rng: random.Random) -> dict[str, Any]:
    return {
        "id": f"customer-{rng.randrange(50_000)}",
        "attributes": {"tier": rng.choice(TIERS), "country": "DE"},
    }

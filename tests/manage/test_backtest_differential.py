"""Differential test of backtests (issue 30): 10,000 random orders backtested give, order by
order, what Validate gives one by one on a fresh store with the campaign live, each order at
its own time and every order the campaign applies to redeemed before the next (so limits and
the budget run out in order). The backtest runs first, on the same fresh store: had it written
anything (a counter, the campaign), the one-by-one run after it would differ."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from promocore import Client
from promocore.clock import FixedClock
from promocore.server.grpc_server import ServerOptions, start_server
from promocore.store.tables import Durability

from support import TEST_ADMIN_KEY

ORDERS = 10_000
START = datetime(2026, 10, 1, tzinfo=UTC)
PRODUCTS = (
    ("BEANS", 1299, ["coffee"]),
    ("ESPRESSO", 1499, ["coffee"]),
    ("TEA", 699, ["tea"]),
    ("MUG", 899, ["merch"]),
    ("GRINDER", 4900, ["equipment"]),
)
# A threshold, a cap, per-customer and per-day limits, a budget that runs out, dates, a zone.
CAMPAIGN: dict[str, Any] = {
    "id": "autumn-draft",
    "name": "15 % off from 50 EUR",
    "type": "PROMOTION",
    "currency": "EUR",
    "time_zone": "Europe/Berlin",
    "start_at": "2026-10-03T00:00:00+02:00",
    "expire_at": "2026-10-19T00:00:00+02:00",
    "rules": {
        "any": [
            {"subject": "order.amount", "op": "gte", "value": 5000},
            {
                "subject": "items.quantity",
                "filter": {"subject": "item.categories", "op": "contains", "value": "coffee"},
                "op": "gte",
                "value": 4,
            },
        ]
    },
    "effect": {"percent_off_order": {"percent_bp": 1500, "cap": 3000}},
    "limits": {"per_customer": 2, "per_day": 120, "budget_discount": 1_200_000},
}


def random_orders(rng: random.Random) -> list[dict[str, Any]]:
    offsets = sorted(rng.randrange(20 * 24 * 3600) for _ in range(ORDERS))
    orders = []
    for number, offset in enumerate(offsets):
        items = []
        for index in sorted(rng.sample(range(len(PRODUCTS)), rng.randint(1, 3))):
            sku, price, categories = PRODUCTS[index]
            items.append(
                {
                    "sku": sku,
                    "unitPrice": str(price),
                    "quantity": rng.randint(1, 3),
                    "categories": categories,
                }
            )
        order: dict[str, Any] = {
            "id": f"o-{number}",
            "currency": "EUR",
            "channel": rng.choice(("web", "app", "pos")),
            "items": items,
            "shippingAmount": str(rng.choice((0, 495))),
            "time": (START + timedelta(seconds=offset)).isoformat().replace("+00:00", "Z"),
        }
        if rng.random() > 0.1:
            order["customer_id"] = f"c-{rng.randrange(2_000)}"
        orders.append(order)
    return orders


def one_by_one(client: Client, clock: FixedClock, orders: list[dict[str, Any]]) -> list[tuple]:
    """(discount, reason) of the campaign per order, as Validate answers them in turn."""
    outcomes = []
    for order in orders:
        time = datetime.fromisoformat(order["time"])
        clock.set(int(time.timestamp() * 1000))
        cart = {key: value for key, value in order.items() if key not in ("customer_id", "time")}
        cart["items"] = [
            {
                "sku": item["sku"],
                "unit_price": int(item["unitPrice"]),
                "quantity": item["quantity"],
                "categories": item["categories"],
            }
            for item in order["items"]
        ]
        cart["shipping_amount"] = int(cart.pop("shippingAmount"))
        customer = {"id": order["customer_id"]} if "customer_id" in order else None
        answer = client.validate(
            cart, customer=customer, include_promotions=True, explain_promotions=True
        )
        result = next(r for r in answer["redeemables"] if r["campaign_id"] == CAMPAIGN["id"])
        discount = result["items_discount"] + result["shipping_discount"]
        applied = result["status"] == "APPLICABLE"
        outcomes.append((discount if applied else 0, "" if applied else result["reason"]))
        if applied:
            redeemed = client.redeem(
                cart, idempotency_key=order["id"], customer=customer, include_promotions=True
            )
            assert redeemed["status"] == "SUCCEEDED", redeemed
    return outcomes


def test_backtest_equals_validate_one_by_one(tmp_path) -> None:
    orders = random_orders(random.Random(30))
    clock = FixedClock(int(START.timestamp() * 1000))
    running = start_server(
        tmp_path / "data",
        "127.0.0.1:0",
        clock=clock,
        options=ServerOptions(durability=Durability.PROCESS),
    )
    try:
        with Client(f"127.0.0.1:{running.port}", api_key=TEST_ADMIN_KEY, timeout=30) as client:
            file = b"".join(orjson.dumps(order) + b"\n" for order in orders)
            report = client.backtest(file, campaign=CAMPAIGN, per_order=True)
            backtested = [
                (listed["discount"], listed["reason"] if listed["outcome"] != "applied" else "")
                for listed in report["per_order"]
            ]
            client.create_campaign(CAMPAIGN)
            expected = one_by_one(client, clock, orders)
    finally:
        running.stop(grace=None)

    assert len(backtested) == ORDERS
    mismatches = [
        (index, got, want)
        for index, (got, want) in enumerate(zip(backtested, expected, strict=True))
        if got != want
    ]
    assert not mismatches, f"{len(mismatches)} orders differ, first: {mismatches[:5]}"
    # The run exercised what it claims to: every limit refused someone, the budget ran out.
    reasons = {reason for _, reason in expected}
    assert {
        "customer_limit_exceeded",
        "daily_limit_exceeded",
        "budget_exceeded",
        "not_started",
        "expired",
        "rules_not_met",
    } <= reasons, reasons
    assert report["discount"] == sum(discount for discount, _ in expected)
    assert report["qualifying"] == sum(1 for _, reason in expected if not reason)
    assert report["exhausted_at"] is not None

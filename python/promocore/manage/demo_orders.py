"""Past orders of the demo coffee shop (manage/demo.py), for trying backtests: November 2026,
seeded, so the file is the same on every machine. `examples/backtest/demo-orders.jsonl` is
`demo_orders_jsonl()`; docs/backtest.md works through it."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

SEED = 20261101
ORDERS = 1_500
# The shop's products: (SKU, unit price in cents, categories).
PRODUCTS = (
    ("BEANS", 1299, ["coffee"]),
    ("DECAF", 1149, ["coffee"]),
    ("ESPRESSO", 1499, ["coffee"]),
    ("TEA", 699, ["tea"]),
    ("MUG", 899, ["merch"]),
    ("FILTER", 450, ["accessories"]),
    ("GRINDER", 4900, ["equipment"]),
)
CHANNELS = ("web", "web", "web", "app", "app", "pos")
CUSTOMERS = 400
START = datetime(2026, 11, 1, tzinfo=UTC)
DAYS = 30


def demo_orders(count: int = ORDERS, seed: int = SEED) -> Iterator[dict[str, Any]]:
    """Orders in time order, as JSON Lines objects (Validate's order plus customer_id and time);
    about one in ten is anonymous."""
    rng = random.Random(seed)
    offsets = sorted(rng.randrange(DAYS * 24 * 3600) for _ in range(count))
    for number, offset in enumerate(offsets, start=1):
        lines = rng.choices(range(len(PRODUCTS)), k=rng.choice((1, 1, 2, 2, 3, 4)))
        items = []
        for index in sorted(set(lines)):
            sku, price, categories = PRODUCTS[index]
            quantity = lines.count(index) + (1 if rng.random() < 0.2 else 0)
            items.append(
                {
                    "sku": sku,
                    "unitPrice": str(price),
                    "quantity": quantity,
                    "categories": categories,
                }
            )
        order: dict[str, Any] = {
            "id": f"demo-{number:05d}",
            "currency": "EUR",
            "channel": rng.choice(CHANNELS),
            "items": items,
            "shippingAmount": "0" if rng.random() < 0.5 else "495",
            "time": (START + timedelta(seconds=offset)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        if rng.random() >= 0.1:
            order["customer_id"] = f"cust-{rng.randrange(CUSTOMERS):03d}"
        yield order


def demo_orders_jsonl(count: int = ORDERS, seed: int = SEED) -> bytes:
    return b"".join(orjson.dumps(order) + b"\n" for order in demo_orders(count, seed))

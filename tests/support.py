"""Helpers shared by the test modules (not fixtures)."""

from __future__ import annotations

from typing import Any

Line = tuple[str, int, int] | tuple[str, int, int, list[str]]


def cart(*lines: Line, currency: str = "EUR", **extra: Any) -> dict[str, Any]:
    """An order from (sku, unit_price, quantity[, categories]) lines."""
    items = []
    for line in lines:
        item: dict[str, Any] = {"sku": line[0], "unit_price": line[1], "quantity": line[2]}
        if len(line) == 4:
            item["categories"] = line[3]
        items.append(item)
    return {"currency": currency, "items": items, **extra}

"""What rules and effects read: the request, the customer, the running cart of the evaluation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from promocore.v1 import common_pb2
from promocore.v1.internal import evaluation_pb2

from oracle.operators import Env


@dataclass
class OrderFacts:
    order: common_pb2.Order
    customer_id: str | None
    attributes: dict[str, Any] | None
    profile: evaluation_pb2.CustomerProfile | None
    order_metadata: dict[str, Any] | None
    item_metadata: list[dict[str, Any] | None]
    running: list[int]
    initial_amount: int
    running_amount: int
    total_quantity: int
    counters: evaluation_pb2.Counters
    env: Env

    def item(self, index: int) -> ItemFacts:
        return ItemFacts(
            self.order.items[index], self.item_metadata[index], self.running[index], self.env
        )


@dataclass
class ItemFacts:
    item: common_pb2.Item
    metadata: dict[str, Any] | None
    running_amount: int
    env: Env


def lookup(obj: dict[str, Any] | None, dotted: str) -> Any:
    """Follows a dotted path through nested objects; None when missing or null."""
    current: Any = obj
    for segment in dotted.split("."):
        if not isinstance(current, dict) or segment not in current:
            return None
        current = current[segment]
    return current

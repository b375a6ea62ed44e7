"""Subjects: what a leaf reads, with its static type ("integer", "string", "strings",
"instant", "date", "dynamic") and measure ("amount" and "quantity" get near misses, "money" and
"plain" do not)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from oracle.errors import CompileError
from oracle.facts import ItemFacts, OrderFacts, lookup
from oracle.temporal import Temporal, local, local_date
from oracle.values import ABSENT, Actual

COUNTERS = (
    "code_redeemed",
    "campaign_redemptions",
    "customer_redemptions",
    "customer_day",
    "customer_week",
    "customer_month",
    "campaign_day",
    "discount_given",
    "order_value",
)


@dataclass
class Subject:
    name: str
    value_type: str
    measure: str
    resolve: Callable[[Any], Actual]
    # Item aggregates: the compiled item filter (None = every line).
    filter: Any = None
    is_aggregate: bool = False


def _text(value: str) -> Actual:
    return Actual("string", value) if value else ABSENT


def _integer(value: int) -> Actual:
    return Actual("integer", value)


def _json(value: Any) -> Actual:
    return ABSENT if value is None else Actual("json", value)


def _path(name: str, prefix: str, path: str) -> str:
    dotted = name[len(prefix) :]
    if any(segment == "" for segment in dotted.split(".")):
        raise CompileError(f"{path}.subject", f'"{name}" has an empty path segment')
    return dotted


def _aggregates(facts: OrderFacts):
    if facts.profile is None or not facts.profile.HasField("aggregates"):
        return None
    return facts.profile.aggregates


def _loyalty(facts: OrderFacts, program: str):
    if facts.profile is None or program not in facts.profile.loyalty:
        return None
    return facts.profile.loyalty[program]


def _sum_matching(facts: OrderFacts, item_filter, value: Callable[[ItemFacts], int]) -> int:
    total = 0
    for index in range(len(facts.order.items)):
        item = facts.item(index)
        if item_filter is None or item_filter.holds(item):
            total += value(item)
    return total


def order_subject(name: str, leaf_path: str, item_filter) -> Subject:
    """Compiles an order-level subject (the filter is already compiled for aggregates)."""
    if name in ("items.quantity", "items.amount", "items.count"):
        value = {
            "items.quantity": lambda item: item.item.quantity,
            "items.amount": lambda item: item.running_amount,
            "items.count": lambda item: 1,
        }[name]
        measure = "amount" if name == "items.amount" else "quantity"
        return Subject(
            name,
            "integer",
            measure,
            lambda f: _integer(_sum_matching(f, item_filter, value)),
            item_filter,
            True,
        )
    if name.startswith("customer.attributes."):
        dotted = _path(name, "customer.attributes.", leaf_path)
        return Subject(name, "dynamic", "plain", lambda f: _json(lookup(f.attributes, dotted)))
    if name.startswith("order.metadata."):
        dotted = _path(name, "order.metadata.", leaf_path)
        return Subject(name, "dynamic", "plain", lambda f: _json(lookup(f.order_metadata, dotted)))
    prefix = "customer.aggregates.campaign_redemptions."
    if name.startswith(prefix) and len(name) > len(prefix):
        campaign_id = name[len(prefix) :]

        def redemptions(f):
            aggregates = _aggregates(f)
            if aggregates is None:
                return ABSENT
            return _integer(aggregates.campaign_redemptions.get(campaign_id, 0))

        return Subject(name, "integer", "plain", redemptions)
    prefix = "customer.aggregates.events."
    if name.startswith(prefix) and len(name) > len(prefix):
        event = name[len(prefix) :]

        def events(f):
            aggregates = _aggregates(f)
            return ABSENT if aggregates is None else _integer(aggregates.event_counts.get(event, 0))

        return Subject(name, "integer", "plain", events)
    if name.startswith("customer.loyalty."):
        rest = name[len("customer.loyalty.") :]
        for suffix, value_type in ((".tier", "string"), (".points", "integer")):
            program = rest[: -len(suffix)]
            if rest.endswith(suffix) and program:

                def standing(f, program=program, suffix=suffix):
                    card = _loyalty(f, program)
                    if card is None:
                        return ABSENT
                    return _text(card.tier_id) if suffix == ".tier" else _integer(card.points)

                return Subject(name, value_type, "plain", standing)
        raise CompileError(f"{leaf_path}.subject", "expected customer.loyalty.<program id>.tier")
    if name.startswith("counters."):
        field = name[len("counters.") :]
        if field not in COUNTERS:
            raise CompileError(f"{leaf_path}.subject", f'unknown counter "{field}"')
        measure = "money" if field in ("discount_given", "order_value") else "plain"
        return Subject(name, "integer", measure, lambda f: _integer(getattr(f.counters, field)))

    def last_order(f):
        aggregates = _aggregates(f)
        if aggregates is None or not aggregates.HasField("last_order_at"):
            return ABSENT
        return Actual("temporal", Temporal(False, aggregates.last_order_at.ToMilliseconds()))

    def aggregate(field):
        def read(f):
            aggregates = _aggregates(f)
            return ABSENT if aggregates is None else _integer(getattr(aggregates, field))

        return read

    simple: dict[str, tuple[str, str, Callable[[OrderFacts], Actual]]] = {
        "order.amount": ("integer", "amount", lambda f: _integer(f.running_amount)),
        "order.initial_amount": ("integer", "amount", lambda f: _integer(f.initial_amount)),
        "order.items_count": ("integer", "quantity", lambda f: _integer(len(f.order.items))),
        "order.total_quantity": ("integer", "quantity", lambda f: _integer(f.total_quantity)),
        "order.shipping_amount": (
            "integer",
            "money",
            lambda f: _integer(f.order.shipping_amount),
        ),
        "order.currency": ("string", "plain", lambda f: _text(f.order.currency)),
        "order.channel": ("string", "plain", lambda f: _text(f.order.channel)),
        "order.store_id": ("string", "plain", lambda f: _text(f.order.store_id)),
        "order.id": ("string", "plain", lambda f: _text(f.order.id)),
        "customer.id": ("string", "plain", lambda f: _text(f.customer_id or "")),
        "customer.segments": (
            "strings",
            "plain",
            lambda f: ABSENT if f.profile is None else Actual("strings", list(f.profile.segments)),
        ),
        "customer.aggregates.orders_count": ("integer", "plain", aggregate("orders_count")),
        "customer.aggregates.total_spent": ("integer", "money", aggregate("total_spent")),
        "customer.aggregates.spent_last_365_days": (
            "integer",
            "money",
            aggregate("spent_last_365_days"),
        ),
        "customer.aggregates.last_order_at": ("instant", "plain", last_order),
        "context.now": (
            "instant",
            "plain",
            lambda f: Actual("temporal", Temporal(False, f.env.now_ms)),
        ),
        "context.date": (
            "date",
            "plain",
            lambda f: Actual("temporal", Temporal(True, local_date(f.env.now_ms, f.env.time_zone))),
        ),
        "context.day_of_week": (
            "integer",
            "plain",
            lambda f: _integer(local(f.env.now_ms, f.env.time_zone).isoweekday()),
        ),
        "context.hour": (
            "integer",
            "plain",
            lambda f: _integer(local(f.env.now_ms, f.env.time_zone).hour),
        ),
    }
    if name in simple:
        value_type, measure, resolve = simple[name]
        return Subject(name, value_type, measure, resolve)
    if name.startswith("item."):
        raise CompileError(f"{leaf_path}.subject", f"{name} is only valid inside a filter")
    raise CompileError(f"{leaf_path}.subject", f'unknown subject "{name}"')


def item_subject(name: str, leaf_path: str) -> Subject:
    if name.startswith("item.metadata."):
        dotted = _path(name, "item.metadata.", leaf_path)
        return Subject(name, "dynamic", "plain", lambda f: _json(lookup(f.metadata, dotted)))
    simple = {
        "item.sku": ("string", "plain", lambda f: Actual("string", f.item.sku)),
        "item.product_id": ("string", "plain", lambda f: _text(f.item.product_id)),
        "item.categories": (
            "strings",
            "plain",
            lambda f: Actual("strings", list(f.item.categories)),
        ),
        "item.unit_price": ("integer", "money", lambda f: _integer(f.item.unit_price)),
        "item.quantity": ("integer", "quantity", lambda f: _integer(f.item.quantity)),
        "item.amount": ("integer", "money", lambda f: _integer(f.running_amount)),
    }
    if name not in simple:
        raise CompileError(f"{leaf_path}.subject", f'unknown item subject "{name}"')
    value_type, measure, resolve = simple[name]
    return Subject(name, value_type, measure, resolve)

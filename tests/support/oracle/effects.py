"""Discount effects on the running cart, in integer minor units. A line's unit value is its
running amount divided by its quantity (exact); per-line discounts round half up and never
exceed the line; order-level discounts are spread by largest remainder."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cmp_to_key
from typing import Any

from promocore.v1 import campaign_pb2, common_pb2

from oracle.errors import CompileError
from oracle.facts import OrderFacts
from oracle.formula import (
    Formula,
    FormulaError,
    FormulaInput,
    compile_formula,
    to_minor,
)
from oracle.formula import evaluate as evaluate_formula
from oracle.money import (
    FULL_PERCENT_BP,
    allocate,
    currency_exponent,
    percent_of,
    round_half_up,
)
from oracle.rules import ItemRule, compile_item_rule

NO_EFFECT = "no_effect"


@dataclass
class Discount:
    lines: list[int]
    shipping: int = 0
    # (the added line, its discount)
    added: tuple[common_pb2.Item, int] | None = None

    def items_total(self) -> int:
        return sum(self.lines) + (self.added[1] if self.added else 0)

    def total(self) -> int:
        return self.items_total() + self.shipping


class NoEffect(Exception):
    """The discount cannot be computed or reached on this cart."""


@dataclass
class Cart:
    """The running cart: request lines and shipping after earlier discounts."""

    lines: list[int]
    shipping: int
    added: list[common_pb2.Item] = field(default_factory=list)
    # The initial line amounts percent discounts are computed on (calculation base
    # INITIAL_AMOUNT); None = the running ones.
    initial: list[int] | None = None

    @property
    def amount(self) -> int:
        return sum(self.lines)


def _filter(message: campaign_pb2.ItemFilter | None, path: str) -> ItemRule | None:
    text = message.rule_json if message is not None else ""
    if not text.strip():
        return None
    try:
        rule = json.loads(text, parse_float=Decimal)
    except ValueError as error:
        raise CompileError(path, f"invalid JSON: {error}") from None
    return compile_item_rule(rule, path)


def _matching(rule: ItemRule | None, facts: OrderFacts) -> list[int]:
    return [
        index
        for index in range(len(facts.order.items))
        if rule is None or rule.holds(facts.item(index))
    ]


def _percent_bp(value: int, path: str) -> int:
    if not 1 <= value <= FULL_PERCENT_BP:
        raise CompileError(path, "percent_bp is 1..10000")
    return value


def _positive(value: int, path: str) -> int:
    if value <= 0:
        raise CompileError(path, "must be > 0")
    return value


def _cap(message: Any, field_name: str, path: str) -> int | None:
    if not message.HasField(field_name):
        return None
    return _positive(getattr(message, field_name), path)


def _units_discount(units: int, running: int, quantity: int, percent_bp: int) -> int:
    if units <= 0:
        return 0
    value = round_half_up(units * running * percent_bp, quantity * FULL_PERCENT_BP)
    return max(0, min(value, running))


def _by_unit_value(lines: list[int], facts: OrderFacts, cart: Cart, descending: bool) -> list[int]:
    def compare(a: int, b: int) -> int:
        qa, qb = facts.order.items[a].quantity, facts.order.items[b].quantity
        left, right = cart.lines[a] * qb, cart.lines[b] * qa
        ordering = (left > right) - (left < right)
        if descending:
            ordering = -ordering
        return ordering or (a > b) - (a < b)

    return sorted(lines, key=cmp_to_key(compare))


class Effect:
    """A compiled effect: ``apply(cart, facts, currency) -> Discount`` (raises NoEffect)."""

    def __init__(self, message: campaign_pb2.Effect) -> None:
        kind = message.WhichOneof("kind")
        if kind is None:
            raise CompileError("effect", "an effect needs exactly one kind")
        self.kind = kind
        body = getattr(message, kind)
        path = f"effect.{kind}"
        self.body = body
        if kind == "amount_off_order":
            self.amount = _positive(body.amount, f"{path}.amount")
        elif kind == "percent_off_order":
            self.percent_bp = _percent_bp(body.percent_bp, f"{path}.percent_bp")
            self.cap = _cap(body, "cap", f"{path}.cap")
        elif kind == "amount_off_items":
            self.filter = _filter(
                body.filter if body.HasField("filter") else None, f"{path}.filter"
            )
            self.amount = _positive(body.amount, f"{path}.amount")
        elif kind == "percent_off_items":
            self.filter = _filter(
                body.filter if body.HasField("filter") else None, f"{path}.filter"
            )
            self.percent_bp = _percent_bp(body.percent_bp, f"{path}.percent_bp")
            self.cap = _cap(body, "cap", f"{path}.cap")
        elif kind == "fixed_price":
            if body.unit_price < 0:
                raise CompileError(f"{path}.unit_price", "must be >= 0")
            if body.HasField("max_units") and body.max_units < 1:
                raise CompileError(f"{path}.max_units", "must be >= 1")
            self.filter = _filter(
                body.filter if body.HasField("filter") else None, f"{path}.filter"
            )
        elif kind == "free_units":
            if not body.sku:
                raise CompileError(f"{path}.sku", "required")
            if body.quantity < 1:
                raise CompileError(f"{path}.quantity", "must be >= 1")
            if body.unit_price < 0 or (body.add_missing_item and body.unit_price == 0):
                raise CompileError(f"{path}.unit_price", "must be > 0")
        elif kind == "buy_x_get_y":
            if body.max_repeats < 0:
                raise CompileError(f"{path}.max_repeats", "must be >= 0")
            self.buy_filter = _filter(
                body.buy_filter if body.HasField("buy_filter") else None, f"{path}.buy_filter"
            )
            if body.buy_quantity < 1:
                raise CompileError(f"{path}.buy_quantity", "must be >= 1")
            self.get_filter = _filter(
                body.get_filter if body.HasField("get_filter") else None, f"{path}.get_filter"
            )
            if body.get_quantity < 1:
                raise CompileError(f"{path}.get_quantity", "must be >= 1")
            _percent_bp(body.percent_bp, f"{path}.percent_bp")
        elif kind == "tiered_spend":
            if not body.tiers:
                raise CompileError(f"{path}.tiers", "at least one tier")
            tiers: list[tuple[int, str, int]] = []
            for index, tier in enumerate(body.tiers):
                tier_path = f"{path}.tiers[{index}]"
                if tier.threshold < 0:
                    raise CompileError(f"{tier_path}.threshold", "must be >= 0")
                if any(known[0] == tier.threshold for known in tiers):
                    raise CompileError(f"{tier_path}.threshold", "used by another tier")
                which = tier.WhichOneof("discount")
                if which == "amount":
                    tiers.append(
                        (tier.threshold, "amount", _positive(tier.amount, f"{tier_path}.amount"))
                    )
                elif which == "percent_bp":
                    tiers.append(
                        (
                            tier.threshold,
                            "percent",
                            _percent_bp(tier.percent_bp, f"{tier_path}.percent_bp"),
                        )
                    )
                else:
                    raise CompileError(tier_path, "a tier needs an amount or a percent_bp")
            self.tiers = sorted(tiers)
            self.cap = _cap(body, "cap", f"{path}.cap")
        elif kind == "shipping":
            which = body.WhichOneof("discount")
            if which is None:
                raise CompileError(path, "needs free, amount or percent_bp")
            if which == "free" and not body.free:
                raise CompileError(f"{path}.free", "must be true")
            if which == "amount":
                _positive(body.amount, f"{path}.amount")
            if which == "percent_bp":
                _percent_bp(body.percent_bp, f"{path}.percent_bp")
            self.shipping_kind = which
        elif kind == "formula":
            self.formula: Formula = compile_formula(body.expression, f"{path}.expression")
            self.filter = _filter(
                body.filter if body.HasField("filter") else None, f"{path}.filter"
            )

    def apply(self, cart: Cart, facts: OrderFacts, currency: str) -> Discount:
        return getattr(self, f"_{self.kind}")(cart, facts, currency)

    @staticmethod
    def _over(weights: list[int], total: int) -> Discount:
        return Discount(allocate(max(0, min(total, sum(weights))), weights))

    def _amount_off_order(self, cart: Cart, facts, currency) -> Discount:
        return self._over(cart.lines, self.amount)

    @property
    def item_level(self) -> bool:
        """Discounts chosen lines (the SINGLE product stack policy applies to it)."""
        return self.kind not in (
            "amount_off_order",
            "percent_off_order",
            "tiered_spend",
            "shipping",
        )

    def _percent_off_order(self, cart: Cart, facts, currency) -> Discount:
        base = cart.amount if cart.initial is None else sum(cart.initial)
        total = percent_of(base, self.percent_bp)
        if self.cap is not None:
            total = min(total, self.cap)
        return self._over(cart.lines, total)

    def _weights(self, cart: Cart, matching: list[int]) -> list[int]:
        return [cart.lines[i] if i in matching else 0 for i in range(len(cart.lines))]

    def _amount_off_items(self, cart: Cart, facts, currency) -> Discount:
        matching = _matching(self.filter, facts)
        if self.body.per_unit:
            lines = [0] * len(cart.lines)
            for index in matching:
                lines[index] = min(
                    self.amount * facts.order.items[index].quantity, cart.lines[index]
                )
            return Discount(lines)
        return self._over(self._weights(cart, matching), self.amount)

    def _percent_off_items(self, cart: Cart, facts, currency) -> Discount:
        matching = _matching(self.filter, facts)
        weights = self._weights(cart, matching)
        base = sum(weights)
        if cart.initial is not None:
            base = sum(cart.initial[i] for i in matching)
        total = percent_of(base, self.percent_bp)
        if self.cap is not None:
            total = min(total, self.cap)
        return self._over(weights, total)

    def _fixed_price(self, cart: Cart, facts, currency) -> Discount:
        price = self.body.unit_price
        items = facts.order.items
        lines = [
            i for i in _matching(self.filter, facts) if cart.lines[i] > items[i].quantity * price
        ]
        left = self.body.max_units if self.body.HasField("max_units") else None
        discounts = [0] * len(cart.lines)
        for index in _by_unit_value(lines, facts, cart, descending=True):
            if left == 0:
                break
            quantity = items[index].quantity
            units = quantity if left is None else min(quantity, left)
            if left is not None:
                left -= units
            excess = cart.lines[index] - quantity * price
            discounts[index] = min(round_half_up(units * excess, quantity), cart.lines[index])
        return Discount(discounts)

    def _free_units(self, cart: Cart, facts, currency) -> Discount:
        body = self.body
        discounts = [0] * len(cart.lines)
        left = body.quantity
        for index, item in enumerate(facts.order.items):
            if left == 0:
                break
            if item.sku != body.sku:
                continue
            units = min(item.quantity, left)
            left -= units
            discounts[index] = _units_discount(
                units, cart.lines[index], item.quantity, FULL_PERCENT_BP
            )
        added = None
        if body.add_missing_item and left > 0:
            item = common_pb2.Item(
                sku=body.sku, product_id=body.product_id, unit_price=body.unit_price, quantity=left
            )
            added = (item, body.unit_price * left)
        return Discount(discounts, 0, added)

    def _buy_x_get_y(self, cart: Cart, facts, currency) -> Discount:
        body = self.body
        items = facts.order.items
        in_buy = set(_matching(self.buy_filter, facts))
        buy_units = sum(items[i].quantity for i in in_buy)
        get_lines = _by_unit_value(_matching(self.get_filter, facts), facts, cart, descending=False)
        get_units = sum(items[i].quantity for i in get_lines)

        def take(wanted: int) -> list[tuple[int, int]]:
            taken = []
            for index in get_lines:
                if wanted == 0:
                    break
                units = min(items[index].quantity, wanted)
                wanted -= units
                taken.append((index, units))
            return taken

        def feasible(repeats: int) -> bool:
            gets = take(repeats * body.get_quantity)
            in_both = sum(units for index, units in gets if index in in_buy)
            return buy_units - in_both >= repeats * body.buy_quantity

        repeats = 0
        upper = get_units // body.get_quantity
        if body.max_repeats > 0:
            upper = min(upper, body.max_repeats)
        # The largest feasible count (feasibility is monotone).
        while repeats < upper and feasible(repeats + 1):
            repeats += 1
        discounts = [0] * len(cart.lines)
        for index, units in take(repeats * body.get_quantity):
            discounts[index] = _units_discount(
                units, cart.lines[index], items[index].quantity, body.percent_bp
            )
        return Discount(discounts)

    def _tiered_spend(self, cart: Cart, facts, currency) -> Discount:
        base = cart.amount
        reached = [
            min(value, base) if kind == "amount" else min(percent_of(base, value), base)
            for threshold, kind, value in self.tiers
            if threshold <= base
        ]
        if not reached:
            raise NoEffect("below the first tier")
        best = max(reached)
        if self.cap is not None:
            best = min(best, self.cap)
        return self._over(cart.lines, best)

    def _shipping(self, cart: Cart, facts, currency) -> Discount:
        shipping = cart.shipping
        if self.shipping_kind == "free":
            off = shipping
        elif self.shipping_kind == "amount":
            off = min(self.body.amount, shipping)
        else:
            off = min(percent_of(shipping, self.body.percent_bp), shipping)
        return Discount([0] * len(cart.lines), off)

    def _formula(self, cart: Cart, facts, currency) -> Discount:
        exponent = currency_exponent(currency)
        matching = _matching(self.filter, facts)

        def minor(value, limit: int) -> int:
            return max(0, min(to_minor(value, exponent), limit))

        try:
            if self.formula.per_item:
                lines = [0] * len(cart.lines)
                for index in matching:
                    value = evaluate_formula(
                        self.formula.root, FormulaInput(facts, matching, index, exponent)
                    )
                    lines[index] = minor(value, cart.lines[index])
                return Discount(lines)
            value = evaluate_formula(
                self.formula.root, FormulaInput(facts, matching, None, exponent)
            )
        except FormulaError as error:
            raise NoEffect(str(error)) from None
        weights = self._weights(cart, matching)
        return Discount(allocate(minor(value, sum(weights)), weights))

"""Random scenarios for the differential tests: campaigns (rules over every subject and
operator, every effect, limits, schedules, stacking), carts, customers, profiles and evaluation
contexts, built as protobuf messages.

Hypothesis drives them through a seed (derandomized, so CI is reproducible and a failure
replays exactly from the seed it reports): the scenario code draws from a `random.Random` of
that seed, which keeps generation in the microseconds and lets the default suite run ten
thousand evaluations quickly."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from promocore.v1 import campaign_pb2, checkout_pb2, common_pb2, customer_pb2, loyalty_pb2
from promocore.v1.internal import evaluation_pb2

CAMPAIGN_IDS = ["c0", "c1", "c2", "c3", "c4", "c5"]
SKUS = ["A", "B", "C", "MUG", "BEANS"]
CATEGORIES = ["coffee", "tea", "kitchen"]
CHANNELS = ["", "web", "pos", "app"]
TIME_ZONES = ["UTC", "Europe/Paris", "America/New_York", "Asia/Tokyo", "Asia/Kolkata"]
SEGMENTS = ["vip", "new", "churn"]
CATEGORY_NAMES = ["", "", "", "seasonal", "loyalty", "default"]
# 2025-01-01 .. 2026-12-31, in milliseconds.
NOW_RANGE = (1_735_689_600_000, 1_798_675_200_000)
COMPARISONS = ("eq", "ne", "lt", "lte", "gt", "gte")
UNIT_PRICES = [0, 1, 99, 333, 500, 999, 1200, 1999, 2500]
PERCENTS = [1, 333, 1000, 1250, 5000, 9999, 10000]

seeds = st.integers(min_value=0, max_value=2**63 - 1)


def encode_json(value) -> str:
    """JSON text with decimals written as exact number literals."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{encode_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(encode_json(v) for v in value) + "]"
    return json.dumps(value)


class Scenario:
    """Draws every part of a scenario from one Random."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    # -- small values ------------------------------------------------------------------------

    def chance(self, one_in: int) -> bool:
        return self.rng.randrange(one_in) == 0

    def pick(self, values):
        return self.rng.choice(values)

    def some(self, values, low: int = 0, high: int = 2) -> list:
        return self.rng.sample(values, self.rng.randint(low, min(high, len(values))))

    def int(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def amount(self) -> int:
        return self.pick([0, 1, 500, 999, 1000, 2500, 3800, 5000, self.int(0, 9000)])

    def small(self) -> int:
        return self.int(0, 12)

    def decimal(self) -> Decimal:
        return Decimal(self.int(-5000, 5000)).scaleb(-self.int(0, 3))

    def number(self):
        return self.decimal() if self.chance(2) else self.int(-10, 200)

    def instant_ms(self) -> int:
        return self.int(*NOW_RANGE)

    def instant(self) -> str:
        ms = self.instant_ms()
        return datetime.fromtimestamp(ms // 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def date(self) -> str:
        return (date(2023, 1, 1) + timedelta(days=self.int(0, 5 * 365))).isoformat()

    def temporal(self) -> str:
        return self.date() if self.chance(2) else self.instant()

    def duration(self) -> str:
        return f"{self.int(0, 400)}{self.pick('wdhms')}"

    def clock(self) -> str:
        return f"{self.int(0, 23):02d}:{self.pick([0, 15, 30, 59]):02d}"

    def ordered(self, draw) -> list:
        return sorted([draw(), draw()])

    # -- rules -------------------------------------------------------------------------------

    def integer_test(self, draw) -> tuple[str, object]:
        op = self.pick([*COMPARISONS, "between", "in", "not_in"])
        if op == "between":
            return op, self.ordered(draw)
        if op in ("in", "not_in"):
            return op, [draw() for _ in range(self.int(1, 3))]
        return op, draw()

    def temporal_test(self, with_clock: bool = True) -> tuple[str, object]:
        ops = [
            "before",
            "after",
            "within_last",
            "more_than_ago",
            "day_of_week",
            "exists",
            "between",
        ]
        if with_clock:
            ops.append("time_of_day")
        op = self.pick(ops)
        if op in ("before", "after"):
            return op, self.temporal()
        if op in ("within_last", "more_than_ago"):
            return op, self.duration()
        if op == "day_of_week":
            return op, [
                self.pick([1, 2, 3, 4, 5, 6, 7, "mon", "Sat", "sun", "WED"])
                for _ in range(self.int(1, 3))
            ]
        if op == "exists":
            return op, self.chance(2)
        if op == "between":
            kind = self.pick([self.date, self.instant])
            return op, self.ordered(kind)
        start = self.clock()
        end = self.clock()
        while end == start:
            end = self.clock()
        return op, [start, end]

    def item_leaf(self) -> dict:
        subject = self.pick(
            [
                "item.sku",
                "item.product_id",
                "item.categories",
                "item.unit_price",
                "item.quantity",
                "item.amount",
                "item.metadata.color",
            ]
        )
        if subject == "item.sku":
            op = self.pick(["eq", "in", "not_in", "starts_with"])
            value = {
                "eq": lambda: self.pick(SKUS),
                "in": lambda: self.some(SKUS, 1, 3),
                "not_in": lambda: self.some(SKUS, 1, 2),
                "starts_with": lambda: self.pick(["B", "M", "X"]),
            }[op]()
        elif subject == "item.product_id":
            op, value = self.pick([("exists", self.chance(2)), ("eq", self.pick(["p1", "p2"]))])
        elif subject == "item.categories":
            op = self.pick(["contains", "contains_any", "contains_all"])
            value = self.pick(CATEGORIES) if op == "contains" else self.some(CATEGORIES, 1, 2)
        elif subject == "item.metadata.color":
            op, value = self.pick([("eq", self.pick(["red", "blue"])), ("exists", self.chance(2))])
        elif subject == "item.quantity":
            op, value = self.pick(["gte", "lt"]), self.small()
        else:
            op, value = self.integer_test(self.amount)
        return {"subject": subject, "op": op, "value": value}

    def tree(self, leaf, budget: int) -> dict:
        if budget <= 1 or self.chance(2):
            return leaf()
        kind = self.pick(["all", "all", "any", "not"])
        if kind == "not":
            return {"not": self.tree(leaf, budget - 1)}
        children = [self.tree(leaf, budget // 2) for _ in range(self.int(1, 3))]
        return {kind: children}

    def item_filter(self) -> dict | None:
        return None if self.chance(3) else self.tree(self.item_leaf, 2)

    def order_leaf(self) -> dict:
        kind = self.int(0, 25)
        strings = ["FR", "BE", "DE"]
        if kind == 0:
            subject, (op, value) = "order.amount", self.integer_test(self.amount)
        elif kind == 1:
            subject, op, value = "order.initial_amount", self.pick(["gte", "gt"]), self.amount()
        elif kind == 2:
            subject, (op, value) = (
                self.pick(["order.items_count", "order.total_quantity"]),
                self.integer_test(self.small),
            )
        elif kind == 3:
            subject, op, value = "order.shipping_amount", "gte", self.amount()
        elif kind == 4:
            subject, op, value = (
                "order.currency",
                *self.pick([("eq", self.pick(["EUR", "USD"])), ("in", ["EUR", "JPY"])]),
            )
        elif kind == 5:
            subject = "order.channel"
            op = self.pick(["eq", "ne", "in", "not_in", "starts_with", "ends_with", "exists"])
            value = {
                "eq": lambda: self.pick(CHANNELS[1:]),
                "ne": lambda: self.pick(CHANNELS[1:]),
                "in": lambda: self.some(CHANNELS[1:], 1, 2),
                "not_in": lambda: self.some(CHANNELS[1:], 1, 2),
                "starts_with": lambda: self.pick(["w", "p"]),
                "ends_with": lambda: self.pick(["b", "s", "p"]),
                "exists": lambda: self.chance(2),
            }[op]()
        elif kind == 6:
            subject, op, value = self.pick(
                [
                    ("order.store_id", "exists", self.chance(2)),
                    ("order.store_id", "eq", "S1"),
                    ("order.id", "exists", True),
                ]
            )
        elif kind == 7:
            subject, op, value = "order.metadata.gift", self.pick(["eq", "exists"]), self.chance(2)
        elif kind == 8:
            subject, op, value = (
                "customer.id",
                *self.pick([("exists", self.chance(2)), ("eq", self.pick(["alice", "bob"]))]),
            )
        elif kind == 9:
            subject = "customer.attributes.country"
            op = self.pick(["eq", "ne", "in", "not_in", "exists", "starts_with"])
            value = {
                "eq": lambda: self.pick(strings),
                "ne": lambda: self.pick(strings),
                "in": lambda: self.some(strings, 1, 2),
                "not_in": lambda: self.some(strings, 1, 2),
                "exists": lambda: self.chance(2),
                "starts_with": lambda: self.pick(["F", "B"]),
            }[op]()
        elif kind == 10:
            subject = "customer.attributes.age"
            op = self.pick([*COMPARISONS, "between"])
            value = self.ordered(self.number) if op == "between" else self.number()
        elif kind == 11:
            subject, op, value = "customer.attributes.vip", self.pick(["eq", "ne"]), self.chance(2)
        elif kind == 12:
            subject = "customer.attributes.tags"
            op = self.pick(["contains", "contains_any", "contains_all"])
            value = (
                self.pick(["a", "b", 3]) if op == "contains" else self.some(["a", "b", "c"], 1, 2)
            )
        elif kind == 13:
            subject, (op, value) = "customer.attributes.signup", self.temporal_test()
        elif kind == 14:
            subject, op, value = (
                "customer.attributes.address.city",
                "eq",
                self.pick(["Paris", "Lyon"]),
            )
        elif kind == 15:
            subject = "customer.segments"
            op = self.pick(["contains", "contains_any", "contains_all", "exists"])
            value = {
                "contains": lambda: self.pick(SEGMENTS),
                "contains_any": lambda: self.some(SEGMENTS, 1, 2),
                "contains_all": lambda: self.some(SEGMENTS, 1, 2),
                "exists": lambda: self.chance(2),
            }[op]()
        elif kind == 16:
            subject, (op, value) = "customer.aggregates.orders_count", self.integer_test(self.small)
        elif kind == 17:
            subject, op, value = self.pick(
                [
                    ("customer.aggregates.total_spent", "gte", self.amount()),
                    ("customer.aggregates.campaign_redemptions.c1", "lt", self.small()),
                    ("customer.loyalty.club.tier", "eq", self.pick(["gold", "silver"])),
                    ("customer.loyalty.club.tier", "exists", self.chance(2)),
                    ("customer.loyalty.club.points", "gte", self.amount()),
                ]
            )
        elif kind == 18:
            subject, (op, value) = "customer.aggregates.last_order_at", self.temporal_test()
        elif kind == 19:
            subject, (op, value) = "context.now", self.temporal_test()
        elif kind == 20:
            subject, op = "context.date", self.pick(["eq", "after", "before", "lt"])
            value = self.date()
        elif kind == 21:
            subject, op, value = "context.day_of_week", "in", self.some([1, 2, 3, 4, 5, 6, 7], 1, 3)
        elif kind == 22:
            subject, (op, value) = "context.hour", self.integer_test(lambda: self.int(0, 23))
        elif kind == 23:
            subject, op, value = self.pick(
                [
                    ("counters.customer_redemptions", "lt", self.small()),
                    ("counters.campaign_day", "lte", self.small()),
                    ("counters.discount_given", "lt", self.amount()),
                ]
            )
        else:
            subject = self.pick(["items.quantity", "items.amount", "items.count"])
            draw = self.amount if subject == "items.amount" else self.small
            op = self.pick(["gte", "gt", "lt", "eq", "between"])
            value = self.ordered(draw) if op == "between" else draw()
            leaf = {"subject": subject, "op": op, "value": value}
            item_filter = self.item_filter()
            if item_filter is not None:
                leaf["filter"] = item_filter
            return leaf
        return {"subject": subject, "op": op, "value": value}

    def rule(self) -> dict:
        return self.tree(self.order_leaf, self.int(1, 5))

    # -- effects -----------------------------------------------------------------------------

    def filter_message(self) -> campaign_pb2.ItemFilter | None:
        rule = self.item_filter()
        return None if rule is None else campaign_pb2.ItemFilter(rule_json=encode_json(rule))

    def formula(self, per_item: bool, budget: int = 4) -> str:
        atoms = [
            "order.amount",
            "order.initial_amount",
            "order.items_count",
            "order.total_quantity",
            "order.shipping_amount",
            "items.amount",
            "items.quantity",
            "items.count",
            "customer.attributes.age",
            "customer.aggregates.orders_count",
            "10%",
            "12.5%",
            "5.00",
            "0.333",
            "2",
            "3",
        ]
        if per_item:
            atoms += ["item.price", "item.quantity", "item.amount"] * 3
        if budget <= 1 or self.chance(3):
            return self.pick(atoms)
        shape = self.int(0, 3)
        if shape == 0:
            left, right = self.formula(per_item, budget - 1), self.formula(per_item, budget - 1)
            return f"({left} {self.pick('+-*/')} {right})"
        if shape == 1:
            left, right = self.formula(per_item, budget - 1), self.formula(per_item, budget - 1)
            return f"{self.pick(['min', 'max'])}({left}, {right})"
        if shape == 2:
            return f"round({self.formula(per_item, budget - 1)}, {self.int(0, 2)})"
        return f"-{self.formula(per_item, budget - 1)}"

    def effect(self) -> campaign_pb2.Effect:
        effect = campaign_pb2.Effect()
        kind = self.int(0, 9)
        cap = None if self.chance(2) else self.int(1, 3000)

        def set_filter(body, field: str = "filter") -> None:
            message = self.filter_message()
            if message is not None:
                getattr(body, field).CopyFrom(message)

        if kind == 0:
            effect.amount_off_order.amount = self.int(1, 5000)
        elif kind == 1:
            effect.percent_off_order.percent_bp = self.pick(PERCENTS)
            if cap is not None:
                effect.percent_off_order.cap = cap
        elif kind == 2:
            body = effect.amount_off_items
            body.amount, body.per_unit = self.int(1, 2000), self.chance(2)
            set_filter(body)
        elif kind == 3:
            body = effect.percent_off_items
            body.percent_bp = self.pick(PERCENTS)
            if cap is not None:
                body.cap = cap
            set_filter(body)
        elif kind == 4:
            body = effect.fixed_price
            body.unit_price = self.int(0, 1500)
            if self.chance(2):
                body.max_units = self.int(1, 6)
            set_filter(body)
        elif kind == 5:
            body = effect.free_units
            body.sku, body.quantity = self.pick(SKUS), self.int(1, 4)
            body.add_missing_item, body.unit_price = self.chance(2), self.int(1, 2000)
            body.product_id = self.pick(["", "p1"])
        elif kind == 6:
            body = effect.buy_x_get_y
            body.buy_quantity, body.get_quantity = self.int(1, 3), self.int(1, 2)
            body.percent_bp, body.max_repeats = self.pick(PERCENTS), self.int(0, 3)
            set_filter(body, "buy_filter")
            if self.chance(2):
                body.get_filter.CopyFrom(body.buy_filter)
            else:
                set_filter(body, "get_filter")
        elif kind == 7:
            body = effect.tiered_spend
            for threshold in self.rng.sample(range(0, 8000, 250), self.int(1, 3)):
                tier = body.tiers.add(threshold=threshold)
                if self.chance(2):
                    tier.amount = self.int(1, 3000)
                else:
                    tier.percent_bp = self.pick(PERCENTS)
            if cap is not None:
                body.cap = cap
        elif kind == 8:
            which = self.int(0, 2)
            if which == 0:
                effect.shipping.free = True
            elif which == 1:
                effect.shipping.amount = self.int(1, 800)
            else:
                effect.shipping.percent_bp = self.pick(PERCENTS)
        else:
            effect.formula.expression = self.formula(self.chance(2))
            set_filter(effect.formula)
        return effect

    # -- campaigns ---------------------------------------------------------------------------

    def campaign(self, campaign_id: str, campaign_type: int | None = None) -> campaign_pb2.Campaign:
        if campaign_type is None:
            campaign_type = self.pick(
                [campaign_pb2.DISCOUNT_COUPONS] * 4
                + [campaign_pb2.PROMOTION] * 3
                + [campaign_pb2.GIFT_VOUCHERS, campaign_pb2.LOYALTY_PROGRAM]
            )
        campaign = campaign_pb2.Campaign(
            id=campaign_id,
            name=f"Campaign {campaign_id}",
            type=campaign_type,
            currency="EUR" if not self.chance(20) else self.pick(["JPY", "USD"]),
            time_zone=self.pick(TIME_ZONES),
            version=self.int(1, 3),
        )
        if self.chance(25):
            campaign.active = False
        if self.chance(40):
            campaign.draft = True
        if self.chance(10):
            start = self.instant_ms()
            campaign.start_at.FromMilliseconds(start)
            if self.chance(2):
                campaign.expire_at.FromMilliseconds(start + self.int(1, 10**11))
        if self.chance(12):
            window = campaign.validity_windows.add(
                days_of_week=self.some([1, 2, 3, 4, 5, 6, 7], 0, 3)
            )
            start, end = sorted(self.rng.sample(range(25), 2))
            if start > 0:
                window.start_time = f"{start:02d}:00"
            if end < 24:
                window.end_time = f"{end:02d}:00"
        if self.chance(2):
            campaign.rules_json = encode_json(self.rule())
        if campaign_type in (campaign_pb2.DISCOUNT_COUPONS, campaign_pb2.PROMOTION):
            campaign.effect.CopyFrom(self.effect())
        if campaign_type == campaign_pb2.LOYALTY_PROGRAM and not self.chance(5):
            campaign.loyalty.points_rate_money = self.int(1, 5)
            campaign.loyalty.points_rate_points = self.int(1, 7)
        if self.chance(5):
            for name in self.some(
                [
                    "total_redemptions",
                    "per_customer",
                    "per_customer_per_day",
                    "per_day",
                    "budget_discount",
                    "budget_order_value",
                ],
                1,
                2,
            ):
                setattr(
                    campaign.limits,
                    name,
                    self.int(0, 20000) if "budget" in name else self.int(0, 3),
                )
        if self.chance(6):
            campaign.code_redemption_quantity = self.int(0, 3)
        campaign.stacking.category = self.pick(CATEGORY_NAMES)
        campaign.stacking.priority = self.int(-1, 2)
        if self.chance(3):
            campaign.stacking.not_combinable_with.extend(self.some(CAMPAIGN_IDS, 1, 2))
        if campaign.HasField("effect") and self.chance(4):
            for name in self.some(["A", "B", "C"], 1, 3):
                variant = campaign.variants.add(name=name, weight=self.int(1, 5))
                if self.chance(2):
                    variant.effect.CopyFrom(self.effect())
        return campaign

    # -- carts and customers -----------------------------------------------------------------

    def order(self, items: int | None = None) -> common_pb2.Order:
        order = common_pb2.Order(
            currency="EUR" if not self.chance(30) else "JPY",
            channel=self.pick(CHANNELS),
            store_id=self.pick(["", "S1", "S2"]),
            id=self.pick(["", "o-1"]),
            shipping_amount=self.pick([0, 0, 495, 1000]),
        )
        if self.chance(2):
            order.metadata_json = json.dumps({"gift": self.chance(2)})
        for _ in range(items or self.int(1, 5)):
            item = order.items.add(
                sku=self.pick(SKUS),
                product_id=self.pick(["", "p1", "p2"]),
                unit_price=self.pick(UNIT_PRICES),
                quantity=self.int(1, 5),
            )
            item.categories.extend(self.some(CATEGORIES, 0, 2))
            if self.chance(4):
                item.metadata_json = json.dumps({"color": self.pick(["red", "blue"])})
        return order

    def attributes(self) -> dict:
        values: dict = {}
        if self.chance(2):
            values["country"] = self.pick(["FR", "BE", "DE", 3])
        if self.chance(2):
            values["age"] = self.pick([self.number(), "34", None])
        if self.chance(2):
            values["vip"] = self.pick([True, False, "yes"])
        if self.chance(2):
            values["tags"] = [self.pick(["a", "b", 3]) for _ in range(self.int(0, 3))]
        if self.chance(2):
            values["signup"] = self.pick([self.temporal(), self.temporal(), "soon", 4])
        if self.chance(3):
            values["address"] = {"city": self.pick(["Paris", "Lyon"])}
        return values

    def customer(self) -> common_pb2.CustomerRef:
        customer = common_pb2.CustomerRef(id=self.pick(["", "alice", "bob"]))
        if not self.chance(4):
            customer.attributes_json = encode_json(self.attributes())
        return customer

    def profile(self) -> evaluation_pb2.CustomerProfile | None:
        if self.chance(2):
            return None
        profile = evaluation_pb2.CustomerProfile(segments=self.some(SEGMENTS, 0, 2))
        if self.chance(2):
            aggregates = customer_pb2.CustomerAggregates(
                orders_count=self.small(), total_spent=self.amount()
            )
            aggregates.campaign_redemptions["c1"] = self.int(0, 3)
            if self.chance(2):
                aggregates.last_order_at.FromMilliseconds(self.instant_ms())
            profile.aggregates.CopyFrom(aggregates)
        if self.chance(2):
            profile.loyalty["club"].CopyFrom(
                loyalty_pb2.LoyaltyCard(tier_id=self.pick(["", "gold"]), points=self.amount())
            )
        if self.chance(2):
            profile.attributes_json = encode_json(self.attributes())
        return profile

    def counters(self) -> evaluation_pb2.Counters:
        return evaluation_pb2.Counters(
            code_redeemed=self.int(0, 3),
            campaign_redemptions=self.int(0, 3),
            customer_redemptions=self.int(0, 3),
            customer_day=self.int(0, 2),
            customer_week=self.int(0, 2),
            customer_month=self.int(0, 2),
            campaign_day=self.int(0, 3),
            discount_given=self.int(0, 20000),
            order_value=self.int(0, 20000),
        )

    def code(self, code: str) -> campaign_pb2.Code:
        record = campaign_pb2.Code(code=code)
        if self.chance(5):
            record.redemption_quantity = self.int(0, 3)
        if self.chance(8):
            record.assigned_customer_id = self.pick(["alice", "bob"])
        if self.chance(15):
            record.active = False
        if self.chance(12):
            record.expire_at.FromMilliseconds(self.instant_ms())
        record.gift_balance = self.pick([0, 500, 3000, 100000])
        record.points = self.pick([0, 100, 5000])
        return record

    def stacking_rules(self, always: bool = False) -> campaign_pb2.StackingRules | None:
        if not always and self.chance(2):
            return None
        rules = campaign_pb2.StackingRules()
        if self.chance(2):
            rules.max_applied = self.int(1, 4)
        if self.chance(2):
            rules.default_max_per_category = self.int(1, 2)
        for name in self.some(["seasonal", "loyalty", "default"], 0, 3):
            category = rules.categories.add(
                name=name, priority=self.int(-1, 2), exclusive=self.chance(2), joint=self.chance(4)
            )
            if self.chance(2):
                category.max_applied = self.int(0, 3)
            if self.chance(3):
                category.calculation_base = self.pick([0, 1, 2])
        # The settings beyond categories and counts, each one time in three (0 = unset).
        for name in (
            "application_order",
            "joint_placement",
            "exclusive_resolution",
            "product_stack_policy",
            "no_effect_policy",
            "combination_mode",
        ):
            if self.chance(3):
                setattr(rules, name, self.pick([0, 1, 2]))
        if self.chance(3):
            rules.max_exclusive_applied = self.int(1, 3)
        if self.chance(4):
            rules.max_per_exclusive_category = self.int(1, 2)
        return rules

    # -- whole scenarios ---------------------------------------------------------------------

    def checkouts(self, evaluations: int, stacking: bool = False):
        """(campaign protos, [(ValidateRequest, EvaluationContext), ...]); `stacking`: every
        context has stacking rules (random settings)."""
        count = self.int(1, 5)
        campaigns = [self.campaign(CAMPAIGN_IDS[i]) for i in range(count)]
        pairs = []
        for _ in range(evaluations):
            request = checkout_pb2.ValidateRequest()
            request.order.CopyFrom(self.order())
            if not self.chance(5):
                request.customer.CopyFrom(self.customer())
            request.options.mode = self.pick([0, 0, 1, 2])
            request.options.include_promotions = self.chance(2)
            request.options.explain_promotions = self.chance(2)
            context = evaluation_pb2.EvaluationContext(now_unix_ms=self.instant_ms())
            codes = ["X1", "X2", "Y3", "Z4", "Z5", "W6", "V7"]
            self.rng.shuffle(codes)
            for position in range(self.int(0, 6)):
                slot = -1 if self.chance(15) else self.int(0, count - 1)
                as_code = (
                    slot < 0 or campaigns[slot].type != campaign_pb2.PROMOTION or self.chance(3)
                )
                redeemable = request.redeemables.add()
                resolved = context.redeemables.add(campaign_slot=slot)
                if as_code:
                    text = codes[position] if not self.chance(25) else self.pick(["x1", "X1"])
                    redeemable.code = text
                    resolved.code.CopyFrom(self.code(text.upper()))
                else:
                    redeemable.promotion_id = campaigns[slot].id
                if self.chance(4):
                    redeemable.amount = self.int(0, 5000)
                if self.chance(3):
                    redeemable.points = self.int(0, 6000)
                if self.chance(2):
                    resolved.counters.CopyFrom(self.counters())
                resolved.held_by_other_session = self.chance(12)
            for slot in [self.int(0, count - 1) for _ in range(self.int(0, 3))]:
                promotion = context.promotions.add(campaign_slot=slot)
                if self.chance(2):
                    promotion.counters.CopyFrom(self.counters())
            profile = self.profile()
            if profile is not None:
                context.customer.CopyFrom(profile)
            rules = self.stacking_rules(always=stacking)
            if rules is not None:
                context.stacking_rules.CopyFrom(rules)
            pairs.append((request, context))
        return campaigns, pairs

    def stacking_contests(self, evaluations: int):
        """Like `checkouts`, but every redeemable is a valid discount code of an active EUR
        campaign on a EUR cart, most without a rule, so that the stacking settings (and
        BEST_FOR_CUSTOMER, drawn one time in two) decide what applies."""
        campaigns = []
        for campaign_id in CAMPAIGN_IDS[: self.int(2, 6)]:
            campaign = self.campaign(campaign_id, campaign_pb2.DISCOUNT_COUPONS)
            for name in ("active", "draft", "start_at", "expire_at", "limits", "rules_json"):
                campaign.ClearField(name)
            campaign.ClearField("code_redemption_quantity")
            del campaign.validity_windows[:]
            campaign.currency = "EUR"
            if self.chance(4):
                campaign.rules_json = encode_json(self.rule())
            campaigns.append(campaign)
        pairs = []
        for _ in range(evaluations):
            request = checkout_pb2.ValidateRequest()
            request.order.CopyFrom(self.order())
            request.order.currency = "EUR"
            request.options.mode = self.pick([0, 0, 1, 2])
            request.options.include_promotions = self.chance(3)
            context = evaluation_pb2.EvaluationContext(now_unix_ms=self.instant_ms())
            slots = list(range(len(campaigns))) + self.some(list(range(len(campaigns))), 0, 2)
            self.rng.shuffle(slots)
            for position, slot in enumerate(slots):
                request.redeemables.add(code=f"K{position}")
                context.redeemables.add(
                    campaign_slot=slot,
                    code=campaign_pb2.Code(code=f"K{position}", campaign_id=campaigns[slot].id),
                )
            for slot in [self.int(0, len(campaigns) - 1) for _ in range(self.int(0, 2))]:
                context.promotions.add(campaign_slot=slot)
            rules = self.stacking_rules(always=True)
            if self.chance(2):
                rules.combination_mode = campaign_pb2.BEST_FOR_CUSTOMER
            context.stacking_rules.CopyFrom(rules)
            pairs.append((request, context))
        return campaigns, pairs

    def qualifications(self, evaluations: int):
        """(campaign protos, [(QualifyRequest, QualifyContext), ...])."""
        count = self.int(1, 10)
        campaigns = [
            self.campaign(
                f"q{i}", self.pick([campaign_pb2.PROMOTION] * 3 + [campaign_pb2.DISCOUNT_COUPONS])
            )
            for i in range(count)
        ]
        pairs = []
        for _ in range(evaluations):
            request = checkout_pb2.QualifyRequest(
                limit=self.pick([0, 1, 3]), include_near_misses=self.chance(2)
            )
            request.order.CopyFrom(self.order())
            if self.chance(2):
                request.customer.CopyFrom(self.customer())
            context = evaluation_pb2.QualifyContext(now_unix_ms=self.instant_ms())
            profile = self.profile()
            if profile is not None:
                context.customer.CopyFrom(profile)
            for campaign in campaigns:
                if self.chance(2):
                    context.counters[campaign.id].CopyFrom(self.counters())
                if campaign.type == campaign_pb2.DISCOUNT_COUPONS and self.chance(2):
                    context.public_codes[campaign.id].CopyFrom(self.code(f"PUB-{campaign.id}"))
            for index in range(self.int(0, 2)):
                wallet = context.assigned_codes.add()
                wallet.code.CopyFrom(self.code(f"W{index}"))
                wallet.code.campaign_id = self.pick(campaigns).id
                wallet.counters.CopyFrom(self.counters())
            pairs.append((request, context))
        return campaigns, pairs

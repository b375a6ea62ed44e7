"""Stacking rules: which valid discount redeemables apply together, in which order, and the
settings the effects and the checkout read (product stack policy, calculation base, no-effect
policy, combination mode)."""

from __future__ import annotations

from dataclasses import dataclass, field

from promocore.v1 import campaign_pb2

from oracle.errors import CompileError

DEFAULT_CATEGORY = "default"


@dataclass
class Category:
    priority: int = 0
    exclusive: bool = False
    joint: bool = False
    max_applied: int | None = None
    initial_base: bool = False


@dataclass
class Policy:
    max_applied: int = 5
    default_max_per_category: int = 1
    categories: dict[str, Category] = field(default_factory=dict)
    requested_order: bool = False
    joint_last: bool = False
    exclusive_wins: bool = False
    max_exclusive_applied: int = 1
    max_per_exclusive_category: int | None = None
    single_product: bool = False
    redeem_no_effect: bool = False
    best_for_customer: bool = False

    def category(self, name: str) -> Category:
        return self.categories.get(name, Category())

    def order_key(self, campaign) -> tuple[int, int, int]:
        name = campaign.category
        placement = 1
        if self.exclusive_wins and self.exclusive(name):
            placement = 0
        elif self.joint_last and self.joint(name):
            placement = 2
        if self.requested_order:
            return (placement, 0, 0)
        return (placement, self.category(name).priority, campaign.priority)

    def max_in_category(self, name: str) -> int | None:
        configured = self.category(name).max_applied
        if configured is not None:
            return configured
        return None if name == DEFAULT_CATEGORY else self.default_max_per_category

    def exclusive(self, name: str) -> bool:
        category = self.category(name)
        return category.exclusive and not category.joint

    def joint(self, name: str) -> bool:
        return self.category(name).joint

    def initial_base(self, campaign) -> bool:
        return self.category(campaign.category).initial_base


def _enum(enum, value: int, path: str) -> int:
    if value not in enum.values():
        raise CompileError(path, f"unknown value {value}")
    return value


def compile_policy(rules: campaign_pb2.StackingRules | None) -> Policy:
    policy = Policy()
    if rules is None:
        return policy

    def count(value: int, path: str, minimum: int) -> int:
        if not minimum <= value <= 30:
            raise CompileError(path, f"must be {minimum}..30")
        return value

    if rules.HasField("max_applied"):
        policy.max_applied = count(rules.max_applied, "max_applied", 1)
    if rules.HasField("default_max_per_category"):
        policy.default_max_per_category = count(
            rules.default_max_per_category, "default_max_per_category", 1
        )
    policy.requested_order = (
        _enum(campaign_pb2.ApplicationOrder, rules.application_order, "application_order")
        == campaign_pb2.REQUESTED_ORDER
    )
    policy.joint_last = (
        _enum(campaign_pb2.JointPlacement, rules.joint_placement, "joint_placement")
        == campaign_pb2.JOINT_LAST
    )
    policy.exclusive_wins = (
        _enum(campaign_pb2.ExclusiveResolution, rules.exclusive_resolution, "exclusive_resolution")
        == campaign_pb2.EXCLUSIVE_WINS
    )
    if rules.HasField("max_exclusive_applied"):
        policy.max_exclusive_applied = count(
            rules.max_exclusive_applied, "max_exclusive_applied", 1
        )
    if rules.HasField("max_per_exclusive_category"):
        policy.max_per_exclusive_category = count(
            rules.max_per_exclusive_category, "max_per_exclusive_category", 1
        )
    policy.single_product = (
        _enum(campaign_pb2.ProductStackPolicy, rules.product_stack_policy, "product_stack_policy")
        == campaign_pb2.SINGLE
    )
    policy.redeem_no_effect = (
        _enum(campaign_pb2.NoEffectPolicy, rules.no_effect_policy, "no_effect_policy")
        == campaign_pb2.REDEEM_ANYWAY
    )
    policy.best_for_customer = (
        _enum(campaign_pb2.CombinationMode, rules.combination_mode, "combination_mode")
        == campaign_pb2.BEST_FOR_CUSTOMER
    )
    for index, category in enumerate(rules.categories):
        path = f"categories[{index}]"
        if not category.name:
            raise CompileError(f"{path}.name", "required")
        max_applied = None
        if category.HasField("max_applied"):
            max_applied = count(category.max_applied, f"{path}.max_applied", 0)
        initial = (
            _enum(
                campaign_pb2.CalculationBase,
                category.calculation_base,
                f"{path}.calculation_base",
            )
            == campaign_pb2.INITIAL_AMOUNT
        )
        if category.name in policy.categories:
            raise CompileError(f"{path}.name", "listed twice")
        policy.categories[category.name] = Category(
            category.priority, category.exclusive, category.joint, max_applied, initial
        )
    return policy


def admit(policy: Policy, applied: list, campaign) -> tuple[str, int | None] | None:
    """The SKIPPED reason of a valid discount and the position of the applied redeemable that
    caused it, or None when it may apply. `applied`: (campaign, position) in application order."""
    name = campaign.category
    exclusive = policy.exclusive(name)

    def regular(other) -> bool:
        return not policy.exclusive(other.category) and not policy.joint(other.category)

    if not policy.joint(name):
        if exclusive:
            for other, position in applied:
                if regular(other):
                    return "exclusive_conflict", position
            exclusives = [(o, p) for o, p in applied if policy.exclusive(o.category)]
            if exclusives and len(exclusives) >= policy.max_exclusive_applied:
                if policy.max_exclusive_applied == 1:
                    return "exclusive_conflict", exclusives[0][1]
                return "stacking_limit_exceeded", exclusives[-1][1]
        else:
            for other, position in applied:
                if policy.exclusive(other.category):
                    return "exclusive_conflict", position
    for other, position in applied:
        if other.id in campaign.not_combinable_with or campaign.id in other.not_combinable_with:
            return "not_combinable", position
    in_category = [position for other, position in applied if other.category == name]
    limit = policy.max_in_category(name)
    if limit is not None and len(in_category) >= limit:
        return "stacking_limit_exceeded", in_category[-1] if in_category else None
    limit = policy.max_per_exclusive_category
    if exclusive and limit is not None and len(in_category) >= limit:
        return "stacking_limit_exceeded", in_category[-1]
    if len(applied) >= policy.max_applied:
        return "stacking_limit_exceeded", applied[-1][1] if applied else None
    return None

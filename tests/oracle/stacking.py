"""Stacking rules: which valid discount redeemables apply together, and in which order."""

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


@dataclass
class Policy:
    max_applied: int = 5
    default_max_per_category: int = 1
    categories: dict[str, Category] = field(default_factory=dict)

    def category(self, name: str) -> Category:
        return self.categories.get(name, Category())

    def priority(self, campaign) -> tuple[int, int]:
        return (self.category(campaign.category).priority, campaign.priority)

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
    for index, category in enumerate(rules.categories):
        path = f"categories[{index}]"
        if not category.name:
            raise CompileError(f"{path}.name", "required")
        max_applied = None
        if category.HasField("max_applied"):
            max_applied = count(category.max_applied, f"{path}.max_applied", 0)
        if category.name in policy.categories:
            raise CompileError(f"{path}.name", "listed twice")
        policy.categories[category.name] = Category(
            category.priority, category.exclusive, category.joint, max_applied
        )
    return policy


def admit(policy: Policy, applied: list, campaign) -> str | None:
    """The SKIPPED reason of a valid discount, or None when it may apply."""
    name = campaign.category
    if not policy.joint(name):
        if any(policy.exclusive(other.category) for other in applied):
            return "exclusive_conflict"
        if policy.exclusive(name) and any(not policy.joint(other.category) for other in applied):
            return "exclusive_conflict"
    for other in applied:
        if other.id in campaign.not_combinable_with or campaign.id in other.not_combinable_with:
            return "not_combinable"
    limit = policy.max_in_category(name)
    if limit is not None and sum(other.category == name for other in applied) >= limit:
        return "stacking_limit_exceeded"
    if len(applied) >= policy.max_applied:
        return "stacking_limit_exceeded"
    return None

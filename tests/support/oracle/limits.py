"""Redemption limits checked against the counters (plus this request's own earlier use)."""

from __future__ import annotations

from promocore.v1 import campaign_pb2
from promocore.v1.internal import evaluation_pb2

LIMIT_FIELDS = (
    "total_redemptions",
    "per_customer",
    "per_customer_per_day",
    "per_customer_per_week",
    "per_customer_per_month",
    "per_day",
    "budget_discount",
    "budget_order_value",
)


def compile_limits(limits: campaign_pb2.Limits) -> dict[str, int]:
    from oracle.errors import CompileError

    compiled = {}
    for name in LIMIT_FIELDS:
        if limits.HasField(name):
            value = getattr(limits, name)
            if value < 0:
                raise CompileError(f"limits.{name}", "a limit must be >= 0")
            compiled[name] = value
    return compiled


def redemption_breach(
    limits: dict[str, int], counters: evaluation_pb2.Counters, has_customer: bool, order: int
) -> str | None:
    """The reason of the first limit one more redemption would break, before rules."""

    def reached(name: str, count: int) -> bool:
        return name in limits and count >= limits[name]

    if reached("total_redemptions", counters.campaign_redemptions):
        return "campaign_limit_exceeded"
    if reached("per_day", counters.campaign_day):
        return "daily_limit_exceeded"
    customer_limits = (
        "per_customer",
        "per_customer_per_day",
        "per_customer_per_week",
        "per_customer_per_month",
    )
    if any(name in limits for name in customer_limits) and not has_customer:
        return "customer_limit_exceeded"
    if reached("per_customer_per_day", counters.customer_day):
        return "daily_limit_exceeded"
    if (
        reached("per_customer", counters.customer_redemptions)
        or reached("per_customer_per_week", counters.customer_week)
        or reached("per_customer_per_month", counters.customer_month)
    ):
        return "customer_limit_exceeded"
    if (
        "budget_order_value" in limits
        and counters.order_value + order > limits["budget_order_value"]
    ):
        return "budget_exceeded"
    return None


def discount_breach(
    limits: dict[str, int], counters: evaluation_pb2.Counters, discount: int
) -> bool:
    budget = limits.get("budget_discount")
    return budget is not None and counters.discount_given + discount > budget


def with_usage(counters: evaluation_pb2.Counters, used: evaluation_pb2.Counters | None):
    if used is None:
        return counters
    combined = evaluation_pb2.Counters()
    combined.CopyFrom(counters)
    for name in (
        "campaign_redemptions",
        "customer_redemptions",
        "customer_day",
        "customer_week",
        "customer_month",
        "campaign_day",
        "discount_given",
        "order_value",
    ):
        setattr(combined, name, getattr(counters, name) + getattr(used, name))
    return combined


def record_usage(
    usage: dict[str, evaluation_pb2.Counters],
    campaign_id: str,
    has_customer: bool,
    discount: int,
    order: int,
) -> None:
    used = usage.setdefault(campaign_id, evaluation_pb2.Counters())
    customer = int(has_customer)
    used.campaign_redemptions += 1
    used.campaign_day += 1
    used.customer_redemptions += customer
    used.customer_day += customer
    used.customer_week += customer
    used.customer_month += customer
    used.discount_given += discount
    used.order_value += order

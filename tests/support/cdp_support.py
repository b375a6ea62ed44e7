"""Helpers for the customer-data tests: campaigns, orders and the integration event backlog."""

from __future__ import annotations

from typing import Any

from support import cart


def welcome_coupons(client: Any, campaign_id: str = "welcome", amount: int = 500) -> str:
    """A DISCOUNT_COUPONS campaign whose codes distributions issue (5.00 off by default)."""
    client.create_campaign(
        id=campaign_id,
        name=campaign_id,
        type="DISCOUNT_COUPONS",
        currency="EUR",
        effect={"amount_off_order": {"amount": amount}},
        code_config={"pattern": "########", "prefix": f"{campaign_id.upper()}-"},
    )
    return campaign_id


def small_promotion(client: Any, campaign_id: str = "one-percent") -> str:
    """An auto promotion (1% off every order) so that any order can be redeemed."""
    client.create_campaign(
        id=campaign_id,
        name=campaign_id,
        type="PROMOTION",
        currency="EUR",
        effect={"percent_off_order": {"percent_bp": 100}},
    )
    return campaign_id


def pay(client: Any, customer_id: str, amount: int, key: str) -> dict[str, Any]:
    """Redeems a one-line order of `amount` for the customer (with the auto promotions)."""
    answer = client.redeem(
        cart(("SKU-1", amount, 1), id=f"order-{key}"),
        idempotency_key=key,
        customer={"id": customer_id},
        include_promotions=True,
    )
    assert answer["status"] == "SUCCEEDED", answer
    return answer


def backlog(client: Any, after: int = 0, **filters: Any) -> list[dict[str, Any]]:
    return list(client.watch_events(after_sequence=after, backlog_only=True, **filters))

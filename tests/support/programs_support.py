"""Helpers for the gift card, loyalty and referral tests: programs created over the client."""

from __future__ import annotations

from typing import Any

DAY_MS = 86_400_000


def gift_program(client: Any, campaign_id: str = "gift", **fields: Any) -> str:
    client.create_campaign(
        id=campaign_id, name=campaign_id, type="GIFT_VOUCHERS", currency="EUR", **fields
    )
    return campaign_id


def loyalty_program(client: Any, campaign_id: str = "club", **loyalty: Any) -> str:
    """A LOYALTY_PROGRAM in EUR; one point is worth one cent when paying with points."""
    settings = {"points_rate_money": 1, "points_rate_points": 1, **loyalty}
    client.create_campaign(
        id=campaign_id, name=campaign_id, type="LOYALTY_PROGRAM", currency="EUR", loyalty=settings
    )
    return campaign_id


def pay_with_points(points: int, card: str) -> dict[str, Any]:
    return {"code": card, "points": points}


def referral_program(client: Any, **referral: Any) -> None:
    """gift (GIFT_VOUCHERS), club (loyalty) and friends: 5.00 EUR off a friend's first order;
    the referrer earns 100 points in club and 2.50 EUR on a gift card of gift per friend."""
    client.create_campaign(id="gift", name="gift", type="GIFT_VOUCHERS", currency="EUR")
    loyalty_program(client)
    client.create_campaign(
        id="friends",
        name="Bring a friend",
        type="REFERRAL_PROGRAM",
        currency="EUR",
        effect={"amount_off_order": {"amount": 500}},
        limits={"per_customer": 1},
        referral={
            "referrer_points": 100,
            "referrer_loyalty_campaign_id": "club",
            "referrer_gift_credit": 250,
            "referrer_gift_campaign_id": "gift",
            **referral,
        },
    )

"""The demo data set: a coffee shop's campaigns and codes, loaded by `promocore demo` and by
`promocore serve --demo-if-empty` (what `make run` does on a fresh ./var).

Try it with `promocore validate --code WELCOME10 --item BEANS:1299:2:coffee --item MUG:899:1`.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, Protocol

from promocore.errors import AlreadyExistsError
from promocore.v1 import admin_pb2, campaign_pb2
from promocore.wire.plain import from_plain

if TYPE_CHECKING:
    from promocore.manage.admin import Admin

DEMO_CAMPAIGNS: list[dict[str, Any]] = [
    {
        "id": "welcome-10",
        "name": "Welcome: 10% off orders from 30.00 EUR (at most 20.00 EUR)",
        "type": "DISCOUNT_COUPONS",
        "currency": "EUR",
        "rules": {"subject": "order.amount", "op": "gte", "value": 3000},
        "effect": {"percent_off_order": {"percent_bp": 1000, "cap": 2000}},
    },
    {
        "id": "coffee-lovers",
        "name": "Coffee lovers: 5.00 EUR off two or more bags of coffee",
        "type": "DISCOUNT_COUPONS",
        "currency": "EUR",
        "rules": {
            "subject": "items.quantity",
            "filter": {"subject": "item.categories", "op": "contains", "value": "coffee"},
            "op": "gte",
            "value": 2,
        },
        "effect": {"amount_off_order": {"amount": 500}},
        "limits": {"total_redemptions": 1000, "per_customer": 1},
    },
    {
        "id": "vip-dach",
        "name": "VIP customers in Germany and Austria: 15% off",
        "type": "DISCOUNT_COUPONS",
        "currency": "EUR",
        "rules": {
            "all": [
                {"subject": "customer.attributes.country", "op": "in", "value": ["DE", "AT"]},
                {"subject": "customer.attributes.tier", "op": "eq", "value": "vip"},
            ]
        },
        "effect": {"percent_off_order": {"percent_bp": 1500}},
    },
    {
        "id": "one-time-5",
        "name": "Single-use 5.00 EUR vouchers",
        "type": "DISCOUNT_COUPONS",
        "currency": "EUR",
        "code_redemption_quantity": 1,
        "code_config": {"pattern": "ONE-####-####"},
        "effect": {"amount_off_order": {"amount": 500}},
    },
    {
        "id": "spring-sale",
        "name": "Spring sale: 5% off every order from 100.00 EUR",
        "type": "PROMOTION",
        "currency": "EUR",
        "rules": {"subject": "order.amount", "op": "gte", "value": 10000},
        "effect": {"percent_off_order": {"percent_bp": 500}},
    },
    {
        "id": "black-friday-2025",
        "name": "Black Friday 2025 (expired)",
        "type": "DISCOUNT_COUPONS",
        "currency": "EUR",
        "start_at": "2025-11-28T00:00:00Z",
        "expire_at": "2025-12-01T00:00:00Z",
        "effect": {"percent_off_order": {"percent_bp": 3000}},
    },
]

# Codes with fixed strings, so the README's commands work on every fresh demo store.
DEMO_CODES: list[dict[str, Any]] = [
    {"campaign_id": "welcome-10", "code": "WELCOME10", "public": True},
    {"campaign_id": "coffee-lovers", "code": "COFFEE5"},
    {"campaign_id": "vip-dach", "code": "VIP15"},
    {"campaign_id": "one-time-5", "code": "ONE-DEMO-0001", "redemption_quantity": 1},
    {"campaign_id": "black-friday-2025", "code": "BLACKFRIDAY"},
]
# Random single-use codes generated into `one-time-5`.
DEMO_GENERATED_CODES = ("one-time-5", 20)


class DemoTarget(Protocol):
    """The Client methods the loader uses; InProcessAdmin offers the same over an Admin."""

    def create_campaign(self, campaign: dict[str, Any]) -> Any: ...
    def create_code(self, campaign_id: str, code: str, **fields: Any) -> Any: ...
    def generate_codes(self, campaign_id: str, count: int, *, return_codes: bool) -> Any: ...


def load_demo(target: DemoTarget) -> int:
    """Loads the demo set, skipping what exists; returns the number of campaigns created."""
    created = 0
    for campaign in DEMO_CAMPAIGNS:
        with contextlib.suppress(AlreadyExistsError):
            target.create_campaign(campaign)
            created += 1
    for code in DEMO_CODES:
        with contextlib.suppress(AlreadyExistsError):
            target.create_code(**code)
    if created:
        campaign_id, count = DEMO_GENERATED_CODES
        target.generate_codes(campaign_id, count, return_codes=False)
    return created


class InProcessAdmin:
    """DemoTarget over the server's own Admin (for `serve --demo-if-empty`, no network)."""

    def __init__(self, admin: Admin) -> None:
        self._admin = admin

    def create_campaign(self, campaign: dict[str, Any]) -> None:
        self._admin.create_campaign(from_plain(campaign_pb2.Campaign, campaign, "campaign"))

    def create_code(self, campaign_id: str, code: str, **fields: Any) -> None:
        values = {"campaign_id": campaign_id, "code": code, **fields}
        self._admin.create_code(from_plain(campaign_pb2.Code, values, "code"))

    def generate_codes(self, campaign_id: str, count: int, *, return_codes: bool) -> None:
        request = admin_pb2.GenerateCodesRequest(
            campaign_id=campaign_id, count=count, return_codes=return_codes
        )
        for _ in self._admin.generate_codes(request):
            pass

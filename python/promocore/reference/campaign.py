"""A campaign compiled once: settings, schedule, limits, rule and effect."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal

from promocore.reference.effects import Effect
from promocore.reference.errors import CompileError
from promocore.reference.limits import compile_limits
from promocore.reference.rules import Node, compile_rule
from promocore.reference.schedule import Schedule, compile_schedule
from promocore.reference.stacking import DEFAULT_CATEGORY
from promocore.v1 import campaign_pb2

_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_DISCOUNT_TYPES = (
    campaign_pb2.DISCOUNT_COUPONS,
    campaign_pb2.PROMOTION,
    campaign_pb2.REFERRAL_PROGRAM,
)


@dataclass
class Campaign:
    id: str
    name: str
    version: int
    type: int
    currency: str
    active: bool
    draft: bool
    schedule: Schedule
    rule: Node | None
    effect: Effect | None
    limits: dict[str, int]
    code_redemption_quantity: int | None
    category: str
    priority: int
    not_combinable_with: tuple[str, ...]
    points_rate: tuple[int, int] | None

    @property
    def role(self) -> str:
        if self.type == campaign_pb2.GIFT_VOUCHERS:
            return "gift_card"
        if self.type == campaign_pb2.LOYALTY_PROGRAM:
            return "loyalty_card"
        return "discount"


def parse_json(text: str, path: str):
    def no_constants(name: str):
        raise ValueError(f"{name} is not JSON")

    try:
        return json.loads(text, parse_float=Decimal, parse_constant=no_constants)
    except ValueError as error:
        raise CompileError(path, f"invalid JSON: {error}") from None


def compile_campaign(data: bytes | campaign_pb2.Campaign) -> Campaign:
    campaign = (
        data if isinstance(data, campaign_pb2.Campaign) else campaign_pb2.Campaign.FromString(data)
    )
    if not _ID.fullmatch(campaign.id) or not campaign.id.isascii():
        raise CompileError("id", "expected 1..64 characters of [A-Za-z0-9_-]")
    if campaign.type == campaign_pb2.CAMPAIGN_TYPE_UNSPECIFIED:
        raise CompileError("type", "a campaign type is required")
    if not re.fullmatch(r"[A-Z]{3}", campaign.currency):
        raise CompileError("currency", "3 uppercase letters")
    schedule = compile_schedule(campaign)
    rule = None
    if campaign.rules_json.strip():
        rule = compile_rule(parse_json(campaign.rules_json, "rules"), "rules")
    effect = None
    if campaign.HasField("effect"):
        if campaign.type not in _DISCOUNT_TYPES:
            raise CompileError("effect", "tender campaigns take no effect")
        effect = Effect(campaign.effect)
    elif campaign.type in _DISCOUNT_TYPES:
        raise CompileError("effect", "an effect is required")
    limits = compile_limits(campaign.limits)
    quantity = (
        campaign.code_redemption_quantity if campaign.HasField("code_redemption_quantity") else None
    )
    if quantity is not None and quantity < 0:
        raise CompileError("code_redemption_quantity", "must be >= 0")
    if campaign.variants:
        raise CompileError("variants", "not supported by this engine version yet")
    points_rate = None
    if campaign.HasField("loyalty"):
        money, points = campaign.loyalty.points_rate_money, campaign.loyalty.points_rate_points
        if money < 0:
            raise CompileError("loyalty.points_rate_money", "must be >= 0")
        if points < 0:
            raise CompileError("loyalty.points_rate_points", "must be >= 0")
        if money > 0 and points > 0:
            points_rate = (money, points)
    return Campaign(
        id=campaign.id,
        name=campaign.name,
        version=campaign.version,
        type=campaign.type,
        currency=campaign.currency,
        active=campaign.active if campaign.HasField("active") else True,
        draft=campaign.draft,
        schedule=schedule,
        rule=rule,
        effect=effect,
        limits=limits,
        code_redemption_quantity=quantity,
        category=campaign.stacking.category or DEFAULT_CATEGORY,
        priority=campaign.stacking.priority,
        not_combinable_with=tuple(campaign.stacking.not_combinable_with),
        points_rate=points_rate,
    )

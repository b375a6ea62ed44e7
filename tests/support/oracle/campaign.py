"""A campaign compiled once: settings, schedule, limits, rule and effect."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal

from promocore.v1 import campaign_pb2

from oracle.effects import Effect
from oracle.errors import CompileError
from oracle.limits import compile_limits
from oracle.rules import Node, compile_rule
from oracle.schedule import Schedule, compile_schedule
from oracle.stacking import DEFAULT_CATEGORY

_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_DISCOUNT_TYPES = (
    campaign_pb2.DISCOUNT_COUPONS,
    campaign_pb2.PROMOTION,
    campaign_pb2.REFERRAL_PROGRAM,
)


@dataclass(frozen=True)
class Variant:
    name: str
    weight: int
    effect: Effect | None


FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3


def variant_bucket(campaign_id: str, customer_id: str, total: int) -> int:
    """FNV-1a (64 bits) of campaign id, NUL, customer id, modulo the total weight."""
    value = FNV_OFFSET
    for byte in campaign_id.encode() + b"\0" + customer_id.encode():
        value = ((value ^ byte) * FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return value % max(total, 1)


def _compile_variants(campaign: campaign_pb2.Campaign) -> tuple[Variant, ...]:
    if campaign.variants and campaign.type not in _DISCOUNT_TYPES:
        raise CompileError("variants", "only campaigns with an effect can have A/B variants")
    variants: list[Variant] = []
    for index, variant in enumerate(campaign.variants):
        path = f"variants[{index}]"
        if not variant.name:
            raise CompileError(f"{path}.name", "required")
        if any(seen.name == variant.name for seen in variants):
            raise CompileError(f"{path}.name", "names two variants")
        if variant.weight <= 0:
            raise CompileError(f"{path}.weight", "must be > 0")
        effect = None
        if variant.HasField("effect"):
            try:
                effect = Effect(variant.effect)
            except CompileError as error:
                raise CompileError(f"{path}.{error.path}", error.reason) from None
        variants.append(Variant(variant.name, variant.weight, effect))
    return tuple(variants)


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
    variants: tuple[Variant, ...] = ()

    def variant_for(self, customer_id: str | None) -> Variant | None:
        """The customer's A/B variant; without a customer, the first (the control)."""
        if not self.variants:
            return None
        if customer_id is None:
            return self.variants[0]
        bucket = variant_bucket(self.id, customer_id, sum(v.weight for v in self.variants))
        for variant in self.variants:
            if bucket < variant.weight:
                return variant
            bucket -= variant.weight
        return self.variants[0]

    def effect_for(self, customer_id: str | None) -> Effect | None:
        variant = self.variant_for(customer_id)
        if variant is not None and variant.effect is not None:
            return variant.effect
        return self.effect

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
    variants = _compile_variants(campaign)
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
        variants=variants,
    )

"""Validation of LOYALTY_PROGRAM and REFERRAL_PROGRAM settings before a campaign is stored:
a setting the server would ignore or could not honour is refused, naming its field."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Protocol

from google.protobuf.message import Message

from promocore.errors import InvalidArgumentError
from promocore.v1 import campaign_pb2, loyalty_pb2

EVENT_NAME = re.compile(r"^[a-z0-9_.]{1,64}$")
SETTING_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class HasId(Protocol):
    """A setting with an id (an earning rule, a tier, a reward)."""

    @property
    def id(self) -> str: ...


def validate_program_settings(campaign: campaign_pb2.Campaign) -> None:
    if campaign.type == campaign_pb2.LOYALTY_PROGRAM:
        _loyalty(campaign.loyalty, "campaign.loyalty")
    elif campaign.type == campaign_pb2.REFERRAL_PROGRAM:
        _referral(campaign.referral, "campaign.referral")


def _unique_ids(items: Iterable[HasId], path: str) -> set[str]:
    seen: set[str] = set()
    for index, item in enumerate(items):
        if not SETTING_ID.match(item.id):
            raise InvalidArgumentError(f"{path}[{index}].id", "1..64 characters of [A-Za-z0-9_.-]")
        if item.id in seen:
            raise InvalidArgumentError(f"{path}[{index}].id", f"duplicate id {item.id!r}")
        seen.add(item.id)
    return seen


def _non_negative(message: Message, fields: tuple[str, ...], path: str) -> None:
    for name in fields:
        if getattr(message, name) < 0:
            raise InvalidArgumentError(f"{path}.{name}", "must be >= 0")


def _loyalty(program: loyalty_pb2.LoyaltyProgram, path: str) -> None:
    rules_path = f"{path}.earning_rules"
    _unique_ids(program.earning_rules, rules_path)
    for index, rule in enumerate(program.earning_rules):
        _earning_rule(rule, f"{rules_path}[{index}]")
    _non_negative(program, ("pending_days", "points_rate_money", "points_rate_points"), path)
    expiry = program.expiry
    if expiry.after_months < 0:
        raise InvalidArgumentError(f"{path}.expiry.after_months", "must be >= 0")
    if expiry.at_period_end and expiry.after_months:
        raise InvalidArgumentError(f"{path}.expiry", "after_months or at_period_end, not both")
    if expiry.at_period_end and expiry.period == loyalty_pb2.CAP_PERIOD_UNSPECIFIED:
        raise InvalidArgumentError(f"{path}.expiry.period", "required with at_period_end")
    tier_ids = _unique_ids(program.tiers, f"{path}.tiers")
    for index, tier in enumerate(program.tiers):
        _non_negative(tier, ("threshold", "multiplier_bp"), f"{path}.tiers[{index}]")
    _unique_ids(program.rewards, f"{path}.rewards")
    for index, reward in enumerate(program.rewards):
        _reward(reward, tier_ids, f"{path}.rewards[{index}]")


def _earning_rule(rule: loyalty_pb2.EarningRule, path: str) -> None:
    if rule.trigger == loyalty_pb2.EARNING_TRIGGER_UNSPECIFIED:
        raise InvalidArgumentError(f"{path}.trigger", "required")
    if rule.points <= 0:
        raise InvalidArgumentError(f"{path}.points", "must be > 0")
    if rule.trigger == loyalty_pb2.EARN_ON_ORDER_PAID and rule.per_amount <= 0:
        raise InvalidArgumentError(f"{path}.per_amount", "must be > 0 (minor units per `points`)")
    if rule.trigger == loyalty_pb2.EARN_ON_CUSTOM_EVENT and not EVENT_NAME.match(rule.event_name):
        raise InvalidArgumentError(f"{path}.event_name", "1..64 characters of [a-z0-9_.]")
    if rule.trigger == loyalty_pb2.EARN_ON_SEGMENT_ENTERED and not rule.segment_id:
        raise InvalidArgumentError(f"{path}.segment_id", "required")
    if rule.HasField("cap") and rule.cap < 0:
        raise InvalidArgumentError(f"{path}.cap", "must be >= 0")
    for index, day in enumerate(rule.days_of_week):
        if not 1 <= day <= 7:
            raise InvalidArgumentError(
                f"{path}.days_of_week[{index}]", "an ISO day of the week, 1 (Monday) .. 7 (Sunday)"
            )
    if len(set(rule.days_of_week)) != len(rule.days_of_week):
        raise InvalidArgumentError(f"{path}.days_of_week", "a day is listed twice")
    if rule.rules_json:
        # Not evaluated yet: refusing it is better than earning where the rule says not to.
        raise InvalidArgumentError(f"{path}.rules_json", "not supported yet")
    for index, multiplier in enumerate(rule.multipliers):
        where = f"{path}.multipliers[{index}]"
        if bool(multiplier.sku) == bool(multiplier.category):
            raise InvalidArgumentError(where, "exactly one of sku or category")
        if multiplier.multiplier_bp < 0:
            raise InvalidArgumentError(f"{where}.multiplier_bp", "must be >= 0")


def _reward(reward: loyalty_pb2.Reward, tier_ids: set[str], path: str) -> None:
    _non_negative(reward, ("points_cost", "cash_price"), path)
    kind = reward.effect.WhichOneof("kind")
    if kind is None:
        raise InvalidArgumentError(f"{path}.effect", "required")
    if kind == "gift_card_credit":
        if reward.effect.gift_card_credit <= 0:
            raise InvalidArgumentError(f"{path}.effect.gift_card_credit", "must be > 0")
        if not reward.gift_card_campaign_id:
            raise InvalidArgumentError(f"{path}.gift_card_campaign_id", "required for gift credit")
    if kind == "issue_code_from_campaign_id" and not reward.effect.issue_code_from_campaign_id:
        raise InvalidArgumentError(f"{path}.effect.issue_code_from_campaign_id", "required")
    if kind == "free_product_sku" and not reward.effect.free_product_sku:
        raise InvalidArgumentError(f"{path}.effect.free_product_sku", "required")
    for index, tier_id in enumerate(reward.tier_ids):
        if tier_id not in tier_ids:
            raise InvalidArgumentError(f"{path}.tier_ids[{index}]", f"no tier {tier_id!r}")
    if reward.HasField("stock") and reward.stock < 0:
        raise InvalidArgumentError(f"{path}.stock", "must be >= 0")


def _referral(program: loyalty_pb2.ReferralProgram, path: str) -> None:
    _non_negative(program, ("referrer_points", "referrer_gift_credit"), path)
    if program.referrer_points and not program.referrer_loyalty_campaign_id:
        raise InvalidArgumentError(f"{path}.referrer_loyalty_campaign_id", "required for points")
    if program.referrer_gift_credit and not program.referrer_gift_campaign_id:
        raise InvalidArgumentError(f"{path}.referrer_gift_campaign_id", "required for gift credit")
    if program.HasField("max_rewards_per_referrer") and program.max_rewards_per_referrer < 0:
        raise InvalidArgumentError(f"{path}.max_rewards_per_referrer", "must be >= 0")
    if program.conversion_event and not EVENT_NAME.match(program.conversion_event):
        raise InvalidArgumentError(f"{path}.conversion_event", "1..64 characters of [a-z0-9_.]")

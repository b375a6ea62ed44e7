import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EarningTrigger(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EARNING_TRIGGER_UNSPECIFIED: _ClassVar[EarningTrigger]
    EARN_ON_ORDER_PAID: _ClassVar[EarningTrigger]
    EARN_ON_CUSTOM_EVENT: _ClassVar[EarningTrigger]
    EARN_ON_SEGMENT_ENTERED: _ClassVar[EarningTrigger]

class CapPeriod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CAP_PERIOD_UNSPECIFIED: _ClassVar[CapPeriod]
    PERIOD_DAY: _ClassVar[CapPeriod]
    PERIOD_WEEK: _ClassVar[CapPeriod]
    PERIOD_MONTH: _ClassVar[CapPeriod]
    PERIOD_YEAR: _ClassVar[CapPeriod]

class TierBasis(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TIER_BASIS_UNSPECIFIED: _ClassVar[TierBasis]
    POINTS_IN_PERIOD: _ClassVar[TierBasis]
    LIFETIME_SPEND: _ClassVar[TierBasis]

class LedgerEntryKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LEDGER_ENTRY_KIND_UNSPECIFIED: _ClassVar[LedgerEntryKind]
    LEDGER_CREDIT: _ClassVar[LedgerEntryKind]
    LEDGER_DEBIT: _ClassVar[LedgerEntryKind]
    LEDGER_REFUND: _ClassVar[LedgerEntryKind]
    LEDGER_EXPIRY: _ClassVar[LedgerEntryKind]
    LEDGER_ADJUSTMENT: _ClassVar[LedgerEntryKind]
EARNING_TRIGGER_UNSPECIFIED: EarningTrigger
EARN_ON_ORDER_PAID: EarningTrigger
EARN_ON_CUSTOM_EVENT: EarningTrigger
EARN_ON_SEGMENT_ENTERED: EarningTrigger
CAP_PERIOD_UNSPECIFIED: CapPeriod
PERIOD_DAY: CapPeriod
PERIOD_WEEK: CapPeriod
PERIOD_MONTH: CapPeriod
PERIOD_YEAR: CapPeriod
TIER_BASIS_UNSPECIFIED: TierBasis
POINTS_IN_PERIOD: TierBasis
LIFETIME_SPEND: TierBasis
LEDGER_ENTRY_KIND_UNSPECIFIED: LedgerEntryKind
LEDGER_CREDIT: LedgerEntryKind
LEDGER_DEBIT: LedgerEntryKind
LEDGER_REFUND: LedgerEntryKind
LEDGER_EXPIRY: LedgerEntryKind
LEDGER_ADJUSTMENT: LedgerEntryKind

class PointsMultiplier(_message.Message):
    __slots__ = ("sku", "category", "multiplier_bp")
    SKU_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    MULTIPLIER_BP_FIELD_NUMBER: _ClassVar[int]
    sku: str
    category: str
    multiplier_bp: int
    def __init__(self, sku: _Optional[str] = ..., category: _Optional[str] = ..., multiplier_bp: _Optional[int] = ...) -> None: ...

class EarningRule(_message.Message):
    __slots__ = ("id", "trigger", "points", "per_amount", "multipliers", "event_name", "segment_id", "cap", "cap_period", "rules_json", "days_of_week")
    ID_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    PER_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    MULTIPLIERS_FIELD_NUMBER: _ClassVar[int]
    EVENT_NAME_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_ID_FIELD_NUMBER: _ClassVar[int]
    CAP_FIELD_NUMBER: _ClassVar[int]
    CAP_PERIOD_FIELD_NUMBER: _ClassVar[int]
    RULES_JSON_FIELD_NUMBER: _ClassVar[int]
    DAYS_OF_WEEK_FIELD_NUMBER: _ClassVar[int]
    id: str
    trigger: EarningTrigger
    points: int
    per_amount: int
    multipliers: _containers.RepeatedCompositeFieldContainer[PointsMultiplier]
    event_name: str
    segment_id: str
    cap: int
    cap_period: CapPeriod
    rules_json: str
    days_of_week: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, id: _Optional[str] = ..., trigger: _Optional[_Union[EarningTrigger, str]] = ..., points: _Optional[int] = ..., per_amount: _Optional[int] = ..., multipliers: _Optional[_Iterable[_Union[PointsMultiplier, _Mapping]]] = ..., event_name: _Optional[str] = ..., segment_id: _Optional[str] = ..., cap: _Optional[int] = ..., cap_period: _Optional[_Union[CapPeriod, str]] = ..., rules_json: _Optional[str] = ..., days_of_week: _Optional[_Iterable[int]] = ...) -> None: ...

class PointsExpiry(_message.Message):
    __slots__ = ("after_months", "at_period_end", "period")
    AFTER_MONTHS_FIELD_NUMBER: _ClassVar[int]
    AT_PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    after_months: int
    at_period_end: bool
    period: CapPeriod
    def __init__(self, after_months: _Optional[int] = ..., at_period_end: _Optional[bool] = ..., period: _Optional[_Union[CapPeriod, str]] = ...) -> None: ...

class Tier(_message.Message):
    __slots__ = ("id", "name", "threshold", "multiplier_bp")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    MULTIPLIER_BP_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    threshold: int
    multiplier_bp: int
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., threshold: _Optional[int] = ..., multiplier_bp: _Optional[int] = ...) -> None: ...

class RewardEffect(_message.Message):
    __slots__ = ("issue_code_from_campaign_id", "gift_card_credit", "free_product_sku")
    ISSUE_CODE_FROM_CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    GIFT_CARD_CREDIT_FIELD_NUMBER: _ClassVar[int]
    FREE_PRODUCT_SKU_FIELD_NUMBER: _ClassVar[int]
    issue_code_from_campaign_id: str
    gift_card_credit: int
    free_product_sku: str
    def __init__(self, issue_code_from_campaign_id: _Optional[str] = ..., gift_card_credit: _Optional[int] = ..., free_product_sku: _Optional[str] = ...) -> None: ...

class Reward(_message.Message):
    __slots__ = ("id", "name", "points_cost", "cash_price", "effect", "tier_ids", "stock", "gift_card_campaign_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    POINTS_COST_FIELD_NUMBER: _ClassVar[int]
    CASH_PRICE_FIELD_NUMBER: _ClassVar[int]
    EFFECT_FIELD_NUMBER: _ClassVar[int]
    TIER_IDS_FIELD_NUMBER: _ClassVar[int]
    STOCK_FIELD_NUMBER: _ClassVar[int]
    GIFT_CARD_CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    points_cost: int
    cash_price: int
    effect: RewardEffect
    tier_ids: _containers.RepeatedScalarFieldContainer[str]
    stock: int
    gift_card_campaign_id: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., points_cost: _Optional[int] = ..., cash_price: _Optional[int] = ..., effect: _Optional[_Union[RewardEffect, _Mapping]] = ..., tier_ids: _Optional[_Iterable[str]] = ..., stock: _Optional[int] = ..., gift_card_campaign_id: _Optional[str] = ...) -> None: ...

class LoyaltyProgram(_message.Message):
    __slots__ = ("earning_rules", "pending_days", "expiry", "tier_basis", "tier_period", "tiers", "rewards", "points_rate_money", "points_rate_points")
    EARNING_RULES_FIELD_NUMBER: _ClassVar[int]
    PENDING_DAYS_FIELD_NUMBER: _ClassVar[int]
    EXPIRY_FIELD_NUMBER: _ClassVar[int]
    TIER_BASIS_FIELD_NUMBER: _ClassVar[int]
    TIER_PERIOD_FIELD_NUMBER: _ClassVar[int]
    TIERS_FIELD_NUMBER: _ClassVar[int]
    REWARDS_FIELD_NUMBER: _ClassVar[int]
    POINTS_RATE_MONEY_FIELD_NUMBER: _ClassVar[int]
    POINTS_RATE_POINTS_FIELD_NUMBER: _ClassVar[int]
    earning_rules: _containers.RepeatedCompositeFieldContainer[EarningRule]
    pending_days: int
    expiry: PointsExpiry
    tier_basis: TierBasis
    tier_period: CapPeriod
    tiers: _containers.RepeatedCompositeFieldContainer[Tier]
    rewards: _containers.RepeatedCompositeFieldContainer[Reward]
    points_rate_money: int
    points_rate_points: int
    def __init__(self, earning_rules: _Optional[_Iterable[_Union[EarningRule, _Mapping]]] = ..., pending_days: _Optional[int] = ..., expiry: _Optional[_Union[PointsExpiry, _Mapping]] = ..., tier_basis: _Optional[_Union[TierBasis, str]] = ..., tier_period: _Optional[_Union[CapPeriod, str]] = ..., tiers: _Optional[_Iterable[_Union[Tier, _Mapping]]] = ..., rewards: _Optional[_Iterable[_Union[Reward, _Mapping]]] = ..., points_rate_money: _Optional[int] = ..., points_rate_points: _Optional[int] = ...) -> None: ...

class ReferralProgram(_message.Message):
    __slots__ = ("referrer_points", "referrer_loyalty_campaign_id", "referrer_gift_credit", "max_rewards_per_referrer", "conversion_event", "referrer_gift_campaign_id")
    REFERRER_POINTS_FIELD_NUMBER: _ClassVar[int]
    REFERRER_LOYALTY_CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    REFERRER_GIFT_CREDIT_FIELD_NUMBER: _ClassVar[int]
    MAX_REWARDS_PER_REFERRER_FIELD_NUMBER: _ClassVar[int]
    CONVERSION_EVENT_FIELD_NUMBER: _ClassVar[int]
    REFERRER_GIFT_CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    referrer_points: int
    referrer_loyalty_campaign_id: str
    referrer_gift_credit: int
    max_rewards_per_referrer: int
    conversion_event: str
    referrer_gift_campaign_id: str
    def __init__(self, referrer_points: _Optional[int] = ..., referrer_loyalty_campaign_id: _Optional[str] = ..., referrer_gift_credit: _Optional[int] = ..., max_rewards_per_referrer: _Optional[int] = ..., conversion_event: _Optional[str] = ..., referrer_gift_campaign_id: _Optional[str] = ...) -> None: ...

class LedgerEntry(_message.Message):
    __slots__ = ("id", "code", "kind", "delta", "balance_after", "redemption_id", "reason", "created_at", "active_at", "expires_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    DELTA_FIELD_NUMBER: _ClassVar[int]
    BALANCE_AFTER_FIELD_NUMBER: _ClassVar[int]
    REDEMPTION_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    code: str
    kind: LedgerEntryKind
    delta: int
    balance_after: int
    redemption_id: str
    reason: str
    created_at: _timestamp_pb2.Timestamp
    active_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., code: _Optional[str] = ..., kind: _Optional[_Union[LedgerEntryKind, str]] = ..., delta: _Optional[int] = ..., balance_after: _Optional[int] = ..., redemption_id: _Optional[str] = ..., reason: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., active_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class LoyaltyCard(_message.Message):
    __slots__ = ("code", "campaign_id", "customer_id", "points", "pending_points", "expiring_points", "tier_id", "lifetime_points", "lifetime_spend", "period_points", "balance")
    CODE_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    PENDING_POINTS_FIELD_NUMBER: _ClassVar[int]
    EXPIRING_POINTS_FIELD_NUMBER: _ClassVar[int]
    TIER_ID_FIELD_NUMBER: _ClassVar[int]
    LIFETIME_POINTS_FIELD_NUMBER: _ClassVar[int]
    LIFETIME_SPEND_FIELD_NUMBER: _ClassVar[int]
    PERIOD_POINTS_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    code: str
    campaign_id: str
    customer_id: str
    points: int
    pending_points: int
    expiring_points: int
    tier_id: str
    lifetime_points: int
    lifetime_spend: int
    period_points: int
    balance: int
    def __init__(self, code: _Optional[str] = ..., campaign_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., points: _Optional[int] = ..., pending_points: _Optional[int] = ..., expiring_points: _Optional[int] = ..., tier_id: _Optional[str] = ..., lifetime_points: _Optional[int] = ..., lifetime_spend: _Optional[int] = ..., period_points: _Optional[int] = ..., balance: _Optional[int] = ...) -> None: ...

class GiftCard(_message.Message):
    __slots__ = ("code", "campaign_id", "balance", "currency", "expire_at", "customer_id")
    CODE_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_AT_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    code: str
    campaign_id: str
    balance: int
    currency: str
    expire_at: _timestamp_pb2.Timestamp
    customer_id: str
    def __init__(self, code: _Optional[str] = ..., campaign_id: _Optional[str] = ..., balance: _Optional[int] = ..., currency: _Optional[str] = ..., expire_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., customer_id: _Optional[str] = ...) -> None: ...

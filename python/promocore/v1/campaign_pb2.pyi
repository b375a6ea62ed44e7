import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from promocore.v1 import loyalty_pb2 as _loyalty_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CampaignType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CAMPAIGN_TYPE_UNSPECIFIED: _ClassVar[CampaignType]
    DISCOUNT_COUPONS: _ClassVar[CampaignType]
    PROMOTION: _ClassVar[CampaignType]
    GIFT_VOUCHERS: _ClassVar[CampaignType]
    LOYALTY_PROGRAM: _ClassVar[CampaignType]
    REFERRAL_PROGRAM: _ClassVar[CampaignType]

class CampaignStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CAMPAIGN_STATUS_UNSPECIFIED: _ClassVar[CampaignStatus]
    CAMPAIGN_STATUS_DRAFT: _ClassVar[CampaignStatus]
    CAMPAIGN_STATUS_ACTIVE: _ClassVar[CampaignStatus]
    CAMPAIGN_STATUS_PAUSED: _ClassVar[CampaignStatus]
    CAMPAIGN_STATUS_EXPIRED: _ClassVar[CampaignStatus]
    CAMPAIGN_STATUS_SCHEDULED: _ClassVar[CampaignStatus]

class CalculationBase(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CALCULATION_BASE_UNSPECIFIED: _ClassVar[CalculationBase]
    RUNNING_AMOUNT: _ClassVar[CalculationBase]
    INITIAL_AMOUNT: _ClassVar[CalculationBase]

class ApplicationOrder(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    APPLICATION_ORDER_UNSPECIFIED: _ClassVar[ApplicationOrder]
    CATEGORY_PRIORITY: _ClassVar[ApplicationOrder]
    REQUESTED_ORDER: _ClassVar[ApplicationOrder]

class JointPlacement(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    JOINT_PLACEMENT_UNSPECIFIED: _ClassVar[JointPlacement]
    JOINT_SORTED: _ClassVar[JointPlacement]
    JOINT_LAST: _ClassVar[JointPlacement]

class ExclusiveResolution(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EXCLUSIVE_RESOLUTION_UNSPECIFIED: _ClassVar[ExclusiveResolution]
    FIRST_WINS: _ClassVar[ExclusiveResolution]
    EXCLUSIVE_WINS: _ClassVar[ExclusiveResolution]

class ProductStackPolicy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PRODUCT_STACK_POLICY_UNSPECIFIED: _ClassVar[ProductStackPolicy]
    MULTIPLE: _ClassVar[ProductStackPolicy]
    SINGLE: _ClassVar[ProductStackPolicy]

class NoEffectPolicy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NO_EFFECT_POLICY_UNSPECIFIED: _ClassVar[NoEffectPolicy]
    REFUSE_NO_EFFECT: _ClassVar[NoEffectPolicy]
    REDEEM_ANYWAY: _ClassVar[NoEffectPolicy]

class CombinationMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COMBINATION_MODE_UNSPECIFIED: _ClassVar[CombinationMode]
    APPLICATION_ORDER: _ClassVar[CombinationMode]
    BEST_FOR_CUSTOMER: _ClassVar[CombinationMode]

class CodeKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CODE_KIND_UNSPECIFIED: _ClassVar[CodeKind]
    CODE_KIND_DISCOUNT: _ClassVar[CodeKind]
    CODE_KIND_GIFT_CARD: _ClassVar[CodeKind]
    CODE_KIND_LOYALTY_CARD: _ClassVar[CodeKind]
    CODE_KIND_REFERRAL: _ClassVar[CodeKind]
CAMPAIGN_TYPE_UNSPECIFIED: CampaignType
DISCOUNT_COUPONS: CampaignType
PROMOTION: CampaignType
GIFT_VOUCHERS: CampaignType
LOYALTY_PROGRAM: CampaignType
REFERRAL_PROGRAM: CampaignType
CAMPAIGN_STATUS_UNSPECIFIED: CampaignStatus
CAMPAIGN_STATUS_DRAFT: CampaignStatus
CAMPAIGN_STATUS_ACTIVE: CampaignStatus
CAMPAIGN_STATUS_PAUSED: CampaignStatus
CAMPAIGN_STATUS_EXPIRED: CampaignStatus
CAMPAIGN_STATUS_SCHEDULED: CampaignStatus
CALCULATION_BASE_UNSPECIFIED: CalculationBase
RUNNING_AMOUNT: CalculationBase
INITIAL_AMOUNT: CalculationBase
APPLICATION_ORDER_UNSPECIFIED: ApplicationOrder
CATEGORY_PRIORITY: ApplicationOrder
REQUESTED_ORDER: ApplicationOrder
JOINT_PLACEMENT_UNSPECIFIED: JointPlacement
JOINT_SORTED: JointPlacement
JOINT_LAST: JointPlacement
EXCLUSIVE_RESOLUTION_UNSPECIFIED: ExclusiveResolution
FIRST_WINS: ExclusiveResolution
EXCLUSIVE_WINS: ExclusiveResolution
PRODUCT_STACK_POLICY_UNSPECIFIED: ProductStackPolicy
MULTIPLE: ProductStackPolicy
SINGLE: ProductStackPolicy
NO_EFFECT_POLICY_UNSPECIFIED: NoEffectPolicy
REFUSE_NO_EFFECT: NoEffectPolicy
REDEEM_ANYWAY: NoEffectPolicy
COMBINATION_MODE_UNSPECIFIED: CombinationMode
APPLICATION_ORDER: CombinationMode
BEST_FOR_CUSTOMER: CombinationMode
CODE_KIND_UNSPECIFIED: CodeKind
CODE_KIND_DISCOUNT: CodeKind
CODE_KIND_GIFT_CARD: CodeKind
CODE_KIND_LOYALTY_CARD: CodeKind
CODE_KIND_REFERRAL: CodeKind

class ItemFilter(_message.Message):
    __slots__ = ("rule_json",)
    RULE_JSON_FIELD_NUMBER: _ClassVar[int]
    rule_json: str
    def __init__(self, rule_json: _Optional[str] = ...) -> None: ...

class AmountOffOrder(_message.Message):
    __slots__ = ("amount",)
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    amount: int
    def __init__(self, amount: _Optional[int] = ...) -> None: ...

class PercentOffOrder(_message.Message):
    __slots__ = ("percent_bp", "cap")
    PERCENT_BP_FIELD_NUMBER: _ClassVar[int]
    CAP_FIELD_NUMBER: _ClassVar[int]
    percent_bp: int
    cap: int
    def __init__(self, percent_bp: _Optional[int] = ..., cap: _Optional[int] = ...) -> None: ...

class AmountOffItems(_message.Message):
    __slots__ = ("filter", "amount", "per_unit")
    FILTER_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    PER_UNIT_FIELD_NUMBER: _ClassVar[int]
    filter: ItemFilter
    amount: int
    per_unit: bool
    def __init__(self, filter: _Optional[_Union[ItemFilter, _Mapping]] = ..., amount: _Optional[int] = ..., per_unit: _Optional[bool] = ...) -> None: ...

class PercentOffItems(_message.Message):
    __slots__ = ("filter", "percent_bp", "cap")
    FILTER_FIELD_NUMBER: _ClassVar[int]
    PERCENT_BP_FIELD_NUMBER: _ClassVar[int]
    CAP_FIELD_NUMBER: _ClassVar[int]
    filter: ItemFilter
    percent_bp: int
    cap: int
    def __init__(self, filter: _Optional[_Union[ItemFilter, _Mapping]] = ..., percent_bp: _Optional[int] = ..., cap: _Optional[int] = ...) -> None: ...

class FixedPrice(_message.Message):
    __slots__ = ("filter", "unit_price", "max_units")
    FILTER_FIELD_NUMBER: _ClassVar[int]
    UNIT_PRICE_FIELD_NUMBER: _ClassVar[int]
    MAX_UNITS_FIELD_NUMBER: _ClassVar[int]
    filter: ItemFilter
    unit_price: int
    max_units: int
    def __init__(self, filter: _Optional[_Union[ItemFilter, _Mapping]] = ..., unit_price: _Optional[int] = ..., max_units: _Optional[int] = ...) -> None: ...

class FreeUnits(_message.Message):
    __slots__ = ("sku", "quantity", "add_missing_item", "unit_price", "product_id")
    SKU_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    ADD_MISSING_ITEM_FIELD_NUMBER: _ClassVar[int]
    UNIT_PRICE_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    sku: str
    quantity: int
    add_missing_item: bool
    unit_price: int
    product_id: str
    def __init__(self, sku: _Optional[str] = ..., quantity: _Optional[int] = ..., add_missing_item: _Optional[bool] = ..., unit_price: _Optional[int] = ..., product_id: _Optional[str] = ...) -> None: ...

class BuyXGetY(_message.Message):
    __slots__ = ("buy_filter", "buy_quantity", "get_filter", "get_quantity", "percent_bp", "max_repeats")
    BUY_FILTER_FIELD_NUMBER: _ClassVar[int]
    BUY_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    GET_FILTER_FIELD_NUMBER: _ClassVar[int]
    GET_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    PERCENT_BP_FIELD_NUMBER: _ClassVar[int]
    MAX_REPEATS_FIELD_NUMBER: _ClassVar[int]
    buy_filter: ItemFilter
    buy_quantity: int
    get_filter: ItemFilter
    get_quantity: int
    percent_bp: int
    max_repeats: int
    def __init__(self, buy_filter: _Optional[_Union[ItemFilter, _Mapping]] = ..., buy_quantity: _Optional[int] = ..., get_filter: _Optional[_Union[ItemFilter, _Mapping]] = ..., get_quantity: _Optional[int] = ..., percent_bp: _Optional[int] = ..., max_repeats: _Optional[int] = ...) -> None: ...

class SpendTier(_message.Message):
    __slots__ = ("threshold", "amount", "percent_bp")
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    PERCENT_BP_FIELD_NUMBER: _ClassVar[int]
    threshold: int
    amount: int
    percent_bp: int
    def __init__(self, threshold: _Optional[int] = ..., amount: _Optional[int] = ..., percent_bp: _Optional[int] = ...) -> None: ...

class TieredSpend(_message.Message):
    __slots__ = ("tiers", "cap")
    TIERS_FIELD_NUMBER: _ClassVar[int]
    CAP_FIELD_NUMBER: _ClassVar[int]
    tiers: _containers.RepeatedCompositeFieldContainer[SpendTier]
    cap: int
    def __init__(self, tiers: _Optional[_Iterable[_Union[SpendTier, _Mapping]]] = ..., cap: _Optional[int] = ...) -> None: ...

class ShippingDiscount(_message.Message):
    __slots__ = ("free", "amount", "percent_bp")
    FREE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    PERCENT_BP_FIELD_NUMBER: _ClassVar[int]
    free: bool
    amount: int
    percent_bp: int
    def __init__(self, free: _Optional[bool] = ..., amount: _Optional[int] = ..., percent_bp: _Optional[int] = ...) -> None: ...

class FormulaDiscount(_message.Message):
    __slots__ = ("expression", "filter")
    EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    expression: str
    filter: ItemFilter
    def __init__(self, expression: _Optional[str] = ..., filter: _Optional[_Union[ItemFilter, _Mapping]] = ...) -> None: ...

class Effect(_message.Message):
    __slots__ = ("amount_off_order", "percent_off_order", "amount_off_items", "percent_off_items", "fixed_price", "free_units", "buy_x_get_y", "tiered_spend", "shipping", "formula")
    AMOUNT_OFF_ORDER_FIELD_NUMBER: _ClassVar[int]
    PERCENT_OFF_ORDER_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_OFF_ITEMS_FIELD_NUMBER: _ClassVar[int]
    PERCENT_OFF_ITEMS_FIELD_NUMBER: _ClassVar[int]
    FIXED_PRICE_FIELD_NUMBER: _ClassVar[int]
    FREE_UNITS_FIELD_NUMBER: _ClassVar[int]
    BUY_X_GET_Y_FIELD_NUMBER: _ClassVar[int]
    TIERED_SPEND_FIELD_NUMBER: _ClassVar[int]
    SHIPPING_FIELD_NUMBER: _ClassVar[int]
    FORMULA_FIELD_NUMBER: _ClassVar[int]
    amount_off_order: AmountOffOrder
    percent_off_order: PercentOffOrder
    amount_off_items: AmountOffItems
    percent_off_items: PercentOffItems
    fixed_price: FixedPrice
    free_units: FreeUnits
    buy_x_get_y: BuyXGetY
    tiered_spend: TieredSpend
    shipping: ShippingDiscount
    formula: FormulaDiscount
    def __init__(self, amount_off_order: _Optional[_Union[AmountOffOrder, _Mapping]] = ..., percent_off_order: _Optional[_Union[PercentOffOrder, _Mapping]] = ..., amount_off_items: _Optional[_Union[AmountOffItems, _Mapping]] = ..., percent_off_items: _Optional[_Union[PercentOffItems, _Mapping]] = ..., fixed_price: _Optional[_Union[FixedPrice, _Mapping]] = ..., free_units: _Optional[_Union[FreeUnits, _Mapping]] = ..., buy_x_get_y: _Optional[_Union[BuyXGetY, _Mapping]] = ..., tiered_spend: _Optional[_Union[TieredSpend, _Mapping]] = ..., shipping: _Optional[_Union[ShippingDiscount, _Mapping]] = ..., formula: _Optional[_Union[FormulaDiscount, _Mapping]] = ...) -> None: ...

class Limits(_message.Message):
    __slots__ = ("total_redemptions", "per_customer", "per_customer_per_day", "per_customer_per_week", "per_customer_per_month", "per_day", "budget_discount", "budget_order_value")
    TOTAL_REDEMPTIONS_FIELD_NUMBER: _ClassVar[int]
    PER_CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    PER_CUSTOMER_PER_DAY_FIELD_NUMBER: _ClassVar[int]
    PER_CUSTOMER_PER_WEEK_FIELD_NUMBER: _ClassVar[int]
    PER_CUSTOMER_PER_MONTH_FIELD_NUMBER: _ClassVar[int]
    PER_DAY_FIELD_NUMBER: _ClassVar[int]
    BUDGET_DISCOUNT_FIELD_NUMBER: _ClassVar[int]
    BUDGET_ORDER_VALUE_FIELD_NUMBER: _ClassVar[int]
    total_redemptions: int
    per_customer: int
    per_customer_per_day: int
    per_customer_per_week: int
    per_customer_per_month: int
    per_day: int
    budget_discount: int
    budget_order_value: int
    def __init__(self, total_redemptions: _Optional[int] = ..., per_customer: _Optional[int] = ..., per_customer_per_day: _Optional[int] = ..., per_customer_per_week: _Optional[int] = ..., per_customer_per_month: _Optional[int] = ..., per_day: _Optional[int] = ..., budget_discount: _Optional[int] = ..., budget_order_value: _Optional[int] = ...) -> None: ...

class Stacking(_message.Message):
    __slots__ = ("category", "priority", "not_combinable_with")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    NOT_COMBINABLE_WITH_FIELD_NUMBER: _ClassVar[int]
    category: str
    priority: int
    not_combinable_with: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, category: _Optional[str] = ..., priority: _Optional[int] = ..., not_combinable_with: _Optional[_Iterable[str]] = ...) -> None: ...

class StackingCategory(_message.Message):
    __slots__ = ("name", "priority", "exclusive", "joint", "max_applied", "calculation_base")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    EXCLUSIVE_FIELD_NUMBER: _ClassVar[int]
    JOINT_FIELD_NUMBER: _ClassVar[int]
    MAX_APPLIED_FIELD_NUMBER: _ClassVar[int]
    CALCULATION_BASE_FIELD_NUMBER: _ClassVar[int]
    name: str
    priority: int
    exclusive: bool
    joint: bool
    max_applied: int
    calculation_base: CalculationBase
    def __init__(self, name: _Optional[str] = ..., priority: _Optional[int] = ..., exclusive: _Optional[bool] = ..., joint: _Optional[bool] = ..., max_applied: _Optional[int] = ..., calculation_base: _Optional[_Union[CalculationBase, str]] = ...) -> None: ...

class StackingRules(_message.Message):
    __slots__ = ("max_applied", "default_max_per_category", "categories", "application_order", "joint_placement", "exclusive_resolution", "max_exclusive_applied", "max_per_exclusive_category", "product_stack_policy", "no_effect_policy", "combination_mode")
    MAX_APPLIED_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_MAX_PER_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_ORDER_FIELD_NUMBER: _ClassVar[int]
    JOINT_PLACEMENT_FIELD_NUMBER: _ClassVar[int]
    EXCLUSIVE_RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    MAX_EXCLUSIVE_APPLIED_FIELD_NUMBER: _ClassVar[int]
    MAX_PER_EXCLUSIVE_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_STACK_POLICY_FIELD_NUMBER: _ClassVar[int]
    NO_EFFECT_POLICY_FIELD_NUMBER: _ClassVar[int]
    COMBINATION_MODE_FIELD_NUMBER: _ClassVar[int]
    max_applied: int
    default_max_per_category: int
    categories: _containers.RepeatedCompositeFieldContainer[StackingCategory]
    application_order: ApplicationOrder
    joint_placement: JointPlacement
    exclusive_resolution: ExclusiveResolution
    max_exclusive_applied: int
    max_per_exclusive_category: int
    product_stack_policy: ProductStackPolicy
    no_effect_policy: NoEffectPolicy
    combination_mode: CombinationMode
    def __init__(self, max_applied: _Optional[int] = ..., default_max_per_category: _Optional[int] = ..., categories: _Optional[_Iterable[_Union[StackingCategory, _Mapping]]] = ..., application_order: _Optional[_Union[ApplicationOrder, str]] = ..., joint_placement: _Optional[_Union[JointPlacement, str]] = ..., exclusive_resolution: _Optional[_Union[ExclusiveResolution, str]] = ..., max_exclusive_applied: _Optional[int] = ..., max_per_exclusive_category: _Optional[int] = ..., product_stack_policy: _Optional[_Union[ProductStackPolicy, str]] = ..., no_effect_policy: _Optional[_Union[NoEffectPolicy, str]] = ..., combination_mode: _Optional[_Union[CombinationMode, str]] = ...) -> None: ...

class ValidityWindow(_message.Message):
    __slots__ = ("days_of_week", "start_time", "end_time")
    DAYS_OF_WEEK_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    days_of_week: _containers.RepeatedScalarFieldContainer[int]
    start_time: str
    end_time: str
    def __init__(self, days_of_week: _Optional[_Iterable[int]] = ..., start_time: _Optional[str] = ..., end_time: _Optional[str] = ...) -> None: ...

class CodeConfig(_message.Message):
    __slots__ = ("pattern", "charset_preset", "charset", "prefix", "postfix")
    PATTERN_FIELD_NUMBER: _ClassVar[int]
    CHARSET_PRESET_FIELD_NUMBER: _ClassVar[int]
    CHARSET_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    POSTFIX_FIELD_NUMBER: _ClassVar[int]
    pattern: str
    charset_preset: str
    charset: str
    prefix: str
    postfix: str
    def __init__(self, pattern: _Optional[str] = ..., charset_preset: _Optional[str] = ..., charset: _Optional[str] = ..., prefix: _Optional[str] = ..., postfix: _Optional[str] = ...) -> None: ...

class Variant(_message.Message):
    __slots__ = ("name", "weight", "effect")
    NAME_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    EFFECT_FIELD_NUMBER: _ClassVar[int]
    name: str
    weight: int
    effect: Effect
    def __init__(self, name: _Optional[str] = ..., weight: _Optional[int] = ..., effect: _Optional[_Union[Effect, _Mapping]] = ...) -> None: ...

class Campaign(_message.Message):
    __slots__ = ("id", "name", "type", "active", "status", "start_at", "expire_at", "validity_windows", "rules_json", "rules_message", "effect", "limits", "stacking", "currency", "time_zone", "code_config", "metadata_json", "variants", "version", "created_at", "updated_at", "draft", "loyalty", "referral", "code_redemption_quantity")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    START_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_AT_FIELD_NUMBER: _ClassVar[int]
    VALIDITY_WINDOWS_FIELD_NUMBER: _ClassVar[int]
    RULES_JSON_FIELD_NUMBER: _ClassVar[int]
    RULES_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    EFFECT_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    STACKING_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    CODE_CONFIG_FIELD_NUMBER: _ClassVar[int]
    METADATA_JSON_FIELD_NUMBER: _ClassVar[int]
    VARIANTS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    DRAFT_FIELD_NUMBER: _ClassVar[int]
    LOYALTY_FIELD_NUMBER: _ClassVar[int]
    REFERRAL_FIELD_NUMBER: _ClassVar[int]
    CODE_REDEMPTION_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    type: CampaignType
    active: bool
    status: CampaignStatus
    start_at: _timestamp_pb2.Timestamp
    expire_at: _timestamp_pb2.Timestamp
    validity_windows: _containers.RepeatedCompositeFieldContainer[ValidityWindow]
    rules_json: str
    rules_message: str
    effect: Effect
    limits: Limits
    stacking: Stacking
    currency: str
    time_zone: str
    code_config: CodeConfig
    metadata_json: str
    variants: _containers.RepeatedCompositeFieldContainer[Variant]
    version: int
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    draft: bool
    loyalty: _loyalty_pb2.LoyaltyProgram
    referral: _loyalty_pb2.ReferralProgram
    code_redemption_quantity: int
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., type: _Optional[_Union[CampaignType, str]] = ..., active: _Optional[bool] = ..., status: _Optional[_Union[CampaignStatus, str]] = ..., start_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expire_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., validity_windows: _Optional[_Iterable[_Union[ValidityWindow, _Mapping]]] = ..., rules_json: _Optional[str] = ..., rules_message: _Optional[str] = ..., effect: _Optional[_Union[Effect, _Mapping]] = ..., limits: _Optional[_Union[Limits, _Mapping]] = ..., stacking: _Optional[_Union[Stacking, _Mapping]] = ..., currency: _Optional[str] = ..., time_zone: _Optional[str] = ..., code_config: _Optional[_Union[CodeConfig, _Mapping]] = ..., metadata_json: _Optional[str] = ..., variants: _Optional[_Iterable[_Union[Variant, _Mapping]]] = ..., version: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., draft: _Optional[bool] = ..., loyalty: _Optional[_Union[_loyalty_pb2.LoyaltyProgram, _Mapping]] = ..., referral: _Optional[_Union[_loyalty_pb2.ReferralProgram, _Mapping]] = ..., code_redemption_quantity: _Optional[int] = ...) -> None: ...

class Code(_message.Message):
    __slots__ = ("code", "campaign_id", "kind", "redemption_quantity", "redeemed_quantity", "gift_balance", "points", "assigned_customer_id", "active", "start_at", "expire_at", "metadata_json", "created_at", "referrer_customer_id", "public")
    CODE_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    REDEMPTION_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    REDEEMED_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    GIFT_BALANCE_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    ASSIGNED_CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    START_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_AT_FIELD_NUMBER: _ClassVar[int]
    METADATA_JSON_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    REFERRER_CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_FIELD_NUMBER: _ClassVar[int]
    code: str
    campaign_id: str
    kind: CodeKind
    redemption_quantity: int
    redeemed_quantity: int
    gift_balance: int
    points: int
    assigned_customer_id: str
    active: bool
    start_at: _timestamp_pb2.Timestamp
    expire_at: _timestamp_pb2.Timestamp
    metadata_json: str
    created_at: _timestamp_pb2.Timestamp
    referrer_customer_id: str
    public: bool
    def __init__(self, code: _Optional[str] = ..., campaign_id: _Optional[str] = ..., kind: _Optional[_Union[CodeKind, str]] = ..., redemption_quantity: _Optional[int] = ..., redeemed_quantity: _Optional[int] = ..., gift_balance: _Optional[int] = ..., points: _Optional[int] = ..., assigned_customer_id: _Optional[str] = ..., active: _Optional[bool] = ..., start_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expire_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., metadata_json: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., referrer_customer_id: _Optional[str] = ..., public: _Optional[bool] = ...) -> None: ...

from promocore.v1 import campaign_pb2 as _campaign_pb2
from promocore.v1 import checkout_pb2 as _checkout_pb2
from promocore.v1 import common_pb2 as _common_pb2
from promocore.v1 import customer_pb2 as _customer_pb2
from promocore.v1 import loyalty_pb2 as _loyalty_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CheckoutInput(_message.Message):
    __slots__ = ("order", "customer", "redeemables", "options")
    ORDER_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    REDEEMABLES_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    order: _common_pb2.Order
    customer: _common_pb2.CustomerRef
    redeemables: _containers.RepeatedCompositeFieldContainer[_checkout_pb2.Redeemable]
    options: _checkout_pb2.CheckoutOptions
    def __init__(self, order: _Optional[_Union[_common_pb2.Order, _Mapping]] = ..., customer: _Optional[_Union[_common_pb2.CustomerRef, _Mapping]] = ..., redeemables: _Optional[_Iterable[_Union[_checkout_pb2.Redeemable, _Mapping]]] = ..., options: _Optional[_Union[_checkout_pb2.CheckoutOptions, _Mapping]] = ...) -> None: ...

class Counters(_message.Message):
    __slots__ = ("code_redeemed", "campaign_redemptions", "customer_redemptions", "customer_day", "customer_week", "customer_month", "campaign_day", "discount_given", "order_value")
    CODE_REDEEMED_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_REDEMPTIONS_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_REDEMPTIONS_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_DAY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_WEEK_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_MONTH_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_DAY_FIELD_NUMBER: _ClassVar[int]
    DISCOUNT_GIVEN_FIELD_NUMBER: _ClassVar[int]
    ORDER_VALUE_FIELD_NUMBER: _ClassVar[int]
    code_redeemed: int
    campaign_redemptions: int
    customer_redemptions: int
    customer_day: int
    customer_week: int
    customer_month: int
    campaign_day: int
    discount_given: int
    order_value: int
    def __init__(self, code_redeemed: _Optional[int] = ..., campaign_redemptions: _Optional[int] = ..., customer_redemptions: _Optional[int] = ..., customer_day: _Optional[int] = ..., customer_week: _Optional[int] = ..., customer_month: _Optional[int] = ..., campaign_day: _Optional[int] = ..., discount_given: _Optional[int] = ..., order_value: _Optional[int] = ...) -> None: ...

class ResolvedRedeemable(_message.Message):
    __slots__ = ("campaign_slot", "code", "counters", "held_by_other_session")
    CAMPAIGN_SLOT_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    COUNTERS_FIELD_NUMBER: _ClassVar[int]
    HELD_BY_OTHER_SESSION_FIELD_NUMBER: _ClassVar[int]
    campaign_slot: int
    code: _campaign_pb2.Code
    counters: Counters
    held_by_other_session: bool
    def __init__(self, campaign_slot: _Optional[int] = ..., code: _Optional[_Union[_campaign_pb2.Code, _Mapping]] = ..., counters: _Optional[_Union[Counters, _Mapping]] = ..., held_by_other_session: _Optional[bool] = ...) -> None: ...

class EvaluationContext(_message.Message):
    __slots__ = ("now_unix_ms", "redeemables", "promotions", "customer", "stacking_rules")
    NOW_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    REDEEMABLES_FIELD_NUMBER: _ClassVar[int]
    PROMOTIONS_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    STACKING_RULES_FIELD_NUMBER: _ClassVar[int]
    now_unix_ms: int
    redeemables: _containers.RepeatedCompositeFieldContainer[ResolvedRedeemable]
    promotions: _containers.RepeatedCompositeFieldContainer[ResolvedRedeemable]
    customer: CustomerProfile
    stacking_rules: _campaign_pb2.StackingRules
    def __init__(self, now_unix_ms: _Optional[int] = ..., redeemables: _Optional[_Iterable[_Union[ResolvedRedeemable, _Mapping]]] = ..., promotions: _Optional[_Iterable[_Union[ResolvedRedeemable, _Mapping]]] = ..., customer: _Optional[_Union[CustomerProfile, _Mapping]] = ..., stacking_rules: _Optional[_Union[_campaign_pb2.StackingRules, _Mapping]] = ...) -> None: ...

class CustomerProfile(_message.Message):
    __slots__ = ("segments", "aggregates", "loyalty", "attributes_json")
    class LoyaltyEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _loyalty_pb2.LoyaltyCard
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_loyalty_pb2.LoyaltyCard, _Mapping]] = ...) -> None: ...
    SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    AGGREGATES_FIELD_NUMBER: _ClassVar[int]
    LOYALTY_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_JSON_FIELD_NUMBER: _ClassVar[int]
    segments: _containers.RepeatedScalarFieldContainer[str]
    aggregates: _customer_pb2.CustomerAggregates
    loyalty: _containers.MessageMap[str, _loyalty_pb2.LoyaltyCard]
    attributes_json: str
    def __init__(self, segments: _Optional[_Iterable[str]] = ..., aggregates: _Optional[_Union[_customer_pb2.CustomerAggregates, _Mapping]] = ..., loyalty: _Optional[_Mapping[str, _loyalty_pb2.LoyaltyCard]] = ..., attributes_json: _Optional[str] = ...) -> None: ...

class WalletCode(_message.Message):
    __slots__ = ("code", "counters")
    CODE_FIELD_NUMBER: _ClassVar[int]
    COUNTERS_FIELD_NUMBER: _ClassVar[int]
    code: _campaign_pb2.Code
    counters: Counters
    def __init__(self, code: _Optional[_Union[_campaign_pb2.Code, _Mapping]] = ..., counters: _Optional[_Union[Counters, _Mapping]] = ...) -> None: ...

class QualifyContext(_message.Message):
    __slots__ = ("now_unix_ms", "customer", "counters", "public_codes", "assigned_codes")
    class CountersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: Counters
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[Counters, _Mapping]] = ...) -> None: ...
    class PublicCodesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _campaign_pb2.Code
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_campaign_pb2.Code, _Mapping]] = ...) -> None: ...
    NOW_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    COUNTERS_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_CODES_FIELD_NUMBER: _ClassVar[int]
    ASSIGNED_CODES_FIELD_NUMBER: _ClassVar[int]
    now_unix_ms: int
    customer: CustomerProfile
    counters: _containers.MessageMap[str, Counters]
    public_codes: _containers.MessageMap[str, _campaign_pb2.Code]
    assigned_codes: _containers.RepeatedCompositeFieldContainer[WalletCode]
    def __init__(self, now_unix_ms: _Optional[int] = ..., customer: _Optional[_Union[CustomerProfile, _Mapping]] = ..., counters: _Optional[_Mapping[str, Counters]] = ..., public_codes: _Optional[_Mapping[str, _campaign_pb2.Code]] = ..., assigned_codes: _Optional[_Iterable[_Union[WalletCode, _Mapping]]] = ...) -> None: ...

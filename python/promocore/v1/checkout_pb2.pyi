import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from promocore.v1 import common_pb2 as _common_pb2
from promocore.v1 import loyalty_pb2 as _loyalty_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ApplicationMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    APPLICATION_MODE_UNSPECIFIED: _ClassVar[ApplicationMode]
    PARTIAL: _ClassVar[ApplicationMode]
    ALL: _ClassVar[ApplicationMode]

class RedemptionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REDEMPTION_STATUS_UNSPECIFIED: _ClassVar[RedemptionStatus]
    SUCCEEDED: _ClassVar[RedemptionStatus]
    ROLLED_BACK: _ClassVar[RedemptionStatus]
    FAILED: _ClassVar[RedemptionStatus]

class WalletSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WALLET_SOURCE_UNSPECIFIED: _ClassVar[WalletSource]
    AUTO_PROMOTION: _ClassVar[WalletSource]
    ASSIGNED_CODE: _ClassVar[WalletSource]
    PUBLIC_CODE: _ClassVar[WalletSource]
    WALLET_GIFT_CARD: _ClassVar[WalletSource]
    WALLET_LOYALTY_CARD: _ClassVar[WalletSource]
APPLICATION_MODE_UNSPECIFIED: ApplicationMode
PARTIAL: ApplicationMode
ALL: ApplicationMode
REDEMPTION_STATUS_UNSPECIFIED: RedemptionStatus
SUCCEEDED: RedemptionStatus
ROLLED_BACK: RedemptionStatus
FAILED: RedemptionStatus
WALLET_SOURCE_UNSPECIFIED: WalletSource
AUTO_PROMOTION: WalletSource
ASSIGNED_CODE: WalletSource
PUBLIC_CODE: WalletSource
WALLET_GIFT_CARD: WalletSource
WALLET_LOYALTY_CARD: WalletSource

class Redeemable(_message.Message):
    __slots__ = ("code", "promotion_id", "amount", "points")
    CODE_FIELD_NUMBER: _ClassVar[int]
    PROMOTION_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    code: str
    promotion_id: str
    amount: int
    points: int
    def __init__(self, code: _Optional[str] = ..., promotion_id: _Optional[str] = ..., amount: _Optional[int] = ..., points: _Optional[int] = ...) -> None: ...

class CheckoutOptions(_message.Message):
    __slots__ = ("mode", "include_promotions", "explain_promotions")
    MODE_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_PROMOTIONS_FIELD_NUMBER: _ClassVar[int]
    EXPLAIN_PROMOTIONS_FIELD_NUMBER: _ClassVar[int]
    mode: ApplicationMode
    include_promotions: bool
    explain_promotions: bool
    def __init__(self, mode: _Optional[_Union[ApplicationMode, str]] = ..., include_promotions: _Optional[bool] = ..., explain_promotions: _Optional[bool] = ...) -> None: ...

class ReservationRequest(_message.Message):
    __slots__ = ("session_key", "ttl_seconds")
    SESSION_KEY_FIELD_NUMBER: _ClassVar[int]
    TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    session_key: str
    ttl_seconds: int
    def __init__(self, session_key: _Optional[str] = ..., ttl_seconds: _Optional[int] = ...) -> None: ...

class Reservation(_message.Message):
    __slots__ = ("session_key", "expires_at")
    SESSION_KEY_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    session_key: str
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, session_key: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RedeemableResult(_message.Message):
    __slots__ = ("redeemable", "campaign_id", "campaign_name", "campaign_version", "status", "reason", "message", "explanation", "items_discount", "shipping_discount", "allocations", "added_items", "gift_amount", "points", "points_amount", "variant", "category", "skipped_by")
    REDEEMABLE_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_NAME_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_VERSION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    ITEMS_DISCOUNT_FIELD_NUMBER: _ClassVar[int]
    SHIPPING_DISCOUNT_FIELD_NUMBER: _ClassVar[int]
    ALLOCATIONS_FIELD_NUMBER: _ClassVar[int]
    ADDED_ITEMS_FIELD_NUMBER: _ClassVar[int]
    GIFT_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    POINTS_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    VARIANT_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_BY_FIELD_NUMBER: _ClassVar[int]
    redeemable: Redeemable
    campaign_id: str
    campaign_name: str
    campaign_version: int
    status: _common_pb2.RedeemableStatus
    reason: str
    message: str
    explanation: _common_pb2.Explanation
    items_discount: int
    shipping_discount: int
    allocations: _containers.RepeatedCompositeFieldContainer[_common_pb2.ItemAllocation]
    added_items: _containers.RepeatedCompositeFieldContainer[_common_pb2.AddedItem]
    gift_amount: int
    points: int
    points_amount: int
    variant: str
    category: str
    skipped_by: Redeemable
    def __init__(self, redeemable: _Optional[_Union[Redeemable, _Mapping]] = ..., campaign_id: _Optional[str] = ..., campaign_name: _Optional[str] = ..., campaign_version: _Optional[int] = ..., status: _Optional[_Union[_common_pb2.RedeemableStatus, str]] = ..., reason: _Optional[str] = ..., message: _Optional[str] = ..., explanation: _Optional[_Union[_common_pb2.Explanation, _Mapping]] = ..., items_discount: _Optional[int] = ..., shipping_discount: _Optional[int] = ..., allocations: _Optional[_Iterable[_Union[_common_pb2.ItemAllocation, _Mapping]]] = ..., added_items: _Optional[_Iterable[_Union[_common_pb2.AddedItem, _Mapping]]] = ..., gift_amount: _Optional[int] = ..., points: _Optional[int] = ..., points_amount: _Optional[int] = ..., variant: _Optional[str] = ..., category: _Optional[str] = ..., skipped_by: _Optional[_Union[Redeemable, _Mapping]] = ...) -> None: ...

class Combination(_message.Message):
    __slots__ = ("applied", "total_discount", "chosen", "application_order")
    APPLIED_FIELD_NUMBER: _ClassVar[int]
    TOTAL_DISCOUNT_FIELD_NUMBER: _ClassVar[int]
    CHOSEN_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_ORDER_FIELD_NUMBER: _ClassVar[int]
    applied: _containers.RepeatedCompositeFieldContainer[Redeemable]
    total_discount: int
    chosen: bool
    application_order: bool
    def __init__(self, applied: _Optional[_Iterable[_Union[Redeemable, _Mapping]]] = ..., total_discount: _Optional[int] = ..., chosen: _Optional[bool] = ..., application_order: _Optional[bool] = ...) -> None: ...

class ValidateRequest(_message.Message):
    __slots__ = ("order", "customer", "redeemables", "options", "reservation", "evaluate_at")
    ORDER_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    REDEEMABLES_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    RESERVATION_FIELD_NUMBER: _ClassVar[int]
    EVALUATE_AT_FIELD_NUMBER: _ClassVar[int]
    order: _common_pb2.Order
    customer: _common_pb2.CustomerRef
    redeemables: _containers.RepeatedCompositeFieldContainer[Redeemable]
    options: CheckoutOptions
    reservation: ReservationRequest
    evaluate_at: _timestamp_pb2.Timestamp
    def __init__(self, order: _Optional[_Union[_common_pb2.Order, _Mapping]] = ..., customer: _Optional[_Union[_common_pb2.CustomerRef, _Mapping]] = ..., redeemables: _Optional[_Iterable[_Union[Redeemable, _Mapping]]] = ..., options: _Optional[_Union[CheckoutOptions, _Mapping]] = ..., reservation: _Optional[_Union[ReservationRequest, _Mapping]] = ..., evaluate_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ValidateResponse(_message.Message):
    __slots__ = ("valid", "redeemables", "totals", "added_items", "reservation", "combinations")
    VALID_FIELD_NUMBER: _ClassVar[int]
    REDEEMABLES_FIELD_NUMBER: _ClassVar[int]
    TOTALS_FIELD_NUMBER: _ClassVar[int]
    ADDED_ITEMS_FIELD_NUMBER: _ClassVar[int]
    RESERVATION_FIELD_NUMBER: _ClassVar[int]
    COMBINATIONS_FIELD_NUMBER: _ClassVar[int]
    valid: bool
    redeemables: _containers.RepeatedCompositeFieldContainer[RedeemableResult]
    totals: _common_pb2.OrderTotals
    added_items: _containers.RepeatedCompositeFieldContainer[_common_pb2.AddedItem]
    reservation: Reservation
    combinations: _containers.RepeatedCompositeFieldContainer[Combination]
    def __init__(self, valid: _Optional[bool] = ..., redeemables: _Optional[_Iterable[_Union[RedeemableResult, _Mapping]]] = ..., totals: _Optional[_Union[_common_pb2.OrderTotals, _Mapping]] = ..., added_items: _Optional[_Iterable[_Union[_common_pb2.AddedItem, _Mapping]]] = ..., reservation: _Optional[_Union[Reservation, _Mapping]] = ..., combinations: _Optional[_Iterable[_Union[Combination, _Mapping]]] = ...) -> None: ...

class RedeemRequest(_message.Message):
    __slots__ = ("order", "customer", "redeemables", "options", "idempotency_key", "session_key")
    ORDER_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    REDEEMABLES_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    SESSION_KEY_FIELD_NUMBER: _ClassVar[int]
    order: _common_pb2.Order
    customer: _common_pb2.CustomerRef
    redeemables: _containers.RepeatedCompositeFieldContainer[Redeemable]
    options: CheckoutOptions
    idempotency_key: str
    session_key: str
    def __init__(self, order: _Optional[_Union[_common_pb2.Order, _Mapping]] = ..., customer: _Optional[_Union[_common_pb2.CustomerRef, _Mapping]] = ..., redeemables: _Optional[_Iterable[_Union[Redeemable, _Mapping]]] = ..., options: _Optional[_Union[CheckoutOptions, _Mapping]] = ..., idempotency_key: _Optional[str] = ..., session_key: _Optional[str] = ...) -> None: ...

class Redemption(_message.Message):
    __slots__ = ("id", "idempotency_key", "status", "order_id", "customer_id", "redeemables", "totals", "created_at", "rolled_back_at", "rollback_reason", "rollback_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    REDEEMABLES_FIELD_NUMBER: _ClassVar[int]
    TOTALS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    ROLLED_BACK_AT_FIELD_NUMBER: _ClassVar[int]
    ROLLBACK_REASON_FIELD_NUMBER: _ClassVar[int]
    ROLLBACK_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    idempotency_key: str
    status: RedemptionStatus
    order_id: str
    customer_id: str
    redeemables: _containers.RepeatedCompositeFieldContainer[RedeemableResult]
    totals: _common_pb2.OrderTotals
    created_at: _timestamp_pb2.Timestamp
    rolled_back_at: _timestamp_pb2.Timestamp
    rollback_reason: str
    rollback_id: str
    def __init__(self, id: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., status: _Optional[_Union[RedemptionStatus, str]] = ..., order_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., redeemables: _Optional[_Iterable[_Union[RedeemableResult, _Mapping]]] = ..., totals: _Optional[_Union[_common_pb2.OrderTotals, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., rolled_back_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., rollback_reason: _Optional[str] = ..., rollback_id: _Optional[str] = ...) -> None: ...

class RedeemResponse(_message.Message):
    __slots__ = ("redemption", "status", "redeemables", "totals", "replayed")
    REDEMPTION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REDEEMABLES_FIELD_NUMBER: _ClassVar[int]
    TOTALS_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    redemption: Redemption
    status: RedemptionStatus
    redeemables: _containers.RepeatedCompositeFieldContainer[RedeemableResult]
    totals: _common_pb2.OrderTotals
    replayed: bool
    def __init__(self, redemption: _Optional[_Union[Redemption, _Mapping]] = ..., status: _Optional[_Union[RedemptionStatus, str]] = ..., redeemables: _Optional[_Iterable[_Union[RedeemableResult, _Mapping]]] = ..., totals: _Optional[_Union[_common_pb2.OrderTotals, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class RollbackRequest(_message.Message):
    __slots__ = ("redemption_id", "reason")
    REDEMPTION_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    redemption_id: str
    reason: str
    def __init__(self, redemption_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class RollbackResponse(_message.Message):
    __slots__ = ("redemption", "rollback_id")
    REDEMPTION_FIELD_NUMBER: _ClassVar[int]
    ROLLBACK_ID_FIELD_NUMBER: _ClassVar[int]
    redemption: Redemption
    rollback_id: str
    def __init__(self, redemption: _Optional[_Union[Redemption, _Mapping]] = ..., rollback_id: _Optional[str] = ...) -> None: ...

class QualifyRequest(_message.Message):
    __slots__ = ("order", "customer", "limit", "include_near_misses", "evaluate_at")
    ORDER_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_NEAR_MISSES_FIELD_NUMBER: _ClassVar[int]
    EVALUATE_AT_FIELD_NUMBER: _ClassVar[int]
    order: _common_pb2.Order
    customer: _common_pb2.CustomerRef
    limit: int
    include_near_misses: bool
    evaluate_at: _timestamp_pb2.Timestamp
    def __init__(self, order: _Optional[_Union[_common_pb2.Order, _Mapping]] = ..., customer: _Optional[_Union[_common_pb2.CustomerRef, _Mapping]] = ..., limit: _Optional[int] = ..., include_near_misses: _Optional[bool] = ..., evaluate_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class WalletEntry(_message.Message):
    __slots__ = ("source", "result")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    source: WalletSource
    result: RedeemableResult
    def __init__(self, source: _Optional[_Union[WalletSource, str]] = ..., result: _Optional[_Union[RedeemableResult, _Mapping]] = ...) -> None: ...

class AffordableReward(_message.Message):
    __slots__ = ("campaign_id", "reward")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    REWARD_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    reward: _loyalty_pb2.Reward
    def __init__(self, campaign_id: _Optional[str] = ..., reward: _Optional[_Union[_loyalty_pb2.Reward, _Mapping]] = ...) -> None: ...

class QualifyResponse(_message.Message):
    __slots__ = ("entries", "near_misses", "gift_cards", "loyalty_cards", "rewards")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEAR_MISSES_FIELD_NUMBER: _ClassVar[int]
    GIFT_CARDS_FIELD_NUMBER: _ClassVar[int]
    LOYALTY_CARDS_FIELD_NUMBER: _ClassVar[int]
    REWARDS_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[WalletEntry]
    near_misses: _containers.RepeatedCompositeFieldContainer[WalletEntry]
    gift_cards: _containers.RepeatedCompositeFieldContainer[_loyalty_pb2.GiftCard]
    loyalty_cards: _containers.RepeatedCompositeFieldContainer[_loyalty_pb2.LoyaltyCard]
    rewards: _containers.RepeatedCompositeFieldContainer[AffordableReward]
    def __init__(self, entries: _Optional[_Iterable[_Union[WalletEntry, _Mapping]]] = ..., near_misses: _Optional[_Iterable[_Union[WalletEntry, _Mapping]]] = ..., gift_cards: _Optional[_Iterable[_Union[_loyalty_pb2.GiftCard, _Mapping]]] = ..., loyalty_cards: _Optional[_Iterable[_Union[_loyalty_pb2.LoyaltyCard, _Mapping]]] = ..., rewards: _Optional[_Iterable[_Union[AffordableReward, _Mapping]]] = ...) -> None: ...

class ReleaseReservationRequest(_message.Message):
    __slots__ = ("session_key",)
    SESSION_KEY_FIELD_NUMBER: _ClassVar[int]
    session_key: str
    def __init__(self, session_key: _Optional[str] = ...) -> None: ...

class ReleaseReservationResponse(_message.Message):
    __slots__ = ("released",)
    RELEASED_FIELD_NUMBER: _ClassVar[int]
    released: int
    def __init__(self, released: _Optional[int] = ...) -> None: ...

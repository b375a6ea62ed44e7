import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RedeemableStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REDEEMABLE_STATUS_UNSPECIFIED: _ClassVar[RedeemableStatus]
    APPLICABLE: _ClassVar[RedeemableStatus]
    INAPPLICABLE: _ClassVar[RedeemableStatus]
    SKIPPED: _ClassVar[RedeemableStatus]
REDEEMABLE_STATUS_UNSPECIFIED: RedeemableStatus
APPLICABLE: RedeemableStatus
INAPPLICABLE: RedeemableStatus
SKIPPED: RedeemableStatus

class Item(_message.Message):
    __slots__ = ("sku", "product_id", "categories", "unit_price", "quantity", "metadata_json")
    SKU_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    UNIT_PRICE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    METADATA_JSON_FIELD_NUMBER: _ClassVar[int]
    sku: str
    product_id: str
    categories: _containers.RepeatedScalarFieldContainer[str]
    unit_price: int
    quantity: int
    metadata_json: str
    def __init__(self, sku: _Optional[str] = ..., product_id: _Optional[str] = ..., categories: _Optional[_Iterable[str]] = ..., unit_price: _Optional[int] = ..., quantity: _Optional[int] = ..., metadata_json: _Optional[str] = ...) -> None: ...

class Order(_message.Message):
    __slots__ = ("id", "currency", "channel", "store_id", "items", "shipping_amount", "metadata_json")
    ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    STORE_ID_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    SHIPPING_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    METADATA_JSON_FIELD_NUMBER: _ClassVar[int]
    id: str
    currency: str
    channel: str
    store_id: str
    items: _containers.RepeatedCompositeFieldContainer[Item]
    shipping_amount: int
    metadata_json: str
    def __init__(self, id: _Optional[str] = ..., currency: _Optional[str] = ..., channel: _Optional[str] = ..., store_id: _Optional[str] = ..., items: _Optional[_Iterable[_Union[Item, _Mapping]]] = ..., shipping_amount: _Optional[int] = ..., metadata_json: _Optional[str] = ...) -> None: ...

class CustomerRef(_message.Message):
    __slots__ = ("id", "attributes_json")
    ID_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_JSON_FIELD_NUMBER: _ClassVar[int]
    id: str
    attributes_json: str
    def __init__(self, id: _Optional[str] = ..., attributes_json: _Optional[str] = ...) -> None: ...

class NearMiss(_message.Message):
    __slots__ = ("subject", "missing", "unit", "currency", "message")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    MISSING_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    subject: str
    missing: int
    unit: str
    currency: str
    message: str
    def __init__(self, subject: _Optional[str] = ..., missing: _Optional[int] = ..., unit: _Optional[str] = ..., currency: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class Explanation(_message.Message):
    __slots__ = ("path", "subject", "operator", "expected_json", "actual_json", "message", "near_miss")
    PATH_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_JSON_FIELD_NUMBER: _ClassVar[int]
    ACTUAL_JSON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    NEAR_MISS_FIELD_NUMBER: _ClassVar[int]
    path: str
    subject: str
    operator: str
    expected_json: str
    actual_json: str
    message: str
    near_miss: NearMiss
    def __init__(self, path: _Optional[str] = ..., subject: _Optional[str] = ..., operator: _Optional[str] = ..., expected_json: _Optional[str] = ..., actual_json: _Optional[str] = ..., message: _Optional[str] = ..., near_miss: _Optional[_Union[NearMiss, _Mapping]] = ...) -> None: ...

class ItemAllocation(_message.Message):
    __slots__ = ("item_index", "sku", "discount")
    ITEM_INDEX_FIELD_NUMBER: _ClassVar[int]
    SKU_FIELD_NUMBER: _ClassVar[int]
    DISCOUNT_FIELD_NUMBER: _ClassVar[int]
    item_index: int
    sku: str
    discount: int
    def __init__(self, item_index: _Optional[int] = ..., sku: _Optional[str] = ..., discount: _Optional[int] = ...) -> None: ...

class AddedItem(_message.Message):
    __slots__ = ("item", "item_index")
    ITEM_FIELD_NUMBER: _ClassVar[int]
    ITEM_INDEX_FIELD_NUMBER: _ClassVar[int]
    item: Item
    item_index: int
    def __init__(self, item: _Optional[_Union[Item, _Mapping]] = ..., item_index: _Optional[int] = ...) -> None: ...

class OrderTotals(_message.Message):
    __slots__ = ("currency", "items_amount", "shipping_amount", "amount", "items_discount", "shipping_discount", "total_discount", "amount_after_discounts", "gift_card_amount", "points_amount", "total_to_pay")
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    ITEMS_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    SHIPPING_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    ITEMS_DISCOUNT_FIELD_NUMBER: _ClassVar[int]
    SHIPPING_DISCOUNT_FIELD_NUMBER: _ClassVar[int]
    TOTAL_DISCOUNT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_AFTER_DISCOUNTS_FIELD_NUMBER: _ClassVar[int]
    GIFT_CARD_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    POINTS_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TO_PAY_FIELD_NUMBER: _ClassVar[int]
    currency: str
    items_amount: int
    shipping_amount: int
    amount: int
    items_discount: int
    shipping_discount: int
    total_discount: int
    amount_after_discounts: int
    gift_card_amount: int
    points_amount: int
    total_to_pay: int
    def __init__(self, currency: _Optional[str] = ..., items_amount: _Optional[int] = ..., shipping_amount: _Optional[int] = ..., amount: _Optional[int] = ..., items_discount: _Optional[int] = ..., shipping_discount: _Optional[int] = ..., total_discount: _Optional[int] = ..., amount_after_discounts: _Optional[int] = ..., gift_card_amount: _Optional[int] = ..., points_amount: _Optional[int] = ..., total_to_pay: _Optional[int] = ...) -> None: ...

class PageRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class TimeRange(_message.Message):
    __slots__ = ("start", "end")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    def __init__(self, start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

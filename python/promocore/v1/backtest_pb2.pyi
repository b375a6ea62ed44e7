import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from promocore.v1 import campaign_pb2 as _campaign_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class OrdersFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ORDERS_FORMAT_UNSPECIFIED: _ClassVar[OrdersFormat]
    ORDERS_FORMAT_JSONL: _ClassVar[OrdersFormat]
    ORDERS_FORMAT_CSV: _ClassVar[OrdersFormat]
ORDERS_FORMAT_UNSPECIFIED: OrdersFormat
ORDERS_FORMAT_JSONL: OrdersFormat
ORDERS_FORMAT_CSV: OrdersFormat

class BacktestRequest(_message.Message):
    __slots__ = ("campaign", "campaign_id", "orders", "format", "with_live", "samples_per_outcome", "per_order", "orders_size")
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    WITH_LIVE_FIELD_NUMBER: _ClassVar[int]
    SAMPLES_PER_OUTCOME_FIELD_NUMBER: _ClassVar[int]
    PER_ORDER_FIELD_NUMBER: _ClassVar[int]
    ORDERS_SIZE_FIELD_NUMBER: _ClassVar[int]
    campaign: _campaign_pb2.Campaign
    campaign_id: str
    orders: bytes
    format: OrdersFormat
    with_live: bool
    samples_per_outcome: int
    per_order: bool
    orders_size: int
    def __init__(self, campaign: _Optional[_Union[_campaign_pb2.Campaign, _Mapping]] = ..., campaign_id: _Optional[str] = ..., orders: _Optional[bytes] = ..., format: _Optional[_Union[OrdersFormat, str]] = ..., with_live: _Optional[bool] = ..., samples_per_outcome: _Optional[int] = ..., per_order: _Optional[bool] = ..., orders_size: _Optional[int] = ...) -> None: ...

class BacktestProgress(_message.Message):
    __slots__ = ("orders", "bytes_received", "bytes_total", "fraction", "done", "report")
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    BYTES_RECEIVED_FIELD_NUMBER: _ClassVar[int]
    BYTES_TOTAL_FIELD_NUMBER: _ClassVar[int]
    FRACTION_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    REPORT_FIELD_NUMBER: _ClassVar[int]
    orders: int
    bytes_received: int
    bytes_total: int
    fraction: float
    done: bool
    report: BacktestReport
    def __init__(self, orders: _Optional[int] = ..., bytes_received: _Optional[int] = ..., bytes_total: _Optional[int] = ..., fraction: _Optional[float] = ..., done: _Optional[bool] = ..., report: _Optional[_Union[BacktestReport, _Mapping]] = ...) -> None: ...

class BacktestGroup(_message.Message):
    __slots__ = ("key", "orders", "qualifying", "discount", "amount")
    KEY_FIELD_NUMBER: _ClassVar[int]
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    QUALIFYING_FIELD_NUMBER: _ClassVar[int]
    DISCOUNT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    key: str
    orders: int
    qualifying: int
    discount: int
    amount: int
    def __init__(self, key: _Optional[str] = ..., orders: _Optional[int] = ..., qualifying: _Optional[int] = ..., discount: _Optional[int] = ..., amount: _Optional[int] = ...) -> None: ...

class NearMissBucket(_message.Message):
    __slots__ = ("unit", "up_to", "orders")
    UNIT_FIELD_NUMBER: _ClassVar[int]
    UP_TO_FIELD_NUMBER: _ClassVar[int]
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    unit: str
    up_to: int
    orders: int
    def __init__(self, unit: _Optional[str] = ..., up_to: _Optional[int] = ..., orders: _Optional[int] = ...) -> None: ...

class BacktestOrder(_message.Message):
    __slots__ = ("line", "order_id", "time", "customer_id", "channel", "amount", "discount", "outcome", "reason", "message", "live_discount_with", "live_discount_without")
    LINE_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    DISCOUNT_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    LIVE_DISCOUNT_WITH_FIELD_NUMBER: _ClassVar[int]
    LIVE_DISCOUNT_WITHOUT_FIELD_NUMBER: _ClassVar[int]
    line: int
    order_id: str
    time: _timestamp_pb2.Timestamp
    customer_id: str
    channel: str
    amount: int
    discount: int
    outcome: str
    reason: str
    message: str
    live_discount_with: int
    live_discount_without: int
    def __init__(self, line: _Optional[int] = ..., order_id: _Optional[str] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., customer_id: _Optional[str] = ..., channel: _Optional[str] = ..., amount: _Optional[int] = ..., discount: _Optional[int] = ..., outcome: _Optional[str] = ..., reason: _Optional[str] = ..., message: _Optional[str] = ..., live_discount_with: _Optional[int] = ..., live_discount_without: _Optional[int] = ...) -> None: ...

class DisplacedCampaign(_message.Message):
    __slots__ = ("campaign_id", "orders", "discount")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    DISCOUNT_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    orders: int
    discount: int
    def __init__(self, campaign_id: _Optional[str] = ..., orders: _Optional[int] = ..., discount: _Optional[int] = ...) -> None: ...

class BacktestReport(_message.Message):
    __slots__ = ("campaign_id", "currency", "time_zone", "with_live", "orders", "qualifying", "discount", "mean_discount", "amount", "amount_after", "mean_amount_qualifying", "mean_amount_not_qualifying", "outcomes", "per_day", "per_channel", "per_segment", "near_misses", "exhausted_at", "orders_after_exhaustion", "live_discount_with", "live_discount_without", "displaced", "samples", "per_order", "out_of_order", "undated")
    class OutcomesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    WITH_LIVE_FIELD_NUMBER: _ClassVar[int]
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    QUALIFYING_FIELD_NUMBER: _ClassVar[int]
    DISCOUNT_FIELD_NUMBER: _ClassVar[int]
    MEAN_DISCOUNT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_AFTER_FIELD_NUMBER: _ClassVar[int]
    MEAN_AMOUNT_QUALIFYING_FIELD_NUMBER: _ClassVar[int]
    MEAN_AMOUNT_NOT_QUALIFYING_FIELD_NUMBER: _ClassVar[int]
    OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    PER_DAY_FIELD_NUMBER: _ClassVar[int]
    PER_CHANNEL_FIELD_NUMBER: _ClassVar[int]
    PER_SEGMENT_FIELD_NUMBER: _ClassVar[int]
    NEAR_MISSES_FIELD_NUMBER: _ClassVar[int]
    EXHAUSTED_AT_FIELD_NUMBER: _ClassVar[int]
    ORDERS_AFTER_EXHAUSTION_FIELD_NUMBER: _ClassVar[int]
    LIVE_DISCOUNT_WITH_FIELD_NUMBER: _ClassVar[int]
    LIVE_DISCOUNT_WITHOUT_FIELD_NUMBER: _ClassVar[int]
    DISPLACED_FIELD_NUMBER: _ClassVar[int]
    SAMPLES_FIELD_NUMBER: _ClassVar[int]
    PER_ORDER_FIELD_NUMBER: _ClassVar[int]
    OUT_OF_ORDER_FIELD_NUMBER: _ClassVar[int]
    UNDATED_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    currency: str
    time_zone: str
    with_live: bool
    orders: int
    qualifying: int
    discount: int
    mean_discount: int
    amount: int
    amount_after: int
    mean_amount_qualifying: int
    mean_amount_not_qualifying: int
    outcomes: _containers.ScalarMap[str, int]
    per_day: _containers.RepeatedCompositeFieldContainer[BacktestGroup]
    per_channel: _containers.RepeatedCompositeFieldContainer[BacktestGroup]
    per_segment: _containers.RepeatedCompositeFieldContainer[BacktestGroup]
    near_misses: _containers.RepeatedCompositeFieldContainer[NearMissBucket]
    exhausted_at: _timestamp_pb2.Timestamp
    orders_after_exhaustion: int
    live_discount_with: int
    live_discount_without: int
    displaced: _containers.RepeatedCompositeFieldContainer[DisplacedCampaign]
    samples: _containers.RepeatedCompositeFieldContainer[BacktestOrder]
    per_order: _containers.RepeatedCompositeFieldContainer[BacktestOrder]
    out_of_order: int
    undated: int
    def __init__(self, campaign_id: _Optional[str] = ..., currency: _Optional[str] = ..., time_zone: _Optional[str] = ..., with_live: _Optional[bool] = ..., orders: _Optional[int] = ..., qualifying: _Optional[int] = ..., discount: _Optional[int] = ..., mean_discount: _Optional[int] = ..., amount: _Optional[int] = ..., amount_after: _Optional[int] = ..., mean_amount_qualifying: _Optional[int] = ..., mean_amount_not_qualifying: _Optional[int] = ..., outcomes: _Optional[_Mapping[str, int]] = ..., per_day: _Optional[_Iterable[_Union[BacktestGroup, _Mapping]]] = ..., per_channel: _Optional[_Iterable[_Union[BacktestGroup, _Mapping]]] = ..., per_segment: _Optional[_Iterable[_Union[BacktestGroup, _Mapping]]] = ..., near_misses: _Optional[_Iterable[_Union[NearMissBucket, _Mapping]]] = ..., exhausted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., orders_after_exhaustion: _Optional[int] = ..., live_discount_with: _Optional[int] = ..., live_discount_without: _Optional[int] = ..., displaced: _Optional[_Iterable[_Union[DisplacedCampaign, _Mapping]]] = ..., samples: _Optional[_Iterable[_Union[BacktestOrder, _Mapping]]] = ..., per_order: _Optional[_Iterable[_Union[BacktestOrder, _Mapping]]] = ..., out_of_order: _Optional[int] = ..., undated: _Optional[int] = ...) -> None: ...

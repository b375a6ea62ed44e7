import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DistributionTrigger(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DISTRIBUTION_TRIGGER_UNSPECIFIED: _ClassVar[DistributionTrigger]
    TRIGGER_SEGMENT_ENTERED: _ClassVar[DistributionTrigger]
    TRIGGER_CUSTOM_EVENT_TRACKED: _ClassVar[DistributionTrigger]
    TRIGGER_ORDER_PAID: _ClassVar[DistributionTrigger]
    TRIGGER_BIRTHDAY: _ClassVar[DistributionTrigger]
    TRIGGER_INACTIVE: _ClassVar[DistributionTrigger]
DISTRIBUTION_TRIGGER_UNSPECIFIED: DistributionTrigger
TRIGGER_SEGMENT_ENTERED: DistributionTrigger
TRIGGER_CUSTOM_EVENT_TRACKED: DistributionTrigger
TRIGGER_ORDER_PAID: DistributionTrigger
TRIGGER_BIRTHDAY: DistributionTrigger
TRIGGER_INACTIVE: DistributionTrigger

class CustomerAggregates(_message.Message):
    __slots__ = ("orders_count", "total_spent", "total_spent_currency", "last_order_at", "campaign_redemptions", "spent_last_365_days", "event_counts", "last_event_at")
    class CampaignRedemptionsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class EventCountsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    ORDERS_COUNT_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SPENT_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SPENT_CURRENCY_FIELD_NUMBER: _ClassVar[int]
    LAST_ORDER_AT_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_REDEMPTIONS_FIELD_NUMBER: _ClassVar[int]
    SPENT_LAST_365_DAYS_FIELD_NUMBER: _ClassVar[int]
    EVENT_COUNTS_FIELD_NUMBER: _ClassVar[int]
    LAST_EVENT_AT_FIELD_NUMBER: _ClassVar[int]
    orders_count: int
    total_spent: int
    total_spent_currency: str
    last_order_at: _timestamp_pb2.Timestamp
    campaign_redemptions: _containers.ScalarMap[str, int]
    spent_last_365_days: int
    event_counts: _containers.ScalarMap[str, int]
    last_event_at: _timestamp_pb2.Timestamp
    def __init__(self, orders_count: _Optional[int] = ..., total_spent: _Optional[int] = ..., total_spent_currency: _Optional[str] = ..., last_order_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., campaign_redemptions: _Optional[_Mapping[str, int]] = ..., spent_last_365_days: _Optional[int] = ..., event_counts: _Optional[_Mapping[str, int]] = ..., last_event_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ContactPreferences(_message.Message):
    __slots__ = ("email_opt_out", "sms_opt_out", "all_opt_out")
    EMAIL_OPT_OUT_FIELD_NUMBER: _ClassVar[int]
    SMS_OPT_OUT_FIELD_NUMBER: _ClassVar[int]
    ALL_OPT_OUT_FIELD_NUMBER: _ClassVar[int]
    email_opt_out: bool
    sms_opt_out: bool
    all_opt_out: bool
    def __init__(self, email_opt_out: _Optional[bool] = ..., sms_opt_out: _Optional[bool] = ..., all_opt_out: _Optional[bool] = ...) -> None: ...

class Customer(_message.Message):
    __slots__ = ("id", "attributes_json", "aggregates", "segments", "contact", "created_at", "updated_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_JSON_FIELD_NUMBER: _ClassVar[int]
    AGGREGATES_FIELD_NUMBER: _ClassVar[int]
    SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    attributes_json: str
    aggregates: CustomerAggregates
    segments: _containers.RepeatedScalarFieldContainer[str]
    contact: ContactPreferences
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., attributes_json: _Optional[str] = ..., aggregates: _Optional[_Union[CustomerAggregates, _Mapping]] = ..., segments: _Optional[_Iterable[str]] = ..., contact: _Optional[_Union[ContactPreferences, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Segment(_message.Message):
    __slots__ = ("id", "name", "rules_json", "customer_ids", "size")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    RULES_JSON_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_IDS_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    rules_json: str
    customer_ids: _containers.RepeatedScalarFieldContainer[str]
    size: int
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., rules_json: _Optional[str] = ..., customer_ids: _Optional[_Iterable[str]] = ..., size: _Optional[int] = ...) -> None: ...

class Distribution(_message.Message):
    __slots__ = ("id", "name", "trigger", "segment_id", "event_name", "birthday_attribute", "inactive_days", "campaign_id", "repeat", "disabled")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_NAME_FIELD_NUMBER: _ClassVar[int]
    BIRTHDAY_ATTRIBUTE_FIELD_NUMBER: _ClassVar[int]
    INACTIVE_DAYS_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    REPEAT_FIELD_NUMBER: _ClassVar[int]
    DISABLED_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    trigger: DistributionTrigger
    segment_id: str
    event_name: str
    birthday_attribute: str
    inactive_days: int
    campaign_id: str
    repeat: bool
    disabled: bool
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., trigger: _Optional[_Union[DistributionTrigger, str]] = ..., segment_id: _Optional[str] = ..., event_name: _Optional[str] = ..., birthday_attribute: _Optional[str] = ..., inactive_days: _Optional[int] = ..., campaign_id: _Optional[str] = ..., repeat: _Optional[bool] = ..., disabled: _Optional[bool] = ...) -> None: ...

class Publication(_message.Message):
    __slots__ = ("id", "customer_id", "code", "campaign_id", "distribution_id", "created_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    DISTRIBUTION_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    customer_id: str
    code: str
    campaign_id: str
    distribution_id: str
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., customer_id: _Optional[str] = ..., code: _Optional[str] = ..., campaign_id: _Optional[str] = ..., distribution_id: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class IntegrationEventType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INTEGRATION_EVENT_TYPE_UNSPECIFIED: _ClassVar[IntegrationEventType]
    EVENT_CODE_ISSUED: _ClassVar[IntegrationEventType]
    EVENT_REDEEMED: _ClassVar[IntegrationEventType]
    EVENT_ROLLED_BACK: _ClassVar[IntegrationEventType]
    EVENT_POINTS_EARNED: _ClassVar[IntegrationEventType]
    EVENT_POINTS_EXPIRING: _ClassVar[IntegrationEventType]
    EVENT_TIER_CHANGED: _ClassVar[IntegrationEventType]
    EVENT_SEGMENT_ENTERED: _ClassVar[IntegrationEventType]
    EVENT_SEGMENT_LEFT: _ClassVar[IntegrationEventType]
INTEGRATION_EVENT_TYPE_UNSPECIFIED: IntegrationEventType
EVENT_CODE_ISSUED: IntegrationEventType
EVENT_REDEEMED: IntegrationEventType
EVENT_ROLLED_BACK: IntegrationEventType
EVENT_POINTS_EARNED: IntegrationEventType
EVENT_POINTS_EXPIRING: IntegrationEventType
EVENT_TIER_CHANGED: IntegrationEventType
EVENT_SEGMENT_ENTERED: IntegrationEventType
EVENT_SEGMENT_LEFT: IntegrationEventType

class TrackEventRequest(_message.Message):
    __slots__ = ("customer_id", "name", "properties_json", "time", "idempotency_key")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PROPERTIES_JSON_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    name: str
    properties_json: str
    time: _timestamp_pb2.Timestamp
    idempotency_key: str
    def __init__(self, customer_id: _Optional[str] = ..., name: _Optional[str] = ..., properties_json: _Optional[str] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class TrackEventResponse(_message.Message):
    __slots__ = ("points_earned", "issued_codes", "segments_entered")
    POINTS_EARNED_FIELD_NUMBER: _ClassVar[int]
    ISSUED_CODES_FIELD_NUMBER: _ClassVar[int]
    SEGMENTS_ENTERED_FIELD_NUMBER: _ClassVar[int]
    points_earned: int
    issued_codes: _containers.RepeatedScalarFieldContainer[str]
    segments_entered: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, points_earned: _Optional[int] = ..., issued_codes: _Optional[_Iterable[str]] = ..., segments_entered: _Optional[_Iterable[str]] = ...) -> None: ...

class WatchEventsRequest(_message.Message):
    __slots__ = ("after_sequence", "types", "backlog_only")
    AFTER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    TYPES_FIELD_NUMBER: _ClassVar[int]
    BACKLOG_ONLY_FIELD_NUMBER: _ClassVar[int]
    after_sequence: int
    types: _containers.RepeatedScalarFieldContainer[IntegrationEventType]
    backlog_only: bool
    def __init__(self, after_sequence: _Optional[int] = ..., types: _Optional[_Iterable[_Union[IntegrationEventType, str]]] = ..., backlog_only: _Optional[bool] = ...) -> None: ...

class IntegrationEvent(_message.Message):
    __slots__ = ("sequence", "type", "time", "customer_id", "campaign_id", "code", "redemption_id", "data_json", "contactable_channels")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    REDEMPTION_ID_FIELD_NUMBER: _ClassVar[int]
    DATA_JSON_FIELD_NUMBER: _ClassVar[int]
    CONTACTABLE_CHANNELS_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    type: IntegrationEventType
    time: _timestamp_pb2.Timestamp
    customer_id: str
    campaign_id: str
    code: str
    redemption_id: str
    data_json: str
    contactable_channels: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, sequence: _Optional[int] = ..., type: _Optional[_Union[IntegrationEventType, str]] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., customer_id: _Optional[str] = ..., campaign_id: _Optional[str] = ..., code: _Optional[str] = ..., redemption_id: _Optional[str] = ..., data_json: _Optional[str] = ..., contactable_channels: _Optional[_Iterable[str]] = ...) -> None: ...

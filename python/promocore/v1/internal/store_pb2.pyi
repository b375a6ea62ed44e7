from promocore.v1 import admin_pb2 as _admin_pb2
from promocore.v1 import checkout_pb2 as _checkout_pb2
from promocore.v1 import customer_pb2 as _customer_pb2
from promocore.v1 import loyalty_pb2 as _loyalty_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CounterDelta(_message.Message):
    __slots__ = ("key", "delta")
    KEY_FIELD_NUMBER: _ClassVar[int]
    DELTA_FIELD_NUMBER: _ClassVar[int]
    key: bytes
    delta: int
    def __init__(self, key: _Optional[bytes] = ..., delta: _Optional[int] = ...) -> None: ...

class StoredRedemption(_message.Message):
    __slots__ = ("redemption", "deltas")
    REDEMPTION_FIELD_NUMBER: _ClassVar[int]
    DELTAS_FIELD_NUMBER: _ClassVar[int]
    redemption: _checkout_pb2.Redemption
    deltas: _containers.RepeatedCompositeFieldContainer[CounterDelta]
    def __init__(self, redemption: _Optional[_Union[_checkout_pb2.Redemption, _Mapping]] = ..., deltas: _Optional[_Iterable[_Union[CounterDelta, _Mapping]]] = ...) -> None: ...

class IdempotencyRecord(_message.Message):
    __slots__ = ("request_sha256", "response", "redemption_id", "unapplied")
    REQUEST_SHA256_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_FIELD_NUMBER: _ClassVar[int]
    REDEMPTION_ID_FIELD_NUMBER: _ClassVar[int]
    UNAPPLIED_FIELD_NUMBER: _ClassVar[int]
    request_sha256: bytes
    response: bytes
    redemption_id: str
    unapplied: _containers.RepeatedCompositeFieldContainer[PlacedResult]
    def __init__(self, request_sha256: _Optional[bytes] = ..., response: _Optional[bytes] = ..., redemption_id: _Optional[str] = ..., unapplied: _Optional[_Iterable[_Union[PlacedResult, _Mapping]]] = ...) -> None: ...

class PlacedResult(_message.Message):
    __slots__ = ("position", "result")
    POSITION_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    position: int
    result: _checkout_pb2.RedeemableResult
    def __init__(self, position: _Optional[int] = ..., result: _Optional[_Union[_checkout_pb2.RedeemableResult, _Mapping]] = ...) -> None: ...

class LogRecord(_message.Message):
    __slots__ = ("redeemed", "rolled_back", "credited", "redeemed_id")
    REDEEMED_FIELD_NUMBER: _ClassVar[int]
    ROLLED_BACK_FIELD_NUMBER: _ClassVar[int]
    CREDITED_FIELD_NUMBER: _ClassVar[int]
    REDEEMED_ID_FIELD_NUMBER: _ClassVar[int]
    redeemed: StoredRedemption
    rolled_back: Rollback
    credited: Credit
    redeemed_id: str
    def __init__(self, redeemed: _Optional[_Union[StoredRedemption, _Mapping]] = ..., rolled_back: _Optional[_Union[Rollback, _Mapping]] = ..., credited: _Optional[_Union[Credit, _Mapping]] = ..., redeemed_id: _Optional[str] = ...) -> None: ...

class Rollback(_message.Message):
    __slots__ = ("redemption_id", "rollback_id", "at_unix_ms", "reason")
    REDEMPTION_ID_FIELD_NUMBER: _ClassVar[int]
    ROLLBACK_ID_FIELD_NUMBER: _ClassVar[int]
    AT_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    redemption_id: str
    rollback_id: str
    at_unix_ms: int
    reason: str
    def __init__(self, redemption_id: _Optional[str] = ..., rollback_id: _Optional[str] = ..., at_unix_ms: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class Hold(_message.Message):
    __slots__ = ("session_key", "delta", "expires_at_ms")
    SESSION_KEY_FIELD_NUMBER: _ClassVar[int]
    DELTA_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_MS_FIELD_NUMBER: _ClassVar[int]
    session_key: str
    delta: int
    expires_at_ms: int
    def __init__(self, session_key: _Optional[str] = ..., delta: _Optional[int] = ..., expires_at_ms: _Optional[int] = ...) -> None: ...

class Reservation(_message.Message):
    __slots__ = ("session_key", "expires_at_ms", "holds", "redeemables")
    SESSION_KEY_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_MS_FIELD_NUMBER: _ClassVar[int]
    HOLDS_FIELD_NUMBER: _ClassVar[int]
    REDEEMABLES_FIELD_NUMBER: _ClassVar[int]
    session_key: str
    expires_at_ms: int
    holds: _containers.RepeatedCompositeFieldContainer[CounterDelta]
    redeemables: int
    def __init__(self, session_key: _Optional[str] = ..., expires_at_ms: _Optional[int] = ..., holds: _Optional[_Iterable[_Union[CounterDelta, _Mapping]]] = ..., redeemables: _Optional[int] = ...) -> None: ...

class Credit(_message.Message):
    __slots__ = ("key", "amount", "at_unix_ms", "reason", "kind", "active_at_ms", "expires_at_ms", "redemption_id")
    KEY_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    AT_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_AT_MS_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_MS_FIELD_NUMBER: _ClassVar[int]
    REDEMPTION_ID_FIELD_NUMBER: _ClassVar[int]
    key: bytes
    amount: int
    at_unix_ms: int
    reason: str
    kind: _loyalty_pb2.LedgerEntryKind
    active_at_ms: int
    expires_at_ms: int
    redemption_id: str
    def __init__(self, key: _Optional[bytes] = ..., amount: _Optional[int] = ..., at_unix_ms: _Optional[int] = ..., reason: _Optional[str] = ..., kind: _Optional[_Union[_loyalty_pb2.LedgerEntryKind, str]] = ..., active_at_ms: _Optional[int] = ..., expires_at_ms: _Optional[int] = ..., redemption_id: _Optional[str] = ...) -> None: ...

class PointsBucket(_message.Message):
    __slots__ = ("seq", "earned_at_ms", "active_at_ms", "expires_at_ms", "earned", "remaining", "source", "redemption_id", "expired")
    SEQ_FIELD_NUMBER: _ClassVar[int]
    EARNED_AT_MS_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_AT_MS_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_MS_FIELD_NUMBER: _ClassVar[int]
    EARNED_FIELD_NUMBER: _ClassVar[int]
    REMAINING_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    REDEMPTION_ID_FIELD_NUMBER: _ClassVar[int]
    EXPIRED_FIELD_NUMBER: _ClassVar[int]
    seq: int
    earned_at_ms: int
    active_at_ms: int
    expires_at_ms: int
    earned: int
    remaining: int
    source: str
    redemption_id: str
    expired: bool
    def __init__(self, seq: _Optional[int] = ..., earned_at_ms: _Optional[int] = ..., active_at_ms: _Optional[int] = ..., expires_at_ms: _Optional[int] = ..., earned: _Optional[int] = ..., remaining: _Optional[int] = ..., source: _Optional[str] = ..., redemption_id: _Optional[str] = ..., expired: _Optional[bool] = ...) -> None: ...

class BucketChange(_message.Message):
    __slots__ = ("code", "seq", "points")
    CODE_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    code: bytes
    seq: int
    points: int
    def __init__(self, code: _Optional[bytes] = ..., seq: _Optional[int] = ..., points: _Optional[int] = ...) -> None: ...

class BalanceEffects(_message.Message):
    __slots__ = ("spent", "earned", "spend_recorded")
    SPENT_FIELD_NUMBER: _ClassVar[int]
    EARNED_FIELD_NUMBER: _ClassVar[int]
    SPEND_RECORDED_FIELD_NUMBER: _ClassVar[int]
    spent: _containers.RepeatedCompositeFieldContainer[BucketChange]
    earned: _containers.RepeatedCompositeFieldContainer[BucketChange]
    spend_recorded: _containers.RepeatedCompositeFieldContainer[BucketChange]
    def __init__(self, spent: _Optional[_Iterable[_Union[BucketChange, _Mapping]]] = ..., earned: _Optional[_Iterable[_Union[BucketChange, _Mapping]]] = ..., spend_recorded: _Optional[_Iterable[_Union[BucketChange, _Mapping]]] = ...) -> None: ...

class LoyaltyAccount(_message.Message):
    __slots__ = ("code", "campaign_id", "customer_id", "lifetime_points", "lifetime_spend", "period_points", "rule_period_points", "next_bucket_seq")
    class PeriodPointsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class RulePeriodPointsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    CODE_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    LIFETIME_POINTS_FIELD_NUMBER: _ClassVar[int]
    LIFETIME_SPEND_FIELD_NUMBER: _ClassVar[int]
    PERIOD_POINTS_FIELD_NUMBER: _ClassVar[int]
    RULE_PERIOD_POINTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_BUCKET_SEQ_FIELD_NUMBER: _ClassVar[int]
    code: str
    campaign_id: str
    customer_id: str
    lifetime_points: int
    lifetime_spend: int
    period_points: _containers.ScalarMap[str, int]
    rule_period_points: _containers.ScalarMap[str, int]
    next_bucket_seq: int
    def __init__(self, code: _Optional[str] = ..., campaign_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., lifetime_points: _Optional[int] = ..., lifetime_spend: _Optional[int] = ..., period_points: _Optional[_Mapping[str, int]] = ..., rule_period_points: _Optional[_Mapping[str, int]] = ..., next_bucket_seq: _Optional[int] = ...) -> None: ...

class StoredApiKey(_message.Message):
    __slots__ = ("key", "secret_sha256")
    KEY_FIELD_NUMBER: _ClassVar[int]
    SECRET_SHA256_FIELD_NUMBER: _ClassVar[int]
    key: _admin_pb2.ApiKey
    secret_sha256: bytes
    def __init__(self, key: _Optional[_Union[_admin_pb2.ApiKey, _Mapping]] = ..., secret_sha256: _Optional[bytes] = ...) -> None: ...

class StoredCustomer(_message.Message):
    __slots__ = ("customer", "daily_spend")
    class DailySpendEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: int
        value: int
        def __init__(self, key: _Optional[int] = ..., value: _Optional[int] = ...) -> None: ...
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    DAILY_SPEND_FIELD_NUMBER: _ClassVar[int]
    customer: _customer_pb2.Customer
    daily_spend: _containers.ScalarMap[int, int]
    def __init__(self, customer: _Optional[_Union[_customer_pb2.Customer, _Mapping]] = ..., daily_spend: _Optional[_Mapping[int, int]] = ...) -> None: ...

class DistributionFiring(_message.Message):
    __slots__ = ("at_unix_ms", "occurrence")
    AT_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    OCCURRENCE_FIELD_NUMBER: _ClassVar[int]
    at_unix_ms: int
    occurrence: str
    def __init__(self, at_unix_ms: _Optional[int] = ..., occurrence: _Optional[str] = ...) -> None: ...

import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from promocore.v1 import backtest_pb2 as _backtest_pb2
from promocore.v1 import campaign_pb2 as _campaign_pb2
from promocore.v1 import checkout_pb2 as _checkout_pb2
from promocore.v1 import common_pb2 as _common_pb2
from promocore.v1 import customer_pb2 as _customer_pb2
from promocore.v1 import loyalty_pb2 as _loyalty_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Role(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ROLE_UNSPECIFIED: _ClassVar[Role]
    ROLE_CHECKOUT: _ClassVar[Role]
    ROLE_POS: _ClassVar[Role]
    ROLE_ADMIN: _ClassVar[Role]
    ROLE_READ_ONLY: _ClassVar[Role]
    ROLE_SUPPORT: _ClassVar[Role]

class RefereeStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REFEREE_STATUS_UNSPECIFIED: _ClassVar[RefereeStatus]
    REFEREE_REWARDED: _ClassVar[RefereeStatus]
    REFEREE_CONVERTED_OVER_CAP: _ClassVar[RefereeStatus]
    REFEREE_CONVERTED: _ClassVar[RefereeStatus]
    REFEREE_SIGNED_UP: _ClassVar[RefereeStatus]

class GiftCardFilter(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GIFT_CARDS_ALL: _ClassVar[GiftCardFilter]
    GIFT_CARDS_WITH_BALANCE: _ClassVar[GiftCardFilter]
    GIFT_CARDS_EMPTY: _ClassVar[GiftCardFilter]
    GIFT_CARDS_EXPIRED: _ClassVar[GiftCardFilter]
    GIFT_CARDS_DISABLED: _ClassVar[GiftCardFilter]
ROLE_UNSPECIFIED: Role
ROLE_CHECKOUT: Role
ROLE_POS: Role
ROLE_ADMIN: Role
ROLE_READ_ONLY: Role
ROLE_SUPPORT: Role
REFEREE_STATUS_UNSPECIFIED: RefereeStatus
REFEREE_REWARDED: RefereeStatus
REFEREE_CONVERTED_OVER_CAP: RefereeStatus
REFEREE_CONVERTED: RefereeStatus
REFEREE_SIGNED_UP: RefereeStatus
GIFT_CARDS_ALL: GiftCardFilter
GIFT_CARDS_WITH_BALANCE: GiftCardFilter
GIFT_CARDS_EMPTY: GiftCardFilter
GIFT_CARDS_EXPIRED: GiftCardFilter
GIFT_CARDS_DISABLED: GiftCardFilter

class CreateCampaignRequest(_message.Message):
    __slots__ = ("campaign",)
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    campaign: _campaign_pb2.Campaign
    def __init__(self, campaign: _Optional[_Union[_campaign_pb2.Campaign, _Mapping]] = ...) -> None: ...

class UpdateCampaignRequest(_message.Message):
    __slots__ = ("campaign", "expected_version")
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    campaign: _campaign_pb2.Campaign
    expected_version: int
    def __init__(self, campaign: _Optional[_Union[_campaign_pb2.Campaign, _Mapping]] = ..., expected_version: _Optional[int] = ...) -> None: ...

class GetCampaignRequest(_message.Message):
    __slots__ = ("id", "version")
    ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    version: int
    def __init__(self, id: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class ListCampaignsRequest(_message.Message):
    __slots__ = ("page", "type")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    type: _campaign_pb2.CampaignType
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., type: _Optional[_Union[_campaign_pb2.CampaignType, str]] = ...) -> None: ...

class ListCampaignsResponse(_message.Message):
    __slots__ = ("campaigns", "next_page_token")
    CAMPAIGNS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    campaigns: _containers.RepeatedCompositeFieldContainer[_campaign_pb2.Campaign]
    next_page_token: str
    def __init__(self, campaigns: _Optional[_Iterable[_Union[_campaign_pb2.Campaign, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class SetCampaignActiveRequest(_message.Message):
    __slots__ = ("id", "active", "reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    active: bool
    reason: str
    def __init__(self, id: _Optional[str] = ..., active: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class DuplicateCampaignRequest(_message.Message):
    __slots__ = ("id", "new_id", "new_name")
    ID_FIELD_NUMBER: _ClassVar[int]
    NEW_ID_FIELD_NUMBER: _ClassVar[int]
    NEW_NAME_FIELD_NUMBER: _ClassVar[int]
    id: str
    new_id: str
    new_name: str
    def __init__(self, id: _Optional[str] = ..., new_id: _Optional[str] = ..., new_name: _Optional[str] = ...) -> None: ...

class CreateCodeRequest(_message.Message):
    __slots__ = ("code",)
    CODE_FIELD_NUMBER: _ClassVar[int]
    code: _campaign_pb2.Code
    def __init__(self, code: _Optional[_Union[_campaign_pb2.Code, _Mapping]] = ...) -> None: ...

class GenerateCodesRequest(_message.Message):
    __slots__ = ("campaign_id", "count", "code_config", "redemption_quantity", "gift_balance", "return_codes")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    CODE_CONFIG_FIELD_NUMBER: _ClassVar[int]
    REDEMPTION_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    GIFT_BALANCE_FIELD_NUMBER: _ClassVar[int]
    RETURN_CODES_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    count: int
    code_config: _campaign_pb2.CodeConfig
    redemption_quantity: int
    gift_balance: int
    return_codes: bool
    def __init__(self, campaign_id: _Optional[str] = ..., count: _Optional[int] = ..., code_config: _Optional[_Union[_campaign_pb2.CodeConfig, _Mapping]] = ..., redemption_quantity: _Optional[int] = ..., gift_balance: _Optional[int] = ..., return_codes: _Optional[bool] = ...) -> None: ...

class GenerateCodesProgress(_message.Message):
    __slots__ = ("generated", "total", "done", "codes")
    GENERATED_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    CODES_FIELD_NUMBER: _ClassVar[int]
    generated: int
    total: int
    done: bool
    codes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, generated: _Optional[int] = ..., total: _Optional[int] = ..., done: _Optional[bool] = ..., codes: _Optional[_Iterable[str]] = ...) -> None: ...

class GetCodeRequest(_message.Message):
    __slots__ = ("code",)
    CODE_FIELD_NUMBER: _ClassVar[int]
    code: str
    def __init__(self, code: _Optional[str] = ...) -> None: ...

class ListCodesRequest(_message.Message):
    __slots__ = ("campaign_id", "page", "prefix")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    page: _common_pb2.PageRequest
    prefix: str
    def __init__(self, campaign_id: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., prefix: _Optional[str] = ...) -> None: ...

class ListCodesResponse(_message.Message):
    __slots__ = ("codes", "next_page_token", "total")
    CODES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    codes: _containers.RepeatedCompositeFieldContainer[_campaign_pb2.Code]
    next_page_token: str
    total: int
    def __init__(self, codes: _Optional[_Iterable[_Union[_campaign_pb2.Code, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total: _Optional[int] = ...) -> None: ...

class SetCodeActiveRequest(_message.Message):
    __slots__ = ("code", "active")
    CODE_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    code: str
    active: bool
    def __init__(self, code: _Optional[str] = ..., active: _Optional[bool] = ...) -> None: ...

class ImportCodesChunk(_message.Message):
    __slots__ = ("campaign_id", "csv")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    CSV_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    csv: bytes
    def __init__(self, campaign_id: _Optional[str] = ..., csv: _Optional[bytes] = ...) -> None: ...

class ImportCodesResponse(_message.Message):
    __slots__ = ("imported",)
    IMPORTED_FIELD_NUMBER: _ClassVar[int]
    imported: int
    def __init__(self, imported: _Optional[int] = ...) -> None: ...

class ExportCodesRequest(_message.Message):
    __slots__ = ("campaign_id", "prefix")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    prefix: str
    def __init__(self, campaign_id: _Optional[str] = ..., prefix: _Optional[str] = ...) -> None: ...

class ExportCodesChunk(_message.Message):
    __slots__ = ("csv",)
    CSV_FIELD_NUMBER: _ClassVar[int]
    csv: bytes
    def __init__(self, csv: _Optional[bytes] = ...) -> None: ...

class GetCodeQrRequest(_message.Message):
    __slots__ = ("code", "format", "scale")
    CODE_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    SCALE_FIELD_NUMBER: _ClassVar[int]
    code: str
    format: str
    scale: int
    def __init__(self, code: _Optional[str] = ..., format: _Optional[str] = ..., scale: _Optional[int] = ...) -> None: ...

class GetCodeQrResponse(_message.Message):
    __slots__ = ("content_type", "image")
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    content_type: str
    image: bytes
    def __init__(self, content_type: _Optional[str] = ..., image: _Optional[bytes] = ...) -> None: ...

class UpsertCustomerRequest(_message.Message):
    __slots__ = ("customer",)
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    customer: _customer_pb2.Customer
    def __init__(self, customer: _Optional[_Union[_customer_pb2.Customer, _Mapping]] = ...) -> None: ...

class GetCustomerRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListCustomersRequest(_message.Message):
    __slots__ = ("page", "segment_id", "query")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_ID_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    segment_id: str
    query: str
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., segment_id: _Optional[str] = ..., query: _Optional[str] = ...) -> None: ...

class ListCustomersResponse(_message.Message):
    __slots__ = ("customers", "next_page_token")
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    customers: _containers.RepeatedCompositeFieldContainer[_customer_pb2.Customer]
    next_page_token: str
    def __init__(self, customers: _Optional[_Iterable[_Union[_customer_pb2.Customer, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CreateSegmentRequest(_message.Message):
    __slots__ = ("segment",)
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    segment: _customer_pb2.Segment
    def __init__(self, segment: _Optional[_Union[_customer_pb2.Segment, _Mapping]] = ...) -> None: ...

class ListSegmentsRequest(_message.Message):
    __slots__ = ("page",)
    PAGE_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListSegmentsResponse(_message.Message):
    __slots__ = ("segments", "next_page_token")
    SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    segments: _containers.RepeatedCompositeFieldContainer[_customer_pb2.Segment]
    next_page_token: str
    def __init__(self, segments: _Optional[_Iterable[_Union[_customer_pb2.Segment, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListSegmentMembersRequest(_message.Message):
    __slots__ = ("segment_id", "page")
    SEGMENT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    segment_id: str
    page: _common_pb2.PageRequest
    def __init__(self, segment_id: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListSegmentMembersResponse(_message.Message):
    __slots__ = ("customer_ids", "next_page_token")
    CUSTOMER_IDS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    customer_ids: _containers.RepeatedScalarFieldContainer[str]
    next_page_token: str
    def __init__(self, customer_ids: _Optional[_Iterable[str]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CreateDistributionRequest(_message.Message):
    __slots__ = ("distribution",)
    DISTRIBUTION_FIELD_NUMBER: _ClassVar[int]
    distribution: _customer_pb2.Distribution
    def __init__(self, distribution: _Optional[_Union[_customer_pb2.Distribution, _Mapping]] = ...) -> None: ...

class ListDistributionsRequest(_message.Message):
    __slots__ = ("page",)
    PAGE_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListDistributionsResponse(_message.Message):
    __slots__ = ("distributions", "next_page_token")
    DISTRIBUTIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    distributions: _containers.RepeatedCompositeFieldContainer[_customer_pb2.Distribution]
    next_page_token: str
    def __init__(self, distributions: _Optional[_Iterable[_Union[_customer_pb2.Distribution, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class PublishCodeRequest(_message.Message):
    __slots__ = ("campaign_id", "customer_id", "code")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    customer_id: str
    code: str
    def __init__(self, campaign_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., code: _Optional[str] = ...) -> None: ...

class IssueGiftCardsRequest(_message.Message):
    __slots__ = ("campaign_id", "count", "balance", "customer_id", "expire_at")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_AT_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    count: int
    balance: int
    customer_id: str
    expire_at: _timestamp_pb2.Timestamp
    def __init__(self, campaign_id: _Optional[str] = ..., count: _Optional[int] = ..., balance: _Optional[int] = ..., customer_id: _Optional[str] = ..., expire_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class IssueGiftCardsResponse(_message.Message):
    __slots__ = ("gift_cards", "issued")
    GIFT_CARDS_FIELD_NUMBER: _ClassVar[int]
    ISSUED_FIELD_NUMBER: _ClassVar[int]
    gift_cards: _containers.RepeatedCompositeFieldContainer[_loyalty_pb2.GiftCard]
    issued: int
    def __init__(self, gift_cards: _Optional[_Iterable[_Union[_loyalty_pb2.GiftCard, _Mapping]]] = ..., issued: _Optional[int] = ...) -> None: ...

class TopUpGiftCardRequest(_message.Message):
    __slots__ = ("code", "amount", "idempotency_key", "reason")
    CODE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    code: str
    amount: int
    idempotency_key: str
    reason: str
    def __init__(self, code: _Optional[str] = ..., amount: _Optional[int] = ..., idempotency_key: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class DebitGiftCardRequest(_message.Message):
    __slots__ = ("code", "amount", "idempotency_key", "reason")
    CODE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    code: str
    amount: int
    idempotency_key: str
    reason: str
    def __init__(self, code: _Optional[str] = ..., amount: _Optional[int] = ..., idempotency_key: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class GetGiftCardProgramRequest(_message.Message):
    __slots__ = ("campaign_id",)
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    def __init__(self, campaign_id: _Optional[str] = ...) -> None: ...

class GiftCardProgram(_message.Message):
    __slots__ = ("campaign_id", "currency", "cards", "outstanding_balance", "cards_with_balance", "expired_balance")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    CARDS_FIELD_NUMBER: _ClassVar[int]
    OUTSTANDING_BALANCE_FIELD_NUMBER: _ClassVar[int]
    CARDS_WITH_BALANCE_FIELD_NUMBER: _ClassVar[int]
    EXPIRED_BALANCE_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    currency: str
    cards: int
    outstanding_balance: int
    cards_with_balance: int
    expired_balance: int
    def __init__(self, campaign_id: _Optional[str] = ..., currency: _Optional[str] = ..., cards: _Optional[int] = ..., outstanding_balance: _Optional[int] = ..., cards_with_balance: _Optional[int] = ..., expired_balance: _Optional[int] = ...) -> None: ...

class GetGiftCardRequest(_message.Message):
    __slots__ = ("code",)
    CODE_FIELD_NUMBER: _ClassVar[int]
    code: str
    def __init__(self, code: _Optional[str] = ...) -> None: ...

class ListLedgerRequest(_message.Message):
    __slots__ = ("code", "page")
    CODE_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    code: str
    page: _common_pb2.PageRequest
    def __init__(self, code: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListLedgerResponse(_message.Message):
    __slots__ = ("entries", "next_page_token")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[_loyalty_pb2.LedgerEntry]
    next_page_token: str
    def __init__(self, entries: _Optional[_Iterable[_Union[_loyalty_pb2.LedgerEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class EnrollLoyaltyRequest(_message.Message):
    __slots__ = ("campaign_id", "customer_id")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    customer_id: str
    def __init__(self, campaign_id: _Optional[str] = ..., customer_id: _Optional[str] = ...) -> None: ...

class GetLoyaltyCardRequest(_message.Message):
    __slots__ = ("code", "campaign_id", "customer_id")
    CODE_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    code: str
    campaign_id: str
    customer_id: str
    def __init__(self, code: _Optional[str] = ..., campaign_id: _Optional[str] = ..., customer_id: _Optional[str] = ...) -> None: ...

class AdjustPointsRequest(_message.Message):
    __slots__ = ("code", "points", "reason", "idempotency_key")
    CODE_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    code: str
    points: int
    reason: str
    idempotency_key: str
    def __init__(self, code: _Optional[str] = ..., points: _Optional[int] = ..., reason: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class BuyRewardRequest(_message.Message):
    __slots__ = ("code", "reward_id", "idempotency_key")
    CODE_FIELD_NUMBER: _ClassVar[int]
    REWARD_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    code: str
    reward_id: str
    idempotency_key: str
    def __init__(self, code: _Optional[str] = ..., reward_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class BuyRewardResponse(_message.Message):
    __slots__ = ("card", "issued_code", "gift_card", "free_product_sku", "cash_due")
    CARD_FIELD_NUMBER: _ClassVar[int]
    ISSUED_CODE_FIELD_NUMBER: _ClassVar[int]
    GIFT_CARD_FIELD_NUMBER: _ClassVar[int]
    FREE_PRODUCT_SKU_FIELD_NUMBER: _ClassVar[int]
    CASH_DUE_FIELD_NUMBER: _ClassVar[int]
    card: _loyalty_pb2.LoyaltyCard
    issued_code: str
    gift_card: _loyalty_pb2.GiftCard
    free_product_sku: str
    cash_due: int
    def __init__(self, card: _Optional[_Union[_loyalty_pb2.LoyaltyCard, _Mapping]] = ..., issued_code: _Optional[str] = ..., gift_card: _Optional[_Union[_loyalty_pb2.GiftCard, _Mapping]] = ..., free_product_sku: _Optional[str] = ..., cash_due: _Optional[int] = ...) -> None: ...

class CreateReferralCodeRequest(_message.Message):
    __slots__ = ("campaign_id", "customer_id")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    customer_id: str
    def __init__(self, campaign_id: _Optional[str] = ..., customer_id: _Optional[str] = ...) -> None: ...

class GetReferralStatsRequest(_message.Message):
    __slots__ = ("code",)
    CODE_FIELD_NUMBER: _ClassVar[int]
    code: str
    def __init__(self, code: _Optional[str] = ...) -> None: ...

class ReferralStats(_message.Message):
    __slots__ = ("code", "referrer_customer_id", "conversions", "rewarded_conversions", "points_earned", "gift_credit_earned")
    CODE_FIELD_NUMBER: _ClassVar[int]
    REFERRER_CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSIONS_FIELD_NUMBER: _ClassVar[int]
    REWARDED_CONVERSIONS_FIELD_NUMBER: _ClassVar[int]
    POINTS_EARNED_FIELD_NUMBER: _ClassVar[int]
    GIFT_CREDIT_EARNED_FIELD_NUMBER: _ClassVar[int]
    code: str
    referrer_customer_id: str
    conversions: int
    rewarded_conversions: int
    points_earned: int
    gift_credit_earned: int
    def __init__(self, code: _Optional[str] = ..., referrer_customer_id: _Optional[str] = ..., conversions: _Optional[int] = ..., rewarded_conversions: _Optional[int] = ..., points_earned: _Optional[int] = ..., gift_credit_earned: _Optional[int] = ...) -> None: ...

class GetRedemptionRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListRedemptionsRequest(_message.Message):
    __slots__ = ("campaign_id", "customer_id", "page", "code")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    customer_id: str
    page: _common_pb2.PageRequest
    code: str
    def __init__(self, campaign_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., code: _Optional[str] = ...) -> None: ...

class ListRedemptionsResponse(_message.Message):
    __slots__ = ("redemptions", "next_page_token")
    REDEMPTIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    redemptions: _containers.RepeatedCompositeFieldContainer[_checkout_pb2.Redemption]
    next_page_token: str
    def __init__(self, redemptions: _Optional[_Iterable[_Union[_checkout_pb2.Redemption, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetCampaignReportRequest(_message.Message):
    __slots__ = ("campaign_id", "range")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    RANGE_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    range: _common_pb2.TimeRange
    def __init__(self, campaign_id: _Optional[str] = ..., range: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ...) -> None: ...

class DailyFigures(_message.Message):
    __slots__ = ("day", "redemptions", "rollbacks", "discount", "order_value")
    DAY_FIELD_NUMBER: _ClassVar[int]
    REDEMPTIONS_FIELD_NUMBER: _ClassVar[int]
    ROLLBACKS_FIELD_NUMBER: _ClassVar[int]
    DISCOUNT_FIELD_NUMBER: _ClassVar[int]
    ORDER_VALUE_FIELD_NUMBER: _ClassVar[int]
    day: str
    redemptions: int
    rollbacks: int
    discount: int
    order_value: int
    def __init__(self, day: _Optional[str] = ..., redemptions: _Optional[int] = ..., rollbacks: _Optional[int] = ..., discount: _Optional[int] = ..., order_value: _Optional[int] = ...) -> None: ...

class VariantFigures(_message.Message):
    __slots__ = ("variant", "redemptions", "discount", "order_value")
    VARIANT_FIELD_NUMBER: _ClassVar[int]
    REDEMPTIONS_FIELD_NUMBER: _ClassVar[int]
    DISCOUNT_FIELD_NUMBER: _ClassVar[int]
    ORDER_VALUE_FIELD_NUMBER: _ClassVar[int]
    variant: str
    redemptions: int
    discount: int
    order_value: int
    def __init__(self, variant: _Optional[str] = ..., redemptions: _Optional[int] = ..., discount: _Optional[int] = ..., order_value: _Optional[int] = ...) -> None: ...

class CampaignReport(_message.Message):
    __slots__ = ("campaign_id", "currency", "redemptions", "rollbacks", "unique_customers", "total_discount", "total_order_value", "daily", "variants", "codes")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    REDEMPTIONS_FIELD_NUMBER: _ClassVar[int]
    ROLLBACKS_FIELD_NUMBER: _ClassVar[int]
    UNIQUE_CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_DISCOUNT_FIELD_NUMBER: _ClassVar[int]
    TOTAL_ORDER_VALUE_FIELD_NUMBER: _ClassVar[int]
    DAILY_FIELD_NUMBER: _ClassVar[int]
    VARIANTS_FIELD_NUMBER: _ClassVar[int]
    CODES_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    currency: str
    redemptions: int
    rollbacks: int
    unique_customers: int
    total_discount: int
    total_order_value: int
    daily: _containers.RepeatedCompositeFieldContainer[DailyFigures]
    variants: _containers.RepeatedCompositeFieldContainer[VariantFigures]
    codes: int
    def __init__(self, campaign_id: _Optional[str] = ..., currency: _Optional[str] = ..., redemptions: _Optional[int] = ..., rollbacks: _Optional[int] = ..., unique_customers: _Optional[int] = ..., total_discount: _Optional[int] = ..., total_order_value: _Optional[int] = ..., daily: _Optional[_Iterable[_Union[DailyFigures, _Mapping]]] = ..., variants: _Optional[_Iterable[_Union[VariantFigures, _Mapping]]] = ..., codes: _Optional[int] = ...) -> None: ...

class ApiKey(_message.Message):
    __slots__ = ("id", "name", "role", "created_at", "revoked_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    REVOKED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    role: Role
    created_at: _timestamp_pb2.Timestamp
    revoked_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., role: _Optional[_Union[Role, str]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revoked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateApiKeyRequest(_message.Message):
    __slots__ = ("name", "role")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    name: str
    role: Role
    def __init__(self, name: _Optional[str] = ..., role: _Optional[_Union[Role, str]] = ...) -> None: ...

class CreateApiKeyResponse(_message.Message):
    __slots__ = ("api_key", "secret")
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    api_key: ApiKey
    secret: str
    def __init__(self, api_key: _Optional[_Union[ApiKey, _Mapping]] = ..., secret: _Optional[str] = ...) -> None: ...

class ListApiKeysRequest(_message.Message):
    __slots__ = ("page",)
    PAGE_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListApiKeysResponse(_message.Message):
    __slots__ = ("api_keys", "next_page_token")
    API_KEYS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    api_keys: _containers.RepeatedCompositeFieldContainer[ApiKey]
    next_page_token: str
    def __init__(self, api_keys: _Optional[_Iterable[_Union[ApiKey, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class WhoAmIRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SupportLimits(_message.Message):
    __slots__ = ("max_points_adjustment", "max_gift_card_change")
    MAX_POINTS_ADJUSTMENT_FIELD_NUMBER: _ClassVar[int]
    MAX_GIFT_CARD_CHANGE_FIELD_NUMBER: _ClassVar[int]
    max_points_adjustment: int
    max_gift_card_change: int
    def __init__(self, max_points_adjustment: _Optional[int] = ..., max_gift_card_change: _Optional[int] = ...) -> None: ...

class GetSupportLimitsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SetSupportLimitsRequest(_message.Message):
    __slots__ = ("limits",)
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    limits: SupportLimits
    def __init__(self, limits: _Optional[_Union[SupportLimits, _Mapping]] = ...) -> None: ...

class RevokeApiKeyRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class AuditEntry(_message.Message):
    __slots__ = ("sequence", "actor", "action", "target", "before_json", "after_json", "created_at")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    BEFORE_JSON_FIELD_NUMBER: _ClassVar[int]
    AFTER_JSON_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    actor: str
    action: str
    target: str
    before_json: str
    after_json: str
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, sequence: _Optional[int] = ..., actor: _Optional[str] = ..., action: _Optional[str] = ..., target: _Optional[str] = ..., before_json: _Optional[str] = ..., after_json: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListAuditLogRequest(_message.Message):
    __slots__ = ("target_prefix", "page")
    TARGET_PREFIX_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    target_prefix: str
    page: _common_pb2.PageRequest
    def __init__(self, target_prefix: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListAuditLogResponse(_message.Message):
    __slots__ = ("entries", "next_page_token")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[AuditEntry]
    next_page_token: str
    def __init__(self, entries: _Optional[_Iterable[_Union[AuditEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetStackingRulesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SetStackingRulesRequest(_message.Message):
    __slots__ = ("rules",)
    RULES_FIELD_NUMBER: _ClassVar[int]
    rules: _campaign_pb2.StackingRules
    def __init__(self, rules: _Optional[_Union[_campaign_pb2.StackingRules, _Mapping]] = ...) -> None: ...

class CreateCockpitLinkRequest(_message.Message):
    __slots__ = ("customer_id", "ttl_seconds", "base_url")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    BASE_URL_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    ttl_seconds: int
    base_url: str
    def __init__(self, customer_id: _Optional[str] = ..., ttl_seconds: _Optional[int] = ..., base_url: _Optional[str] = ...) -> None: ...

class CockpitLink(_message.Message):
    __slots__ = ("customer_id", "path", "expires_at", "url", "qr_svg")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    QR_SVG_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    path: str
    expires_at: _timestamp_pb2.Timestamp
    url: str
    qr_svg: bytes
    def __init__(self, customer_id: _Optional[str] = ..., path: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., url: _Optional[str] = ..., qr_svg: _Optional[bytes] = ...) -> None: ...

class RevokeCockpitLinksRequest(_message.Message):
    __slots__ = ("customer_id",)
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    def __init__(self, customer_id: _Optional[str] = ...) -> None: ...

class RevokeCockpitLinksResponse(_message.Message):
    __slots__ = ("customer_id",)
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    def __init__(self, customer_id: _Optional[str] = ...) -> None: ...

class DescribeRulesRequest(_message.Message):
    __slots__ = ("rules_json", "currency")
    RULES_JSON_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    rules_json: str
    currency: str
    def __init__(self, rules_json: _Optional[str] = ..., currency: _Optional[str] = ...) -> None: ...

class DescribeRulesResponse(_message.Message):
    __slots__ = ("text",)
    TEXT_FIELD_NUMBER: _ClassVar[int]
    text: str
    def __init__(self, text: _Optional[str] = ...) -> None: ...

class GetDashboardRequest(_message.Message):
    __slots__ = ("from_date", "to_date", "time_zone", "top_campaigns")
    FROM_DATE_FIELD_NUMBER: _ClassVar[int]
    TO_DATE_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    TOP_CAMPAIGNS_FIELD_NUMBER: _ClassVar[int]
    from_date: str
    to_date: str
    time_zone: str
    top_campaigns: int
    def __init__(self, from_date: _Optional[str] = ..., to_date: _Optional[str] = ..., time_zone: _Optional[str] = ..., top_campaigns: _Optional[int] = ...) -> None: ...

class DashboardCurrency(_message.Message):
    __slots__ = ("currency", "redemptions", "rollbacks", "discount", "order_value", "daily")
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    REDEMPTIONS_FIELD_NUMBER: _ClassVar[int]
    ROLLBACKS_FIELD_NUMBER: _ClassVar[int]
    DISCOUNT_FIELD_NUMBER: _ClassVar[int]
    ORDER_VALUE_FIELD_NUMBER: _ClassVar[int]
    DAILY_FIELD_NUMBER: _ClassVar[int]
    currency: str
    redemptions: int
    rollbacks: int
    discount: int
    order_value: int
    daily: _containers.RepeatedCompositeFieldContainer[DailyFigures]
    def __init__(self, currency: _Optional[str] = ..., redemptions: _Optional[int] = ..., rollbacks: _Optional[int] = ..., discount: _Optional[int] = ..., order_value: _Optional[int] = ..., daily: _Optional[_Iterable[_Union[DailyFigures, _Mapping]]] = ...) -> None: ...

class DashboardCampaign(_message.Message):
    __slots__ = ("campaign_id", "name", "type", "currency", "redemptions", "rollbacks", "discount", "order_value")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    REDEMPTIONS_FIELD_NUMBER: _ClassVar[int]
    ROLLBACKS_FIELD_NUMBER: _ClassVar[int]
    DISCOUNT_FIELD_NUMBER: _ClassVar[int]
    ORDER_VALUE_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    name: str
    type: _campaign_pb2.CampaignType
    currency: str
    redemptions: int
    rollbacks: int
    discount: int
    order_value: int
    def __init__(self, campaign_id: _Optional[str] = ..., name: _Optional[str] = ..., type: _Optional[_Union[_campaign_pb2.CampaignType, str]] = ..., currency: _Optional[str] = ..., redemptions: _Optional[int] = ..., rollbacks: _Optional[int] = ..., discount: _Optional[int] = ..., order_value: _Optional[int] = ...) -> None: ...

class DiscountKindFigures(_message.Message):
    __slots__ = ("kind", "redemptions")
    KIND_FIELD_NUMBER: _ClassVar[int]
    REDEMPTIONS_FIELD_NUMBER: _ClassVar[int]
    kind: str
    redemptions: int
    def __init__(self, kind: _Optional[str] = ..., redemptions: _Optional[int] = ...) -> None: ...

class CurrencyAmount(_message.Message):
    __slots__ = ("currency", "amount")
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    currency: str
    amount: int
    def __init__(self, currency: _Optional[str] = ..., amount: _Optional[int] = ...) -> None: ...

class Dashboard(_message.Message):
    __slots__ = ("from_date", "to_date", "time_zone", "currencies", "top_campaigns", "discount_kinds", "gift_card_balance", "loyalty_points", "loyalty_pending_points")
    FROM_DATE_FIELD_NUMBER: _ClassVar[int]
    TO_DATE_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    CURRENCIES_FIELD_NUMBER: _ClassVar[int]
    TOP_CAMPAIGNS_FIELD_NUMBER: _ClassVar[int]
    DISCOUNT_KINDS_FIELD_NUMBER: _ClassVar[int]
    GIFT_CARD_BALANCE_FIELD_NUMBER: _ClassVar[int]
    LOYALTY_POINTS_FIELD_NUMBER: _ClassVar[int]
    LOYALTY_PENDING_POINTS_FIELD_NUMBER: _ClassVar[int]
    from_date: str
    to_date: str
    time_zone: str
    currencies: _containers.RepeatedCompositeFieldContainer[DashboardCurrency]
    top_campaigns: _containers.RepeatedCompositeFieldContainer[DashboardCampaign]
    discount_kinds: _containers.RepeatedCompositeFieldContainer[DiscountKindFigures]
    gift_card_balance: _containers.RepeatedCompositeFieldContainer[CurrencyAmount]
    loyalty_points: int
    loyalty_pending_points: int
    def __init__(self, from_date: _Optional[str] = ..., to_date: _Optional[str] = ..., time_zone: _Optional[str] = ..., currencies: _Optional[_Iterable[_Union[DashboardCurrency, _Mapping]]] = ..., top_campaigns: _Optional[_Iterable[_Union[DashboardCampaign, _Mapping]]] = ..., discount_kinds: _Optional[_Iterable[_Union[DiscountKindFigures, _Mapping]]] = ..., gift_card_balance: _Optional[_Iterable[_Union[CurrencyAmount, _Mapping]]] = ..., loyalty_points: _Optional[int] = ..., loyalty_pending_points: _Optional[int] = ...) -> None: ...

class CountSegmentMembersRequest(_message.Message):
    __slots__ = ("rules_json",)
    RULES_JSON_FIELD_NUMBER: _ClassVar[int]
    rules_json: str
    def __init__(self, rules_json: _Optional[str] = ...) -> None: ...

class CountSegmentMembersResponse(_message.Message):
    __slots__ = ("matched", "examined", "complete", "sample_customer_ids")
    MATCHED_FIELD_NUMBER: _ClassVar[int]
    EXAMINED_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_CUSTOMER_IDS_FIELD_NUMBER: _ClassVar[int]
    matched: int
    examined: int
    complete: bool
    sample_customer_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, matched: _Optional[int] = ..., examined: _Optional[int] = ..., complete: _Optional[bool] = ..., sample_customer_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ListRefereesRequest(_message.Message):
    __slots__ = ("code", "page")
    CODE_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    code: str
    page: _common_pb2.PageRequest
    def __init__(self, code: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class Referee(_message.Message):
    __slots__ = ("customer_id", "status", "converted_at", "converted_by", "points_given", "gift_credit_given")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CONVERTED_AT_FIELD_NUMBER: _ClassVar[int]
    CONVERTED_BY_FIELD_NUMBER: _ClassVar[int]
    POINTS_GIVEN_FIELD_NUMBER: _ClassVar[int]
    GIFT_CREDIT_GIVEN_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    status: RefereeStatus
    converted_at: _timestamp_pb2.Timestamp
    converted_by: str
    points_given: int
    gift_credit_given: int
    def __init__(self, customer_id: _Optional[str] = ..., status: _Optional[_Union[RefereeStatus, str]] = ..., converted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., converted_by: _Optional[str] = ..., points_given: _Optional[int] = ..., gift_credit_given: _Optional[int] = ...) -> None: ...

class ListRefereesResponse(_message.Message):
    __slots__ = ("referees", "next_page_token")
    REFEREES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    referees: _containers.RepeatedCompositeFieldContainer[Referee]
    next_page_token: str
    def __init__(self, referees: _Optional[_Iterable[_Union[Referee, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ExportGiftCardsRequest(_message.Message):
    __slots__ = ("campaign_id", "prefix", "filter")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    prefix: str
    filter: GiftCardFilter
    def __init__(self, campaign_id: _Optional[str] = ..., prefix: _Optional[str] = ..., filter: _Optional[_Union[GiftCardFilter, str]] = ...) -> None: ...

class ShopBranding(_message.Message):
    __slots__ = ("shop_name", "logo_url", "brand_color", "brand_text_color")
    SHOP_NAME_FIELD_NUMBER: _ClassVar[int]
    LOGO_URL_FIELD_NUMBER: _ClassVar[int]
    BRAND_COLOR_FIELD_NUMBER: _ClassVar[int]
    BRAND_TEXT_COLOR_FIELD_NUMBER: _ClassVar[int]
    shop_name: str
    logo_url: str
    brand_color: str
    brand_text_color: str
    def __init__(self, shop_name: _Optional[str] = ..., logo_url: _Optional[str] = ..., brand_color: _Optional[str] = ..., brand_text_color: _Optional[str] = ...) -> None: ...

class GetShopBrandingRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SetShopBrandingRequest(_message.Message):
    __slots__ = ("branding",)
    BRANDING_FIELD_NUMBER: _ClassVar[int]
    branding: ShopBranding
    def __init__(self, branding: _Optional[_Union[ShopBranding, _Mapping]] = ...) -> None: ...

"""promocore.Client: typed methods over the gRPC API, plain Python values in and out.

    from promocore import Client

    with Client("127.0.0.1:50051") as client:
        campaign = client.create_campaign(
            name="Summer 10%", type="DISCOUNT_COUPONS", currency="EUR",
            effect={"percent_off_order": {"percent_bp": 1000, "cap": 2000}},
            rules={"subject": "order.amount", "op": "gte", "value": 5000},
        )
        codes = client.generate_codes(campaign["id"], 3, redemption_quantity=1)
        answer = client.validate(order, codes=[codes[0]])

Amounts are integers in minor units; rules, attributes and metadata are Python values (the
`*_json` fields of the protos). Errors are raised as promocore.errors classes: an
InvalidArgumentError carries the offending `field`, others a `reason` code.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, cast

import grpc

from promocore.client.customers import CustomersClient
from promocore.client.programs import ProgramsClient
from promocore.v1 import (
    admin_pb2,
    admin_pb2_grpc,
    backtest_pb2,
    campaign_pb2,
    checkout_pb2,
    checkout_pb2_grpc,
)
from promocore.wire.plain import from_plain, to_plain
from promocore.wire.status import from_rpc_error

Plain = dict[str, Any]
API_KEY_HEADER = "x-api-key"
API_KEY_ENV = "PROMOCORE_API_KEY"


# A message of a request stream carries at most this much of a file (the server's message
# limit is 1 MiB by default).
BACKTEST_CHUNK_BYTES = 512 * 1024


def _chunked(data: bytes) -> Iterator[bytes]:
    for offset in range(0, len(data), BACKTEST_CHUNK_BYTES):
        yield data[offset : offset + BACKTEST_CHUNK_BYTES]


class Client(ProgramsClient, CustomersClient):
    def __init__(
        self,
        target: str = "127.0.0.1:50051",
        api_key: str | None = None,
        *,
        timeout: float | None = 30.0,
        credentials: grpc.ChannelCredentials | None = None,
        channel_options: Sequence[tuple[str, Any]] = (),
    ) -> None:
        """`api_key`: None takes $PROMOCORE_API_KEY (as the CLI does); "" sends no key.
        `credentials`: TLS (promocore.wire.tls.channel_credentials); None = plaintext.
        `channel_options`: gRPC channel arguments, e.g. `("grpc.use_local_subchannel_pool", 1)`
        for a connection of this client's own (clients of one target share one otherwise)."""
        self.target = target
        self.timeout = timeout
        if api_key is None:
            api_key = os.environ.get(API_KEY_ENV, "")
        self._metadata = ((API_KEY_HEADER, api_key),) if api_key else ()
        options = list(channel_options)
        self._channel = (
            grpc.secure_channel(target, credentials, options=options)
            if credentials is not None
            else grpc.insecure_channel(target, options=options)
        )
        self._checkout = checkout_pb2_grpc.CheckoutServiceStub(self._channel)
        self._admin = admin_pb2_grpc.AdminServiceStub(self._channel)

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _call(self, method: Callable[..., Any], request: Any) -> Any:
        try:
            return method(request, timeout=self.timeout, metadata=self._metadata)
        except grpc.RpcError as error:
            raise from_rpc_error(error) from None

    def _pages(
        self,
        request_for: Callable[[str], Any],
        method: Callable[..., Any],
        field: str,
        *,
        limit: int | None = None,
        convert: Callable[[Any], Any] = to_plain,
    ) -> list[Any]:
        """Every item of a paged list RPC (the first `limit` when given), following pages:
        `request_for(page_token)` builds each page's request."""
        found: list[Any] = []
        token = ""
        while limit is None or len(found) < limit:
            response = self._call(method, request_for(token))
            found.extend(convert(item) for item in getattr(response, field))
            token = response.next_page_token
            if not token:
                break
        return found if limit is None else found[:limit]

    def _stream(
        self, method: Callable[..., Any], request: Any, *, unbounded: bool = False
    ) -> Iterator[Any]:
        """`unbounded`: no deadline (a long job that reports its progress)."""
        timeout = None if unbounded else self.timeout
        try:
            yield from method(request, timeout=timeout, metadata=self._metadata)
        except grpc.RpcError as error:
            raise from_rpc_error(error) from None

    # Campaigns -----------------------------------------------------------------------------

    def create_campaign(self, campaign: Plain | None = None, **fields: Any) -> Plain:
        """Creates a campaign from a mapping and/or keyword fields of promocore.v1.Campaign."""
        request = admin_pb2.CreateCampaignRequest(
            campaign=from_plain(campaign_pb2.Campaign, {**(campaign or {}), **fields}, "campaign")
        )
        return to_plain(self._call(self._admin.CreateCampaign, request))

    def update_campaign(self, campaign: Plain, *, expected_version: int = 0) -> Plain:
        """Replaces a campaign's definition (a new version); `campaign["id"]` names it."""
        request = admin_pb2.UpdateCampaignRequest(
            campaign=from_plain(campaign_pb2.Campaign, campaign, "campaign"),
            expected_version=expected_version,
        )
        return to_plain(self._call(self._admin.UpdateCampaign, request))

    def get_campaign(self, campaign_id: str, *, version: int = 0) -> Plain:
        request = admin_pb2.GetCampaignRequest(id=campaign_id, version=version)
        return to_plain(self._call(self._admin.GetCampaign, request))

    def list_campaigns(self, *, type: str | None = None) -> list[Plain]:
        """Every campaign (latest versions), following pages."""
        return self._pages(
            lambda token: from_plain(
                admin_pb2.ListCampaignsRequest, {"type": type, "page": {"page_token": token}}
            ),
            self._admin.ListCampaigns,
            "campaigns",
        )

    def set_campaign_active(self, campaign_id: str, active: bool) -> Plain:
        """The kill switch."""
        request = admin_pb2.SetCampaignActiveRequest(id=campaign_id, active=active)
        return to_plain(self._call(self._admin.SetCampaignActive, request))

    def disable_campaign(self, campaign_id: str) -> Plain:
        return self.set_campaign_active(campaign_id, False)

    def enable_campaign(self, campaign_id: str) -> Plain:
        return self.set_campaign_active(campaign_id, True)

    def duplicate_campaign(
        self, campaign_id: str, *, new_id: str = "", new_name: str = ""
    ) -> Plain:
        """A copy of the campaign (codes not copied); ids and name assigned when empty."""
        request = admin_pb2.DuplicateCampaignRequest(
            id=campaign_id, new_id=new_id, new_name=new_name
        )
        return to_plain(self._call(self._admin.DuplicateCampaign, request))

    def campaign_report(self, campaign_id: str, *, start: Any = None, end: Any = None) -> Plain:
        """Redemptions, rollbacks, customers, totals, per-day series and per-variant figures;
        `start`/`end` (datetimes or RFC 3339) narrow it to a period."""
        request = from_plain(
            admin_pb2.GetCampaignReportRequest,
            {"campaign_id": campaign_id, "range": {"start": start, "end": end}},
        )
        return to_plain(self._call(self._admin.GetCampaignReport, request))

    def dashboard(
        self,
        *,
        from_date: str = "",
        to_date: str = "",
        time_zone: str = "",
        top_campaigns: int = 0,
    ) -> Plain:
        """Every campaign's performance from `from_date` to `to_date` ("YYYY-MM-DD", inclusive)
        in `time_zone` (default the last 30 days in UTC): totals and per-day series per
        currency, top campaigns, discount kinds, gift card balance and loyalty points now."""
        request = admin_pb2.GetDashboardRequest(
            from_date=from_date, to_date=to_date, time_zone=time_zone, top_campaigns=top_campaigns
        )
        return to_plain(self._call(self._admin.GetDashboard, request))

    def list_audit_log(self, *, target_prefix: str = "", limit: int | None = None) -> list[Plain]:
        """Audit entries, newest first (all of them, or the newest `limit`)."""
        return self._pages(
            lambda token: admin_pb2.ListAuditLogRequest(
                target_prefix=target_prefix, page={"page_token": token}
            ),
            self._admin.ListAuditLog,
            "entries",
            limit=limit,
        )

    def get_stacking_rules(self) -> Plain:
        request = admin_pb2.GetStackingRulesRequest()
        return to_plain(self._call(self._admin.GetStackingRules, request))

    def set_stacking_rules(self, rules: Plain) -> Plain:
        """How redeemables combine (docs/rules.md, "Stacking"); in force at once everywhere."""
        request = admin_pb2.SetStackingRulesRequest(
            rules=from_plain(campaign_pb2.StackingRules, rules, "rules")
        )
        return to_plain(self._call(self._admin.SetStackingRules, request))

    # Codes ---------------------------------------------------------------------------------

    def create_code(self, campaign_id: str, code: str, **fields: Any) -> Plain:
        values = {"campaign_id": campaign_id, "code": code, **fields}
        request = admin_pb2.CreateCodeRequest(code=from_plain(campaign_pb2.Code, values, "code"))
        return to_plain(self._call(self._admin.CreateCode, request))

    def generate_codes(
        self,
        campaign_id: str,
        count: int,
        *,
        code_config: Plain | None = None,
        redemption_quantity: int | None = None,
        gift_balance: int = 0,
        return_codes: bool = True,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> list[str]:
        """Generates `count` codes; returns them (when return_codes) and reports progress."""
        request = from_plain(
            admin_pb2.GenerateCodesRequest,
            {
                "campaign_id": campaign_id,
                "count": count,
                "code_config": code_config,
                "redemption_quantity": redemption_quantity,
                "gift_balance": gift_balance,
                "return_codes": return_codes,
            },
        )
        codes: list[str] = []
        for progress in self._stream(self._admin.GenerateCodes, request):
            if on_progress is not None:
                on_progress(progress.generated, progress.total)
            codes.extend(progress.codes)
        return codes

    def get_code(self, code: str) -> Plain:
        return to_plain(self._call(self._admin.GetCode, admin_pb2.GetCodeRequest(code=code)))

    def list_codes(self, campaign_id: str, *, prefix: str = "") -> list[Plain]:
        """Every code of the campaign (those starting with `prefix`), following pages."""
        return self._pages(
            lambda token: admin_pb2.ListCodesRequest(
                campaign_id=campaign_id, prefix=prefix, page={"page_token": token}
            ),
            self._admin.ListCodes,
            "codes",
        )

    def set_code_active(self, code: str, active: bool) -> Plain:
        request = admin_pb2.SetCodeActiveRequest(code=code, active=active)
        return to_plain(self._call(self._admin.SetCodeActive, request))

    def import_codes(self, campaign_id: str, csv: bytes | Iterable[bytes]) -> int:
        """Adds the codes of a CSV (code_files.py columns) to a campaign, all or nothing;
        `csv` is the bytes or chunks of them. Returns how many were imported."""
        chunks = [csv] if isinstance(csv, bytes) else csv

        def requests() -> Iterator[admin_pb2.ImportCodesChunk]:
            yield admin_pb2.ImportCodesChunk(campaign_id=campaign_id)
            for chunk in chunks:
                yield admin_pb2.ImportCodesChunk(csv=chunk)

        imported: int = self._call(self._admin.ImportCodes, requests()).imported
        return imported

    def export_codes(self, campaign_id: str, *, prefix: str = "") -> Iterator[bytes]:
        """The campaign's codes (those starting with `prefix`) as CSV, in chunks (header
        first)."""
        request = admin_pb2.ExportCodesRequest(campaign_id=campaign_id, prefix=prefix)
        for chunk in self._stream(self._admin.ExportCodes, request):
            yield chunk.csv

    def export_gift_cards(
        self, campaign_id: str, *, prefix: str = "", filter: str = "GIFT_CARDS_ALL"
    ) -> Iterator[bytes]:
        """A gift card program's cards (those starting with `prefix`, of `filter`'s state:
        GIFT_CARDS_WITH_BALANCE, _EMPTY, _EXPIRED, _DISABLED) as CSV with balances in the
        currency's units, in chunks (header first)."""
        # Value refuses an unknown name; protobuf's stubs type its answer as an int.
        state = cast(admin_pb2.GiftCardFilter, admin_pb2.GiftCardFilter.Value(filter))
        request = admin_pb2.ExportGiftCardsRequest(
            campaign_id=campaign_id, prefix=prefix, filter=state
        )
        for chunk in self._stream(self._admin.ExportGiftCards, request):
            yield chunk.csv

    def code_qr(self, code: str, *, format: str = "svg", scale: int = 0) -> tuple[str, bytes]:
        """(content type, image) of the code as a QR code, SVG or PNG."""
        request = admin_pb2.GetCodeQrRequest(code=code, format=format, scale=scale)
        response = self._call(self._admin.GetCodeQr, request)
        return response.content_type, response.image

    # Backtests -----------------------------------------------------------------------------

    def backtest(
        self,
        orders: bytes | Iterable[bytes],
        *,
        campaign: Plain | None = None,
        campaign_id: str = "",
        with_live: bool = False,
        orders_format: str = "",
        orders_size: int = 0,
        samples_per_outcome: int = 0,
        per_order: bool = False,
        on_progress: Callable[[int, float], None] | None = None,
    ) -> Plain:
        """Replays a campaign (`campaign`, not stored, or a stored one by `campaign_id`) on a
        file of past orders (bytes, or chunks of at most BACKTEST_CHUNK_BYTES; gzip accepted;
        `orders_format` "jsonl", "csv" or "" to guess); returns the report (docs/backtest.md).
        `on_progress(orders, fraction)` follows it."""
        chunks = _chunked(orders) if isinstance(orders, bytes) else orders
        settings: dict[str, Any] = {
            "with_live": with_live,
            "format": f"ORDERS_FORMAT_{orders_format.upper()}" if orders_format else 0,
            "samples_per_outcome": samples_per_outcome,
            "per_order": per_order,
            "orders_size": len(orders) if isinstance(orders, bytes) else orders_size,
        }
        if campaign is not None:
            settings["campaign"] = campaign
        else:
            settings["campaign_id"] = campaign_id

        def requests() -> Iterator[backtest_pb2.BacktestRequest]:
            yield from_plain(backtest_pb2.BacktestRequest, settings)
            for chunk in chunks:
                yield backtest_pb2.BacktestRequest(orders=chunk)

        for progress in self._stream(self._admin.Backtest, requests(), unbounded=True):
            if on_progress is not None:
                on_progress(progress.orders, progress.fraction)
            if progress.done:
                return to_plain(progress.report)
        raise RuntimeError("the backtest ended without its report")

    # Checkout ------------------------------------------------------------------------------

    def validate(
        self,
        order: Plain,
        *,
        codes: Iterable[str] = (),
        redeemables: Iterable[Plain] = (),
        customer: Plain | None = None,
        mode: str | None = None,
        include_promotions: bool = False,
        explain_promotions: bool = False,
        reservation: Plain | None = None,
        evaluate_at: Any = None,
    ) -> Plain:
        """Evaluates codes (and/or redeemables) against the order; changes nothing.
        `evaluate_at` (a timezone-aware datetime or RFC 3339 string): a preview, evaluated as
        if it were that time (admin and support keys only; not with `reservation`)."""
        request = from_plain(
            checkout_pb2.ValidateRequest,
            {
                **_checkout_fields(
                    order,
                    codes,
                    redeemables,
                    customer,
                    mode,
                    include_promotions,
                    explain_promotions,
                ),
                "reservation": reservation,
                "evaluate_at": evaluate_at,
            },
        )
        return to_plain(self._call(self._checkout.Validate, request))

    def redeem(
        self,
        order: Plain,
        *,
        idempotency_key: str,
        codes: Iterable[str] = (),
        redeemables: Iterable[Plain] = (),
        customer: Plain | None = None,
        mode: str | None = None,
        include_promotions: bool = False,
        explain_promotions: bool = False,
        session_key: str | None = None,
    ) -> Plain:
        """Applies the codes to a paid order, exactly once per idempotency key."""
        request = from_plain(
            checkout_pb2.RedeemRequest,
            {
                **_checkout_fields(
                    order,
                    codes,
                    redeemables,
                    customer,
                    mode,
                    include_promotions,
                    explain_promotions,
                ),
                "idempotency_key": idempotency_key,
                "session_key": session_key,
            },
        )
        return to_plain(self._call(self._checkout.Redeem, request))

    def rollback(self, redemption_id: str, *, reason: str = "") -> Plain:
        request = checkout_pb2.RollbackRequest(redemption_id=redemption_id, reason=reason)
        return to_plain(self._call(self._checkout.Rollback, request))

    def qualify(
        self,
        order: Plain,
        *,
        customer: Plain | None = None,
        limit: int = 0,
        include_near_misses: bool = False,
        evaluate_at: Any = None,
    ) -> Plain:
        """The customer's wallet on this cart: usable offers best deal first, near misses.
        `evaluate_at`: a preview, as for `validate`."""
        request = from_plain(
            checkout_pb2.QualifyRequest,
            {
                "order": order,
                "customer": customer,
                "limit": limit,
                "include_near_misses": include_near_misses,
                "evaluate_at": evaluate_at,
            },
        )
        return to_plain(self._call(self._checkout.Qualify, request))

    def release_reservation(self, session_key: str) -> int:
        """Frees a Validate reservation; returns how many redeemables it held."""
        request = checkout_pb2.ReleaseReservationRequest(session_key=session_key)
        released: int = self._call(self._checkout.ReleaseReservation, request).released
        return released

    # API keys ------------------------------------------------------------------------------

    def create_api_key(self, name: str, role: str) -> Plain:
        """A new key of `role` (checkout, pos, admin, read_only, support); `secret` is shown only
        here."""
        role_name = role.upper() if role.upper().startswith("ROLE_") else f"ROLE_{role.upper()}"
        request = from_plain(admin_pb2.CreateApiKeyRequest, {"name": name, "role": role_name})
        return to_plain(self._call(self._admin.CreateApiKey, request))

    # Customer cockpit ------------------------------------------------------------------------

    def create_cockpit_link(
        self, customer_id: str, ttl_seconds: int = 0, *, base_url: str = ""
    ) -> Plain:
        """A signed link to the customer's rewards page: `path` to append to the HTTP port's
        URL, `expires_at`; with `base_url`, the whole `url` and its QR code (`qr_svg`)."""
        request = admin_pb2.CreateCockpitLinkRequest(
            customer_id=customer_id, ttl_seconds=ttl_seconds, base_url=base_url
        )
        return to_plain(self._call(self._admin.CreateCockpitLink, request))

    def revoke_cockpit_links(self, customer_id: str) -> Plain:
        request = admin_pb2.RevokeCockpitLinksRequest(customer_id=customer_id)
        return to_plain(self._call(self._admin.RevokeCockpitLinks, request))

    def get_support_limits(self) -> Plain:
        """What a support key may change by hand per call (0 = nothing)."""
        return to_plain(
            self._call(self._admin.GetSupportLimits, admin_pb2.GetSupportLimitsRequest())
        )

    def set_support_limits(
        self, *, max_points_adjustment: int = 0, max_gift_card_change: int = 0
    ) -> Plain:
        """Replaces the support limits: points per AdjustPoints, minor units per gift card
        top-up or debit (0 = nothing)."""
        limits = admin_pb2.SupportLimits(
            max_points_adjustment=max_points_adjustment, max_gift_card_change=max_gift_card_change
        )
        request = admin_pb2.SetSupportLimitsRequest(limits=limits)
        return to_plain(self._call(self._admin.SetSupportLimits, request))

    def get_shop_branding(self) -> Plain:
        """The shop's look on the customers' rewards page: name, logo URL, colours."""
        return to_plain(self._call(self._admin.GetShopBranding, admin_pb2.GetShopBrandingRequest()))

    def set_shop_branding(
        self,
        *,
        shop_name: str = "",
        logo_url: str = "",
        brand_color: str = "",
        brand_text_color: str = "",
    ) -> Plain:
        """Replaces the shop's look (an https logo URL, "#rrggbb" colours at 4.5:1 or more)."""
        branding = admin_pb2.ShopBranding(
            shop_name=shop_name,
            logo_url=logo_url,
            brand_color=brand_color,
            brand_text_color=brand_text_color,
        )
        request = admin_pb2.SetShopBrandingRequest(branding=branding)
        return to_plain(self._call(self._admin.SetShopBranding, request))

    def who_am_i(self) -> Plain:
        """The key this client calls with: its id, name and role."""
        return to_plain(self._call(self._admin.WhoAmI, admin_pb2.WhoAmIRequest()))

    def list_api_keys(self) -> list[Plain]:
        return self._pages(
            lambda token: admin_pb2.ListApiKeysRequest(page={"page_token": token}),
            self._admin.ListApiKeys,
            "api_keys",
        )

    def revoke_api_key(self, key_id: str) -> Plain:
        return to_plain(
            self._call(self._admin.RevokeApiKey, admin_pb2.RevokeApiKeyRequest(id=key_id))
        )

    def list_redemptions(
        self, *, campaign_id: str = "", customer_id: str = "", code: str = ""
    ) -> list[Plain]:
        """Redemptions as they stand now, newest first, of a campaign and/or a customer and/or
        a code."""
        return self._pages(
            lambda token: admin_pb2.ListRedemptionsRequest(
                campaign_id=campaign_id,
                customer_id=customer_id,
                code=code,
                page={"page_token": token},
            ),
            self._admin.ListRedemptions,
            "redemptions",
        )

    def get_redemption(self, redemption_id: str) -> Plain:
        request = admin_pb2.GetRedemptionRequest(id=redemption_id)
        return to_plain(self._call(self._admin.GetRedemption, request))


def _checkout_fields(
    order: Plain,
    codes: Iterable[str],
    redeemables: Iterable[Plain],
    customer: Plain | None,
    mode: str | None,
    include_promotions: bool,
    explain_promotions: bool,
) -> Plain:
    return {
        "order": order,
        "customer": customer,
        "redeemables": [*({"code": code} for code in codes), *redeemables],
        "options": {
            "mode": mode,
            "include_promotions": include_promotions,
            "explain_promotions": explain_promotions,
        },
    }

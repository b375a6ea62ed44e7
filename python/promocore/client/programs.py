"""The Client's gift card, loyalty, referral and event methods (mixed into promocore.Client)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson

from promocore.v1 import admin_pb2, events_pb2, events_pb2_grpc
from promocore.wire.plain import from_plain, to_plain

Plain = dict[str, Any]


class ProgramsClient:
    """Needs `_call`, `_pages`, `_admin` and `_channel` from promocore.Client."""

    _call: Callable[..., Any]
    _pages: Callable[..., list[Any]]
    _admin: Any
    _channel: Any

    @property
    def _events(self) -> events_pb2_grpc.EventsServiceStub:
        stub = self.__dict__.get("_events_stub")
        if stub is None:
            stub = self.__dict__["_events_stub"] = events_pb2_grpc.EventsServiceStub(self._channel)
        return stub

    # Gift cards ------------------------------------------------------------------------------

    def issue_gift_cards(
        self,
        campaign_id: str,
        *,
        balance: int,
        count: int = 1,
        customer_id: str = "",
        expire_at: datetime | str | None = None,
    ) -> list[Plain]:
        """Issues `count` cards of `balance` minor units each; returns them (count <= 10,000)."""
        request = from_plain(
            admin_pb2.IssueGiftCardsRequest,
            {
                "campaign_id": campaign_id,
                "count": count,
                "balance": balance,
                "customer_id": customer_id,
                "expire_at": expire_at,
            },
        )
        return [to_plain(c) for c in self._call(self._admin.IssueGiftCards, request).gift_cards]

    def top_up_gift_card(
        self, code: str, amount: int, *, idempotency_key: str, reason: str = ""
    ) -> Plain:
        """Adds `amount` minor units; `reason` goes into the ledger entry (default "top_up")."""
        request = admin_pb2.TopUpGiftCardRequest(
            code=code, amount=amount, idempotency_key=idempotency_key, reason=reason
        )
        return to_plain(self._call(self._admin.TopUpGiftCard, request))

    def debit_gift_card(
        self, code: str, amount: int, *, reason: str, idempotency_key: str
    ) -> Plain:
        """Takes `amount` minor units off by hand (never below zero); `reason` is required."""
        request = admin_pb2.DebitGiftCardRequest(
            code=code, amount=amount, idempotency_key=idempotency_key, reason=reason
        )
        return to_plain(self._call(self._admin.DebitGiftCard, request))

    def get_gift_card_program(self, campaign_id: str) -> Plain:
        """Cards issued, outstanding and expired balance of a GIFT_VOUCHERS campaign."""
        request = admin_pb2.GetGiftCardProgramRequest(campaign_id=campaign_id)
        return to_plain(self._call(self._admin.GetGiftCardProgram, request))

    def get_gift_card(self, code: str) -> Plain:
        return to_plain(
            self._call(self._admin.GetGiftCard, admin_pb2.GetGiftCardRequest(code=code))
        )

    def list_ledger(self, code: str) -> list[Plain]:
        """Every ledger entry of a gift card or loyalty card, oldest first."""
        return self._pages(
            lambda token: admin_pb2.ListLedgerRequest(code=code, page={"page_token": token}),
            self._admin.ListLedger,
            "entries",
        )

    # Loyalty ---------------------------------------------------------------------------------

    def enroll_loyalty(self, campaign_id: str, customer_id: str) -> Plain:
        request = admin_pb2.EnrollLoyaltyRequest(campaign_id=campaign_id, customer_id=customer_id)
        return to_plain(self._call(self._admin.EnrollLoyalty, request))

    def get_loyalty_card(
        self, code: str = "", *, campaign_id: str = "", customer_id: str = ""
    ) -> Plain:
        request = admin_pb2.GetLoyaltyCardRequest(
            code=code, campaign_id=campaign_id, customer_id=customer_id
        )
        return to_plain(self._call(self._admin.GetLoyaltyCard, request))

    def adjust_points(
        self, code: str, points: int, *, idempotency_key: str, reason: str = ""
    ) -> Plain:
        request = admin_pb2.AdjustPointsRequest(
            code=code, points=points, reason=reason, idempotency_key=idempotency_key
        )
        return to_plain(self._call(self._admin.AdjustPoints, request))

    def buy_reward(self, code: str, reward_id: str, *, idempotency_key: str) -> Plain:
        request = admin_pb2.BuyRewardRequest(
            code=code, reward_id=reward_id, idempotency_key=idempotency_key
        )
        return to_plain(self._call(self._admin.BuyReward, request))

    # Referral --------------------------------------------------------------------------------

    def create_referral_code(self, campaign_id: str, customer_id: str) -> Plain:
        request = admin_pb2.CreateReferralCodeRequest(
            campaign_id=campaign_id, customer_id=customer_id
        )
        return to_plain(self._call(self._admin.CreateReferralCode, request))

    def get_referral_stats(self, code: str) -> Plain:
        request = admin_pb2.GetReferralStatsRequest(code=code)
        return to_plain(self._call(self._admin.GetReferralStats, request))

    def list_referees(self, code: str) -> list[Plain]:
        """The referees of a referrer's code, oldest conversion first: status, when, reward."""
        return self._pages(
            lambda token: admin_pb2.ListRefereesRequest(code=code, page={"page_token": token}),
            self._admin.ListReferees,
            "referees",
        )

    # Events ----------------------------------------------------------------------------------

    def track_event(
        self,
        customer_id: str,
        name: str,
        properties: Plain | None = None,
        *,
        time: datetime | str | None = None,
        idempotency_key: str = "",
    ) -> Plain:
        """Records a custom event; returns the points it earned (and, later, codes/segments)."""
        request = from_plain(
            events_pb2.TrackEventRequest,
            {
                "customer_id": customer_id,
                "name": name,
                "time": time,
                "idempotency_key": idempotency_key,
            },
        )
        if properties:
            request.properties_json = orjson.dumps(properties).decode()
        return to_plain(self._call(self._events.TrackEvent, request))

"""gRPC handlers of the gift card, loyalty and referral admin RPCs.

Errors become statuses in the gate (gate.py), which serves every RPC; ProgramsAdminRpcs is mixed
into grpc_server.py's AdminServicer. The EventsService is served by customers_rpcs.py."""

from __future__ import annotations

from collections.abc import Iterator

import grpc

from promocore.programs.service import Programs
from promocore.v1 import admin_pb2, campaign_pb2, loyalty_pb2


class ProgramsAdminRpcs:
    """The admin handlers of the programs, as a mixin; it needs `self._programs`."""

    _programs: Programs

    def IssueGiftCards(
        self, request: admin_pb2.IssueGiftCardsRequest, context: grpc.ServicerContext
    ) -> admin_pb2.IssueGiftCardsResponse:
        return self._programs.gift_cards.issue(request)

    def TopUpGiftCard(
        self, request: admin_pb2.TopUpGiftCardRequest, context: grpc.ServicerContext
    ) -> loyalty_pb2.GiftCard:
        return self._programs.gift_cards.top_up(request)

    def DebitGiftCard(
        self, request: admin_pb2.DebitGiftCardRequest, context: grpc.ServicerContext
    ) -> loyalty_pb2.GiftCard:
        return self._programs.gift_cards.debit(request)

    def GetGiftCardProgram(
        self, request: admin_pb2.GetGiftCardProgramRequest, context: grpc.ServicerContext
    ) -> admin_pb2.GiftCardProgram:
        return self._programs.gift_cards.program(request.campaign_id)

    def GetGiftCard(
        self, request: admin_pb2.GetGiftCardRequest, context: grpc.ServicerContext
    ) -> loyalty_pb2.GiftCard:
        return self._programs.gift_cards.get(request.code)

    def ListLedger(
        self, request: admin_pb2.ListLedgerRequest, context: grpc.ServicerContext
    ) -> admin_pb2.ListLedgerResponse:
        return self._programs.ledger(request)

    def EnrollLoyalty(
        self, request: admin_pb2.EnrollLoyaltyRequest, context: grpc.ServicerContext
    ) -> loyalty_pb2.LoyaltyCard:
        return self._programs.enroll(request.campaign_id, request.customer_id)

    def GetLoyaltyCard(
        self, request: admin_pb2.GetLoyaltyCardRequest, context: grpc.ServicerContext
    ) -> loyalty_pb2.LoyaltyCard:
        return self._programs.loyalty_card(request)

    def AdjustPoints(
        self, request: admin_pb2.AdjustPointsRequest, context: grpc.ServicerContext
    ) -> loyalty_pb2.LoyaltyCard:
        return self._programs.adjust_points(request)

    def BuyReward(
        self, request: admin_pb2.BuyRewardRequest, context: grpc.ServicerContext
    ) -> admin_pb2.BuyRewardResponse:
        return self._programs.rewards.buy(request)

    def CreateReferralCode(
        self, request: admin_pb2.CreateReferralCodeRequest, context: grpc.ServicerContext
    ) -> campaign_pb2.Code:
        return self._programs.referrals.create_code(request.campaign_id, request.customer_id)

    def GetReferralStats(
        self, request: admin_pb2.GetReferralStatsRequest, context: grpc.ServicerContext
    ) -> admin_pb2.ReferralStats:
        return self._programs.referrals.stats(request.code)

    def ListReferees(
        self, request: admin_pb2.ListRefereesRequest, context: grpc.ServicerContext
    ) -> admin_pb2.ListRefereesResponse:
        return self._programs.referrals.referees(request)

    def ExportGiftCards(
        self, request: admin_pb2.ExportGiftCardsRequest, context: grpc.ServicerContext
    ) -> Iterator[admin_pb2.ExportCodesChunk]:
        for csv in self._programs.gift_cards.export(request):
            yield admin_pb2.ExportCodesChunk(csv=csv)

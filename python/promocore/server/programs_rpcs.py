"""gRPC handlers of the gift card, loyalty and referral admin RPCs.

Errors become statuses in the gate (gate.py), which serves every RPC; ProgramsAdminRpcs is mixed
into grpc_server.py's AdminServicer. The EventsService is served by customers_rpcs.py."""

from __future__ import annotations

from promocore.programs.service import Programs
from promocore.v1 import admin_pb2


class ProgramsAdminRpcs:
    """The admin handlers of the programs, as a mixin; it needs `self._programs`."""

    _programs: Programs

    def IssueGiftCards(self, request, context):
        return self._programs.gift_cards.issue(request)

    def TopUpGiftCard(self, request, context):
        return self._programs.gift_cards.top_up(request)

    def DebitGiftCard(self, request, context):
        return self._programs.gift_cards.debit(request)

    def GetGiftCardProgram(self, request, context):
        return self._programs.gift_cards.program(request.campaign_id)

    def GetGiftCard(self, request, context):
        return self._programs.gift_cards.get(request.code)

    def ListLedger(self, request, context):
        return self._programs.ledger(request)

    def EnrollLoyalty(self, request, context):
        return self._programs.enroll(request.campaign_id, request.customer_id)

    def GetLoyaltyCard(self, request, context):
        return self._programs.loyalty_card(request)

    def AdjustPoints(self, request, context):
        return self._programs.adjust_points(request)

    def BuyReward(self, request, context):
        return self._programs.rewards.buy(request)

    def CreateReferralCode(self, request, context):
        return self._programs.referrals.create_code(request.campaign_id, request.customer_id)

    def GetReferralStats(self, request, context):
        return self._programs.referrals.stats(request.code)

    def ListReferees(self, request, context):
        return self._programs.referrals.referees(request)

    def ExportGiftCards(self, request, context):
        for csv in self._programs.gift_cards.export(request):
            yield admin_pb2.ExportCodesChunk(csv=csv)

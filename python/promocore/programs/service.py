"""Gift card, loyalty and referral programs wired over one store: the logic behind their admin
RPCs (the servicer in server/programs_rpcs.py is a thin layer over this)."""

from __future__ import annotations

from promocore.clock import Clock
from promocore.errors import FailedPreconditionError, InvalidArgumentError
from promocore.programs.giftcards import GiftCards
from promocore.programs.idempotent import once
from promocore.programs.loyalty.accounts import LoyaltyAccounts
from promocore.programs.loyalty.earning import Earning
from promocore.programs.loyalty.program import bucket_times
from promocore.programs.loyalty.rewards import Rewards
from promocore.programs.referral import Referrals
from promocore.programs.support_limits import check_support_change
from promocore.store import Store, audit_log
from promocore.store.catalog import require_code
from promocore.store.keys import normalize_code
from promocore.v1 import admin_pb2, campaign_pb2, loyalty_pb2
from promocore.wire.request_fields import page_size


class Programs:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.accounts = LoyaltyAccounts(store)
        self.gift_cards = GiftCards(store, clock)
        self.earning = Earning(store, self.accounts)
        self.rewards = Rewards(store, clock, self.accounts, self.gift_cards)
        self.referrals = Referrals(store, clock, self.earning, self.gift_cards)

    # Loyalty cards ---------------------------------------------------------------------------

    def enroll(self, campaign_id: str, customer_id: str) -> loyalty_pb2.LoyaltyCard:
        now_ms = self.clock.now_ms()
        with self.store.write() as txn:
            card = self.accounts.enroll(txn, campaign_id, customer_id, now_ms)
            return self.accounts.card(txn, card, now_ms)

    def loyalty_card(self, request: admin_pb2.GetLoyaltyCardRequest) -> loyalty_pb2.LoyaltyCard:
        with self.store.read() as txn:
            card = self.accounts.resolve(
                txn,
                code=request.code,
                campaign_id=request.campaign_id,
                customer_id=request.customer_id,
            )
            return self.accounts.card(txn, card, self.clock.now_ms())

    def adjust_points(self, request: admin_pb2.AdjustPointsRequest) -> loyalty_pb2.LoyaltyCard:
        if request.points == 0:
            raise InvalidArgumentError("points", "must not be 0")
        if not request.code:
            raise InvalidArgumentError("code", "required")
        with self.store.write() as txn:
            card = self.accounts.resolve(txn, code=request.code)

            check_support_change(self.store, txn, "points", request.points, "points")

            def run() -> loyalty_pb2.LoyaltyCard:
                now_ms = self.clock.now_ms()
                reason = request.reason or "adjustment"
                if request.points > 0:
                    # Added points are active at once and expire like earned ones.
                    campaign = self.accounts.program(txn, self.accounts.get(txn, card).campaign_id)
                    _, expires_at_ms = bucket_times(campaign, now_ms)
                    self.store.balances.credit_points(
                        txn,
                        card,
                        request.points,
                        earned_at_ms=now_ms,
                        active_at_ms=now_ms,
                        expires_at_ms=expires_at_ms,
                        source=reason,
                        kind=loyalty_pb2.LEDGER_ADJUSTMENT,
                    )
                else:
                    self.store.balances.spend_points(
                        txn,
                        card,
                        -request.points,
                        now_ms=now_ms,
                        reason=reason,
                        kind=loyalty_pb2.LEDGER_ADJUSTMENT,
                    )
                after = self.accounts.card(txn, card, now_ms)
                # Who changed a member's points by hand, and why, beside every admin change.
                entry = audit_log.entry(
                    "AdjustPoints",
                    f"loyalty/{after.code}",
                    None,
                    {"points": request.points, "reason": reason, "balance": after.points},
                )
                entry.created_at.FromMilliseconds(now_ms)
                self.store.audit.append(txn, entry)
                return after

            return once(self.store, txn, "adjust_points", request, loyalty_pb2.LoyaltyCard, run)

    # Ledgers ---------------------------------------------------------------------------------

    def ledger(self, request: admin_pb2.ListLedgerRequest) -> admin_pb2.ListLedgerResponse:
        if not request.code:
            raise InvalidArgumentError("code", "required")
        limit = page_size(request.page)
        after = 0
        if request.page.page_token:
            if not request.page.page_token.isdigit():
                raise InvalidArgumentError("page.page_token", "not a token of this listing")
            after = int(request.page.page_token)
        response = admin_pb2.ListLedgerResponse()
        with self.store.read() as txn:
            code = require_code(self.store.catalog, txn, request.code)
            if code.kind not in (
                campaign_pb2.CODE_KIND_GIFT_CARD,
                campaign_pb2.CODE_KIND_LOYALTY_CARD,
            ):
                raise FailedPreconditionError(
                    f"code {request.code!r} is neither a gift card nor a loyalty card",
                    reason="no_ledger",
                )
            last = 0
            for sequence, entry in self.store.balances.ledger.entries(
                txn, normalize_code(code.code), after=after
            ):
                if len(response.entries) == limit:
                    response.next_page_token = str(last)
                    break
                response.entries.append(entry)
                last = sequence
        return response

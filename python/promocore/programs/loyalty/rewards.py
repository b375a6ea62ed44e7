"""The rewards catalogue: a reward bought with points (oldest buckets first), optionally plus
cash, gives a coupon from a campaign, gift card credit, or a free product."""

from __future__ import annotations

from promocore.clock import Clock
from promocore.errors import FailedPreconditionError, InvalidArgumentError, NotFoundError
from promocore.programs.giftcards import GiftCards
from promocore.programs.idempotent import once
from promocore.programs.loyalty.accounts import LoyaltyAccounts, new_card_code
from promocore.programs.loyalty.program import current_tier
from promocore.store import Store, Txn
from promocore.store.codegen import CodePattern
from promocore.store.keys import decode_counter, encode_counter, normalize_code
from promocore.v1 import admin_pb2, campaign_pb2

REWARD_CODE_PREFIX = "RWD-"


def stock_key(campaign_id: str, reward_id: str) -> bytes:
    return f"reward_sold/{campaign_id}/{reward_id}".encode()


class Rewards:
    def __init__(
        self, store: Store, clock: Clock, accounts: LoyaltyAccounts, gift_cards: GiftCards
    ) -> None:
        self._store = store
        self._clock = clock
        self._accounts = accounts
        self._gift_cards = gift_cards

    def buy(self, request: admin_pb2.BuyRewardRequest) -> admin_pb2.BuyRewardResponse:
        if not request.code:
            raise InvalidArgumentError("code", "required")
        if not request.reward_id:
            raise InvalidArgumentError("reward_id", "required")
        with self._store.write() as txn:
            return once(
                self._store,
                txn,
                "buy_reward",
                request,
                admin_pb2.BuyRewardResponse,
                lambda: self._buy(txn, request),
            )

    def _buy(self, txn: Txn, request: admin_pb2.BuyRewardRequest) -> admin_pb2.BuyRewardResponse:
        now_ms = self._clock.now_ms()
        card = self._accounts.resolve(txn, code=request.code)
        account = self._accounts.get(txn, card)
        campaign = self._accounts.program(txn, account.campaign_id)
        reward = next((r for r in campaign.loyalty.rewards if r.id == request.reward_id), None)
        if reward is None:
            raise NotFoundError(
                f"loyalty program {campaign.id!r} has no reward {request.reward_id!r}",
                reason="reward_not_found",
            )
        if reward.tier_ids:
            tier = current_tier(campaign, account, now_ms)
            if tier is None or tier.id not in reward.tier_ids:
                raise FailedPreconditionError(
                    f"reward {reward.id!r} is for tiers {', '.join(reward.tier_ids)} only",
                    reason="tier_required",
                )
        if reward.HasField("stock"):
            sold = decode_counter(
                txn.get(stock_key(campaign.id, reward.id), db=self._store.tables.settings)
            )
            if sold >= reward.stock:
                raise FailedPreconditionError(
                    f"reward {reward.id!r} is out of stock", reason="reward_out_of_stock"
                )
            txn.put(
                stock_key(campaign.id, reward.id),
                encode_counter(sold + 1),
                db=self._store.tables.settings,
            )
        purchase = f"reward {reward.id} ({request.idempotency_key})"
        if reward.points_cost > 0:
            self._store.balances.spend_points(
                txn, card, reward.points_cost, now_ms=now_ms, reason=purchase
            )
        response = admin_pb2.BuyRewardResponse(cash_due=reward.cash_price)
        effect = reward.effect.WhichOneof("kind")
        if effect == "issue_code_from_campaign_id":
            response.issued_code = self._issue_coupon(
                txn, reward.effect.issue_code_from_campaign_id, account.customer_id, now_ms
            )
        elif effect == "gift_card_credit":
            gift = self._gift_cards.card_for_customer(
                txn, reward.gift_card_campaign_id, account.customer_id
            )
            self._store.balances.credit_gift(
                txn,
                normalize_code(gift.code),
                reward.effect.gift_card_credit,
                at_ms=now_ms,
                reason=purchase,
            )
            response.gift_card.CopyFrom(self._gift_cards.view(txn, gift))
        elif effect == "free_product_sku":
            response.free_product_sku = reward.effect.free_product_sku
        response.card.CopyFrom(self._accounts.card(txn, card, now_ms))
        return response

    def _issue_coupon(self, txn: Txn, campaign_id: str, customer_id: str, now_ms: int) -> str:
        """A single-use code of the campaign, assigned to the customer."""
        campaign = self._store.catalog.get_campaign(txn, campaign_id)
        code = campaign_pb2.Code(
            campaign_id=campaign.id,
            kind=campaign_pb2.CODE_KIND_DISCOUNT,
            redemption_quantity=1,
            assigned_customer_id=customer_id,
            active=True,
        )
        code.created_at.FromMilliseconds(now_ms)
        generate = (
            CodePattern.from_config(campaign.code_config, "campaign.code_config").generator()
            if campaign.code_config.pattern
            else lambda: new_card_code(self._store, txn, REWARD_CODE_PREFIX)
        )
        while True:
            code.code = generate()
            if self._store.catalog.add_code(txn, code):
                return code.code

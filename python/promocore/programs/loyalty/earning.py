"""Earning rules: points for paid orders, custom events and segments entered.

Called inside the write transaction of what triggers them: a Redeem (as an observer of the
redemption log, so a rollback takes the points back), a TrackEvent, or — once segments exist
(issue 6) — the segment evaluation that finds a customer entering a segment
(`Earning.on_segment_entered`). Each grant is one earn bucket, pending for the program's
`pending_days` and expiring per its expiry settings; caps per rule and period clip grants.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction

from promocore.programs.loyalty.accounts import LoyaltyAccounts, customer_campaigns, customer_card
from promocore.programs.loyalty.program import (
    BASIS_POINTS,
    bucket_times,
    current_tier,
    earns_on_the_day,
    period_key,
    tier_multiplier_bp,
)
from promocore.store import Store, Txn
from promocore.store.redemptions import Redeemed
from promocore.v1 import campaign_pb2, checkout_pb2, common_pb2, loyalty_pb2
from promocore.v1.internal import store_pb2


@dataclass(frozen=True)
class Grant:
    campaign_id: str
    card_code: bytes
    rule_id: str
    points: int


class Earning:
    def __init__(self, store: Store, accounts: LoyaltyAccounts) -> None:
        self._store = store
        self._accounts = self.accounts = accounts

    # Triggers --------------------------------------------------------------------------------

    def on_custom_event(
        self, txn: Txn, customer_id: str, event_name: str, now_ms: int
    ) -> list[Grant]:
        """Points of the EARN_ON_CUSTOM_EVENT rules naming this event, in every program the
        customer is enrolled in."""
        return self._per_occurrence(
            txn,
            customer_id,
            now_ms,
            lambda rule: (
                rule.trigger == loyalty_pb2.EARN_ON_CUSTOM_EVENT and rule.event_name == event_name
            ),
            source=f"event {event_name}",
        )

    def on_segment_entered(
        self, txn: Txn, customer_id: str, segment_id: str, now_ms: int
    ) -> list[Grant]:
        """Points of the EARN_ON_SEGMENT_ENTERED rules naming this segment. The entry point for
        the segment evaluation of issue 6: call it once per customer entering a segment."""
        return self._per_occurrence(
            txn,
            customer_id,
            now_ms,
            lambda rule: (
                rule.trigger == loyalty_pb2.EARN_ON_SEGMENT_ENTERED
                and rule.segment_id == segment_id
            ),
            source=f"segment {segment_id}",
        )

    # The redemption log's observer: a paid order --------------------------------------------

    def on_redeemed(self, txn: Txn, redeemed: Redeemed) -> None:
        if not redeemed.customer_id:
            return
        now_ms = redeemed.created_at_ms
        programs = list(self._programs(txn, redeemed.customer_id, now_ms))
        if not programs:
            return
        redemption = redeemed.redemption
        order = checkout_pb2.RedeemRequest.FromString(redeemed.request).order
        effects = store_pb2.BalanceEffects()
        for campaign, code, account in programs:
            if campaign.currency and campaign.currency != redemption.totals.currency:
                continue
            spend = paid_items_amount(redemption)
            tier = current_tier(campaign, account, now_ms)
            for rule in campaign.loyalty.earning_rules:
                if rule.trigger != loyalty_pb2.EARN_ON_ORDER_PAID or rule.per_amount <= 0:
                    continue
                if not earns_on_the_day(rule, now_ms, campaign.time_zone):
                    continue
                points = order_points(rule, order, redemption, tier_multiplier_bp(tier))
                change = self._grant(
                    txn,
                    campaign,
                    code,
                    account,
                    rule,
                    points,
                    now_ms,
                    source=f"order {redemption.order_id}",
                    redemption_id=redemption.id,
                )
                if change is not None:
                    effects.earned.append(change)
            account.lifetime_spend += spend
            effects.spend_recorded.append(store_pb2.BucketChange(code=code, points=spend))
            self._accounts.put(txn, code, account)
        if effects.earned or effects.spend_recorded:
            self._store.balances.add_effects(txn, redemption.id, effects)

    def on_rolled_back(
        self,
        txn: Txn,
        stored: store_pb2.StoredRedemption,
        rollback: store_pb2.Rollback,
    ) -> None:
        """The order's points are taken back by the BalanceBook; its spend leaves the lifetime
        spend here."""
        for change in self._store.balances.effects(txn, stored.redemption.id).spend_recorded:
            account = self._accounts.get(txn, change.code)
            account.lifetime_spend -= change.points
            self._accounts.put(txn, change.code, account)

    # Internals -------------------------------------------------------------------------------

    def _programs(
        self, txn: Txn, customer_id: str, now_ms: int
    ) -> Iterator[tuple[campaign_pb2.Campaign, bytes, store_pb2.LoyaltyAccount]]:
        """(campaign, card code, account) of each usable program the customer is enrolled in."""
        for campaign_id in customer_campaigns(self._store, txn, customer_id):
            campaign = self._store.catalog.get_campaign(txn, campaign_id)
            if campaign.type != campaign_pb2.LOYALTY_PROGRAM or not usable(campaign, now_ms):
                continue
            code = customer_card(self._store, txn, customer_id, campaign_id)
            if code is None:
                continue
            yield campaign, code, self._accounts.get(txn, code)

    def _per_occurrence(
        self,
        txn: Txn,
        customer_id: str,
        now_ms: int,
        matches: Callable[[loyalty_pb2.EarningRule], bool],
        *,
        source: str,
    ) -> list[Grant]:
        grants = []
        for campaign, code, account in self._programs(txn, customer_id, now_ms):
            for rule in campaign.loyalty.earning_rules:
                if not matches(rule) or not earns_on_the_day(rule, now_ms, campaign.time_zone):
                    continue
                change = self._grant(
                    txn, campaign, code, account, rule, rule.points, now_ms, source=source
                )
                if change is not None:
                    grants.append(Grant(campaign.id, code, rule.id, change.points))
            self._accounts.put(txn, code, account)
        return grants

    def _grant(
        self,
        txn: Txn,
        campaign: campaign_pb2.Campaign,
        code: bytes,
        account: store_pb2.LoyaltyAccount,
        rule: loyalty_pb2.EarningRule,
        points: int,
        now_ms: int,
        *,
        source: str,
        redemption_id: str = "",
    ) -> store_pb2.BucketChange | None:
        """Credits `points` (clipped by the rule's cap for the current period) as a new bucket;
        updates the account's figures (the caller stores it)."""
        if rule.HasField("cap"):
            cap_key = f"{rule.id}|{period_key(now_ms, rule.cap_period, campaign.time_zone)}"
            granted = account.rule_period_points.get(cap_key, 0)
            points = min(points, max(rule.cap - granted, 0))
            if points > 0:
                account.rule_period_points[cap_key] = granted + points
        if points <= 0:
            return None
        return self.grant(
            txn,
            campaign,
            code,
            account,
            points,
            now_ms,
            source=f"{rule.id}: {source}",
            redemption_id=redemption_id,
        )

    def grant(
        self,
        txn: Txn,
        campaign: campaign_pb2.Campaign,
        code: bytes,
        account: store_pb2.LoyaltyAccount,
        points: int,
        now_ms: int,
        *,
        source: str,
        redemption_id: str = "",
    ) -> store_pb2.BucketChange:
        """Credits `points` (> 0) earned now as a new bucket (pending and expiring per the
        program) and counts them in the account's figures (the caller stores the account)."""
        self._store.balances.expire_due(txn, code, now_ms)
        active_at_ms, expires_at_ms = bucket_times(campaign, now_ms)
        change = self._store.balances.credit_points(
            txn,
            code,
            points,
            earned_at_ms=now_ms,
            active_at_ms=active_at_ms,
            expires_at_ms=expires_at_ms,
            source=source,
            redemption_id=redemption_id,
        )
        account.lifetime_points += points
        tier_period = period_key(now_ms, campaign.loyalty.tier_period, campaign.time_zone)
        account.period_points[tier_period] = account.period_points.get(tier_period, 0) + points
        return change


def usable(campaign: campaign_pb2.Campaign, now_ms: int) -> bool:
    """Active, published and inside its schedule: only then does a program earn."""
    if campaign.draft or (campaign.HasField("active") and not campaign.active):
        return False
    if campaign.HasField("start_at") and now_ms < campaign.start_at.ToMilliseconds():
        return False
    return not (campaign.HasField("expire_at") and now_ms >= campaign.expire_at.ToMilliseconds())


def paid_items_amount(redemption: checkout_pb2.Redemption) -> int:
    """What the customer paid for the items with money: items after discounts, minus what
    points paid (points do not earn points; gift cards were bought with money)."""
    totals = redemption.totals
    return max(totals.items_amount - totals.items_discount - totals.points_amount, 0)


def order_points(
    rule: loyalty_pb2.EarningRule,
    order: common_pb2.Order,
    redemption: checkout_pb2.Redemption,
    tier_multiplier: int,
) -> int:
    """`rule.points` per `rule.per_amount` of each line's amount after discounts, times the
    line's SKU/category multiplier (the largest that matches) and the tier's multiplier; the
    part paid with points earns nothing. Exact fractions, one floor at the end."""
    discounts: dict[int, int] = {}
    for result in redemption.redeemables:
        for allocation in result.allocations:
            discounts[allocation.item_index] = (
                discounts.get(allocation.item_index, 0) + allocation.discount
            )
    weighted = Fraction(0)
    after_discounts = 0
    for index, item in enumerate(order.items):
        line = max(item.unit_price * item.quantity - discounts.get(index, 0), 0)
        after_discounts += line
        weighted += Fraction(line * line_multiplier_bp(rule, item), BASIS_POINTS)
    if after_discounts == 0:
        return 0
    paid_share = Fraction(paid_items_amount(redemption), after_discounts)
    points = weighted * paid_share * rule.points / rule.per_amount
    return int(points * tier_multiplier / BASIS_POINTS)


def line_multiplier_bp(rule: loyalty_pb2.EarningRule, item: common_pb2.Item) -> int:
    matching = [
        m.multiplier_bp
        for m in rule.multipliers
        if (m.sku and m.sku == item.sku) or (m.category and m.category in item.categories)
    ]
    return max(matching, default=BASIS_POINTS)

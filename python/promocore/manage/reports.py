"""Campaign reports, computed from the append-only redemption log.

Definitions (docs/management.md):
- a redemption counts for a campaign when one of its applied redeemables belongs to it; its
  discount is the sum of those redeemables' items and shipping discounts, its order value the
  order's items amount (as the order-value budget counts it);
- totals are net: `redemptions`, `unique_customers`, `total_discount` and `total_order_value`
  leave out redemptions that were rolled back; `rollbacks` counts the rollbacks;
- the per-day series counts events on the day they happened, in the campaign's time zone: a
  redemption on its day, a rollback on its own day with its discount and order value
  subtracted there, so the days sum to the totals;
- per variant: the A/B variant recorded in the redemption, net of rollbacks;
- a range keeps the events inside it (redemptions by their time, rollbacks by theirs).

The log is read in one pass; a report costs a scan of the log (fine for admin use; an index by
campaign is the step up when logs grow to many millions of records).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from promocore.store import Store
from promocore.v1 import admin_pb2, campaign_pb2, checkout_pb2, common_pb2
from promocore.v1.internal import store_pb2


@dataclass
class _Use:
    """What one redemption gave through the campaign."""

    customer_id: str
    discount: int
    order_value: int
    variant: str
    rolled_back: bool = False


@dataclass
class _Figures:
    redemptions: int = 0
    rollbacks: int = 0
    discount: int = 0
    order_value: int = 0

    def add(self, use: _Use, sign: int) -> None:
        self.discount += sign * use.discount
        self.order_value += sign * use.order_value
        if sign > 0:
            self.redemptions += 1
        else:
            self.rollbacks += 1


@dataclass
class _Report:
    uses: dict[str, _Use] = field(default_factory=dict)
    rollbacks: int = 0
    daily: dict[str, _Figures] = field(default_factory=lambda: defaultdict(_Figures))


def campaign_report(
    store: Store, campaign: campaign_pb2.Campaign, time_range: common_pb2.TimeRange
) -> admin_pb2.CampaignReport:
    zone = ZoneInfo(campaign.time_zone or "UTC")
    start_ms = time_range.start.ToMilliseconds() if time_range.HasField("start") else None
    end_ms = time_range.end.ToMilliseconds() if time_range.HasField("end") else None

    def inside(at_ms: int) -> bool:
        return (start_ms is None or at_ms >= start_ms) and (end_ms is None or at_ms < end_ms)

    def day(at_ms: int) -> str:
        return datetime.fromtimestamp(at_ms / 1000, UTC).astimezone(zone).date().isoformat()

    report = _Report()
    with store.read() as txn:
        for _, raw in txn.cursor(db=store.tables.redemption_log):
            record = store_pb2.LogRecord.FromString(raw)
            entry = record.WhichOneof("entry")
            if entry == "redeemed":
                redemption = record.redeemed.redemption
                at_ms = redemption.created_at.ToMilliseconds()
                use = _use_of(redemption, campaign.id)
                if use is not None and inside(at_ms):
                    report.uses[redemption.id] = use
                    report.daily[day(at_ms)].add(use, +1)
            elif entry == "rolled_back":
                rollback = record.rolled_back
                use = report.uses.get(rollback.redemption_id)
                if use is not None and inside(rollback.at_unix_ms):
                    use.rolled_back = True
                    report.rollbacks += 1
                    report.daily[day(rollback.at_unix_ms)].add(use, -1)
    return _response(campaign, report)


def _use_of(redemption: checkout_pb2.Redemption, campaign_id: str) -> _Use | None:
    results = [r for r in redemption.redeemables if r.campaign_id == campaign_id]
    if not results:
        return None
    return _Use(
        customer_id=redemption.customer_id,
        discount=sum(r.items_discount + r.shipping_discount for r in results),
        order_value=redemption.totals.items_amount,
        variant=results[0].variant,
    )


def _response(campaign: campaign_pb2.Campaign, report: _Report) -> admin_pb2.CampaignReport:
    kept = [use for use in report.uses.values() if not use.rolled_back]
    response = admin_pb2.CampaignReport(
        campaign_id=campaign.id,
        currency=campaign.currency,
        redemptions=len(kept),
        rollbacks=report.rollbacks,
        unique_customers=len({use.customer_id for use in kept if use.customer_id}),
        total_discount=sum(use.discount for use in kept),
        total_order_value=sum(use.order_value for use in kept),
    )
    for day in sorted(report.daily):
        figures = report.daily[day]
        response.daily.add(
            day=day,
            redemptions=figures.redemptions,
            rollbacks=figures.rollbacks,
            discount=figures.discount,
            order_value=figures.order_value,
        )
    variants: dict[str, _Figures] = {variant.name: _Figures() for variant in campaign.variants}
    for use in kept:
        if use.variant:
            variants.setdefault(use.variant, _Figures()).add(use, +1)
    for name, figures in variants.items():
        response.variants.add(
            variant=name,
            redemptions=figures.redemptions,
            discount=figures.discount,
            order_value=figures.order_value,
        )
    return response

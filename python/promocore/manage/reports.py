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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from promocore.store import Store, Txn
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
class Tally:
    """Redemptions and rollbacks counted as a report counts them (the definitions above), for
    one campaign's report or one of the dashboard's groups (manage/dashboard.py)."""

    day_of: Callable[[int], str]
    uses: dict[str, _Use] = field(default_factory=dict)
    rollbacks: int = 0
    daily: dict[str, _Figures] = field(default_factory=lambda: defaultdict(_Figures))

    def redeemed(self, redemption_id: str, use: _Use, at_ms: int) -> None:
        self.uses[redemption_id] = use
        self.daily[self.day_of(at_ms)].add(use, +1)

    def rolled_back(self, redemption_id: str, at_ms: int) -> None:
        """Counts the rollback when its redemption was counted here."""
        use = self.uses.get(redemption_id)
        if use is not None and not use.rolled_back:
            use.rolled_back = True
            self.rollbacks += 1
            self.daily[self.day_of(at_ms)].add(use, -1)

    def kept(self) -> list[_Use]:
        return [use for use in self.uses.values() if not use.rolled_back]


class TimeWindow:
    """A report's range: [start, end) in milliseconds, either side open."""

    def __init__(self, start_ms: int | None, end_ms: int | None) -> None:
        self.start_ms = start_ms
        self.end_ms = end_ms

    @classmethod
    def of(cls, time_range: common_pb2.TimeRange) -> TimeWindow:
        return cls(
            time_range.start.ToMilliseconds() if time_range.HasField("start") else None,
            time_range.end.ToMilliseconds() if time_range.HasField("end") else None,
        )

    def holds(self, at_ms: int) -> bool:
        return (self.start_ms is None or at_ms >= self.start_ms) and (
            self.end_ms is None or at_ms < self.end_ms
        )


def day_in(zone: ZoneInfo) -> Callable[[int], str]:
    """The calendar day ("YYYY-MM-DD") of an instant in `zone`."""
    return lambda at_ms: (
        datetime.fromtimestamp(at_ms / 1000, UTC).astimezone(zone).date().isoformat()
    )


def log_events(
    store: Store, txn: Txn, window: TimeWindow
) -> Iterator[tuple[checkout_pb2.Redemption | None, str, int]]:
    """The redemption log in order, inside `window`: (redemption, its id, its time) for each
    redemption and (None, the redemption's id, the rollback's time) for each rollback."""
    for _, raw in txn.cursor(db=store.tables.redemption_log):
        record = store_pb2.LogRecord.FromString(raw)
        entry = record.WhichOneof("entry")
        if entry in ("redeemed", "redeemed_id"):
            logged = store.redemptions.logged(txn, record)
            assert logged is not None  # a redemption's record
            redemption = logged.redemption
            at_ms = redemption.created_at.ToMilliseconds()
            if window.holds(at_ms):
                yield redemption, redemption.id, at_ms
        elif entry == "rolled_back":
            rollback = record.rolled_back
            if window.holds(rollback.at_unix_ms):
                yield None, rollback.redemption_id, rollback.at_unix_ms


def campaign_report(
    store: Store, campaign: campaign_pb2.Campaign, time_range: common_pb2.TimeRange
) -> admin_pb2.CampaignReport:
    tally = Tally(day_of=day_in(ZoneInfo(campaign.time_zone or "UTC")))
    with store.read() as txn:
        for redemption, redemption_id, at_ms in log_events(store, txn, TimeWindow.of(time_range)):
            if redemption is None:
                tally.rolled_back(redemption_id, at_ms)
            elif (use := use_of(redemption, campaign.id)) is not None:
                tally.redeemed(redemption_id, use, at_ms)
    return _response(campaign, tally)


def use_of(redemption: checkout_pb2.Redemption, campaign_id: str) -> _Use | None:
    """What the redemption gave through the campaign; None when it did not use it."""
    results = [r for r in redemption.redeemables if r.campaign_id == campaign_id]
    if not results:
        return None
    return _Use(
        customer_id=redemption.customer_id,
        discount=sum(r.items_discount + r.shipping_discount for r in results),
        order_value=redemption.totals.items_amount,
        variant=results[0].variant,
    )


def order_use(redemption: checkout_pb2.Redemption) -> _Use:
    """What the whole order got, through every campaign it used."""
    return _Use(
        customer_id=redemption.customer_id,
        discount=sum(r.items_discount + r.shipping_discount for r in redemption.redeemables),
        order_value=redemption.totals.items_amount,
        variant="",
    )


def _response(campaign: campaign_pb2.Campaign, report: Tally) -> admin_pb2.CampaignReport:
    kept = report.kept()
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

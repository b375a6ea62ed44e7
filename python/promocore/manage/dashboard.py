"""The console's home (GetDashboard): every campaign's performance over a range of days.

Read from what Redeem and Rollback already write, never from anything added to them: the
redemption log, counted by the very tally of the campaign reports (manage/reports.py, whose
definitions hold here: net of rollbacks, a rollback on its own day), and the balances of gift
cards and loyalty cards as their pages read them. A checkout pays nothing for it; a dashboard
costs a scan of the log and a walk of the program cards (admin use, as a report).

Amounts of different currencies are never added: totals and series are per currency. A day is
a calendar day in the zone the caller names.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from promocore.clock import Clock
from promocore.errors import InvalidArgumentError
from promocore.manage.reports import Tally, TimeWindow, day_in, log_events, order_use, use_of
from promocore.programs.giftcards import GiftCards
from promocore.store import Store, Txn
from promocore.store.keys import normalize_code
from promocore.v1 import admin_pb2, campaign_pb2

DEFAULT_DAYS = 30
DEFAULT_TOP_CAMPAIGNS = 5
MAX_TOP_CAMPAIGNS = 50
# A range longer than this is refused: its series would not be read as days any more.
MAX_DAYS = 366

# What a campaign without an effect gives, by type.
_PROGRAM_KINDS = {
    campaign_pb2.GIFT_VOUCHERS: "gift_card",
    campaign_pb2.LOYALTY_PROGRAM: "loyalty_points",
    campaign_pb2.REFERRAL_PROGRAM: "referral",
}


def dashboard(
    store: Store, clock: Clock, gift_cards: GiftCards, request: admin_pb2.GetDashboardRequest
) -> admin_pb2.Dashboard:
    zone_name = request.time_zone or "UTC"
    zone = _zone(zone_name)
    first, last = _days(request, zone, clock.now_ms())
    top = request.top_campaigns or DEFAULT_TOP_CAMPAIGNS
    if not 0 < top <= MAX_TOP_CAMPAIGNS:
        raise InvalidArgumentError("top_campaigns", f"from 1 to {MAX_TOP_CAMPAIGNS} (0 = 5)")
    window = TimeWindow(_midnight_ms(first, zone), _midnight_ms(last + timedelta(days=1), zone))
    day_of = day_in(zone)

    by_currency: dict[str, Tally] = {}
    by_campaign: dict[str, Tally] = {}
    with store.read() as txn:
        campaigns = {c.id: c for c in store.catalog.iter_campaigns(txn)}
        for redemption, redemption_id, at_ms in log_events(store, txn, window):
            if redemption is None:
                for tally in (*by_currency.values(), *by_campaign.values()):
                    tally.rolled_back(redemption_id, at_ms)
                continue
            currency = redemption.totals.currency
            by_currency.setdefault(currency, Tally(day_of)).redeemed(
                redemption_id, order_use(redemption), at_ms
            )
            for campaign_id in dict.fromkeys(r.campaign_id for r in redemption.redeemables):
                use = use_of(redemption, campaign_id)
                if campaign_id and use is not None:
                    by_campaign.setdefault(campaign_id, Tally(day_of)).redeemed(
                        redemption_id, use, at_ms
                    )
        loyalty_points, loyalty_pending = _loyalty_points(store, txn, campaigns, clock.now_ms())

    response = admin_pb2.Dashboard(
        from_date=first.isoformat(),
        to_date=last.isoformat(),
        time_zone=zone_name,
        loyalty_points=loyalty_points,
        loyalty_pending_points=loyalty_pending,
    )
    days = [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]
    for currency, tally in sorted(by_currency.items(), key=lambda i: (-len(i[1].kept()), i[0])):
        response.currencies.append(_currency_figures(currency, tally, days))
    response.top_campaigns.extend(_top_campaigns(by_campaign, campaigns, top))
    response.discount_kinds.extend(_discount_kinds(by_campaign, campaigns))
    response.gift_card_balance.extend(_gift_card_balance(gift_cards, campaigns))
    return response


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidArgumentError("time_zone", f"{name!r} is not an IANA time zone") from None


def _date(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidArgumentError(field, f"{text!r} is not a date (YYYY-MM-DD)") from None


def _days(request: admin_pb2.GetDashboardRequest, zone: ZoneInfo, now_ms: int) -> tuple[date, date]:
    today = datetime.fromtimestamp(now_ms / 1000, UTC).astimezone(zone).date()
    last = _date(request.to_date, "to_date") if request.to_date else today
    first = (
        _date(request.from_date, "from_date")
        if request.from_date
        else last - timedelta(days=DEFAULT_DAYS - 1)
    )
    if first > last:
        raise InvalidArgumentError("from_date", f"{first} is after to_date {last}")
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidArgumentError(
            "from_date", f"at most {MAX_DAYS} days from from_date to to_date"
        )
    return first, last


def _midnight_ms(day: date, zone: ZoneInfo) -> int:
    """The instant the day starts in the zone (the first instant of it, on a DST change too)."""
    return int(datetime.combine(day, time(0), zone).timestamp() * 1000)


def _currency_figures(currency: str, tally: Tally, days: list[str]) -> admin_pb2.DashboardCurrency:
    kept = tally.kept()
    figures = admin_pb2.DashboardCurrency(
        currency=currency,
        redemptions=len(kept),
        rollbacks=tally.rollbacks,
        discount=sum(use.discount for use in kept),
        order_value=sum(use.order_value for use in kept),
    )
    for day in days:
        daily = tally.daily.get(day)
        if daily is None:
            figures.daily.add(day=day)
        else:
            figures.daily.add(
                day=day,
                redemptions=daily.redemptions,
                rollbacks=daily.rollbacks,
                discount=daily.discount,
                order_value=daily.order_value,
            )
    return figures


def _top_campaigns(
    by_campaign: dict[str, Tally], campaigns: dict[str, campaign_pb2.Campaign], top: int
) -> list[admin_pb2.DashboardCampaign]:
    figures = []
    for campaign_id, tally in by_campaign.items():
        kept = tally.kept()
        campaign = campaigns.get(campaign_id)
        figures.append(
            admin_pb2.DashboardCampaign(
                campaign_id=campaign_id,
                name=campaign.name if campaign else "",
                type=campaign.type if campaign else campaign_pb2.CAMPAIGN_TYPE_UNSPECIFIED,
                currency=campaign.currency if campaign else "",
                redemptions=len(kept),
                rollbacks=tally.rollbacks,
                discount=sum(use.discount for use in kept),
                order_value=sum(use.order_value for use in kept),
            )
        )
    figures.sort(key=lambda f: (-f.redemptions, -f.discount, f.campaign_id))
    return figures[:top]


def discount_kind(campaign: campaign_pb2.Campaign) -> str:
    """The Effect field's name ("percent_off_order"), or the program's kind."""
    return campaign.effect.WhichOneof("kind") or _PROGRAM_KINDS.get(campaign.type, "other")


def _discount_kinds(
    by_campaign: dict[str, Tally], campaigns: dict[str, campaign_pb2.Campaign]
) -> list[admin_pb2.DiscountKindFigures]:
    uses: Counter[str] = Counter()
    for campaign_id, tally in by_campaign.items():
        campaign = campaigns.get(campaign_id)
        kind = discount_kind(campaign) if campaign else "other"
        uses[kind] += len(tally.kept())
    ranked = sorted((kind for kind in uses if uses[kind]), key=lambda k: (-uses[k], k))
    return [admin_pb2.DiscountKindFigures(kind=kind, redemptions=uses[kind]) for kind in ranked]


def _gift_card_balance(
    gift_cards: GiftCards, campaigns: dict[str, campaign_pb2.Campaign]
) -> list[admin_pb2.CurrencyAmount]:
    """What unexpired gift cards hold, per currency, as each program's page reads it."""
    balance: Counter[str] = Counter()
    for campaign in campaigns.values():
        if campaign.type == campaign_pb2.GIFT_VOUCHERS:
            program = gift_cards.program(campaign.id)
            balance[program.currency] += program.outstanding_balance
    return [
        admin_pb2.CurrencyAmount(currency=currency, amount=amount)
        for currency, amount in sorted(balance.items())
    ]


def _loyalty_points(
    store: Store, txn: Txn, campaigns: dict[str, campaign_pb2.Campaign], now_ms: int
) -> tuple[int, int]:
    """Spendable and pending points of every loyalty card, as a card's page reads them."""
    spendable = pending = 0
    for campaign in campaigns.values():
        if campaign.type != campaign_pb2.LOYALTY_PROGRAM:
            continue
        for code in store.catalog.iter_campaign_codes(txn, campaign.id):
            if code.kind != campaign_pb2.CODE_KIND_LOYALTY_CARD:
                continue
            summary = store.balances.buckets.summary(txn, normalize_code(code.code), now_ms)
            spendable += summary.spendable
            pending += summary.pending
    return spendable, pending

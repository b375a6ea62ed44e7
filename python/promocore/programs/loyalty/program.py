"""What a LOYALTY_PROGRAM campaign's settings mean in time and points: periods, bucket
activation and expiry, tiers. Pure functions of the settings and a clock time."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from promocore.v1 import campaign_pb2, loyalty_pb2
from promocore.v1.internal import store_pb2

DAY_MS = 86_400_000
BASIS_POINTS = 10_000


def _local(ms: int, time_zone: str) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).astimezone(ZoneInfo(time_zone or "UTC"))


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def period_key(ms: int, period: int, time_zone: str) -> str:
    """The calendar period containing `ms` in the program's time zone; "all" without a period."""
    local = _local(ms, time_zone)
    if period == loyalty_pb2.PERIOD_DAY:
        return local.strftime("%Y-%m-%d")
    if period == loyalty_pb2.PERIOD_WEEK:
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    if period == loyalty_pb2.PERIOD_MONTH:
        return local.strftime("%Y-%m")
    if period == loyalty_pb2.PERIOD_YEAR:
        return local.strftime("%Y")
    return "all"


def earns_on_the_day(rule: loyalty_pb2.EarningRule, ms: int, time_zone: str) -> bool:
    """Whether the rule earns at `ms`: on one of its days of the week in the program's zone
    (every day when it names none)."""
    return not rule.days_of_week or _local(ms, time_zone).isoweekday() in rule.days_of_week


def period_end(ms: int, period: int, time_zone: str) -> int:
    """First instant after the period containing `ms` (0 for no period: never)."""
    local = _local(ms, time_zone)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == loyalty_pb2.PERIOD_DAY:
        end = midnight + timedelta(days=1)
    elif period == loyalty_pb2.PERIOD_WEEK:
        end = midnight + timedelta(days=7 - local.weekday())
    elif period == loyalty_pb2.PERIOD_MONTH:
        end = add_months(midnight.replace(day=1), 1)
    elif period == loyalty_pb2.PERIOD_YEAR:
        end = midnight.replace(year=local.year + 1, month=1, day=1)
    else:
        return 0
    # Rebuild in the zone so a DST change inside the period moves the offset correctly.
    return _ms(end.replace(tzinfo=None).replace(tzinfo=local.tzinfo))


def add_months(moment: datetime, months: int) -> datetime:
    """Same day-of-month `months` later, clamped to the month's last day (Jan 31 + 1 = Feb 28)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def bucket_times(campaign: campaign_pb2.Campaign, earned_at_ms: int) -> tuple[int, int]:
    """(active_at_ms, expires_at_ms) of points earned at `earned_at_ms` (0 = never expires)."""
    program = campaign.loyalty
    active_at_ms = earned_at_ms + program.pending_days * DAY_MS
    expiry = program.expiry
    if expiry.after_months > 0:
        active_local = _local(active_at_ms, campaign.time_zone)
        return active_at_ms, _ms(add_months(active_local, expiry.after_months))
    if expiry.at_period_end:
        return active_at_ms, period_end(earned_at_ms, expiry.period, campaign.time_zone)
    return active_at_ms, 0


def tier_basis_value(
    campaign: campaign_pb2.Campaign, account: store_pb2.LoyaltyAccount, now_ms: int
) -> int:
    """What the program's tiers are measured against, for this account now."""
    program = campaign.loyalty
    if program.tier_basis == loyalty_pb2.LIFETIME_SPEND:
        spend: int = account.lifetime_spend
        return spend
    key = period_key(now_ms, program.tier_period, campaign.time_zone)
    points: int = account.period_points.get(key, 0)
    return points


def current_tier(
    campaign: campaign_pb2.Campaign, account: store_pb2.LoyaltyAccount, now_ms: int
) -> loyalty_pb2.Tier | None:
    """The highest tier whose threshold the account reaches now, if any."""
    value = tier_basis_value(campaign, account, now_ms)
    reached = [tier for tier in campaign.loyalty.tiers if value >= tier.threshold]
    return max(reached, key=lambda tier: tier.threshold, default=None)


def tier_multiplier_bp(tier: loyalty_pb2.Tier | None) -> int:
    return tier.multiplier_bp if tier is not None and tier.multiplier_bp > 0 else BASIS_POINTS

"""Times of the dashboard tests, which read a Berlin shop's days."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")


def set_berlin_time(clock, year, month, day, hour, minute) -> None:
    """Sets the test clock to a Berlin wall-clock time."""
    clock.set(int(datetime(year, month, day, hour, minute, tzinfo=BERLIN).timestamp() * 1000))


def berlin_days(first: date, last: date) -> tuple[datetime, datetime]:
    """The instants a Berlin dashboard from `first` to `last` covers, for the report RPC."""
    start = datetime(first.year, first.month, first.day, tzinfo=BERLIN)
    end_day = last + timedelta(days=1)
    return start, datetime(end_day.year, end_day.month, end_day.day, tzinfo=BERLIN)

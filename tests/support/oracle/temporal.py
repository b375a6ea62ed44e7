"""Dates, instants and durations with one strict text format each: dates ``YYYY-MM-DD``,
instants ``YYYY-MM-DDTHH:MM:SS[.fff]`` with ``Z`` or ``±HH:MM``, durations ``<n>w|d|h|m|s``.
Instants are milliseconds since the epoch; dates are days since 1970-01-01."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

MS_PER_DAY = 86_400_000
_EPOCH = date(1970, 1, 1)
_EPOCH_DT = datetime(1970, 1, 1, tzinfo=UTC)
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_INSTANT = re.compile(
    r"(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})"
)
_DURATION = re.compile(r"(\d{1,9})([wdhms])")
_UNITS = {"w": 7 * MS_PER_DAY, "d": MS_PER_DAY, "h": 3_600_000, "m": 60_000, "s": 1000}


@dataclass(frozen=True)
class Temporal:
    """An instant (``is_date`` false, ``value`` in ms) or a calendar day (``value`` in days)."""

    is_date: bool
    value: int


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _ascii_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def parse_date(text: str) -> int | None:
    match = _DATE.fullmatch(text)
    if not match or not _ascii_digits(text.replace("-", "")):
        return None
    year, month, day = (int(part) for part in match.groups())
    if year == 0:
        return None
    try:
        return (date(year, month, day) - _EPOCH).days
    except ValueError:
        return None


def parse_instant(text: str) -> int | None:
    match = _INSTANT.fullmatch(text)
    if not match or not text.isascii():
        return None
    day_text, hour, minute, second, fraction, offset = match.groups()
    days = parse_date(day_text)
    if days is None:
        return None
    hour, minute, second = int(hour), int(minute), int(second)
    if hour > 23 or minute > 59 or second > 59:
        return None
    millis = int((fraction or "").ljust(3, "0")[:3])
    offset_minutes = 0
    if offset != "Z":
        offset_hours, offset_mins = int(offset[1:3]), int(offset[4:6])
        if offset_hours > 23 or offset_mins > 59:
            return None
        offset_minutes = offset_hours * 60 + offset_mins
        if offset[0] == "-":
            offset_minutes = -offset_minutes
    local = days * MS_PER_DAY + (hour * 3600 + minute * 60 + second) * 1000 + millis
    return local - offset_minutes * 60_000


def parse_temporal(text: str) -> Temporal | None:
    if len(text) == 10:
        days = parse_date(text)
        return None if days is None else Temporal(True, days)
    ms = parse_instant(text)
    return None if ms is None else Temporal(False, ms)


def parse_duration(text: str) -> int | None:
    match = _DURATION.fullmatch(text)
    if not match or not text.isascii():
        return None
    return int(match.group(1)) * _UNITS[match.group(2)]


def parse_clock(text: object, is_end: bool) -> int | None:
    if not isinstance(text, str) or len(text) != 5 or text[2] != ":":
        return None
    hours, minutes = text[:2], text[3:]
    if not (_ascii_digits(hours) and _ascii_digits(minutes)):
        return None
    total = int(hours) * 60 + int(minutes)
    if (int(hours) < 24 and int(minutes) < 60) or (is_end and total == 24 * 60):
        return total
    return None


def local(ms: int, time_zone: str) -> datetime:
    return (_EPOCH_DT + timedelta(milliseconds=ms)).astimezone(zone(time_zone))


def local_date(ms: int, time_zone: str) -> int:
    return (local(ms, time_zone).date() - _EPOCH).days


def local_minute(ms: int, time_zone: str) -> int:
    moment = local(ms, time_zone)
    return moment.hour * 60 + moment.minute


def weekday_of_day(days: int) -> int:
    """ISO weekday 1..7 of a day number (1970-01-01 was a Thursday)."""
    return (days + 3) % 7 + 1


def day_of(value: Temporal, time_zone: str) -> int:
    return value.value if value.is_date else local_date(value.value, time_zone)


def compare(a: Temporal, b: Temporal, time_zone: str) -> int:
    """Two instants by instant, otherwise as calendar days (instants read in the time zone)."""
    if not a.is_date and not b.is_date:
        left, right = a.value, b.value
    else:
        left, right = day_of(a, time_zone), day_of(b, time_zone)
    return (left > right) - (left < right)


def age_ms(value: Temporal, now_ms: int, time_zone: str) -> int:
    if value.is_date:
        return (local_date(now_ms, time_zone) - value.value) * MS_PER_DAY
    return now_ms - value.value

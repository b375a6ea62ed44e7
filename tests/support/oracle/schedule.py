"""When a campaign is usable: start/expire instants and recurring validity windows in the
campaign's time zone."""

from __future__ import annotations

from dataclasses import dataclass

from promocore.v1 import campaign_pb2

from oracle.errors import CompileError
from oracle.temporal import local, parse_clock, zone


@dataclass
class Window:
    days: frozenset[int]
    start: int
    end: int

    def holds(self, day: int, minute: int) -> bool:
        return (not self.days or day in self.days) and self.start <= minute < self.end


@dataclass
class Schedule:
    start_at_ms: int | None
    expire_at_ms: int | None
    time_zone: str
    windows: list[Window]

    def in_window(self, now_ms: int) -> bool:
        if not self.windows:
            return True
        moment = local(now_ms, self.time_zone)
        minute = moment.hour * 60 + moment.minute
        return any(window.holds(moment.isoweekday(), minute) for window in self.windows)


def compile_schedule(campaign: campaign_pb2.Campaign) -> Schedule:
    time_zone = campaign.time_zone or "UTC"
    try:
        zone(time_zone)
    except (KeyError, ValueError):
        raise CompileError("time_zone", f'unknown IANA time zone "{time_zone}"') from None
    start = campaign.start_at.ToMilliseconds() if campaign.HasField("start_at") else None
    expire = campaign.expire_at.ToMilliseconds() if campaign.HasField("expire_at") else None
    if start is not None and expire is not None and expire <= start:
        raise CompileError("expire_at", "expire_at must be after start_at")
    windows = []
    for index, window in enumerate(campaign.validity_windows):
        path = f"validity_windows[{index}]"
        for day_index, day in enumerate(window.days_of_week):
            if not 1 <= day <= 7:
                raise CompileError(f"{path}.days_of_week[{day_index}]", "1..7")
        start_minute = 0 if not window.start_time else parse_clock(window.start_time, False)
        if start_minute is None:
            raise CompileError(f"{path}.start_time", "HH:MM")
        end_minute = 24 * 60 if not window.end_time else parse_clock(window.end_time, True)
        if end_minute is None:
            raise CompileError(f"{path}.end_time", "HH:MM")
        if start_minute >= end_minute:
            raise CompileError(f"{path}.end_time", "end_time must be after start_time")
        windows.append(Window(frozenset(window.days_of_week), start_minute, end_minute))
    return Schedule(start, expire, time_zone, windows)

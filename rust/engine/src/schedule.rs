//! When a campaign is usable: start/expire instants and recurring validity windows, read in the
//! campaign's IANA time zone.

use chrono::{DateTime, Datelike, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

use crate::error::CompileError;
use crate::pb::v1::{Campaign, ValidityWindow};

const MINUTES_PER_DAY: u16 = 24 * 60;
const DAY_NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// Milliseconds since the Unix epoch of a protobuf Timestamp; None when it is malformed or
/// outside the range of dates the engine can format (years -262143..262142).
pub fn timestamp_to_unix_ms(timestamp: &prost_types::Timestamp) -> Option<i64> {
    if !(0..1_000_000_000).contains(&timestamp.nanos) {
        return None;
    }
    let millis = timestamp
        .seconds
        .checked_mul(1000)?
        .checked_add(i64::from(timestamp.nanos / 1_000_000))?;
    DateTime::<Utc>::from_timestamp_millis(millis).map(|_| millis)
}

/// The protobuf Timestamp of milliseconds since the Unix epoch.
pub fn unix_ms_to_timestamp(unix_ms: i64) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: unix_ms.div_euclid(1000),
        // rem_euclid is in 0..1000, so the nanoseconds fit in i32.
        nanos: (unix_ms.rem_euclid(1000) * 1_000_000) as i32,
    }
}

/// Whether the instant can be read as a date (see `timestamp_to_unix_ms`).
pub fn is_representable(unix_ms: i64) -> bool {
    DateTime::<Utc>::from_timestamp_millis(unix_ms).is_some()
}

/// One recurring window: some days of the week, from `start_minute` (inclusive) to
/// `end_minute` (exclusive) of the local day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// Bit `d` set = ISO day `d` (1 = Monday .. 7 = Sunday); 0 = every day.
    days: u8,
    start_minute: u16,
    end_minute: u16,
}

impl Window {
    fn compile(window: &ValidityWindow, path: &str) -> Result<Window, CompileError> {
        let mut days = 0u8;
        for (index, &day) in window.days_of_week.iter().enumerate() {
            if !(1..=7).contains(&day) {
                return Err(CompileError::new(
                    format!("{path}.days_of_week[{index}]"),
                    format!("a day of week is 1 (Monday) .. 7 (Sunday); got {day}"),
                ));
            }
            days |= 1 << day;
        }
        let start_minute = parse_time_of_day(&window.start_time, false)
            .ok_or_else(|| bad_time(path, "start_time", &window.start_time))?
            .unwrap_or(0);
        let end_minute = parse_time_of_day(&window.end_time, true)
            .ok_or_else(|| bad_time(path, "end_time", &window.end_time))?
            .unwrap_or(MINUTES_PER_DAY);
        if start_minute >= end_minute {
            return Err(CompileError::new(
                format!("{path}.end_time"),
                "end_time must be after start_time; split a window that crosses midnight into \
                 two windows",
            ));
        }
        Ok(Window {
            days,
            start_minute,
            end_minute,
        })
    }

    /// Whether the window holds on ISO day `day` at `minute` of the local day.
    fn holds(&self, day: u32, minute: u16) -> bool {
        let day_matches = self.days == 0 || self.days & (1 << day) != 0;
        day_matches && self.start_minute <= minute && minute < self.end_minute
    }

    /// "Sat, Sun 17:00-19:00", "every day 09:00-12:00", "Mon all day".
    fn describe(&self) -> String {
        let days = if self.days == 0 {
            "every day".to_owned()
        } else {
            (1..=7)
                .filter(|day| self.days & (1 << day) != 0)
                .map(|day| DAY_NAMES[day - 1])
                .collect::<Vec<_>>()
                .join(", ")
        };
        if self.start_minute == 0 && self.end_minute == MINUTES_PER_DAY {
            format!("{days} all day")
        } else {
            format!(
                "{days} {}-{}",
                format_minute(self.start_minute),
                format_minute(self.end_minute)
            )
        }
    }
}

fn bad_time(path: &str, field: &str, value: &str) -> CompileError {
    CompileError::new(
        format!("{path}.{field}"),
        format!("expected a time \"HH:MM\" (00:00 .. 23:59, or 24:00 as an end); got \"{value}\""),
    )
}

/// Parses "HH:MM" into minutes of the day. Ok(None) for an empty string; "24:00" only as an end.
fn parse_time_of_day(text: &str, is_end: bool) -> Option<Option<u16>> {
    if text.is_empty() {
        return Some(None);
    }
    let (hours, minutes) = text.split_once(':')?;
    if hours.len() != 2 || minutes.len() != 2 {
        return None;
    }
    if !hours
        .bytes()
        .chain(minutes.bytes())
        .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let hours: u16 = hours.parse().ok()?;
    let minutes: u16 = minutes.parse().ok()?;
    let total = hours * 60 + minutes;
    let valid = (hours < 24 && minutes < 60) || (is_end && total == MINUTES_PER_DAY);
    valid.then_some(Some(total))
}

fn format_minute(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// Start, expiry, time zone and recurring windows of a campaign.
#[derive(Debug, Clone)]
pub struct Schedule {
    start_at_ms: Option<i64>,
    expire_at_ms: Option<i64>,
    time_zone: Tz,
    windows: Vec<Window>,
}

impl Schedule {
    pub fn compile(campaign: &Campaign) -> Result<Schedule, CompileError> {
        let time_zone = if campaign.time_zone.is_empty() {
            Tz::UTC
        } else {
            campaign.time_zone.parse::<Tz>().map_err(|_| {
                CompileError::new(
                    "time_zone",
                    format!(
                        "unknown IANA time zone \"{}\", e.g. \"Europe/Paris\"",
                        campaign.time_zone
                    ),
                )
            })?
        };
        let instant = |field: &str, timestamp: Option<&prost_types::Timestamp>| {
            timestamp
                .map(|timestamp| {
                    timestamp_to_unix_ms(timestamp)
                        .ok_or_else(|| CompileError::new(field, "not a valid timestamp"))
                })
                .transpose()
        };
        let start_at_ms = instant("start_at", campaign.start_at.as_ref())?;
        let expire_at_ms = instant("expire_at", campaign.expire_at.as_ref())?;
        if let (Some(start), Some(expire)) = (start_at_ms, expire_at_ms) {
            if expire <= start {
                return Err(CompileError::new(
                    "expire_at",
                    "expire_at must be after start_at",
                ));
            }
        }
        let windows = campaign
            .validity_windows
            .iter()
            .enumerate()
            .map(|(index, window)| Window::compile(window, &format!("validity_windows[{index}]")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Schedule {
            start_at_ms,
            expire_at_ms,
            time_zone,
            windows,
        })
    }

    pub fn start_at_ms(&self) -> Option<i64> {
        self.start_at_ms
    }

    pub fn expire_at_ms(&self) -> Option<i64> {
        self.expire_at_ms
    }

    pub fn time_zone(&self) -> Tz {
        self.time_zone
    }

    /// Whether any window holds at `now_unix_ms` (always true without windows).
    pub fn in_validity_window(&self, now_unix_ms: i64) -> bool {
        if self.windows.is_empty() {
            return true;
        }
        let Some(local) = self.local_time(now_unix_ms) else {
            return false;
        };
        let day = local.weekday().number_from_monday();
        // hour < 24 and minute < 60, so the sum fits u16.
        let minute = (local.hour() * 60 + local.minute()) as u16;
        self.windows.iter().any(|window| window.holds(day, minute))
    }

    /// "Sat, Sun 17:00-19:00; Wed all day (Europe/Paris)".
    pub fn describe_windows(&self) -> String {
        let windows: Vec<String> = self.windows.iter().map(Window::describe).collect();
        format!("{} ({})", windows.join("; "), self.time_zone.name())
    }

    /// An instant for humans, in the campaign's time zone: "2025-06-01 09:00 (Europe/Paris)".
    pub fn format_instant(&self, unix_ms: i64) -> String {
        match self.local_time(unix_ms) {
            Some(local) => format!(
                "{} ({})",
                local.format("%Y-%m-%d %H:%M"),
                self.time_zone.name()
            ),
            None => format!("{unix_ms} ms after the Unix epoch"),
        }
    }

    fn local_time(&self, unix_ms: i64) -> Option<DateTime<Tz>> {
        self.time_zone.timestamp_millis_opt(unix_ms).single()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn campaign_with(time_zone: &str, windows: Vec<ValidityWindow>) -> Campaign {
        Campaign {
            time_zone: time_zone.to_owned(),
            validity_windows: windows,
            ..Default::default()
        }
    }

    fn window(days: &[i32], start: &str, end: &str) -> ValidityWindow {
        ValidityWindow {
            days_of_week: days.to_vec(),
            start_time: start.to_owned(),
            end_time: end.to_owned(),
        }
    }

    /// 2025-06-07 is a Saturday.
    fn utc_ms(text: &str) -> i64 {
        DateTime::parse_from_rfc3339(text)
            .expect("valid RFC 3339")
            .timestamp_millis()
    }

    #[test]
    fn parses_times_of_day() {
        assert_eq!(parse_time_of_day("", false), Some(None));
        assert_eq!(parse_time_of_day("00:00", false), Some(Some(0)));
        assert_eq!(parse_time_of_day("17:30", false), Some(Some(1050)));
        assert_eq!(parse_time_of_day("24:00", true), Some(Some(1440)));
        assert_eq!(parse_time_of_day("24:00", false), None);
        assert_eq!(parse_time_of_day("24:01", true), None);
        assert_eq!(parse_time_of_day("7:30", false), None);
        assert_eq!(parse_time_of_day("07:60", false), None);
        assert_eq!(parse_time_of_day("+1:30", false), None);
    }

    #[test]
    fn rejects_bad_windows_with_paths() {
        let error =
            Schedule::compile(&campaign_with("", vec![window(&[0], "", "")])).expect_err("day 0");
        assert_eq!(error.path, "validity_windows[0].days_of_week[0]");
        let error = Schedule::compile(&campaign_with(
            "",
            vec![window(&[], "", ""), window(&[], "9:00", "")],
        ))
        .expect_err("bad time");
        assert_eq!(error.path, "validity_windows[1].start_time");
        let error = Schedule::compile(&campaign_with("", vec![window(&[], "19:00", "17:00")]))
            .expect_err("inverted");
        assert_eq!(error.path, "validity_windows[0].end_time");
        let error = Schedule::compile(&campaign_with("Mars/Olympus", vec![])).expect_err("tz");
        assert_eq!(error.path, "time_zone");
    }

    #[test]
    fn windows_use_the_campaign_time_zone() {
        let schedule = Schedule::compile(&campaign_with(
            "Europe/Paris",
            vec![window(&[6, 7], "17:00", "19:00")],
        ))
        .expect("compiles");
        // Saturday 15:30 UTC = 17:30 in Paris (CEST).
        assert!(schedule.in_validity_window(utc_ms("2025-06-07T15:30:00Z")));
        // Saturday 17:30 UTC = 19:30 in Paris: after the window.
        assert!(!schedule.in_validity_window(utc_ms("2025-06-07T17:30:00Z")));
        // 19:00 is exclusive.
        assert!(!schedule.in_validity_window(utc_ms("2025-06-07T17:00:00Z")));
        // Friday 15:30 UTC: wrong day.
        assert!(!schedule.in_validity_window(utc_ms("2025-06-06T15:30:00Z")));
        assert_eq!(
            schedule.describe_windows(),
            "Sat, Sun 17:00-19:00 (Europe/Paris)"
        );
    }

    #[test]
    fn no_windows_means_always() {
        let schedule = Schedule::compile(&campaign_with("", vec![])).expect("compiles");
        assert!(schedule.in_validity_window(0));
        assert_eq!(schedule.time_zone(), Tz::UTC);
    }

    #[test]
    fn converts_timestamps() {
        let timestamp = prost_types::Timestamp {
            seconds: 1,
            nanos: 5_000_000,
        };
        assert_eq!(timestamp_to_unix_ms(&timestamp), Some(1005));
        let malformed = prost_types::Timestamp {
            seconds: 1,
            nanos: -1,
        };
        assert_eq!(timestamp_to_unix_ms(&malformed), None);
        let huge = prost_types::Timestamp {
            seconds: i64::MAX,
            nanos: 0,
        };
        assert_eq!(timestamp_to_unix_ms(&huge), None);
    }
}

//! Dates, instants and durations of rules, with one strict text format each (the same in the
//! Python reference): dates `YYYY-MM-DD`, instants RFC 3339 `YYYY-MM-DDTHH:MM:SS[.fff]` with `Z`
//! or `±HH:MM`, durations `<n>w|d|h|m|s`. Local dates and times use the campaign's time zone.

use std::cmp::Ordering;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Timelike};
use chrono_tz::Tz;

pub const MS_PER_DAY: i64 = 86_400_000;

/// A point or a day in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Temporal {
    /// Milliseconds since the Unix epoch, UTC.
    Instant(i64),
    /// Days since 1970-01-01 (a calendar day, no time zone).
    Date(i32),
}

impl Temporal {
    /// Compares two temporal values: two instants by their instant; otherwise as calendar days,
    /// an instant being read as its local date in `time_zone`.
    pub fn compare(self, other: Temporal, time_zone: Tz) -> Option<Ordering> {
        match (self, other) {
            (Temporal::Instant(a), Temporal::Instant(b)) => Some(a.cmp(&b)),
            _ => Some(
                self.local_date(time_zone)?
                    .cmp(&other.local_date(time_zone)?),
            ),
        }
    }

    /// The calendar day, in `time_zone` for an instant.
    pub fn local_date(self, time_zone: Tz) -> Option<i32> {
        match self {
            Temporal::Date(days) => Some(days),
            Temporal::Instant(ms) => local_date(ms, time_zone),
        }
    }

    /// ISO day of week 1 (Monday) .. 7 (Sunday).
    pub fn weekday(self, time_zone: Tz) -> Option<u32> {
        self.local_date(time_zone).map(weekday_of_day)
    }

    /// Milliseconds from this value to `now_ms`; a date counts from its start as whole days
    /// between the local date of now and the date.
    pub fn age_ms(self, now_ms: i64, time_zone: Tz) -> Option<i64> {
        match self {
            Temporal::Instant(ms) => now_ms.checked_sub(ms),
            Temporal::Date(days) => {
                let today = local_date(now_ms, time_zone)?;
                i64::from(today - days).checked_mul(MS_PER_DAY)
            }
        }
    }

    /// RFC 3339 / ISO text, for explanations.
    pub fn render(self) -> String {
        match self {
            Temporal::Date(days) => render_date(days),
            Temporal::Instant(ms) => match DateTime::from_timestamp_millis(ms) {
                Some(instant) if ms % 1000 == 0 => instant.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                Some(instant) => instant.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
                None => ms.to_string(),
            },
        }
    }
}

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()
}

pub fn render_date(days: i32) -> String {
    epoch()
        .checked_add_signed(chrono::Duration::days(i64::from(days)))
        .map_or_else(
            || days.to_string(),
            |date| date.format("%Y-%m-%d").to_string(),
        )
}

/// ISO weekday of a day number (1970-01-01 was a Thursday, day 4).
pub fn weekday_of_day(days: i32) -> u32 {
    (days + 3).rem_euclid(7) as u32 + 1
}

/// The local calendar day of an instant.
pub fn local_date(ms: i64, time_zone: Tz) -> Option<i32> {
    let local = time_zone.timestamp_millis_opt(ms).single()?;
    i32::try_from(local.date_naive().signed_duration_since(epoch()).num_days()).ok()
}

/// The local minute of the day (0..1439) of an instant.
pub fn local_minute(ms: i64, time_zone: Tz) -> Option<u32> {
    let local = time_zone.timestamp_millis_opt(ms).single()?;
    Some(local.hour() * 60 + local.minute())
}

/// The local hour (0..23) of an instant.
pub fn local_hour(ms: i64, time_zone: Tz) -> Option<u32> {
    Some(time_zone.timestamp_millis_opt(ms).single()?.hour())
}

/// The local ISO weekday of an instant.
pub fn local_weekday(ms: i64, time_zone: Tz) -> Option<u32> {
    Some(
        time_zone
            .timestamp_millis_opt(ms)
            .single()?
            .weekday()
            .number_from_monday(),
    )
}

fn digits(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    bytes.iter().try_fold(0u32, |value, &b| {
        value.checked_mul(10)?.checked_add(u32::from(b - b'0'))
    })
}

fn parse_date_bytes(bytes: &[u8]) -> Option<i32> {
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year = digits(&bytes[0..4])?;
    let month = digits(&bytes[5..7])?;
    let day = digits(&bytes[8..10])?;
    if year == 0 {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    i32::try_from(date.signed_duration_since(epoch()).num_days()).ok()
}

/// `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Option<i32> {
    parse_date_bytes(text.as_bytes())
}

/// `YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±HH:MM)`; fractions below a millisecond are dropped.
pub fn parse_instant(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() < 20 || bytes[10] != b'T' || bytes[13] != b':' || bytes[16] != b':' {
        return None;
    }
    let days = parse_date_bytes(&bytes[0..10])?;
    let hour = digits(&bytes[11..13])?;
    let minute = digits(&bytes[14..16])?;
    let second = digits(&bytes[17..19])?;
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut rest = &bytes[19..];
    let mut millis = 0u32;
    if rest.first() == Some(&b'.') {
        let end = rest[1..]
            .iter()
            .position(|b| !b.is_ascii_digit())
            .map_or(rest.len(), |p| p + 1);
        let fraction = &rest[1..end];
        if fraction.is_empty() || fraction.len() > 9 {
            return None;
        }
        let mut padded = [b'0'; 3];
        for (slot, &digit) in padded.iter_mut().zip(fraction) {
            *slot = digit;
        }
        millis = digits(&padded)?;
        rest = &rest[end..];
    }
    let offset_minutes: i64 = match rest {
        [b'Z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let hours = digits(&[*h1, *h2])?;
            let minutes = digits(&[*m1, *m2])?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let total = i64::from(hours * 60 + minutes);
            if *sign == b'-' {
                -total
            } else {
                total
            }
        }
        _ => return None,
    };
    let seconds_of_day = i64::from(hour * 3600 + minute * 60 + second);
    let local_ms = i64::from(days) * MS_PER_DAY + seconds_of_day * 1000 + i64::from(millis);
    Some(local_ms - offset_minutes * 60_000)
}

/// A date or an instant.
pub fn parse_temporal(text: &str) -> Option<Temporal> {
    if text.len() == 10 {
        parse_date(text).map(Temporal::Date)
    } else {
        parse_instant(text).map(Temporal::Instant)
    }
}

/// `<1..9 digits><w|d|h|m|s>` in milliseconds, e.g. "30d".
pub fn parse_duration(text: &str) -> Option<i64> {
    // Bytes, not chars: a non-ASCII last character is simply not a unit (found by fuzzing:
    // splitting the str there panicked).
    let bytes = text.as_bytes();
    let (number, unit) = bytes.split_at(bytes.len().checked_sub(1)?);
    if number.len() > 9 {
        return None;
    }
    let count = i64::from(digits(number)?);
    let unit_ms = match unit {
        b"w" => 7 * MS_PER_DAY,
        b"d" => MS_PER_DAY,
        b"h" => 3_600_000,
        b"m" => 60_000,
        b"s" => 1000,
        _ => return None,
    };
    count.checked_mul(unit_ms)
}

/// "HH:MM" as minutes; "24:00" only when `is_end`.
pub fn parse_clock(text: &str, is_end: bool) -> Option<u32> {
    let bytes = text.as_bytes();
    if bytes.len() != 5 || bytes[2] != b':' {
        return None;
    }
    let hours = digits(&bytes[0..2])?;
    let minutes = digits(&bytes[3..5])?;
    let total = hours * 60 + minutes;
    ((hours < 24 && minutes < 60) || (is_end && total == 24 * 60)).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dates_and_instants() {
        assert_eq!(parse_date("1970-01-02"), Some(1));
        assert_eq!(parse_date("2024-02-30"), None);
        assert_eq!(parse_date("2024-2-03"), None);
        assert_eq!(parse_instant("1970-01-01T00:00:01Z"), Some(1000));
        assert_eq!(parse_instant("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_instant("1970-01-01T00:00:00.1239Z"), Some(123));
        assert_eq!(parse_instant("1970-01-01 00:00:00Z"), None);
        assert_eq!(parse_instant("1970-01-01T00:00:60Z"), None);
        assert_eq!(parse_temporal("2025-01-15"), Some(Temporal::Date(20103)));
    }

    #[test]
    fn weekdays_and_local_dates() {
        // 2025-01-15 is a Wednesday.
        assert_eq!(weekday_of_day(20103), 3);
        let late = parse_instant("2025-01-15T23:30:00Z").unwrap();
        assert_eq!(local_date(late, Tz::UTC), Some(20103));
        assert_eq!(local_date(late, chrono_tz::Europe::Paris), Some(20104));
        assert_eq!(local_minute(late, chrono_tz::Europe::Paris), Some(30));
    }

    #[test]
    fn durations_and_clocks() {
        assert_eq!(parse_duration("30d"), Some(30 * MS_PER_DAY));
        assert_eq!(parse_duration("2w"), Some(14 * MS_PER_DAY));
        assert_eq!(parse_duration("d"), None);
        assert_eq!(parse_duration("1y"), None);
        assert_eq!(parse_duration("1💥"), None);
        assert_eq!(parse_duration("💥"), None);
        assert_eq!(parse_clock("24:00", true), Some(1440));
        assert_eq!(parse_clock("24:00", false), None);
        assert_eq!(parse_clock("7:30", false), None);
    }
}

//! The usage counters one redeemable touches, as keys of the store's counters table, and what a
//! redemption adds to them. The same layout as `python/promocore/store/counters.py` (which reads
//! them); `tests/fixtures/counter_keys.json` holds cases both sides are tested against.
//!
//! Keys are readable paths. Period counters carry the local day, ISO week or month in the
//! campaign's time zone. A customer's counters of every campaign share one prefix,
//! `per-customer/<customer>/`, so that the counters one redeem changes lie side by side in the
//! store (a leaf or two, not one leaf per campaign and period: docs/operations.md). Campaign ids
//! are restricted to `[A-Za-z0-9_-]` and periods have no `/`, so a key read from its end names
//! one counter whatever the customer id holds; the other free-form part, the code, comes last.

use chrono::{Datelike, TimeZone};
use chrono_tz::Tz;

use crate::pb::v1::CodeKind;

/// The local periods of an instant in a time zone: `2026-12-06`, `2026-W49`, `2026-12`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Periods {
    pub day: String,
    pub week: String,
    pub month: String,
}

impl Periods {
    /// None only for an instant chrono cannot represent (the request validation refuses those).
    pub fn at(now_ms: i64, time_zone: Tz) -> Option<Periods> {
        let local = time_zone.timestamp_millis_opt(now_ms).single()?;
        let week = local.iso_week();
        if let (Ok(year), Ok(week_year)) = (u32::try_from(local.year()), u32::try_from(week.year()))
        {
            if year <= 9999 && week_year <= 9999 {
                // Written digit by digit: this runs for every counted redeemable of every
                // checkout, and format! costs more than the rest of the keys.
                let mut day = String::with_capacity(10);
                push_digits(&mut day, year, 4);
                day.push('-');
                push_digits(&mut day, local.month(), 2);
                let month = day.clone();
                day.push('-');
                push_digits(&mut day, local.day(), 2);
                let mut week_text = String::with_capacity(8);
                push_digits(&mut week_text, week_year, 4);
                week_text.push_str("-W");
                push_digits(&mut week_text, week.week(), 2);
                return Some(Periods {
                    day,
                    week: week_text,
                    month,
                });
            }
        }
        Some(Periods {
            day: format!(
                "{:04}-{:02}-{:02}",
                local.year(),
                local.month(),
                local.day()
            ),
            week: format!("{:04}-W{:02}", week.year(), week.week()),
            month: format!("{:04}-{:02}", local.year(), local.month()),
        })
    }
}

/// `value` (< 10^width) in decimal, zero-padded to `width` digits, as `{:0width$}` writes it.
fn push_digits(out: &mut String, value: u32, width: u32) {
    let mut divisor = 10u32.pow(width - 1);
    while divisor > 0 {
        out.push(char::from(b'0' + (value / divisor % 10) as u8));
        divisor /= 10;
    }
}

/// A counter key with the change one redemption makes to it.
pub type CounterDelta = (Vec<u8>, i64);

/// The counters one redeemable reads and, when redeemed, increments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterKeys {
    pub code_redeemed: Option<Vec<u8>>,
    pub campaign_redemptions: Vec<u8>,
    pub campaign_day: Vec<u8>,
    pub discount_given: Vec<u8>,
    pub order_value: Vec<u8>,
    pub customer_redemptions: Option<Vec<u8>>,
    pub customer_day: Option<Vec<u8>>,
    pub customer_week: Option<Vec<u8>>,
    pub customer_month: Option<Vec<u8>>,
    /// The live balance of a gift card presented as the code.
    pub gift_balance: Option<Vec<u8>>,
    /// The points of a loyalty card presented as the code.
    pub points_balance: Option<Vec<u8>>,
}

/// What one applied redeemable adds to its counters (and debits from its balances).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RedeemedAmounts {
    pub discount: i64,
    pub order_value: i64,
    pub gift_amount: i64,
    pub points: i64,
}

pub const GIFT_PREFIX: &[u8] = b"gift/";
/// Where a customer's counters begin. Before store format 3 they were
/// `customer/<campaign>/<period>/<customer>`, converted when a store is opened
/// (python/promocore/store/counter_layout.py).
pub const PER_CUSTOMER_PREFIX: &str = "per-customer/";
pub const POINTS_PREFIX: &[u8] = b"points/";

/// A code's store key: codes are case-insensitive, stored upper-cased.
pub fn normalize_code(code: &str) -> Vec<u8> {
    code.to_uppercase().into_bytes()
}

fn prefixed(prefix: &[u8], rest: &[u8]) -> Vec<u8> {
    let mut key = Vec::with_capacity(prefix.len() + rest.len());
    key.extend_from_slice(prefix);
    key.extend_from_slice(rest);
    key
}

/// The parts of a key, joined.
fn key_of(head: &[&str], middle: &[&str], tail: &[&str]) -> Vec<u8> {
    let parts = || head.iter().chain(middle).chain(tail);
    let mut key = Vec::with_capacity(parts().map(|part| part.len()).sum());
    for part in parts() {
        key.extend_from_slice(part.as_bytes());
    }
    key
}

impl CounterKeys {
    /// `normalized_code`: the upper-cased code of a code redeemable, None for a promotion.
    pub fn build(
        campaign_id: &str,
        time_zone: Tz,
        normalized_code: Option<&[u8]>,
        customer_id: &str,
        now_ms: i64,
        code_kind: CodeKind,
    ) -> Option<CounterKeys> {
        let periods = Periods::at(now_ms, time_zone)?;
        // Each key is written once at its size (this runs for every counted redeemable of
        // every checkout).
        let campaign = |parts: &[&str]| key_of(&["campaign/", campaign_id, "/"], parts, &[]);
        let customer = |parts: &[&str]| {
            (!customer_id.is_empty()).then(|| {
                key_of(
                    &[PER_CUSTOMER_PREFIX, customer_id, "/", campaign_id, "/"],
                    parts,
                    &[],
                )
            })
        };
        let balance = |kind: CodeKind, prefix: &[u8]| {
            normalized_code
                .filter(|_| code_kind == kind)
                .map(|code| prefixed(prefix, code))
        };
        Some(CounterKeys {
            code_redeemed: normalized_code.map(|code| prefixed(b"code/", code)),
            campaign_redemptions: campaign(&["redemptions"]),
            campaign_day: campaign(&["day/", &periods.day]),
            discount_given: campaign(&["discount"]),
            order_value: campaign(&["order_value"]),
            customer_redemptions: customer(&["all"]),
            customer_day: customer(&["day/", &periods.day]),
            customer_week: customer(&["week/", &periods.week]),
            customer_month: customer(&["month/", &periods.month]),
            gift_balance: balance(CodeKind::GiftCard, GIFT_PREFIX),
            points_balance: balance(CodeKind::LoyaltyCard, POINTS_PREFIX),
        })
    }

    /// What one successful redemption of this redeemable adds, in the order the Python store
    /// always wrote them: the counted slots, the budgets, then the balance debits.
    pub fn redemption_deltas(&self, amounts: RedeemedAmounts, into: &mut Vec<CounterDelta>) {
        let increments: [Option<&Vec<u8>>; 7] = [
            self.code_redeemed.as_ref(),
            Some(&self.campaign_redemptions),
            Some(&self.campaign_day),
            self.customer_redemptions.as_ref(),
            self.customer_day.as_ref(),
            self.customer_week.as_ref(),
            self.customer_month.as_ref(),
        ];
        into.extend(increments.into_iter().flatten().map(|key| (key.clone(), 1)));
        into.push((self.discount_given.clone(), amounts.discount));
        into.push((self.order_value.clone(), amounts.order_value));
        for (key, debit) in [
            (&self.gift_balance, amounts.gift_amount),
            (&self.points_balance, amounts.points),
        ] {
            if let Some(key) = key {
                if debit != 0 {
                    into.push((key.clone(), -debit));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_local_to_the_time_zone() {
        // 2026-01-01T02:30Z is still 2025-12-31 in New York, in ISO week 2026-W01.
        let ms = 1_767_234_600_000;
        let periods = Periods::at(ms, chrono_tz::America::New_York).unwrap();
        assert_eq!(periods.day, "2025-12-31");
        assert_eq!(periods.week, "2026-W01");
        assert_eq!(periods.month, "2025-12");
    }

    /// The periods written digit by digit are format!'s, over years of every width.
    #[test]
    fn periods_are_written_as_format_writes_them() {
        let day_ms = 86_400_000i64;
        let starts = [
            -62_135_596_800_000i64, // 0001-01-01
            -2_208_988_800_000,     // 1900-01-01
            1_767_234_600_000,
            253_402_300_799_000 - 400 * day_ms, // 9998
        ];
        for start in starts {
            for days in (0..800).step_by(3) {
                let ms = start + days * day_ms + 3_600_000;
                for zone in [
                    Tz::UTC,
                    chrono_tz::America::New_York,
                    chrono_tz::Asia::Tokyo,
                ] {
                    let periods = Periods::at(ms, zone).unwrap();
                    let local = zone.timestamp_millis_opt(ms).single().unwrap();
                    let week = local.iso_week();
                    let (year, month) = (local.year(), local.month());
                    assert_eq!(
                        periods,
                        Periods {
                            day: format!("{year:04}-{month:02}-{:02}", local.day()),
                            week: format!("{:04}-W{:02}", week.year(), week.week()),
                            month: format!("{year:04}-{month:02}"),
                        }
                    );
                }
            }
        }
    }

    #[test]
    fn anonymous_promotions_have_no_customer_or_code_keys() {
        let keys =
            CounterKeys::build("spring", Tz::UTC, None, "", 0, CodeKind::Unspecified).unwrap();
        assert_eq!(keys.code_redeemed, None);
        assert_eq!(keys.customer_redemptions, None);
        assert_eq!(
            keys.campaign_day,
            b"campaign/spring/day/1970-01-01".to_vec()
        );
        let mut deltas = Vec::new();
        keys.redemption_deltas(
            RedeemedAmounts {
                discount: 250,
                order_value: 9_000,
                ..Default::default()
            },
            &mut deltas,
        );
        assert_eq!(
            deltas,
            vec![
                (b"campaign/spring/redemptions".to_vec(), 1),
                (b"campaign/spring/day/1970-01-01".to_vec(), 1),
                (b"campaign/spring/discount".to_vec(), 250),
                (b"campaign/spring/order_value".to_vec(), 9_000),
            ]
        );
    }
}

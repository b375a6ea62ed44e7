//! Counts of the redeemable results checkouts answered, by kind of checkout, status and reason:
//! the "every no explained" side of the metrics. Kept in atomics, so a checkout pays a few
//! relaxed increments whether metrics are on or not; the metrics take (and reset) them every
//! few seconds.

use std::sync::atomic::{AtomicU64, Ordering};

use promocore_engine::pb::v1::{RedeemableResult, RedeemableStatus};
use promocore_engine::Reason;

/// The kinds of checkout counted.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Validate = 0,
    Redeem = 1,
}

const KINDS: [&str; 2] = ["validate", "redeem"];
const STATUSES: [RedeemableStatus; 3] = [
    RedeemableStatus::Applicable,
    RedeemableStatus::Inapplicable,
    RedeemableStatus::Skipped,
];
/// One slot per reason, then one for results without a known reason (applicable ones).
const REASON_SLOTS: usize = Reason::ALL.len() + 1;
const NO_REASON: usize = Reason::ALL.len();

#[allow(clippy::declare_interior_mutable_const)] // only the array initializer copies it
const ZERO: AtomicU64 = AtomicU64::new(0);
#[allow(clippy::declare_interior_mutable_const)]
const PER_STATUS: [AtomicU64; REASON_SLOTS] = [ZERO; REASON_SLOTS];
#[allow(clippy::declare_interior_mutable_const)]
const PER_KIND: [[AtomicU64; REASON_SLOTS]; 3] = [PER_STATUS; 3];
static COUNTS: [[[AtomicU64; REASON_SLOTS]; 3]; 2] = [PER_KIND; 2];

fn reason_slot(reason: &str) -> usize {
    Reason::ALL
        .iter()
        .position(|known| known.as_str() == reason)
        .unwrap_or(NO_REASON)
}

/// Counts the results of one answer.
pub fn count(kind: Kind, results: &[RedeemableResult]) {
    for result in results {
        let Some(status) = STATUSES.iter().position(|s| *s as i32 == result.status) else {
            continue;
        };
        let slot = if status == 0 {
            NO_REASON
        } else {
            reason_slot(&result.reason)
        };
        COUNTS[kind as usize][status][slot].fetch_add(1, Ordering::Relaxed);
    }
}

/// Every non-zero count since the last take, reset to zero: (kind, status, reason, count); the
/// reason is "" for applicable results.
pub fn take() -> Vec<(&'static str, &'static str, &'static str, u64)> {
    let mut taken = Vec::new();
    for (kind, per_kind) in COUNTS.iter().enumerate() {
        for (status, per_status) in per_kind.iter().enumerate() {
            for (slot, counter) in per_status.iter().enumerate() {
                let count = counter.swap(0, Ordering::Relaxed);
                if count == 0 {
                    continue;
                }
                let reason = Reason::ALL.get(slot).map_or("", |reason| reason.as_str());
                taken.push((KINDS[kind], STATUSES[status].as_str_name(), reason, count));
            }
        }
    }
    taken
}

//! Which valid redeemables of one request may apply together (SPEC section 5).
//!
//! This engine version enforces the maximum number of applied redeemables. Stacking categories
//! with priorities, exclusive and joint categories and not-combinable lists extend `admit`.

use crate::reason::Reason;

/// At most this many redeemables apply to one order.
pub const MAX_APPLIED_REDEEMABLES: usize = 5;

/// The stacking state of one request: what has been applied so far.
#[derive(Debug, Clone, Default)]
pub struct Stacking {
    applied: usize,
}

impl Stacking {
    /// Whether one more valid redeemable may apply; the SKIPPED reason when not.
    pub fn admit(&self) -> Result<(), Reason> {
        if self.applied >= MAX_APPLIED_REDEEMABLES {
            return Err(Reason::StackingLimitExceeded);
        }
        Ok(())
    }

    /// Records an applied redeemable.
    pub fn record_applied(&mut self) {
        self.applied += 1;
    }
}

/// Message of a SKIPPED `stacking_limit_exceeded` result.
pub fn stacking_limit_message() -> String {
    format!("At most {MAX_APPLIED_REDEEMABLES} offers can be combined in one order.")
}

//! The machine-readable reasons of redeemable results: stable strings.

/// Why a redeemable is INAPPLICABLE or SKIPPED.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    CodeNotFound,
    CampaignInactive,
    NotStarted,
    Expired,
    OutsideValidityWindow,
    RulesNotMet,
    CodeQuantityExceeded,
    CampaignLimitExceeded,
    CustomerLimitExceeded,
    DailyLimitExceeded,
    BudgetExceeded,
    InsufficientBalance,
    InsufficientPoints,
    NotAssignedToCustomer,
    /// A referral code presented by the referrer who owns it.
    SelfReferral,
    CurrencyMismatch,
    DuplicateRedeemable,
    ExclusiveConflict,
    NotCombinable,
    StackingLimitExceeded,
    NoEffect,
    ReservedByOtherSession,
    AlreadyRedeemedIdempotent,
    AlreadyRolledBack,
    /// SKIPPED because the request is in ALL mode and another redeemable is inapplicable.
    ApplicationModeAll,
    /// SKIPPED under BEST_FOR_CUSTOMER: a combination without it gives the customer more.
    NotInBestCombination,
}

impl Reason {
    pub const ALL: [Reason; 26] = [
        Reason::CodeNotFound,
        Reason::CampaignInactive,
        Reason::NotStarted,
        Reason::Expired,
        Reason::OutsideValidityWindow,
        Reason::RulesNotMet,
        Reason::CodeQuantityExceeded,
        Reason::CampaignLimitExceeded,
        Reason::CustomerLimitExceeded,
        Reason::DailyLimitExceeded,
        Reason::BudgetExceeded,
        Reason::InsufficientBalance,
        Reason::InsufficientPoints,
        Reason::NotAssignedToCustomer,
        Reason::SelfReferral,
        Reason::CurrencyMismatch,
        Reason::DuplicateRedeemable,
        Reason::ExclusiveConflict,
        Reason::NotCombinable,
        Reason::StackingLimitExceeded,
        Reason::NoEffect,
        Reason::ReservedByOtherSession,
        Reason::AlreadyRedeemedIdempotent,
        Reason::AlreadyRolledBack,
        Reason::ApplicationModeAll,
        Reason::NotInBestCombination,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::CodeNotFound => "code_not_found",
            Reason::CampaignInactive => "campaign_inactive",
            Reason::NotStarted => "not_started",
            Reason::Expired => "expired",
            Reason::OutsideValidityWindow => "outside_validity_window",
            Reason::RulesNotMet => "rules_not_met",
            Reason::CodeQuantityExceeded => "code_quantity_exceeded",
            Reason::CampaignLimitExceeded => "campaign_limit_exceeded",
            Reason::CustomerLimitExceeded => "customer_limit_exceeded",
            Reason::DailyLimitExceeded => "daily_limit_exceeded",
            Reason::BudgetExceeded => "budget_exceeded",
            Reason::InsufficientBalance => "insufficient_balance",
            Reason::InsufficientPoints => "insufficient_points",
            Reason::NotAssignedToCustomer => "not_assigned_to_customer",
            Reason::SelfReferral => "self_referral",
            Reason::CurrencyMismatch => "currency_mismatch",
            Reason::DuplicateRedeemable => "duplicate_redeemable",
            Reason::ExclusiveConflict => "exclusive_conflict",
            Reason::NotCombinable => "not_combinable",
            Reason::StackingLimitExceeded => "stacking_limit_exceeded",
            Reason::NoEffect => "no_effect",
            Reason::ReservedByOtherSession => "reserved_by_other_session",
            Reason::AlreadyRedeemedIdempotent => "already_redeemed_idempotent",
            Reason::AlreadyRolledBack => "already_rolled_back",
            Reason::ApplicationModeAll => "application_mode_all",
            Reason::NotInBestCombination => "not_in_best_combination",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn reason_strings_are_unique_snake_case() {
        let names: HashSet<&str> = Reason::ALL.iter().map(|reason| reason.as_str()).collect();
        assert_eq!(names.len(), Reason::ALL.len());
        for name in names {
            assert!(
                name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{name}"
            );
        }
    }
}

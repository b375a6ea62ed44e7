//! Redemption limits and budgets checked against the counters the store read. The store
//! enforces them atomically at Redeem; the engine answers the same question for Validate.

use crate::error::CompileError;
use crate::pb::internal::Counters;
use crate::pb::v1::Limits;
use crate::reason::Reason;

/// The counters of a redeemable nothing has used yet (what the store sends none for).
pub const NO_COUNTERS: Counters = Counters {
    code_redeemed: 0,
    campaign_redemptions: 0,
    customer_redemptions: 0,
    customer_day: 0,
    customer_week: 0,
    customer_month: 0,
    campaign_day: 0,
    discount_given: 0,
    order_value: 0,
};

/// A campaign's limits; None = no limit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompiledLimits {
    pub total_redemptions: Option<i64>,
    pub per_customer: Option<i64>,
    pub per_customer_per_day: Option<i64>,
    pub per_customer_per_week: Option<i64>,
    pub per_customer_per_month: Option<i64>,
    pub per_day: Option<i64>,
    pub budget_discount: Option<i64>,
    pub budget_order_value: Option<i64>,
}

/// A limit a redeemable would break.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitBreach {
    CampaignTotal(i64),
    CampaignPerDay(i64),
    CustomerPerDay(i64),
    PerCustomer(i64),
    CustomerPerWeek(i64),
    CustomerPerMonth(i64),
    /// A per-customer limit applies but the checkout is anonymous.
    CustomerRequired,
    BudgetOrderValue(i64),
    BudgetDiscount(i64),
}

impl LimitBreach {
    pub fn reason(self) -> Reason {
        match self {
            LimitBreach::CampaignTotal(_) => Reason::CampaignLimitExceeded,
            LimitBreach::CampaignPerDay(_) | LimitBreach::CustomerPerDay(_) => {
                Reason::DailyLimitExceeded
            }
            LimitBreach::PerCustomer(_)
            | LimitBreach::CustomerPerWeek(_)
            | LimitBreach::CustomerPerMonth(_)
            | LimitBreach::CustomerRequired => Reason::CustomerLimitExceeded,
            LimitBreach::BudgetOrderValue(_) | LimitBreach::BudgetDiscount(_) => {
                Reason::BudgetExceeded
            }
        }
    }

    /// Whether another session's reservation can be the cause (every breach of a counted
    /// resource, not the missing customer id).
    pub fn is_capacity(self) -> bool {
        self != LimitBreach::CustomerRequired
    }

    pub fn message(self) -> String {
        let times = |limit: i64| {
            if limit == 1 {
                "once".to_owned()
            } else {
                format!("{limit} times")
            }
        };
        match self {
            LimitBreach::CampaignTotal(limit) => {
                format!("This offer has reached its limit of {limit} redemptions.")
            }
            LimitBreach::CampaignPerDay(limit) => {
                format!("This offer has reached its daily limit of {limit} redemptions.")
            }
            LimitBreach::CustomerPerDay(limit) => {
                format!(
                    "This offer can be used {} a day per customer.",
                    times(limit)
                )
            }
            LimitBreach::PerCustomer(limit) => {
                format!("This offer can be used {} per customer.", times(limit))
            }
            LimitBreach::CustomerPerWeek(limit) => {
                format!(
                    "This offer can be used {} a week per customer.",
                    times(limit)
                )
            }
            LimitBreach::CustomerPerMonth(limit) => {
                format!(
                    "This offer can be used {} a month per customer.",
                    times(limit)
                )
            }
            LimitBreach::CustomerRequired => {
                "This offer has a per-customer limit: a customer id is required.".to_owned()
            }
            LimitBreach::BudgetOrderValue(_) | LimitBreach::BudgetDiscount(_) => {
                "This offer's budget is used up.".to_owned()
            }
        }
    }
}

impl CompiledLimits {
    pub fn compile(limits: Option<&Limits>) -> Result<CompiledLimits, CompileError> {
        let Some(limits) = limits else {
            return Ok(CompiledLimits::default());
        };
        let checked = |field: &str, value: Option<i64>| match value {
            Some(negative) if negative < 0 => Err(CompileError::new(
                format!("limits.{field}"),
                format!("a limit must be >= 0; got {negative}"),
            )),
            other => Ok(other),
        };
        Ok(CompiledLimits {
            total_redemptions: checked("total_redemptions", limits.total_redemptions)?,
            per_customer: checked("per_customer", limits.per_customer)?,
            per_customer_per_day: checked("per_customer_per_day", limits.per_customer_per_day)?,
            per_customer_per_week: checked("per_customer_per_week", limits.per_customer_per_week)?,
            per_customer_per_month: checked(
                "per_customer_per_month",
                limits.per_customer_per_month,
            )?,
            per_day: checked("per_day", limits.per_day)?,
            budget_discount: checked("budget_discount", limits.budget_discount)?,
            budget_order_value: checked("budget_order_value", limits.budget_order_value)?,
        })
    }

    fn has_customer_limit(&self) -> bool {
        self.per_customer.is_some()
            || self.per_customer_per_day.is_some()
            || self.per_customer_per_week.is_some()
            || self.per_customer_per_month.is_some()
    }

    /// Redemption counts and the order-value budget, before the rule and the effect: one more
    /// redemption of an order of `order_amount` must stay within every limit.
    pub fn check_redemption(
        &self,
        counters: &Counters,
        has_customer: bool,
        order_amount: i64,
    ) -> Option<LimitBreach> {
        let reached = |limit: Option<i64>, count: i64| limit.filter(|&limit| count >= limit);
        if let Some(limit) = reached(self.total_redemptions, counters.campaign_redemptions) {
            return Some(LimitBreach::CampaignTotal(limit));
        }
        if let Some(limit) = reached(self.per_day, counters.campaign_day) {
            return Some(LimitBreach::CampaignPerDay(limit));
        }
        if self.has_customer_limit() && !has_customer {
            return Some(LimitBreach::CustomerRequired);
        }
        if let Some(limit) = reached(self.per_customer_per_day, counters.customer_day) {
            return Some(LimitBreach::CustomerPerDay(limit));
        }
        if let Some(limit) = reached(self.per_customer, counters.customer_redemptions) {
            return Some(LimitBreach::PerCustomer(limit));
        }
        if let Some(limit) = reached(self.per_customer_per_week, counters.customer_week) {
            return Some(LimitBreach::CustomerPerWeek(limit));
        }
        if let Some(limit) = reached(self.per_customer_per_month, counters.customer_month) {
            return Some(LimitBreach::CustomerPerMonth(limit));
        }
        if let Some(budget) = self.budget_order_value {
            if exceeds(counters.order_value, order_amount, budget) {
                return Some(LimitBreach::BudgetOrderValue(budget));
            }
        }
        None
    }

    /// The discount budget, once the discount is known.
    pub fn check_discount(&self, counters: &Counters, discount: i64) -> Option<LimitBreach> {
        self.budget_discount
            .filter(|&budget| exceeds(counters.discount_given, discount, budget))
            .map(LimitBreach::BudgetDiscount)
    }
}

/// What the redeemables already applied in this request add to one campaign's counters, so a
/// later redeemable of the same campaign (another code of it) is checked against the counters
/// the whole request would leave behind, not the ones read before it. Without this, two codes
/// of a campaign with one slot left would both pass, and Redeem would oversell.
#[derive(Debug, Default, Clone)]
pub struct RequestUsage {
    /// A request applies a few campaigns (at most MAX_REDEEMABLES plus its joined promotions'
    /// stacking maximum): a list scanned by id is cheaper than hashing every id looked up.
    by_campaign: Vec<(String, Counters)>,
}

impl RequestUsage {
    /// `counters` plus this request's own usage of the campaign.
    pub fn counters_with_usage(&self, campaign_id: &str, counters: &Counters) -> Counters {
        // Most requests apply nothing before a redeemable: skip the hashing.
        if self.by_campaign.is_empty() {
            return *counters;
        }
        let Some((_, used)) = self.by_campaign.iter().find(|(id, _)| id == campaign_id) else {
            return *counters;
        };
        Counters {
            code_redeemed: counters.code_redeemed,
            campaign_redemptions: counters.campaign_redemptions + used.campaign_redemptions,
            customer_redemptions: counters.customer_redemptions + used.customer_redemptions,
            customer_day: counters.customer_day + used.customer_day,
            customer_week: counters.customer_week + used.customer_week,
            customer_month: counters.customer_month + used.customer_month,
            campaign_day: counters.campaign_day + used.campaign_day,
            discount_given: counters.discount_given.saturating_add(used.discount_given),
            order_value: counters.order_value.saturating_add(used.order_value),
        }
    }

    /// Records one applied redeemable of the campaign, as the store counts it at Redeem.
    pub fn record(&mut self, campaign_id: &str, has_customer: bool, discount: i64, order: i64) {
        let position = match self
            .by_campaign
            .iter()
            .position(|(id, _)| id == campaign_id)
        {
            Some(position) => position,
            None => {
                self.by_campaign
                    .push((campaign_id.to_owned(), Counters::default()));
                self.by_campaign.len() - 1
            }
        };
        let used = &mut self.by_campaign[position].1;
        let customer = i64::from(has_customer);
        used.campaign_redemptions += 1;
        used.campaign_day += 1;
        used.customer_redemptions += customer;
        used.customer_day += customer;
        used.customer_week += customer;
        used.customer_month += customer;
        used.discount_given = used.discount_given.saturating_add(discount);
        used.order_value = used.order_value.saturating_add(order);
    }
}

/// `used + adding > budget`, without overflow.
fn exceeds(used: i64, adding: i64, budget: i64) -> bool {
    i128::from(used) + i128::from(adding) > i128::from(budget)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(configure: impl FnOnce(&mut Limits)) -> CompiledLimits {
        let mut limits = Limits::default();
        configure(&mut limits);
        CompiledLimits::compile(Some(&limits)).expect("valid limits")
    }

    #[test]
    fn request_usage_adds_to_the_campaign_it_was_recorded_for() {
        let mut usage = RequestUsage::default();
        usage.record("a", true, 300, 5_000);
        let read = Counters {
            campaign_redemptions: 4,
            code_redeemed: 1,
            discount_given: 100,
            ..Default::default()
        };
        let seen = usage.counters_with_usage("a", &read);
        assert_eq!(seen.campaign_redemptions, 5);
        assert_eq!(seen.customer_redemptions, 1);
        assert_eq!(seen.code_redeemed, 1);
        assert_eq!((seen.discount_given, seen.order_value), (400, 5_000));
        assert_eq!(usage.counters_with_usage("b", &read), read);
        let limit = limits(|l| l.total_redemptions = Some(5));
        assert_eq!(limit.check_redemption(&read, true, 0), None);
        assert_eq!(
            limit.check_redemption(&seen, true, 0),
            Some(LimitBreach::CampaignTotal(5))
        );
    }

    #[test]
    fn negative_limits_do_not_compile() {
        let error = CompiledLimits::compile(Some(&Limits {
            per_customer_per_week: Some(-1),
            ..Default::default()
        }))
        .expect_err("negative");
        assert_eq!(error.path, "limits.per_customer_per_week");
    }

    #[test]
    fn counts_reach_their_limit() {
        let total = limits(|l| l.total_redemptions = Some(10));
        let mut counters = Counters {
            campaign_redemptions: 9,
            ..Default::default()
        };
        assert_eq!(total.check_redemption(&counters, false, 0), None);
        counters.campaign_redemptions = 10;
        assert_eq!(
            total.check_redemption(&counters, false, 0),
            Some(LimitBreach::CampaignTotal(10))
        );
        let zero = limits(|l| l.per_day = Some(0));
        assert_eq!(
            zero.check_redemption(&Counters::default(), false, 0)
                .map(LimitBreach::reason),
            Some(Reason::DailyLimitExceeded)
        );
    }

    #[test]
    fn customer_limits_need_a_customer() {
        let per_customer = limits(|l| l.per_customer = Some(1));
        assert_eq!(
            per_customer.check_redemption(&Counters::default(), false, 0),
            Some(LimitBreach::CustomerRequired)
        );
        assert_eq!(
            per_customer.check_redemption(&Counters::default(), true, 0),
            None
        );
        let counters = Counters {
            customer_redemptions: 1,
            ..Default::default()
        };
        assert_eq!(
            per_customer.check_redemption(&counters, true, 0),
            Some(LimitBreach::PerCustomer(1))
        );
    }

    #[test]
    fn budgets() {
        let budget = limits(|l| {
            l.budget_order_value = Some(10_000);
            l.budget_discount = Some(1_000);
        });
        let counters = Counters {
            order_value: 9_000,
            discount_given: 900,
            ..Default::default()
        };
        assert_eq!(budget.check_redemption(&counters, false, 1_000), None);
        assert_eq!(
            budget.check_redemption(&counters, false, 1_001),
            Some(LimitBreach::BudgetOrderValue(10_000))
        );
        assert_eq!(budget.check_discount(&counters, 100), None);
        assert_eq!(
            budget.check_discount(&counters, 101),
            Some(LimitBreach::BudgetDiscount(1_000))
        );
        let extreme = Counters {
            discount_given: i64::MAX,
            ..Default::default()
        };
        assert!(budget.check_discount(&extreme, i64::MAX).is_some());
    }
}

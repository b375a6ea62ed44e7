//! Order-level effects: amount off, percent off (with a cap) and tiered spend, computed on the
//! running items amount and spread over every line by largest remainder.

use super::{cap, percent_bp, positive_amount, EffectInput};
use crate::cart::{Discount, RunningCart};
use crate::error::CompileError;
use crate::money::{format_amount, format_percent, percent_of};
use crate::pb::v1::spend_tier;
use crate::pb::v1::TieredSpend as TieredSpendPb;
use crate::pb::v1::{AmountOffOrder as AmountOffOrderPb, PercentOffOrder as PercentOffOrderPb};

/// A discount of `total` (at most the running amount) over every line of the cart.
fn over_all_lines(cart: &RunningCart, total: i64, input: &EffectInput<'_, '_>) -> Discount {
    input.spread(total.clamp(0, cart.amount()), cart.line_amounts())
}

/// `percent_bp` of `base`, rounded half up, at most `cap` and `base`.
fn capped_percent(base: i64, percent_bp: u32, cap: Option<i64>) -> i64 {
    let percent = percent_of(base, percent_bp).unwrap_or(base);
    cap.map_or(percent, |cap| percent.min(cap)).min(base)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmountOffOrder {
    amount: i64,
}

impl AmountOffOrder {
    pub fn compile(effect: &AmountOffOrderPb) -> Result<AmountOffOrder, CompileError> {
        Ok(AmountOffOrder {
            amount: positive_amount(effect.amount, "effect.amount_off_order.amount", "amount")?,
        })
    }

    pub fn describe(&self, currency: &str) -> String {
        format!("{} off", format_amount(self.amount, currency))
    }

    pub fn amount(&self) -> i64 {
        self.amount
    }

    pub fn apply(&self, cart: &RunningCart, input: &EffectInput<'_, '_>) -> Discount {
        over_all_lines(cart, self.amount, input)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PercentOffOrder {
    percent_bp: u32,
    cap: Option<i64>,
}

impl PercentOffOrder {
    pub fn compile(effect: &PercentOffOrderPb) -> Result<PercentOffOrder, CompileError> {
        Ok(PercentOffOrder {
            percent_bp: percent_bp(effect.percent_bp, "effect.percent_off_order.percent_bp")?,
            cap: cap(effect.cap, "effect.percent_off_order.cap")?,
        })
    }

    pub fn describe(&self, currency: &str) -> String {
        describe_percent(self.percent_bp, self.cap, currency, "")
    }

    pub fn percent_bp(&self) -> u32 {
        self.percent_bp
    }

    pub fn apply(&self, cart: &RunningCart, input: &EffectInput<'_, '_>) -> Discount {
        // On the initial amount the percent may exceed what is left: over_all_lines caps it.
        let base = input
            .initial_lines
            .map_or(cart.amount(), |lines| lines.iter().sum());
        over_all_lines(cart, capped_percent(base, self.percent_bp, self.cap), input)
    }
}

/// "10% off", "10% off items where ... (at most 5.00 EUR)".
pub(super) fn describe_percent(
    percent_bp: u32,
    cap: Option<i64>,
    currency: &str,
    what: &str,
) -> String {
    let base = format!("{} off{what}", format_percent(percent_bp));
    match cap {
        Some(cap) => format!("{base} (at most {})", format_amount(cap, currency)),
        None => base,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TierDiscount {
    Amount(i64),
    Percent(u32),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Tier {
    threshold: i64,
    discount: TierDiscount,
}

impl Tier {
    fn discount_on(&self, base: i64) -> i64 {
        match self.discount {
            TierDiscount::Amount(amount) => amount.min(base),
            TierDiscount::Percent(bp) => capped_percent(base, bp, None),
        }
    }

    fn describe(&self, currency: &str) -> String {
        match self.discount {
            TierDiscount::Amount(amount) => format!("{} off", format_amount(amount, currency)),
            TierDiscount::Percent(bp) => format!("{} off", format_percent(bp)),
        }
    }
}

/// Spend thresholds; the reached tier giving the largest discount applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TieredSpend {
    /// Ordered by threshold.
    tiers: Vec<Tier>,
    cap: Option<i64>,
}

impl TieredSpend {
    pub fn compile(effect: &TieredSpendPb) -> Result<TieredSpend, CompileError> {
        if effect.tiers.is_empty() {
            return Err(CompileError::new(
                "effect.tiered_spend.tiers",
                "a tiered spend needs at least one tier",
            ));
        }
        let mut tiers = Vec::with_capacity(effect.tiers.len());
        for (index, tier) in effect.tiers.iter().enumerate() {
            let path = format!("effect.tiered_spend.tiers[{index}]");
            if tier.threshold < 0 {
                return Err(CompileError::new(
                    format!("{path}.threshold"),
                    format!("a threshold must be >= 0; got {}", tier.threshold),
                ));
            }
            if tiers
                .iter()
                .any(|known: &Tier| known.threshold == tier.threshold)
            {
                return Err(CompileError::new(
                    format!("{path}.threshold"),
                    format!("the threshold {} is used by another tier", tier.threshold),
                ));
            }
            let discount = match tier.discount {
                Some(spend_tier::Discount::Amount(amount)) => TierDiscount::Amount(
                    positive_amount(amount, &format!("{path}.amount"), "amount")?,
                ),
                Some(spend_tier::Discount::PercentBp(bp)) => {
                    TierDiscount::Percent(percent_bp(bp, &format!("{path}.percent_bp"))?)
                }
                None => {
                    return Err(CompileError::new(
                        path,
                        "a tier needs an amount or a percent_bp",
                    ))
                }
            };
            tiers.push(Tier {
                threshold: tier.threshold,
                discount,
            });
        }
        tiers.sort_by_key(|tier| tier.threshold);
        Ok(TieredSpend {
            tiers,
            cap: cap(effect.cap, "effect.tiered_spend.cap")?,
        })
    }

    pub fn describe(&self, currency: &str) -> String {
        let tiers: Vec<String> = self
            .tiers
            .iter()
            .map(|tier| {
                format!(
                    "{} from {}",
                    tier.describe(currency),
                    format_amount(tier.threshold, currency)
                )
            })
            .collect();
        tiers.join(", ")
    }

    /// The largest discount any tier could give on `base` (thresholds ignored), capped.
    pub fn best_bound(&self, base: i64) -> i64 {
        let best = self
            .tiers
            .iter()
            .map(|tier| tier.discount_on(base))
            .max()
            .unwrap_or(0);
        self.cap.map_or(best, |cap| best.min(cap))
    }

    pub fn apply(
        &self,
        cart: &RunningCart,
        input: &EffectInput<'_, '_>,
    ) -> Result<Discount, String> {
        let currency = input.currency;
        let base = cart.amount();
        let best = self
            .tiers
            .iter()
            .filter(|tier| tier.threshold <= base)
            .map(|tier| tier.discount_on(base))
            .max();
        let Some(best) = best else {
            let first = &self.tiers[0];
            return Err(format!(
                "Spend at least {} to get {}.",
                format_amount(first.threshold, currency),
                first.describe(currency)
            ));
        };
        let total = self.cap.map_or(best, |cap| best.min(cap));
        Ok(over_all_lines(cart, total, input))
    }
}

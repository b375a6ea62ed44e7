//! What a campaign gives: compiled effects and their application to the running cart.
//!
//! Every effect works on the running cart (line amounts after the earlier discounts of the
//! request) in integer minor units; per-line discounts never exceed a line's running amount, and
//! order-level discounts are spread over the lines by largest-remainder allocation.

mod filter;
mod formula;
mod items;
mod order;
mod shipping;
mod units;

use crate::cart::{Discount, RunningCart};
use crate::error::CompileError;
use crate::pb::v1::effect::Kind;
use crate::pb::v1::Effect;
use crate::rules::OrderFacts;

pub use filter::LineFilter;

const EFFECT_ROOT: &str = "effect";

/// A compiled effect; amounts in minor units of the campaign currency.
#[derive(Debug, Clone)]
pub enum CompiledEffect {
    AmountOffOrder(order::AmountOffOrder),
    PercentOffOrder(order::PercentOffOrder),
    TieredSpend(order::TieredSpend),
    AmountOffItems(items::AmountOffItems),
    PercentOffItems(items::PercentOffItems),
    FixedPrice(items::FixedPrice),
    FreeUnits(units::FreeUnits),
    BuyXGetY(units::BuyXGetY),
    Shipping(shipping::ShippingOff),
    Formula(formula::FormulaOff),
}

/// What an effect needs besides the running cart.
pub struct EffectInput<'f, 'a> {
    /// The request and the running cart, as rules see them.
    pub facts: &'f OrderFacts<'a>,
    pub currency: &'f str,
    /// Only the total matters (ranking): order-level amounts are not spread over the lines.
    pub totals_only: bool,
    /// The request's initial line amounts when percent discounts are computed on them
    /// (calculation base INITIAL_AMOUNT); None = on the running amounts.
    pub initial_lines: Option<&'f [i64]>,
}

impl EffectInput<'_, '_> {
    /// `total` (at most the sum of the weights) spread over the lines by largest remainder.
    fn spread(&self, total: i64, weights: &[i64]) -> Discount {
        if self.totals_only {
            return Discount {
                unallocated: total.clamp(0, weights.iter().sum()),
                ..Discount::default()
            };
        }
        Discount::on_lines(allocate(total, weights))
    }
}

impl CompiledEffect {
    /// Compiles `effect`; errors name paths under `effect`.
    pub fn compile(effect: &Effect) -> Result<CompiledEffect, CompileError> {
        let Some(kind) = &effect.kind else {
            return Err(CompileError::new(
                EFFECT_ROOT,
                "an effect needs exactly one kind, e.g. amount_off_order or percent_off_order",
            ));
        };
        Ok(match kind {
            Kind::AmountOffOrder(e) => {
                CompiledEffect::AmountOffOrder(order::AmountOffOrder::compile(e)?)
            }
            Kind::PercentOffOrder(e) => {
                CompiledEffect::PercentOffOrder(order::PercentOffOrder::compile(e)?)
            }
            Kind::TieredSpend(e) => CompiledEffect::TieredSpend(order::TieredSpend::compile(e)?),
            Kind::AmountOffItems(e) => {
                CompiledEffect::AmountOffItems(items::AmountOffItems::compile(e)?)
            }
            Kind::PercentOffItems(e) => {
                CompiledEffect::PercentOffItems(items::PercentOffItems::compile(e)?)
            }
            Kind::FixedPrice(e) => CompiledEffect::FixedPrice(items::FixedPrice::compile(e)?),
            Kind::FreeUnits(e) => CompiledEffect::FreeUnits(units::FreeUnits::compile(e)?),
            Kind::BuyXGetY(e) => CompiledEffect::BuyXGetY(units::BuyXGetY::compile(e)?),
            Kind::Shipping(e) => CompiledEffect::Shipping(shipping::ShippingOff::compile(e)?),
            Kind::Formula(e) => CompiledEffect::Formula(formula::FormulaOff::compile(e)?),
        })
    }

    /// What the effect gives, for messages: "5.00 EUR off", "10% off (at most 20.00 EUR)".
    pub fn describe(&self, currency: &str) -> String {
        match self {
            CompiledEffect::AmountOffOrder(e) => e.describe(currency),
            CompiledEffect::PercentOffOrder(e) => e.describe(currency),
            CompiledEffect::TieredSpend(e) => e.describe(currency),
            CompiledEffect::AmountOffItems(e) => e.describe(currency),
            CompiledEffect::PercentOffItems(e) => e.describe(currency),
            CompiledEffect::FixedPrice(e) => e.describe(currency),
            CompiledEffect::FreeUnits(e) => e.describe(),
            CompiledEffect::BuyXGetY(e) => e.describe(),
            CompiledEffect::Shipping(e) => e.describe(currency),
            CompiledEffect::Formula(_) => "a formula discount".to_owned(),
        }
    }

    /// Whether the effect discounts chosen lines (the SINGLE product stack policy applies to it)
    /// rather than the whole order or shipping.
    pub fn is_item_level(&self) -> bool {
        !matches!(
            self,
            CompiledEffect::AmountOffOrder(_)
                | CompiledEffect::PercentOffOrder(_)
                | CompiledEffect::TieredSpend(_)
                | CompiledEffect::Shipping(_)
        )
    }

    /// An upper bound of the discount (items plus shipping) on a fresh cart of `items_amount`
    /// and `shipping` (no earlier discount): Qualify ranks by it to stop early.
    pub fn upper_bound(&self, items_amount: i64, shipping: i64) -> i64 {
        let percent = |bp: u32| crate::money::percent_of(items_amount, bp).unwrap_or(items_amount);
        let bound = match self {
            CompiledEffect::AmountOffOrder(e) => e.amount().min(items_amount),
            CompiledEffect::PercentOffOrder(e) => percent(e.percent_bp()),
            CompiledEffect::PercentOffItems(e) => percent(e.percent_bp()),
            CompiledEffect::TieredSpend(e) => e.best_bound(items_amount),
            CompiledEffect::AmountOffItems(_)
            | CompiledEffect::FixedPrice(_)
            | CompiledEffect::BuyXGetY(_)
            | CompiledEffect::Formula(_) => items_amount,
            CompiledEffect::FreeUnits(e) => items_amount.saturating_add(e.added_value()),
            CompiledEffect::Shipping(_) => shipping,
        };
        bound.max(0)
    }

    /// The discount on the running cart. Err carries the message of a discount that cannot be
    /// computed or reached (no_effect), e.g. a tiered spend below its first tier.
    pub fn apply(
        &self,
        cart: &RunningCart,
        input: &EffectInput<'_, '_>,
    ) -> Result<Discount, String> {
        match self {
            CompiledEffect::AmountOffOrder(e) => Ok(e.apply(cart, input)),
            CompiledEffect::PercentOffOrder(e) => Ok(e.apply(cart, input)),
            CompiledEffect::TieredSpend(e) => e.apply(cart, input),
            CompiledEffect::AmountOffItems(e) => Ok(e.apply(cart, input)),
            CompiledEffect::PercentOffItems(e) => Ok(e.apply(cart, input)),
            CompiledEffect::FixedPrice(e) => Ok(e.apply(cart, input.facts)),
            CompiledEffect::FreeUnits(e) => Ok(e.apply(cart, input.facts)),
            CompiledEffect::BuyXGetY(e) => Ok(e.apply(cart, input.facts)),
            CompiledEffect::Shipping(e) => Ok(e.apply(cart)),
            CompiledEffect::Formula(e) => e.apply(cart, input),
        }
    }
}

/// Validates basis points 1..10000.
fn percent_bp(value: i32, path: &str) -> Result<u32, CompileError> {
    u32::try_from(value)
        .ok()
        .filter(|bp| (1..=crate::money::FULL_PERCENT_BP).contains(bp))
        .ok_or_else(|| {
            CompileError::new(
                path,
                format!("percent_bp is in basis points, 1..10000 (10000 = 100%); got {value}"),
            )
        })
}

/// Validates a positive amount of minor units.
fn positive_amount(value: i64, path: &str, what: &str) -> Result<i64, CompileError> {
    if value <= 0 {
        return Err(CompileError::new(
            path,
            format!("the {what} must be > 0 minor units; got {value}"),
        ));
    }
    Ok(value)
}

/// Validates an optional cap.
fn cap(value: Option<i64>, path: &str) -> Result<Option<i64>, CompileError> {
    if let Some(cap) = value.filter(|&cap| cap <= 0) {
        return Err(CompileError::new(
            path,
            format!("the cap must be > 0 minor units when set; got {cap}"),
        ));
    }
    Ok(value)
}

/// Spreads `total` (at most the sum of the weights) over lines by largest remainder; an
/// all-zero fallback keeps evaluation panic-free.
fn allocate(total: i64, weights: &[i64]) -> Vec<i64> {
    crate::allocation::allocate_largest_remainder(total, weights)
        .unwrap_or_else(|| vec![0; weights.len()])
}

#[cfg(test)]
mod tests;

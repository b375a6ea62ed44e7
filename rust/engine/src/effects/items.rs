//! Item effects: amount or percent off the lines a filter matches, and a fixed unit price for
//! them. A line's unit value is its running amount divided by its quantity (exact, as a
//! fraction); per-line discounts are rounded half up and never exceed the line.

use super::filter::LineFilter;
use super::order::describe_percent;
use super::{cap, percent_bp, positive_amount, EffectInput};
use crate::cart::{Discount, RunningCart};
use crate::error::CompileError;
use crate::money::{format_amount, percent_of, round_half_up};
use crate::pb::v1::{
    AmountOffItems as AmountOffItemsPb, FixedPrice as FixedPricePb,
    PercentOffItems as PercentOffItemsPb,
};
use crate::rules::OrderFacts;

/// The running amounts of the matching lines, 0 elsewhere.
fn matching_weights(cart: &RunningCart, matching: &[usize]) -> Vec<i64> {
    let mut weights = vec![0; cart.line_amounts().len()];
    for &index in matching {
        weights[index] = cart.line_amounts()[index];
    }
    weights
}

#[derive(Debug, Clone)]
pub struct AmountOffItems {
    filter: LineFilter,
    amount: i64,
    per_unit: bool,
}

impl AmountOffItems {
    pub fn compile(effect: &AmountOffItemsPb) -> Result<AmountOffItems, CompileError> {
        Ok(AmountOffItems {
            filter: LineFilter::compile(effect.filter.as_ref(), "effect.amount_off_items.filter")?,
            amount: positive_amount(effect.amount, "effect.amount_off_items.amount", "amount")?,
            per_unit: effect.per_unit,
        })
    }

    pub fn describe(&self, currency: &str) -> String {
        let each = if self.per_unit { " each of the" } else { "" };
        format!(
            "{} off{each} {}",
            format_amount(self.amount, currency),
            self.filter.describe()
        )
    }

    pub fn apply(&self, cart: &RunningCart, input: &EffectInput<'_, '_>) -> Discount {
        let facts = input.facts;
        let matching = self.filter.matching(facts);
        if self.per_unit {
            let mut lines = vec![0; cart.line_amounts().len()];
            for &index in &matching {
                let quantity = facts.order.items[index].quantity;
                lines[index] = self
                    .amount
                    .saturating_mul(quantity)
                    .min(cart.line_amounts()[index]);
            }
            return Discount::on_lines(lines);
        }
        let weights = matching_weights(cart, &matching);
        let base = weights.iter().sum::<i64>();
        input.spread(self.amount.min(base), &weights)
    }
}

#[derive(Debug, Clone)]
pub struct PercentOffItems {
    filter: LineFilter,
    percent_bp: u32,
    cap: Option<i64>,
}

impl PercentOffItems {
    pub fn compile(effect: &PercentOffItemsPb) -> Result<PercentOffItems, CompileError> {
        Ok(PercentOffItems {
            filter: LineFilter::compile(effect.filter.as_ref(), "effect.percent_off_items.filter")?,
            percent_bp: percent_bp(effect.percent_bp, "effect.percent_off_items.percent_bp")?,
            cap: cap(effect.cap, "effect.percent_off_items.cap")?,
        })
    }

    pub fn percent_bp(&self) -> u32 {
        self.percent_bp
    }

    pub fn describe(&self, currency: &str) -> String {
        describe_percent(
            self.percent_bp,
            self.cap,
            currency,
            &format!(" {}", self.filter.describe()),
        )
    }

    pub fn apply(&self, cart: &RunningCart, input: &EffectInput<'_, '_>) -> Discount {
        let matching = self.filter.matching(input.facts);
        let weights = matching_weights(cart, &matching);
        let left = weights.iter().sum::<i64>();
        let base = input.initial_lines.map_or(left, |lines| {
            matching.iter().map(|&index| lines[index]).sum::<i64>()
        });
        let percent = percent_of(base, self.percent_bp).unwrap_or(base);
        let total = self.cap.map_or(percent, |cap| percent.min(cap)).min(left);
        input.spread(total, &weights)
    }
}

#[derive(Debug, Clone)]
pub struct FixedPrice {
    filter: LineFilter,
    unit_price: i64,
    max_units: Option<i64>,
}

impl FixedPrice {
    pub fn compile(effect: &FixedPricePb) -> Result<FixedPrice, CompileError> {
        if effect.unit_price < 0 {
            return Err(CompileError::new(
                "effect.fixed_price.unit_price",
                format!("the unit price must be >= 0; got {}", effect.unit_price),
            ));
        }
        if let Some(units) = effect.max_units.filter(|&units| units < 1) {
            return Err(CompileError::new(
                "effect.fixed_price.max_units",
                format!("max_units must be >= 1 when set; got {units}"),
            ));
        }
        Ok(FixedPrice {
            filter: LineFilter::compile(effect.filter.as_ref(), "effect.fixed_price.filter")?,
            unit_price: effect.unit_price,
            max_units: effect.max_units,
        })
    }

    pub fn describe(&self, currency: &str) -> String {
        let limit = self
            .max_units
            .map(|units| format!(" (up to {units})"))
            .unwrap_or_default();
        format!(
            "{} at {} each{limit}",
            self.filter.describe(),
            format_amount(self.unit_price, currency)
        )
    }

    /// The most valuable units first (largest saving), ties by line order; a unit is priced at
    /// its running value, and only units worth more than the fixed price are discounted.
    pub fn apply(&self, cart: &RunningCart, facts: &OrderFacts<'_>) -> Discount {
        let amounts = cart.line_amounts();
        let mut lines: Vec<usize> = self
            .filter
            .matching(facts)
            .into_iter()
            .filter(|&index| {
                i128::from(amounts[index])
                    > i128::from(facts.order.items[index].quantity) * i128::from(self.unit_price)
            })
            .collect();
        let quantity = |index: usize| i128::from(facts.order.items[index].quantity);
        // Descending unit value r_i / q_i, compared exactly by cross-multiplication.
        lines.sort_by(|&a, &b| {
            (i128::from(amounts[b]) * quantity(a))
                .cmp(&(i128::from(amounts[a]) * quantity(b)))
                .then(a.cmp(&b))
        });
        let mut left = self.max_units.map_or(i128::MAX, i128::from);
        let mut discounts = vec![0; amounts.len()];
        for index in lines {
            if left == 0 {
                break;
            }
            let units = quantity(index).min(left);
            left -= units;
            let excess = i128::from(amounts[index]) - quantity(index) * i128::from(self.unit_price);
            let discount = round_half_up(units * excess, quantity(index));
            discounts[index] = i64::try_from(discount).unwrap_or(0).min(amounts[index]);
        }
        Discount::on_lines(discounts)
    }
}

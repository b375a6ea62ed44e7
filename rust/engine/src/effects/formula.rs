//! The formula effect: the expression's value (money, major units) rounded half up to a minor
//! unit. Without `item.*` subjects it is one amount, at most the running amount of the matching
//! lines, spread over them by largest remainder; with `item.*` subjects it is evaluated per
//! matching line, each result between 0 and the line's running amount.

use super::filter::LineFilter;
use super::EffectInput;
use crate::cart::{Discount, RunningCart};
use crate::error::CompileError;
use crate::formula::{Formula, FormulaInput};
use crate::money::currency_exponent;
use crate::pb::v1::FormulaDiscount;

#[derive(Debug, Clone)]
pub struct FormulaOff {
    formula: Formula,
    filter: LineFilter,
}

impl FormulaOff {
    pub fn compile(effect: &FormulaDiscount) -> Result<FormulaOff, CompileError> {
        Ok(FormulaOff {
            formula: Formula::compile(&effect.expression, "effect.formula.expression")?,
            filter: LineFilter::compile(effect.filter.as_ref(), "effect.formula.filter")?,
        })
    }

    pub fn apply(
        &self,
        cart: &RunningCart,
        input: &EffectInput<'_, '_>,
    ) -> Result<Discount, String> {
        let facts = input.facts;
        let exponent = currency_exponent(input.currency);
        let matching = self.filter.matching(facts);
        let amounts = cart.line_amounts();
        let to_minor = |value: crate::formula::Ratio, limit: i64| {
            i64::try_from(value.to_minor(exponent).clamp(0, i128::from(limit))).unwrap_or(0)
        };
        if self.formula.is_per_item() {
            let mut discounts = vec![0; amounts.len()];
            for &index in &matching {
                let formula_input = FormulaInput {
                    facts,
                    matching: &matching,
                    line: facts.item_facts(index),
                    exponent,
                };
                let value = self
                    .formula
                    .evaluate(&formula_input)
                    .map_err(|error| error.message())?;
                discounts[index] = to_minor(value, amounts[index]);
            }
            return Ok(Discount::on_lines(discounts));
        }
        let formula_input = FormulaInput {
            facts,
            matching: &matching,
            line: None,
            exponent,
        };
        let value = self
            .formula
            .evaluate(&formula_input)
            .map_err(|error| error.message())?;
        let mut weights = vec![0; amounts.len()];
        for &index in &matching {
            weights[index] = amounts[index];
        }
        let base = weights.iter().sum::<i64>();
        Ok(input.spread(to_minor(value, base), &weights))
    }
}

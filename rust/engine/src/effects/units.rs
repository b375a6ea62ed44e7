//! Unit effects: free units of a SKU (adding the line when the cart lacks it) and buy X get Y
//! with cheapest-first selection. A unit's value is its line's running amount divided by the
//! line's quantity; the discount on k units of a line is rounded half up.

use super::filter::LineFilter;
use super::percent_bp;
use crate::cart::{Discount, RunningCart};
use crate::error::CompileError;
use crate::money::{format_percent, round_half_up, FULL_PERCENT_BP};
use crate::pb::v1::{BuyXGetY as BuyXGetYPb, FreeUnits as FreeUnitsPb, Item};
use crate::rules::OrderFacts;

/// `units` of a line at `percent_bp` off: units * running / quantity * percent, half up.
fn units_discount(units: i64, running: i64, quantity: i64, percent_bp: u32) -> i64 {
    if units <= 0 || quantity <= 0 {
        return 0;
    }
    let discount = round_half_up(
        i128::from(units) * i128::from(running) * i128::from(percent_bp),
        i128::from(quantity) * i128::from(FULL_PERCENT_BP),
    );
    i64::try_from(discount).unwrap_or(0).clamp(0, running)
}

#[derive(Debug, Clone)]
pub struct FreeUnits {
    sku: String,
    quantity: i64,
    add_missing_item: bool,
    unit_price: i64,
    product_id: String,
}

impl FreeUnits {
    pub fn compile(effect: &FreeUnitsPb) -> Result<FreeUnits, CompileError> {
        if effect.sku.is_empty() {
            return Err(CompileError::new(
                "effect.free_units.sku",
                "a sku is required",
            ));
        }
        if effect.quantity < 1 {
            return Err(CompileError::new(
                "effect.free_units.quantity",
                format!("the quantity must be >= 1; got {}", effect.quantity),
            ));
        }
        if effect.unit_price < 0 || (effect.add_missing_item && effect.unit_price == 0) {
            return Err(CompileError::new(
                "effect.free_units.unit_price",
                format!(
                    "the catalogue unit price must be > 0 to add the missing item; got {}",
                    effect.unit_price
                ),
            ));
        }
        Ok(FreeUnits {
            sku: effect.sku.clone(),
            quantity: effect.quantity,
            add_missing_item: effect.add_missing_item,
            unit_price: effect.unit_price,
            product_id: effect.product_id.clone(),
        })
    }

    pub fn describe(&self) -> String {
        format!("{} free {}", self.quantity, self.sku)
    }

    /// The most an added line can be worth.
    pub fn added_value(&self) -> i64 {
        if self.add_missing_item {
            self.unit_price.saturating_mul(self.quantity)
        } else {
            0
        }
    }

    /// The request's units of the SKU first, in line order; the missing units are added as a
    /// new free line when the effect allows it.
    pub fn apply(&self, cart: &RunningCart, facts: &OrderFacts<'_>) -> Discount {
        let amounts = cart.line_amounts();
        let mut discounts = vec![0; amounts.len()];
        let mut left = self.quantity;
        for (index, item) in facts.order.items.iter().enumerate() {
            if left == 0 {
                break;
            }
            if item.sku != self.sku {
                continue;
            }
            let units = item.quantity.min(left);
            left -= units;
            discounts[index] =
                units_discount(units, amounts[index], item.quantity, FULL_PERCENT_BP);
        }
        let added = (self.add_missing_item && left > 0).then(|| {
            let item = Item {
                sku: self.sku.clone(),
                product_id: self.product_id.clone(),
                unit_price: self.unit_price,
                quantity: left,
                ..Default::default()
            };
            (item, self.unit_price.saturating_mul(left))
        });
        Discount {
            line_discounts: discounts,
            shipping: 0,
            added,
            unallocated: 0,
        }
    }
}

#[derive(Debug, Clone)]
pub struct BuyXGetY {
    buy_filter: LineFilter,
    buy_quantity: i64,
    get_filter: LineFilter,
    get_quantity: i64,
    percent_bp: u32,
    max_repeats: i64,
}

impl BuyXGetY {
    pub fn compile(effect: &BuyXGetYPb) -> Result<BuyXGetY, CompileError> {
        let at_least_one = |value: i64, field: &str| {
            if value < 1 {
                Err(CompileError::new(
                    format!("effect.buy_x_get_y.{field}"),
                    format!("{field} must be >= 1; got {value}"),
                ))
            } else {
                Ok(value)
            }
        };
        if effect.max_repeats < 0 {
            return Err(CompileError::new(
                "effect.buy_x_get_y.max_repeats",
                format!(
                    "max_repeats must be >= 0 (0 = no limit); got {}",
                    effect.max_repeats
                ),
            ));
        }
        Ok(BuyXGetY {
            buy_filter: LineFilter::compile(
                effect.buy_filter.as_ref(),
                "effect.buy_x_get_y.buy_filter",
            )?,
            buy_quantity: at_least_one(effect.buy_quantity, "buy_quantity")?,
            get_filter: LineFilter::compile(
                effect.get_filter.as_ref(),
                "effect.buy_x_get_y.get_filter",
            )?,
            get_quantity: at_least_one(effect.get_quantity, "get_quantity")?,
            percent_bp: percent_bp(effect.percent_bp, "effect.buy_x_get_y.percent_bp")?,
            max_repeats: effect.max_repeats,
        })
    }

    pub fn describe(&self) -> String {
        let reward = if self.percent_bp == FULL_PERCENT_BP {
            "free".to_owned()
        } else {
            format!("at {} off", format_percent(self.percent_bp))
        };
        format!(
            "buy {} get {} {reward}",
            self.buy_quantity, self.get_quantity
        )
    }

    /// Repetitions n: the largest n (at most max_repeats) such that the n * Y cheapest units of
    /// the get filter leave n * X other units of the buy filter. The discounted units are those
    /// n * Y cheapest units (by running unit value, ties by line order).
    pub fn apply(&self, cart: &RunningCart, facts: &OrderFacts<'_>) -> Discount {
        let amounts = cart.line_amounts();
        let items = &facts.order.items;
        let mut in_buy = vec![false; items.len()];
        for index in self.buy_filter.matching(facts) {
            in_buy[index] = true;
        }
        let buy_units: i64 = (0..items.len())
            .filter(|&i| in_buy[i])
            .map(|i| items[i].quantity)
            .sum();
        let mut get_lines = self.get_filter.matching(facts);
        let quantity = |index: usize| i128::from(items[index].quantity);
        get_lines.sort_by(|&a, &b| {
            (i128::from(amounts[a]) * quantity(b))
                .cmp(&(i128::from(amounts[b]) * quantity(a)))
                .then(a.cmp(&b))
        });
        let get_units: i64 = get_lines.iter().map(|&i| items[i].quantity).sum();

        // The cheapest `wanted` units of the get lines, per line.
        let take = |wanted: i64| -> Vec<(usize, i64)> {
            let mut left = wanted;
            let mut taken = Vec::new();
            for &index in &get_lines {
                if left == 0 {
                    break;
                }
                let units = items[index].quantity.min(left);
                left -= units;
                taken.push((index, units));
            }
            taken
        };
        let feasible = |repeats: i64| {
            let gets = take(repeats * self.get_quantity);
            let gets_in_buy: i64 = gets
                .iter()
                .filter(|(index, _)| in_buy[*index])
                .map(|(_, units)| units)
                .sum();
            buy_units - gets_in_buy >= repeats * self.buy_quantity
        };
        let mut upper = get_units / self.get_quantity;
        if self.max_repeats > 0 {
            upper = upper.min(self.max_repeats);
        }
        // Feasibility is monotone in the number of repetitions: binary search the largest.
        let (mut low, mut high) = (0i64, upper);
        while low < high {
            let middle = low + (high - low + 1) / 2;
            if feasible(middle) {
                low = middle;
            } else {
                high = middle - 1;
            }
        }
        let mut discounts = vec![0; amounts.len()];
        for (index, units) in take(low * self.get_quantity) {
            discounts[index] = units_discount(
                units,
                amounts[index],
                items[index].quantity,
                self.percent_bp,
            );
        }
        Discount::on_lines(discounts)
    }
}

//! What a campaign gives: compiled effects and their application to the running cart.
//!
//! This engine version computes order-level amount-off and percent-off discounts; the other
//! kinds of `Effect` compile to a "not supported yet" error until the engine implements them.

use crate::allocation::allocate_largest_remainder;
use crate::cart::RunningCart;
use crate::error::CompileError;
use crate::money::{format_amount, format_percent, percent_of, FULL_PERCENT_BP};
use crate::pb::v1::effect::Kind;
use crate::pb::v1::{AmountOffOrder, Effect, PercentOffOrder};

/// A compiled effect; amounts in minor units of the campaign currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompiledEffect {
    /// `amount` off the items, at most the running items amount.
    AmountOffOrder { amount: i64 },
    /// `percent_bp` of the running items amount, rounded half up, at most `cap`.
    PercentOffOrder { percent_bp: u32, cap: Option<i64> },
}

/// A discount on the items, allocated per line of the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemsDiscount {
    /// Sum of `line_discounts`.
    pub total: i64,
    /// One entry per line of the request, each between 0 and the line's running amount.
    pub line_discounts: Vec<i64>,
}

const EFFECT_ROOT: &str = "effect";

impl CompiledEffect {
    /// Compiles `effect`; errors name paths under `effect`.
    pub fn compile(effect: &Effect) -> Result<CompiledEffect, CompileError> {
        let Some(kind) = &effect.kind else {
            return Err(CompileError::new(
                EFFECT_ROOT,
                "an effect needs exactly one kind, e.g. amount_off_order or percent_off_order",
            ));
        };
        match kind {
            Kind::AmountOffOrder(amount_off) => compile_amount_off_order(amount_off),
            Kind::PercentOffOrder(percent_off) => compile_percent_off_order(percent_off),
            Kind::AmountOffItems(_) => Err(not_supported_yet("amount_off_items")),
            Kind::PercentOffItems(_) => Err(not_supported_yet("percent_off_items")),
            Kind::FixedPrice(_) => Err(not_supported_yet("fixed_price")),
            Kind::FreeUnits(_) => Err(not_supported_yet("free_units")),
            Kind::BuyXGetY(_) => Err(not_supported_yet("buy_x_get_y")),
            Kind::TieredSpend(_) => Err(not_supported_yet("tiered_spend")),
            Kind::Shipping(_) => Err(not_supported_yet("shipping")),
            Kind::Formula(_) => Err(not_supported_yet("formula")),
        }
    }

    /// What the effect gives, for messages: "5.00 EUR off", "10% off (at most 20.00 EUR)".
    pub fn describe(&self, currency: &str) -> String {
        match self {
            CompiledEffect::AmountOffOrder { amount } => {
                format!("{} off", format_amount(*amount, currency))
            }
            CompiledEffect::PercentOffOrder {
                percent_bp,
                cap: None,
            } => format!("{} off", format_percent(*percent_bp)),
            CompiledEffect::PercentOffOrder {
                percent_bp,
                cap: Some(cap),
            } => format!(
                "{} off (at most {})",
                format_percent(*percent_bp),
                format_amount(*cap, currency)
            ),
        }
    }

    /// The discount this effect gives on the running cart, allocated over its lines in
    /// proportion to their running amounts. Never more than the running items amount.
    pub fn apply(&self, cart: &RunningCart) -> ItemsDiscount {
        let running = cart.amount();
        let wanted = match self {
            CompiledEffect::AmountOffOrder { amount } => *amount,
            CompiledEffect::PercentOffOrder { percent_bp, cap } => {
                let percent = percent_of(running, *percent_bp).unwrap_or(running);
                cap.map_or(percent, |cap| percent.min(cap))
            }
        };
        let total = wanted.clamp(0, running);
        // With 0 <= total <= sum of non-negative lines, allocation cannot fail; an all-zero
        // fallback keeps evaluation panic-free regardless.
        let line_discounts = allocate_largest_remainder(total, cart.line_amounts())
            .unwrap_or_else(|| vec![0; cart.line_amounts().len()]);
        ItemsDiscount {
            total: line_discounts.iter().sum(),
            line_discounts,
        }
    }
}

fn not_supported_yet(field: &str) -> CompileError {
    CompileError::new(
        format!("{EFFECT_ROOT}.{field}"),
        "not supported by this engine version yet",
    )
}

fn compile_amount_off_order(effect: &AmountOffOrder) -> Result<CompiledEffect, CompileError> {
    if effect.amount <= 0 {
        return Err(CompileError::new(
            "effect.amount_off_order.amount",
            format!("the amount must be > 0 minor units; got {}", effect.amount),
        ));
    }
    Ok(CompiledEffect::AmountOffOrder {
        amount: effect.amount,
    })
}

fn compile_percent_off_order(effect: &PercentOffOrder) -> Result<CompiledEffect, CompileError> {
    let percent_bp = u32::try_from(effect.percent_bp)
        .ok()
        .filter(|bp| (1..=FULL_PERCENT_BP).contains(bp))
        .ok_or_else(|| {
            CompileError::new(
                "effect.percent_off_order.percent_bp",
                format!(
                    "percent_bp is in basis points, 1..10000 (10000 = 100%); got {}",
                    effect.percent_bp
                ),
            )
        })?;
    if let Some(cap) = effect.cap.filter(|&cap| cap <= 0) {
        return Err(CompileError::new(
            "effect.percent_off_order.cap",
            format!("the cap must be > 0 minor units when set; got {cap}"),
        ));
    }
    Ok(CompiledEffect::PercentOffOrder {
        percent_bp,
        cap: effect.cap,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pb::v1::{FixedPrice, ShippingDiscount};

    fn percent(percent_bp: i32, cap: Option<i64>) -> Effect {
        Effect {
            kind: Some(Kind::PercentOffOrder(PercentOffOrder { percent_bp, cap })),
        }
    }

    fn amount(amount: i64) -> Effect {
        Effect {
            kind: Some(Kind::AmountOffOrder(AmountOffOrder { amount })),
        }
    }

    fn apply(effect: &Effect, lines: &[i64]) -> ItemsDiscount {
        CompiledEffect::compile(effect)
            .expect("compiles")
            .apply(&RunningCart::new(lines))
    }

    #[test]
    fn amount_off_is_allocated_proportionally() {
        let discount = apply(&amount(500), &[1000, 3000]);
        assert_eq!(discount.total, 500);
        assert_eq!(discount.line_discounts, vec![125, 375]);
    }

    #[test]
    fn amount_off_never_exceeds_the_cart() {
        let discount = apply(&amount(10_000), &[1000, 500]);
        assert_eq!(discount.total, 1500);
        assert_eq!(discount.line_discounts, vec![1000, 500]);
    }

    #[test]
    fn percent_rounds_half_up_then_caps() {
        // 10 % of 1005 = 100.5 -> 101
        assert_eq!(apply(&percent(1000, None), &[1005]).total, 101);
        // 10 % of 1004 = 100.4 -> 100
        assert_eq!(apply(&percent(1000, None), &[1004]).total, 100);
        // 20 % of 10000 = 2000, capped at 500
        let capped = apply(&percent(2000, Some(500)), &[4000, 6000]);
        assert_eq!(capped.total, 500);
        assert_eq!(capped.line_discounts, vec![200, 300]);
        // The cap above the percentage changes nothing.
        assert_eq!(apply(&percent(2000, Some(5000)), &[10_000]).total, 2000);
        assert_eq!(apply(&percent(10_000, None), &[123, 456]).total, 579);
    }

    #[test]
    fn zero_cart_gives_zero() {
        let discount = apply(&percent(5000, None), &[0, 0]);
        assert_eq!(discount.total, 0);
        assert_eq!(discount.line_discounts, vec![0, 0]);
    }

    #[test]
    fn invalid_effects_name_their_field() {
        let cases = [
            (amount(0), "effect.amount_off_order.amount"),
            (percent(0, None), "effect.percent_off_order.percent_bp"),
            (percent(10_001, None), "effect.percent_off_order.percent_bp"),
            (percent(1000, Some(0)), "effect.percent_off_order.cap"),
            (Effect { kind: None }, "effect"),
            (
                Effect {
                    kind: Some(Kind::FixedPrice(FixedPrice::default())),
                },
                "effect.fixed_price",
            ),
            (
                Effect {
                    kind: Some(Kind::Shipping(ShippingDiscount::default())),
                },
                "effect.shipping",
            ),
        ];
        for (effect, path) in cases {
            let error = CompiledEffect::compile(&effect).expect_err(path);
            assert_eq!(error.path, path);
        }
    }

    #[test]
    fn describes_effects() {
        let effect = CompiledEffect::compile(&percent(1250, Some(2000))).expect("compiles");
        assert_eq!(effect.describe("EUR"), "12.5% off (at most 20.00 EUR)");
        let effect = CompiledEffect::compile(&amount(500)).expect("compiles");
        assert_eq!(effect.describe("JPY"), "500 JPY off");
    }
}

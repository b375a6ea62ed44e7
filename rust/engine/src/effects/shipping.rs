//! Shipping effects: free shipping, an amount or a percent off the running shipping amount.

use super::{percent_bp, positive_amount};
use crate::cart::{Discount, RunningCart};
use crate::error::CompileError;
use crate::money::{format_amount, format_percent, percent_of};
use crate::pb::v1::shipping_discount::Discount as ShippingKind;
use crate::pb::v1::ShippingDiscount;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShippingOff {
    Free,
    Amount(i64),
    Percent(u32),
}

impl ShippingOff {
    pub fn compile(effect: &ShippingDiscount) -> Result<ShippingOff, CompileError> {
        match effect.discount {
            Some(ShippingKind::Free(true)) => Ok(ShippingOff::Free),
            Some(ShippingKind::Free(false)) => Err(CompileError::new(
                "effect.shipping.free",
                "free must be true; use amount or percent_bp for a partial discount",
            )),
            Some(ShippingKind::Amount(amount)) => Ok(ShippingOff::Amount(positive_amount(
                amount,
                "effect.shipping.amount",
                "amount",
            )?)),
            Some(ShippingKind::PercentBp(bp)) => Ok(ShippingOff::Percent(percent_bp(
                bp,
                "effect.shipping.percent_bp",
            )?)),
            None => Err(CompileError::new(
                "effect.shipping",
                "a shipping discount needs free, amount or percent_bp",
            )),
        }
    }

    pub fn describe(&self, currency: &str) -> String {
        match self {
            ShippingOff::Free => "free shipping".to_owned(),
            ShippingOff::Amount(amount) => {
                format!("{} off shipping", format_amount(*amount, currency))
            }
            ShippingOff::Percent(bp) => format!("{} off shipping", format_percent(*bp)),
        }
    }

    pub fn apply(&self, cart: &RunningCart) -> Discount {
        let shipping = cart.shipping();
        let off = match self {
            ShippingOff::Free => shipping,
            ShippingOff::Amount(amount) => (*amount).min(shipping),
            ShippingOff::Percent(bp) => percent_of(shipping, *bp).unwrap_or(shipping).min(shipping),
        };
        Discount {
            line_discounts: vec![0; cart.line_amounts().len()],
            shipping: off,
            added: None,
            unallocated: 0,
        }
    }
}

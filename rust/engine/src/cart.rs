//! The running cart of one request: line amounts and shipping after the discounts applied so
//! far, so that a later redeemable sees the earlier discounts, plus the lines
//! added by free-unit effects.

use crate::pb::v1::Item;

/// A line added to the order by a free-unit effect. Added lines are free gifts: no rule and no
/// other effect sees them.
#[derive(Debug, Clone, PartialEq)]
pub struct AddedLine {
    pub item: Item,
    /// Index of the line in the order: after the request's lines, in order of addition.
    pub item_index: usize,
}

/// What one redeemable takes off the running cart.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Discount {
    /// One entry per request line, each between 0 and the line's running amount.
    pub line_discounts: Vec<i64>,
    /// Taken off the running shipping amount.
    pub shipping: i64,
    /// A line to add (free units of a SKU the cart lacks) with the discount that makes it free.
    pub added: Option<(Item, i64)>,
    /// An order-level amount not spread over the lines: only when the caller asked for totals
    /// alone (Qualify ranking its candidates); such a discount is never applied to a cart.
    pub unallocated: i64,
}

impl Discount {
    pub fn on_lines(line_discounts: Vec<i64>) -> Discount {
        Discount {
            line_discounts,
            ..Default::default()
        }
    }

    /// Discount on items: the request lines plus the added line.
    pub fn items_total(&self) -> i64 {
        let lines = self
            .line_discounts
            .iter()
            .fold(0i64, |sum, &d| sum.saturating_add(d));
        lines
            .saturating_add(self.added.as_ref().map_or(0, |(_, discount)| *discount))
            .saturating_add(self.unallocated)
    }

    pub fn total(&self) -> i64 {
        self.items_total().saturating_add(self.shipping)
    }
}

/// Line amounts and shipping after the discounts applied so far in this request.
#[derive(Debug, Clone, PartialEq)]
pub struct RunningCart {
    line_amounts: Vec<i64>,
    amount: i64,
    shipping: i64,
    request_lines: usize,
    added: Vec<AddedLine>,
}

impl RunningCart {
    /// Starts from the request's line amounts (validated: non-negative, sum fits an i64) and
    /// shipping amount.
    pub fn new(line_amounts: &[i64], shipping: i64) -> RunningCart {
        RunningCart {
            line_amounts: line_amounts.to_vec(),
            amount: line_amounts
                .iter()
                .fold(0i64, |sum, &amount| sum.saturating_add(amount)),
            shipping,
            request_lines: line_amounts.len(),
            added: Vec::new(),
        }
    }

    pub fn line_amounts(&self) -> &[i64] {
        &self.line_amounts
    }

    /// Sum of the running amounts of the request's lines.
    pub fn amount(&self) -> i64 {
        self.amount
    }

    /// Shipping after the shipping discounts so far.
    pub fn shipping(&self) -> i64 {
        self.shipping
    }

    pub fn added(&self) -> &[AddedLine] {
        &self.added
    }

    /// This cart as a later item-level effect sees it under the SINGLE product stack policy:
    /// the lines marked in `discounted` are worth 0.
    pub fn without_lines(&self, discounted: &[bool]) -> RunningCart {
        let mut view = self.clone();
        for (line, &taken) in view.line_amounts.iter_mut().zip(discounted) {
            if taken {
                view.amount -= *line;
                *line = 0;
            }
        }
        view
    }

    /// Applies a discount; returns the index the added line takes, if any. Each line discount is
    /// at most its line's amount (the effects guarantee it); clamping keeps lines non-negative
    /// regardless.
    pub fn apply(&mut self, discount: &Discount) -> Option<usize> {
        for (line, &taken) in self.line_amounts.iter_mut().zip(&discount.line_discounts) {
            let taken = taken.clamp(0, *line);
            *line -= taken;
            self.amount -= taken;
        }
        self.shipping -= discount.shipping.clamp(0, self.shipping);
        discount.added.as_ref().map(|(item, _)| {
            let item_index = self.request_lines + self.added.len();
            self.added.push(AddedLine {
                item: item.clone(),
                item_index,
            });
            item_index
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_discounts_without_going_negative() {
        let mut cart = RunningCart::new(&[1000, 500], 300);
        assert_eq!(cart.amount(), 1500);
        cart.apply(&Discount {
            line_discounts: vec![100, 600],
            shipping: 500,
            added: None,
            unallocated: 0,
        });
        assert_eq!(cart.line_amounts(), &[900, 0]);
        assert_eq!(cart.amount(), 900);
        assert_eq!(cart.shipping(), 0);
    }

    #[test]
    fn added_lines_come_after_the_request_lines() {
        let mut cart = RunningCart::new(&[1000], 0);
        let gift = Item {
            sku: "GIFT".to_owned(),
            unit_price: 500,
            quantity: 1,
            ..Default::default()
        };
        let index = cart.apply(&Discount {
            line_discounts: vec![0],
            shipping: 0,
            added: Some((gift, 500)),
            unallocated: 0,
        });
        assert_eq!(index, Some(1));
        assert_eq!(cart.amount(), 1000);
        assert_eq!(cart.added().len(), 1);
    }
}

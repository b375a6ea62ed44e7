//! The running cart of one request: line amounts after the discounts applied so far, so that a
//! later redeemable sees the earlier discounts (SPEC section 5).

/// Line amounts after the discounts applied so far in this request; never negative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunningCart {
    line_amounts: Vec<i64>,
    amount: i64,
}

impl RunningCart {
    /// Starts from the request's line amounts (validated: non-negative, sum fits an i64).
    pub fn new(line_amounts: &[i64]) -> RunningCart {
        RunningCart {
            line_amounts: line_amounts.to_vec(),
            amount: line_amounts
                .iter()
                .fold(0i64, |sum, &amount| sum.saturating_add(amount)),
        }
    }

    pub fn line_amounts(&self) -> &[i64] {
        &self.line_amounts
    }

    /// Sum of the line amounts.
    pub fn amount(&self) -> i64 {
        self.amount
    }

    /// Takes per-line discounts off the lines. Each discount is at most its line's amount (the
    /// allocation guarantees it); clamping keeps lines non-negative regardless.
    pub fn apply(&mut self, line_discounts: &[i64]) {
        for (line, &discount) in self.line_amounts.iter_mut().zip(line_discounts) {
            let taken = discount.clamp(0, *line);
            *line -= taken;
            self.amount -= taken;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_discounts_without_going_negative() {
        let mut cart = RunningCart::new(&[1000, 500]);
        assert_eq!(cart.amount(), 1500);
        cart.apply(&[100, 600]);
        assert_eq!(cart.line_amounts(), &[900, 0]);
        assert_eq!(cart.amount(), 900);
    }
}

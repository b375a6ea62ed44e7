//! BEST_FOR_CUSTOMER (StackingRules.combination_mode): which of the presented discount
//! redeemables to leave out so that the customer gets the largest total discount, the others
//! applying in application order under the stacking rules.
//!
//! An exact depth-first search over the discounts in application order: at each one that would
//! apply, first apply it, then leave it out (a discount that would not apply changes nothing and
//! is not a branch). Distinct leaves are distinct sets of applied discounts, visited in the
//! order the answer breaks ties in (the first leaf is the application-order answer). A branch
//! is cut when even the upper bounds of every discount still to come cannot lift it above the
//! worst of the best combinations kept.

use crate::evaluation::{Admission, Candidate, Detail, DiscountOutcome, Evaluation};

/// How many of the best combinations the answer lists.
pub const COMBINATIONS_LISTED: usize = 4;

/// One discount the search may apply or leave out.
pub struct SearchCandidate<'a> {
    pub candidate: Candidate<'a>,
    /// Position in the checkout's entries.
    pub slot: usize,
    /// May be left out (in ALL mode a requested redeemable may not: that fails the request).
    pub optional: bool,
}

/// A combination: the slots of the discounts that apply, in application order, and what the
/// customer gets off (items on the request's lines plus shipping).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub applied: Vec<usize>,
    pub total_discount: i64,
}

/// What the search found: the best combinations, best first (ties in visiting order), and the
/// application-order one.
#[derive(Debug)]
pub struct Choice {
    pub best: Vec<Outcome>,
    pub application_order: Outcome,
}

struct Search<'s, 'r> {
    candidates: &'s [SearchCandidate<'r>],
    /// bound_from[i]: the sum of the upper bounds of candidates i.. .
    bound_from: Vec<i64>,
    best: Vec<Outcome>,
    first: Option<Outcome>,
}

/// Searches from `start` (the evaluation before any discount).
pub fn best_combination<'r>(start: &Evaluation<'r>, candidates: &[SearchCandidate<'r>]) -> Choice {
    let checkout = start.checkout;
    let mut bound_from = vec![0i64; candidates.len() + 1];
    for (index, entry) in candidates.iter().enumerate().rev() {
        let bound = entry
            .candidate
            .campaign
            .effect_for(checkout.customer_id)
            .map_or(0, |effect| {
                effect.upper_bound(checkout.items_amount, checkout.order.shipping_amount)
            });
        bound_from[index] = bound_from[index + 1].saturating_add(bound);
    }
    let mut search = Search {
        candidates,
        bound_from,
        best: Vec::with_capacity(COMBINATIONS_LISTED + 1),
        first: None,
    };
    let mut applied = Vec::with_capacity(candidates.len());
    search.visit(start.clone(), 0, 0, &mut applied);
    Choice {
        best: search.best,
        application_order: search.first.unwrap_or(Outcome {
            applied: Vec::new(),
            total_discount: 0,
        }),
    }
}

impl<'r> Search<'_, 'r> {
    /// Whether a branch whose combinations give at most `bound` can enter the best list.
    fn worth_visiting(&self, bound: i64) -> bool {
        self.first.is_none()
            || self.best.len() < COMBINATIONS_LISTED
            || self
                .best
                .last()
                .is_some_and(|worst| bound > worst.total_discount)
    }

    fn visit(
        &mut self,
        mut evaluation: Evaluation<'r>,
        index: usize,
        total: i64,
        applied: &mut Vec<usize>,
    ) {
        let mut index = index;
        // Discounts that do not apply are no branch: walk past them on the same state.
        while let Some(entry) = self.candidates.get(index) {
            // What is left of the cart bounds the rest too.
            let left = evaluation
                .cart
                .amount()
                .saturating_add(evaluation.cart.shipping());
            if !self.worth_visiting(total.saturating_add(self.bound_from[index].min(left))) {
                return;
            }
            let before = evaluation.clone();
            let outcome = evaluation.evaluate_discount(
                &entry.candidate,
                entry.slot,
                Detail::Reason,
                Admission::Apply,
            );
            let DiscountOutcome::Applied { discount, .. } = outcome else {
                index += 1;
                continue;
            };
            let gained = discount
                .line_discounts
                .iter()
                .fold(discount.shipping, |sum, &line| sum.saturating_add(line));
            applied.push(entry.slot);
            self.visit(evaluation, index + 1, total.saturating_add(gained), applied);
            applied.pop();
            if !entry.optional {
                return;
            }
            evaluation = before;
            index += 1;
        }
        self.record(Outcome {
            applied: applied.clone(),
            total_discount: total,
        });
    }

    fn record(&mut self, outcome: Outcome) {
        if self.first.is_none() {
            self.first = Some(outcome.clone());
        }
        // Strictly better only: an equal total found later ranks after (visiting order).
        let position = self
            .best
            .iter()
            .position(|kept| outcome.total_discount > kept.total_discount)
            .unwrap_or(self.best.len());
        if position < COMBINATIONS_LISTED {
            self.best.insert(position, outcome);
            self.best.truncate(COMBINATIONS_LISTED);
        }
    }
}

//! What a campaign's rule can still give a cart, told from its conjuncts before it is evaluated:
//! whether it may hold, and the smallest near miss it could report if it fails. Qualify with
//! near misses evaluates the candidates that may hold, then the others closest first, and stops
//! once no remaining one can come nearer than the near misses it has.
//!
//! A failing `all` reports the near miss of its first failing child, unless a failing child has
//! none (docs/rules.md, Explanations): so the bound is the distance of the first conjunct that
//! surely fails, or less when a conjunct before it may fail with an unknown distance.

use crate::rules::{Comparison, LineIndex, Node, NodeKind, OrderSubject, SimpleFilter, Test};

use super::requirements::{conjuncts, CartFacts};

/// What one conjunct of a rule can tell before evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conjunct {
    /// `gte`/`gt`/`between` on an amount or quantity of the cart (the leaves near misses come
    /// from): fails below `threshold` (the distance to it is the near miss), or above `ceiling`
    /// (`between`) without one.
    Threshold {
        measure: CartMeasure,
        threshold: i64,
        ceiling: Option<i64>,
    },
    /// A leaf that fails without a near miss (or holds), or a `not`.
    NoNearMiss,
    /// A nested `any` or `all`: may fail with any near miss.
    Unknown,
}

/// An amount or quantity of the cart, as a Qualify request sees it (no discount applied yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CartMeasure {
    /// Items amount (`order.amount`, `order.initial_amount`).
    Amount,
    /// Units (`order.total_quantity`).
    Quantity,
    /// Lines (`order.items_count`).
    Lines,
    /// `items.amount|quantity|count` over a filter: exact when the filter is a line-key lookup
    /// (or absent), else at most the whole cart's.
    Items {
        of: LineFigure,
        filter: Option<SimpleFilter>,
        exact: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineFigure {
    Amount,
    Quantity,
    Count,
}

/// What a rule can still give a cart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outlook {
    /// It may hold; if it fails, its near miss is at least this (None: it has none).
    Open(Option<i64>),
    /// It fails; its near miss, if it has one, is at least this.
    Missed(i64),
    /// It fails without a near miss: neither applicable nor a near miss.
    Out,
}

impl Conjunct {
    /// The conjuncts of a rule's root, in order.
    pub(crate) fn of_rule(root: Option<&Node<OrderSubject>>) -> Vec<Conjunct> {
        root.map_or_else(Vec::new, |root| {
            conjuncts(root).iter().map(Conjunct::of).collect()
        })
    }

    fn of(node: &Node<OrderSubject>) -> Conjunct {
        let leaf = match &node.kind {
            NodeKind::Leaf(leaf) => leaf,
            NodeKind::Not(_) => return Conjunct::NoNearMiss,
            NodeKind::All(_) | NodeKind::Any(_) => return Conjunct::Unknown,
        };
        let measure = match &leaf.subject {
            OrderSubject::Amount | OrderSubject::InitialAmount => CartMeasure::Amount,
            OrderSubject::TotalQuantity => CartMeasure::Quantity,
            OrderSubject::ItemsCount => CartMeasure::Lines,
            OrderSubject::ItemsAmount(filter) => items(LineFigure::Amount, filter.as_deref()),
            OrderSubject::ItemsQuantity(filter) => items(LineFigure::Quantity, filter.as_deref()),
            OrderSubject::ItemsLines(filter) => items(LineFigure::Count, filter.as_deref()),
            _ => return Conjunct::NoNearMiss,
        };
        let (threshold, ceiling) = match &leaf.test {
            Test::Compare(Comparison::Gte, literal) => (literal.as_i64(), None),
            Test::Compare(Comparison::Gt, literal) => (
                literal.as_i64().and_then(|value| value.checked_add(1)),
                None,
            ),
            Test::Between(low, high) => match high.as_i64() {
                Some(high) => (low.as_i64(), Some(high)),
                None => return Conjunct::Unknown,
            },
            _ => return Conjunct::NoNearMiss,
        };
        match threshold {
            Some(threshold) => Conjunct::Threshold {
                measure,
                threshold,
                ceiling,
            },
            None => Conjunct::Unknown,
        }
    }
}

fn items(of: LineFigure, filter: Option<&crate::rules::ItemRule>) -> CartMeasure {
    match filter {
        None => CartMeasure::Items {
            of,
            filter: None,
            exact: true,
        },
        Some(rule) => CartMeasure::Items {
            of,
            filter: rule.simple().cloned(),
            exact: rule.simple().is_some(),
        },
    }
}

impl CartMeasure {
    /// The measure's value on the cart, or an upper bound of it; and whether it is exact.
    fn value(&self, cart: &CartFacts<'_>) -> (i64, bool) {
        match self {
            CartMeasure::Amount => (cart.amount, true),
            CartMeasure::Quantity => (cart.quantity, true),
            CartMeasure::Lines => (cart.lines, true),
            CartMeasure::Items { of, filter, exact } => {
                let whole = match of {
                    LineFigure::Amount => cart.amount,
                    LineFigure::Quantity => cart.quantity,
                    LineFigure::Count => cart.lines,
                };
                match filter {
                    Some(filter) if *exact => (sum_lines(cart, cart.line_index, filter, *of), true),
                    _ => (whole, filter.is_none() && *exact),
                }
            }
        }
    }
}

fn sum_lines(
    cart: &CartFacts<'_>,
    index: &LineIndex<'_>,
    filter: &SimpleFilter,
    of: LineFigure,
) -> i64 {
    let lines = index.lines(filter);
    match of {
        LineFigure::Amount => lines.iter().map(|&line| cart.line_amounts[line]).sum(),
        LineFigure::Quantity => lines.iter().map(|&line| cart.items[line].quantity).sum(),
        LineFigure::Count => lines.len() as i64,
    }
}

/// What one conjunct says on this cart.
struct Verdict {
    may_fail: bool,
    surely_fails: bool,
    /// The smallest near miss it reports when it fails (None: it reports none).
    missing_at_least: Option<i64>,
}

impl Verdict {
    const HOLDS: Verdict = Verdict {
        may_fail: false,
        surely_fails: false,
        missing_at_least: None,
    };
}

impl Conjunct {
    fn verdict(&self, cart: &CartFacts<'_>) -> Verdict {
        let (measure, threshold, ceiling) = match self {
            Conjunct::NoNearMiss => {
                return Verdict {
                    may_fail: true,
                    surely_fails: false,
                    missing_at_least: None,
                }
            }
            Conjunct::Unknown => {
                return Verdict {
                    may_fail: true,
                    surely_fails: false,
                    missing_at_least: Some(1),
                }
            }
            Conjunct::Threshold {
                measure,
                threshold,
                ceiling,
            } => (measure, *threshold, *ceiling),
        };
        let (value, exact) = measure.value(cart);
        if value < threshold {
            // Below the threshold for certain: a bound is never below the value.
            return Verdict {
                may_fail: true,
                surely_fails: true,
                missing_at_least: Some(threshold.saturating_sub(value)),
            };
        }
        if !exact {
            return Verdict {
                may_fail: true,
                surely_fails: false,
                missing_at_least: Some(1),
            };
        }
        if ceiling.is_some_and(|ceiling| value > ceiling) {
            return Verdict {
                may_fail: true,
                surely_fails: true,
                missing_at_least: None,
            };
        }
        Verdict::HOLDS
    }
}

/// What the rule of these conjuncts can still give this cart.
pub(crate) fn outlook(conjuncts: &[Conjunct], cart: &CartFacts<'_>) -> Outlook {
    let mut missing_at_least: Option<i64> = None;
    let mut fails = false;
    for conjunct in conjuncts {
        let verdict = conjunct.verdict(cart);
        if !verdict.may_fail {
            continue;
        }
        let Some(missing) = verdict.missing_at_least else {
            if verdict.surely_fails {
                return Outlook::Out;
            }
            continue;
        };
        // Past the first conjunct that surely fails, none is the first failing one.
        if !fails {
            missing_at_least = Some(missing_at_least.map_or(missing, |least| least.min(missing)));
            fails = verdict.surely_fails;
        }
    }
    match (fails, missing_at_least) {
        (true, Some(missing)) => Outlook::Missed(missing),
        (true, None) => Outlook::Out,
        (false, missing) => Outlook::Open(missing),
    }
}

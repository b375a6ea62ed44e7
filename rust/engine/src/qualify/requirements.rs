//! What a campaign's rule requires of a cart, read from the conjuncts of its root (`all`
//! children, or the root leaf): facts an index can test without evaluating the rule.
//!
//! Hard requirements (channel, store, customer, segments) make a campaign neither applicable nor
//! a near miss when they fail: a failing leaf without a near miss is what the explanation of an
//! `all` reports first. Thresholds (amounts, quantities, lines of a category or SKU) only rule a
//! campaign out when near misses are not asked for.

use crate::pb::internal::CustomerProfile;
use crate::pb::v1::Item;
use crate::request::ValidatedCheckout;
use crate::rules::{
    Comparison, ItemSubject, LineIndex, Literal, Node, NodeKind, OrderSubject, Test,
};

use super::outlook::Conjunct;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Requirements {
    /// One of these channels (hard).
    pub channels: Option<Vec<String>>,
    /// One of these stores (hard).
    pub stores: Option<Vec<String>>,
    /// A customer id (hard).
    pub needs_customer: bool,
    /// Membership of one of these segments (hard).
    pub segments: Option<Vec<String>>,
    /// Items amount at least this (threshold).
    pub min_amount: i64,
    /// Units at least this (threshold).
    pub min_quantity: i64,
    /// Lines at least this (threshold).
    pub min_lines: i64,
    /// A line with one of these keys (threshold): "c:<category>", "s:<sku>", "p:<product id>".
    pub line_keys: Option<Vec<String>>,
    /// Every conjunct, as near misses see it (`outlook`).
    pub conjuncts: Vec<Conjunct>,
    /// The smallest near miss the rule can report on a cart without a line of `line_keys`:
    /// the conjunct on those lines then counts nothing and fails by its whole threshold
    /// (1 when a conjunct before it may fail with a near miss of its own).
    pub near_miss_floor: i64,
}

fn strings(literals: &[Literal]) -> Vec<String> {
    literals
        .iter()
        .filter_map(|literal| match literal {
            Literal::String(text) => Some(text.to_string()),
            _ => None,
        })
        .collect()
}

/// The values an `eq`/`in` (or `contains`/`contains_any`) leaf accepts.
fn accepted(test: &Test) -> Option<Vec<String>> {
    match test {
        Test::Compare(Comparison::Eq, literal) | Test::Contains(literal) => {
            Some(strings(std::slice::from_ref(literal)))
        }
        Test::Membership {
            values,
            negated: false,
        }
        | Test::ContainsAny(values) => Some(strings(values)),
        _ => None,
    }
}

/// The smallest integer value a threshold leaf accepts.
fn lower_bound(test: &Test) -> Option<i64> {
    match test {
        Test::Compare(Comparison::Gte, literal) | Test::Between(literal, _) => literal.as_i64(),
        Test::Compare(Comparison::Gt, literal) => literal.as_i64()?.checked_add(1),
        _ => None,
    }
}

pub(crate) fn conjuncts<S>(node: &Node<S>) -> &[Node<S>] {
    match &node.kind {
        NodeKind::All(children) => children,
        _ => std::slice::from_ref(node),
    }
}

/// Line keys a filter needs: from its first conjunct on sku, product id or categories.
fn filter_keys(root: &Node<ItemSubject>) -> Option<Vec<String>> {
    conjuncts(root).iter().find_map(|node| {
        let NodeKind::Leaf(leaf) = &node.kind else {
            return None;
        };
        let values = accepted(&leaf.test)?;
        let prefix = match leaf.subject {
            ItemSubject::Sku => "s:",
            ItemSubject::ProductId => "p:",
            ItemSubject::Categories => "c:",
            _ => return None,
        };
        Some(
            values
                .iter()
                .map(|value| format!("{prefix}{value}"))
                .collect(),
        )
    })
}

impl Requirements {
    pub fn of(root: Option<&Node<OrderSubject>>) -> Requirements {
        let mut requirements = Requirements {
            conjuncts: Conjunct::of_rule(root),
            ..Requirements::default()
        };
        let Some(root) = root else {
            return requirements;
        };
        let mut keyed_at = None;
        for (at, node) in conjuncts(root).iter().enumerate() {
            let NodeKind::Leaf(leaf) = &node.kind else {
                continue;
            };
            let test = &leaf.test;
            match &leaf.subject {
                OrderSubject::Channel => {
                    requirements.channels = requirements.channels.take().or(accepted(test))
                }
                OrderSubject::StoreId => {
                    requirements.stores = requirements.stores.take().or(accepted(test))
                }
                OrderSubject::CustomerSegments => {
                    requirements.segments = requirements.segments.take().or(accepted(test))
                }
                OrderSubject::CustomerId if *test == Test::Exists(true) => {
                    requirements.needs_customer = true
                }
                OrderSubject::Amount | OrderSubject::InitialAmount => {
                    if let Some(bound) = lower_bound(test) {
                        requirements.min_amount = requirements.min_amount.max(bound);
                    }
                }
                OrderSubject::TotalQuantity => {
                    if let Some(bound) = lower_bound(test) {
                        requirements.min_quantity = requirements.min_quantity.max(bound);
                    }
                }
                OrderSubject::ItemsCount => {
                    if let Some(bound) = lower_bound(test) {
                        requirements.min_lines = requirements.min_lines.max(bound);
                    }
                }
                OrderSubject::ItemsQuantity(Some(filter))
                | OrderSubject::ItemsAmount(Some(filter))
                | OrderSubject::ItemsLines(Some(filter))
                    if lower_bound(test).is_some_and(|bound| bound >= 1)
                        && requirements.line_keys.is_none() =>
                {
                    requirements.line_keys = filter_keys(filter.root());
                    keyed_at = requirements.line_keys.as_ref().map(|_| at);
                }
                _ => {}
            }
        }
        requirements.near_miss_floor = keyed_at.map_or(1, |at| {
            let (before, keyed) = requirements.conjuncts.split_at(at);
            match keyed.first() {
                Some(Conjunct::Threshold { threshold, .. })
                    if before
                        .iter()
                        .all(|conjunct| *conjunct == Conjunct::NoNearMiss) =>
                {
                    (*threshold).max(1)
                }
                _ => 1,
            }
        });
        requirements
    }
}

/// What the index checks of one cart.
pub struct CartFacts<'a> {
    pub currency: &'a str,
    pub channel: &'a str,
    pub store_id: &'a str,
    pub has_customer: bool,
    pub segments: Option<&'a [String]>,
    pub amount: i64,
    pub quantity: i64,
    pub lines: i64,
    pub items: &'a [Item],
    /// unit_price * quantity per line.
    pub line_amounts: &'a [i64],
    /// The cart's lines by category, SKU and product id.
    pub line_index: &'a LineIndex<'a>,
}

impl<'a> CartFacts<'a> {
    /// The facts of a validated checkout; `line_index` indexes its order.
    pub fn of(
        checkout: &'a ValidatedCheckout<'a>,
        profile: Option<&'a CustomerProfile>,
        line_index: &'a LineIndex<'a>,
    ) -> CartFacts<'a> {
        let order = checkout.order;
        CartFacts {
            currency: &order.currency,
            channel: &order.channel,
            store_id: &order.store_id,
            has_customer: checkout.customer_id.is_some(),
            segments: profile.map(|profile| profile.segments.as_slice()),
            amount: checkout.items_amount,
            quantity: checkout.total_quantity,
            lines: order.items.len() as i64,
            items: &order.items,
            line_amounts: &checkout.line_amounts,
            line_index,
        }
    }
}

impl Requirements {
    /// Whether the hard requirements hold (a failure: neither applicable nor a near miss).
    pub fn hard_hold(&self, cart: &CartFacts<'_>) -> bool {
        let one_of = |allowed: &Option<Vec<String>>, value: &str| {
            allowed
                .as_ref()
                .is_none_or(|allowed| allowed.iter().any(|a| a == value))
        };
        one_of(&self.channels, cart.channel)
            && one_of(&self.stores, cart.store_id)
            && (!self.needs_customer || cart.has_customer)
            && self.segments.as_ref().is_none_or(|wanted| {
                cart.segments
                    .is_some_and(|held| wanted.iter().any(|w| held.contains(w)))
            })
    }

    /// Whether the thresholds hold (a failure: not applicable).
    pub fn thresholds_hold(&self, cart: &CartFacts<'_>) -> bool {
        cart.amount >= self.min_amount
            && cart.quantity >= self.min_quantity
            && cart.lines >= self.min_lines
            && self
                .line_keys
                .as_ref()
                .is_none_or(|keys| keys.iter().any(|key| cart.line_index.has_line_key(key)))
    }
}

//! An index of a cart's lines by category and SKU, built once per Qualify request, so that the
//! many filters of the form `item.categories contains X` or `item.sku in [...]` find their lines
//! by lookup instead of running the filter on every line for every campaign.

use std::borrow::Cow;

use super::node::NodeKind;
use super::operator::{Comparison, Test};
use super::subject::ItemSubject;
use super::value::Literal;
use super::Node;
use crate::fast_hash::FastMap;
use crate::pb::v1::Order;

/// A filter that is one leaf on a line key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SimpleFilter {
    /// `item.categories contains X`.
    Category(Box<str>),
    /// `item.sku eq X` or `item.sku in [...]`.
    Skus(Vec<Box<str>>),
}

impl SimpleFilter {
    /// Recognises the simple shapes; None for any other filter.
    pub(crate) fn of(root: &Node<ItemSubject>) -> Option<SimpleFilter> {
        let NodeKind::Leaf(leaf) = &root.kind else {
            return None;
        };
        let string = |literal: &Literal| match literal {
            Literal::String(text) => Some(text.clone()),
            _ => None,
        };
        match (&leaf.subject, &leaf.test) {
            (ItemSubject::Categories, Test::Contains(literal)) => {
                string(literal).map(SimpleFilter::Category)
            }
            (ItemSubject::Sku, Test::Compare(Comparison::Eq, literal)) => {
                string(literal).map(|sku| SimpleFilter::Skus(vec![sku]))
            }
            (
                ItemSubject::Sku,
                Test::Membership {
                    values,
                    negated: false,
                },
            ) => values
                .iter()
                .map(string)
                .collect::<Option<Vec<_>>>()
                .map(SimpleFilter::Skus),
            _ => None,
        }
    }
}

/// The request lines by category and by SKU.
#[derive(Debug, Default)]
pub struct LineIndex {
    by_category: FastMap<String, Vec<usize>>,
    by_sku: FastMap<String, Vec<usize>>,
}

impl LineIndex {
    pub fn build(order: &Order) -> LineIndex {
        let mut index = LineIndex::default();
        for (line, item) in order.items.iter().enumerate() {
            for category in &item.categories {
                let lines = index.by_category.entry(category.clone()).or_default();
                // A category listed twice on one line still selects the line once.
                if lines.last() != Some(&line) {
                    lines.push(line);
                }
            }
            index.by_sku.entry(item.sku.clone()).or_default().push(line);
        }
        index
    }

    /// The lines the filter selects, ascending.
    pub fn lines(&self, filter: &SimpleFilter) -> Cow<'_, [usize]> {
        fn found(lines: Option<&Vec<usize>>) -> Cow<'_, [usize]> {
            Cow::Borrowed(lines.map_or(&[][..], Vec::as_slice))
        }
        match filter {
            SimpleFilter::Category(category) => found(self.by_category.get(&**category)),
            SimpleFilter::Skus(skus) if skus.len() == 1 => found(self.by_sku.get(&*skus[0])),
            SimpleFilter::Skus(skus) => {
                let mut lines: Vec<usize> = skus
                    .iter()
                    .filter_map(|sku| self.by_sku.get(&**sku))
                    .flatten()
                    .copied()
                    .collect();
                lines.sort_unstable();
                lines.dedup();
                Cow::Owned(lines)
            }
        }
    }
}

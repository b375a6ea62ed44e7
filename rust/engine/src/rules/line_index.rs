//! An index of a cart's lines by category and SKU, built once per Qualify request, so that the
//! many filters of the form `item.categories contains X` or `item.sku in [...]` find their lines
//! by lookup instead of running the filter on every line for every campaign.

use std::borrow::Cow;

use smallvec::SmallVec;

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

/// Lines of one key, ascending: a category or SKU is on one or two lines of a cart, mostly.
type Lines = SmallVec<[usize; 2]>;

/// The request lines by category, SKU and product id, borrowing the order's strings (built once
/// per request: nothing is copied).
#[derive(Debug, Default)]
pub struct LineIndex<'o> {
    by_category: FastMap<&'o str, Lines>,
    by_sku: FastMap<&'o str, Lines>,
    /// Lines with a product id.
    by_product: FastMap<&'o str, Lines>,
}

impl<'o> LineIndex<'o> {
    pub fn build(order: &'o Order) -> LineIndex<'o> {
        let lines = order.items.len();
        let sized = || FastMap::with_capacity_and_hasher(lines, Default::default());
        let mut index = LineIndex {
            by_category: sized(),
            by_sku: sized(),
            by_product: FastMap::default(),
        };
        for (line, item) in order.items.iter().enumerate() {
            for category in &item.categories {
                let lines = index.by_category.entry(category).or_default();
                // A category listed twice on one line still selects the line once.
                if lines.last() != Some(&line) {
                    lines.push(line);
                }
            }
            index.by_sku.entry(&item.sku).or_default().push(line);
            if !item.product_id.is_empty() {
                index
                    .by_product
                    .entry(&item.product_id)
                    .or_default()
                    .push(line);
            }
        }
        index
    }

    /// The lines the filter selects, ascending.
    pub fn lines(&self, filter: &SimpleFilter) -> Cow<'_, [usize]> {
        fn found<'l>(lines: Option<&'l Lines>) -> Cow<'l, [usize]> {
            Cow::Borrowed(lines.map_or(&[][..], |lines| lines.as_slice()))
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

    /// Whether a line has this line key: "c:<category>", "s:<sku>" or "p:<product id>" (the
    /// keys of `qualify::requirements::Requirements::line_keys`).
    pub fn has_line_key(&self, key: &str) -> bool {
        let (map, value) = if let Some(category) = key.strip_prefix("c:") {
            (&self.by_category, category)
        } else if let Some(sku) = key.strip_prefix("s:") {
            (&self.by_sku, sku)
        } else if let Some(product) = key.strip_prefix("p:") {
            (&self.by_product, product)
        } else {
            return false;
        };
        map.contains_key(value)
    }

    /// Every line key of the cart, each once, written into `key` in turn for `visit`.
    pub fn for_each_line_key(&self, key: &mut String, mut visit: impl FnMut(&str)) {
        let maps = [
            ("c:", &self.by_category),
            ("s:", &self.by_sku),
            ("p:", &self.by_product),
        ];
        for (prefix, map) in maps {
            for value in map.keys() {
                key.clear();
                key.push_str(prefix);
                key.push_str(value);
                visit(key);
            }
        }
    }
}

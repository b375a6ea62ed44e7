//! Subjects: what a leaf reads. Order-level rules read `order.*`, `customer.*` and item
//! aggregates (`items.quantity`, `items.amount` over a filter); item filters read `item.*`.
//! Each subject has a static type checked at compile time (customer attributes are dynamic).

use serde_json::{Map, Value as Json};

use super::compile::compile_node;
use super::node::Node;
use super::value::{Actual, ValueType};
use crate::error::CompileError;
use crate::pb::v1::{Item, Order};

/// How a numeric subject is counted: drives money formatting and near misses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Minor units of the order currency.
    Amount,
    /// Units or lines.
    Quantity,
    /// Anything else.
    Plain,
}

/// What the rules of one scope read, and how.
pub trait Subject: Sized {
    /// The data a leaf of this scope reads during evaluation.
    type Facts<'a>;

    /// Parses the `subject` of a leaf at `leaf_path` (with its `filter`, when present) at nesting
    /// `depth`.
    fn compile(
        name: &str,
        filter: Option<&Json>,
        leaf_path: &str,
        depth: usize,
    ) -> Result<Self, CompileError>;

    fn value_type(&self) -> ValueType;

    fn measure(&self) -> Measure;

    /// Human label for generated messages, e.g. "order amount".
    fn label(&self) -> String;

    /// The subject's value in these facts.
    fn resolve<'a>(&self, facts: &Self::Facts<'a>) -> Actual<'a>;
}

/// What order-level rules see: the request plus the running cart of this evaluation.
#[derive(Debug, Clone, Copy)]
pub struct OrderFacts<'a> {
    pub order: &'a Order,
    /// None for an anonymous checkout.
    pub customer_id: Option<&'a str>,
    /// The request's customer attributes (a JSON object), when given.
    pub customer_attributes: Option<&'a Map<String, Json>>,
    /// Per line, after the discounts applied earlier in this request.
    pub running_line_amounts: &'a [i64],
    /// Items amount before any discount.
    pub initial_amount: i64,
    /// Items amount after the discounts applied earlier in this request.
    pub running_amount: i64,
    pub total_quantity: i64,
}

/// What an item filter sees: one line.
#[derive(Debug, Clone, Copy)]
pub struct ItemFacts<'a> {
    pub item: &'a Item,
}

/// A compiled item filter (`filter` of an item aggregate).
#[derive(Debug, Clone)]
pub struct ItemRule {
    pub(crate) root: Node<ItemSubject>,
}

impl ItemRule {
    pub fn matches(&self, item: &Item) -> bool {
        self.root.evaluate(&ItemFacts { item })
    }
}

/// A path into the customer's attributes JSON, e.g. `address.country`.
#[derive(Debug, Clone)]
pub struct AttributePath {
    dotted: Box<str>,
}

impl AttributePath {
    fn parse(dotted: &str) -> Option<AttributePath> {
        if dotted.split('.').any(str::is_empty) {
            return None;
        }
        Some(AttributePath {
            dotted: dotted.into(),
        })
    }

    /// Follows the path through nested objects; null reads as absent.
    fn lookup<'a>(&self, attributes: &'a Map<String, Json>) -> Option<&'a Json> {
        let mut segments = self.dotted.split('.');
        let mut current = attributes.get(segments.next()?)?;
        for segment in segments {
            current = current.as_object()?.get(segment)?;
        }
        (!current.is_null()).then_some(current)
    }
}

/// Subjects of order-level rules.
#[derive(Debug, Clone)]
pub enum OrderSubject {
    /// `order.amount`: items amount after earlier discounts of this request (the running cart).
    Amount,
    /// `order.initial_amount`: items amount before any discount.
    InitialAmount,
    /// `order.items_count`: number of lines.
    ItemsCount,
    /// `order.total_quantity`: units over all lines.
    TotalQuantity,
    Currency,
    /// Empty channel reads as absent.
    Channel,
    /// Empty store id reads as absent.
    StoreId,
    /// Absent for an anonymous checkout.
    CustomerId,
    /// `customer.attributes.<path>`, typed at evaluation.
    CustomerAttribute(AttributePath),
    /// `items.quantity`: units over the lines matching the filter (all lines without one).
    ItemsQuantity(Option<Box<ItemRule>>),
    /// `items.amount`: running amount of the lines matching the filter.
    ItemsAmount(Option<Box<ItemRule>>),
}

const ORDER_SUBJECTS: &str = "order.amount, order.initial_amount, order.items_count, \
    order.total_quantity, order.currency, order.channel, order.store_id, customer.id, \
    customer.attributes.<path>, items.quantity, items.amount";

const ITEM_SUBJECTS: &str = "item.sku, item.product_id, item.categories, item.unit_price, \
    item.quantity";

const ATTRIBUTES_PREFIX: &str = "customer.attributes.";

fn non_empty(text: &str) -> Actual<'_> {
    if text.is_empty() {
        Actual::Absent
    } else {
        Actual::String(text)
    }
}

impl OrderSubject {
    /// The item filter of an aggregate subject.
    pub fn filter(&self) -> Option<&ItemRule> {
        match self {
            OrderSubject::ItemsQuantity(filter) | OrderSubject::ItemsAmount(filter) => {
                filter.as_deref()
            }
            _ => None,
        }
    }

    /// Sums `value(line)` over the lines matching the filter. Saturating: request validation
    /// already bounds the sums over all lines.
    fn sum_matching(
        filter: Option<&ItemRule>,
        facts: &OrderFacts<'_>,
        value: impl Fn(usize, &Item) -> i64,
    ) -> i64 {
        facts
            .order
            .items
            .iter()
            .enumerate()
            .filter(|(_, item)| filter.is_none_or(|rule| rule.matches(item)))
            .fold(0i64, |sum, (index, item)| {
                sum.saturating_add(value(index, item))
            })
    }
}

impl Subject for OrderSubject {
    type Facts<'a> = OrderFacts<'a>;

    fn compile(
        name: &str,
        filter: Option<&Json>,
        leaf_path: &str,
        depth: usize,
    ) -> Result<Self, CompileError> {
        let is_aggregate = matches!(name, "items.quantity" | "items.amount");
        if filter.is_some() && !is_aggregate {
            return Err(CompileError::new(
                format!("{leaf_path}.filter"),
                "filter is only allowed on items.quantity and items.amount",
            ));
        }
        let compile_filter = || -> Result<Option<Box<ItemRule>>, CompileError> {
            filter
                .map(|json| {
                    compile_node::<ItemSubject>(json, format!("{leaf_path}.filter"), depth + 1)
                        .map(|root| Box::new(ItemRule { root }))
                })
                .transpose()
        };
        let subject = match name {
            "order.amount" => OrderSubject::Amount,
            "order.initial_amount" => OrderSubject::InitialAmount,
            "order.items_count" => OrderSubject::ItemsCount,
            "order.total_quantity" => OrderSubject::TotalQuantity,
            "order.currency" => OrderSubject::Currency,
            "order.channel" => OrderSubject::Channel,
            "order.store_id" => OrderSubject::StoreId,
            "customer.id" => OrderSubject::CustomerId,
            "items.quantity" => OrderSubject::ItemsQuantity(compile_filter()?),
            "items.amount" => OrderSubject::ItemsAmount(compile_filter()?),
            _ => {
                let subject_path = format!("{leaf_path}.subject");
                if let Some(dotted) = name.strip_prefix(ATTRIBUTES_PREFIX) {
                    let path = AttributePath::parse(dotted).ok_or_else(|| {
                        CompileError::new(
                            &subject_path,
                            format!("\"{name}\" has an empty path segment"),
                        )
                    })?;
                    OrderSubject::CustomerAttribute(path)
                } else if name == "customer.attributes" {
                    return Err(CompileError::new(
                        subject_path,
                        "customer.attributes needs a path, e.g. customer.attributes.country",
                    ));
                } else if name.starts_with("item.") {
                    return Err(CompileError::new(
                        subject_path,
                        format!(
                            "{name} is only valid inside the filter of items.quantity or \
                             items.amount"
                        ),
                    ));
                } else {
                    return Err(CompileError::new(
                        subject_path,
                        format!("unknown subject \"{name}\"; expected one of {ORDER_SUBJECTS}"),
                    ));
                }
            }
        };
        Ok(subject)
    }

    fn value_type(&self) -> ValueType {
        match self {
            OrderSubject::Amount
            | OrderSubject::InitialAmount
            | OrderSubject::ItemsCount
            | OrderSubject::TotalQuantity
            | OrderSubject::ItemsQuantity(_)
            | OrderSubject::ItemsAmount(_) => ValueType::Integer,
            OrderSubject::Currency
            | OrderSubject::Channel
            | OrderSubject::StoreId
            | OrderSubject::CustomerId => ValueType::String,
            OrderSubject::CustomerAttribute(_) => ValueType::Dynamic,
        }
    }

    fn measure(&self) -> Measure {
        match self {
            OrderSubject::Amount | OrderSubject::InitialAmount | OrderSubject::ItemsAmount(_) => {
                Measure::Amount
            }
            OrderSubject::ItemsCount
            | OrderSubject::TotalQuantity
            | OrderSubject::ItemsQuantity(_) => Measure::Quantity,
            OrderSubject::Currency
            | OrderSubject::Channel
            | OrderSubject::StoreId
            | OrderSubject::CustomerId
            | OrderSubject::CustomerAttribute(_) => Measure::Plain,
        }
    }

    fn label(&self) -> String {
        let with_filter = |base: &str, filter: Option<&ItemRule>| match filter {
            Some(rule) => format!("{base} where {}", super::describe::compact(&rule.root)),
            None => base.to_owned(),
        };
        match self {
            OrderSubject::Amount => "order amount".to_owned(),
            OrderSubject::InitialAmount => "order amount before discounts".to_owned(),
            OrderSubject::ItemsCount => "number of different items".to_owned(),
            OrderSubject::TotalQuantity => "number of items".to_owned(),
            OrderSubject::Currency => "order currency".to_owned(),
            OrderSubject::Channel => "order channel".to_owned(),
            OrderSubject::StoreId => "store".to_owned(),
            OrderSubject::CustomerId => "customer id".to_owned(),
            OrderSubject::CustomerAttribute(path) => format!("customer attribute {}", path.dotted),
            OrderSubject::ItemsQuantity(filter) => {
                with_filter("number of items", filter.as_deref())
            }
            OrderSubject::ItemsAmount(filter) => with_filter("amount of items", filter.as_deref()),
        }
    }

    fn resolve<'a>(&self, facts: &Self::Facts<'a>) -> Actual<'a> {
        match self {
            OrderSubject::Amount => Actual::Integer(facts.running_amount),
            OrderSubject::InitialAmount => Actual::Integer(facts.initial_amount),
            OrderSubject::ItemsCount => {
                Actual::Integer(i64::try_from(facts.order.items.len()).unwrap_or(i64::MAX))
            }
            OrderSubject::TotalQuantity => Actual::Integer(facts.total_quantity),
            OrderSubject::Currency => non_empty(&facts.order.currency),
            OrderSubject::Channel => non_empty(&facts.order.channel),
            OrderSubject::StoreId => non_empty(&facts.order.store_id),
            OrderSubject::CustomerId => facts.customer_id.map_or(Actual::Absent, non_empty),
            OrderSubject::CustomerAttribute(path) => facts
                .customer_attributes
                .and_then(|attributes| path.lookup(attributes))
                .map_or(Actual::Absent, Actual::Json),
            OrderSubject::ItemsQuantity(filter) => Actual::Integer(OrderSubject::sum_matching(
                filter.as_deref(),
                facts,
                |_, item| item.quantity,
            )),
            OrderSubject::ItemsAmount(filter) => Actual::Integer(OrderSubject::sum_matching(
                filter.as_deref(),
                facts,
                |index, _| facts.running_line_amounts.get(index).copied().unwrap_or(0),
            )),
        }
    }
}

/// Subjects of item filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemSubject {
    Sku,
    /// Empty product id reads as absent.
    ProductId,
    Categories,
    /// Catalogue unit price (before discounts), minor units.
    UnitPrice,
    Quantity,
}

impl Subject for ItemSubject {
    type Facts<'a> = ItemFacts<'a>;

    fn compile(
        name: &str,
        filter: Option<&Json>,
        leaf_path: &str,
        _depth: usize,
    ) -> Result<Self, CompileError> {
        if filter.is_some() {
            return Err(CompileError::new(
                format!("{leaf_path}.filter"),
                "item filters cannot be nested",
            ));
        }
        match name {
            "item.sku" => Ok(ItemSubject::Sku),
            "item.product_id" => Ok(ItemSubject::ProductId),
            "item.categories" => Ok(ItemSubject::Categories),
            "item.unit_price" => Ok(ItemSubject::UnitPrice),
            "item.quantity" => Ok(ItemSubject::Quantity),
            _ => Err(CompileError::new(
                format!("{leaf_path}.subject"),
                format!(
                    "unknown item subject \"{name}\"; an item filter reads one line: \
                     {ITEM_SUBJECTS}"
                ),
            )),
        }
    }

    fn value_type(&self) -> ValueType {
        match self {
            ItemSubject::Sku | ItemSubject::ProductId => ValueType::String,
            ItemSubject::Categories => ValueType::StringList,
            ItemSubject::UnitPrice | ItemSubject::Quantity => ValueType::Integer,
        }
    }

    fn measure(&self) -> Measure {
        match self {
            ItemSubject::UnitPrice => Measure::Amount,
            ItemSubject::Quantity => Measure::Quantity,
            ItemSubject::Sku | ItemSubject::ProductId | ItemSubject::Categories => Measure::Plain,
        }
    }

    fn label(&self) -> String {
        match self {
            ItemSubject::Sku => "sku",
            ItemSubject::ProductId => "product id",
            ItemSubject::Categories => "categories",
            ItemSubject::UnitPrice => "unit price",
            ItemSubject::Quantity => "quantity",
        }
        .to_owned()
    }

    fn resolve<'a>(&self, facts: &Self::Facts<'a>) -> Actual<'a> {
        let item = facts.item;
        match self {
            ItemSubject::Sku => Actual::String(&item.sku),
            ItemSubject::ProductId => non_empty(&item.product_id),
            ItemSubject::Categories => Actual::StringList(&item.categories),
            ItemSubject::UnitPrice => Actual::Integer(item.unit_price),
            ItemSubject::Quantity => Actual::Integer(item.quantity),
        }
    }
}

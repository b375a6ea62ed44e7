//! Subjects: what a leaf reads. Order-level rules read `order.*`, `customer.*`, `context.*`,
//! `counters.*` and item aggregates (`items.quantity|amount|count` over a filter); item filters
//! read `item.*`. Each subject has a static type checked at compile time (attributes and
//! metadata are dynamic).

use serde_json::{Map, Value as Json};

use super::compile::compile_node;
use super::line_index::{LineIndex, SimpleFilter};
use super::node::Node;
use super::operator::TestEnv;
use super::value::{Actual, ValueType};
use crate::error::CompileError;
use crate::pb::internal::{Counters, CustomerProfile};
use crate::pb::v1::{Item, Order};
use crate::schedule::timestamp_to_unix_ms;
use crate::temporal::{local_date, local_hour, local_weekday, Temporal};

/// How a subject's numbers are counted: drives money formatting and near misses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Minor units of the order currency, a threshold the cart can reach (near misses).
    Amount,
    /// Units or lines of the cart (near misses).
    Quantity,
    /// Minor units, formatted as money, not reachable by changing the cart.
    Money,
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

    /// Time zone and instant of the evaluation.
    fn env(facts: &Self::Facts<'_>) -> TestEnv;
}

/// What order-level rules see: the request plus the running cart of this evaluation.
#[derive(Debug, Clone, Copy)]
pub struct OrderFacts<'a> {
    pub order: &'a Order,
    /// None for an anonymous checkout.
    pub customer_id: Option<&'a str>,
    /// The customer's attributes: the stored ones with the request's merged over them.
    pub customer_attributes: Option<&'a Map<String, Json>>,
    /// What the store knows about the customer.
    pub profile: Option<&'a CustomerProfile>,
    pub order_metadata: Option<&'a Map<String, Json>>,
    /// Parsed metadata of each request line.
    pub item_metadata: &'a [Option<Map<String, Json>>],
    /// Per request line, after the discounts applied earlier in this request.
    pub running_line_amounts: &'a [i64],
    /// Items amount before any discount.
    pub initial_amount: i64,
    /// Items amount after the discounts applied earlier in this request.
    pub running_amount: i64,
    pub total_quantity: i64,
    /// The counters of the redeemable (with this request's own earlier use).
    pub counters: &'a Counters,
    pub env: TestEnv,
    /// The lines by category and SKU, when the caller built it (Qualify).
    pub line_index: Option<&'a LineIndex<'a>>,
}

impl<'a> OrderFacts<'a> {
    /// What an item filter sees of request line `index`.
    pub fn item_facts(&self, index: usize) -> Option<ItemFacts<'a>> {
        Some(ItemFacts {
            item: self.order.items.get(index)?,
            metadata: self.item_metadata.get(index).and_then(Option::as_ref),
            running_amount: self.running_line_amounts.get(index).copied().unwrap_or(0),
            env: self.env,
        })
    }
}

/// What an item filter sees: one line.
#[derive(Debug, Clone, Copy)]
pub struct ItemFacts<'a> {
    pub item: &'a Item,
    pub metadata: Option<&'a Map<String, Json>>,
    /// The line's amount after earlier discounts of this request.
    pub running_amount: i64,
    pub env: TestEnv,
}

/// A compiled item filter (`filter` of an item aggregate, `ItemFilter.rule_json` of effects).
#[derive(Debug, Clone)]
pub struct ItemRule {
    pub(crate) root: Node<ItemSubject>,
    /// The same filter as a line-key lookup, when it has that shape.
    simple: Option<SimpleFilter>,
}

impl ItemRule {
    /// Compiles an item rule already parsed; paths start at `path`.
    pub fn from_json(json: &Json, path: String, depth: usize) -> Result<ItemRule, CompileError> {
        compile_node::<ItemSubject>(json, path, depth).map(|root| ItemRule {
            simple: SimpleFilter::of(&root),
            root,
        })
    }

    pub fn matches(&self, facts: &ItemFacts<'_>) -> bool {
        self.root.evaluate(facts)
    }

    /// Indexes of the request lines the filter matches, ascending (through the line index when
    /// the facts carry one and the filter is a line-key lookup).
    pub fn matching_lines(&self, facts: &OrderFacts<'_>) -> Vec<usize> {
        if let (Some(simple), Some(index)) = (&self.simple, facts.line_index) {
            return index.lines(simple).into_owned();
        }
        (0..facts.order.items.len())
            .filter(|&line| {
                facts
                    .item_facts(line)
                    .is_some_and(|item| self.matches(&item))
            })
            .collect()
    }

    /// Compact description, e.g. `categories contains "coffee"`.
    pub fn describe(&self) -> String {
        super::describe::compact(&self.root)
    }

    /// The root node, for the Qualify index.
    pub(crate) fn root(&self) -> &Node<ItemSubject> {
        &self.root
    }

    /// The filter as a line-key lookup, when it has that shape.
    pub(crate) fn simple(&self) -> Option<&SimpleFilter> {
        self.simple.as_ref()
    }
}

/// A path into a JSON object, e.g. `address.country`.
#[derive(Debug, Clone)]
pub struct JsonPath {
    dotted: Box<str>,
}

impl JsonPath {
    fn parse(dotted: &str) -> Option<JsonPath> {
        if dotted.split('.').any(str::is_empty) {
            return None;
        }
        Some(JsonPath {
            dotted: dotted.into(),
        })
    }

    pub fn dotted(&self) -> &str {
        &self.dotted
    }

    /// Follows the path through nested objects; null reads as absent.
    pub fn lookup<'a>(&self, object: &'a Map<String, Json>) -> Option<&'a Json> {
        let mut segments = self.dotted.split('.');
        let mut current = object.get(segments.next()?)?;
        for segment in segments {
            current = current.as_object()?.get(segment)?;
        }
        (!current.is_null()).then_some(current)
    }

    fn resolve<'a>(&self, object: Option<&'a Map<String, Json>>) -> Actual<'a> {
        object
            .and_then(|object| self.lookup(object))
            .map_or(Actual::Absent, Actual::Json)
    }
}

/// A counter the store supplies (`counters.<field>`), from the redeemable's Counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CounterField {
    CodeRedeemed,
    CampaignRedemptions,
    CustomerRedemptions,
    CustomerDay,
    CustomerWeek,
    CustomerMonth,
    CampaignDay,
    DiscountGiven,
    OrderValue,
}

impl CounterField {
    const ALL: [(&'static str, CounterField); 9] = [
        ("code_redeemed", CounterField::CodeRedeemed),
        ("campaign_redemptions", CounterField::CampaignRedemptions),
        ("customer_redemptions", CounterField::CustomerRedemptions),
        ("customer_day", CounterField::CustomerDay),
        ("customer_week", CounterField::CustomerWeek),
        ("customer_month", CounterField::CustomerMonth),
        ("campaign_day", CounterField::CampaignDay),
        ("discount_given", CounterField::DiscountGiven),
        ("order_value", CounterField::OrderValue),
    ];

    fn read(self, counters: &Counters) -> i64 {
        match self {
            CounterField::CodeRedeemed => counters.code_redeemed,
            CounterField::CampaignRedemptions => counters.campaign_redemptions,
            CounterField::CustomerRedemptions => counters.customer_redemptions,
            CounterField::CustomerDay => counters.customer_day,
            CounterField::CustomerWeek => counters.customer_week,
            CounterField::CustomerMonth => counters.customer_month,
            CounterField::CampaignDay => counters.campaign_day,
            CounterField::DiscountGiven => counters.discount_given,
            CounterField::OrderValue => counters.order_value,
        }
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
    /// `order.shipping_amount`: shipping before discounts.
    ShippingAmount,
    Currency,
    /// Empty channel reads as absent.
    Channel,
    /// Empty store id reads as absent.
    StoreId,
    /// Empty order id reads as absent.
    OrderId,
    /// `order.metadata.<path>`, typed at evaluation.
    OrderMetadata(JsonPath),
    /// Absent for an anonymous checkout.
    CustomerId,
    /// `customer.attributes.<path>`, typed at evaluation.
    CustomerAttribute(JsonPath),
    /// `customer.segments`: absent without a stored profile.
    CustomerSegments,
    /// `customer.aggregates.orders_count`.
    OrdersCount,
    /// `customer.aggregates.total_spent`.
    TotalSpent,
    /// `customer.aggregates.spent_last_365_days`: spend over the rolling last 365 days.
    SpentLast365Days,
    /// `customer.aggregates.last_order_at`.
    LastOrderAt,
    /// `customer.aggregates.campaign_redemptions.<campaign id>` (0 when not listed).
    CampaignRedemptions(Box<str>),
    /// `customer.aggregates.events.<event name>`: custom events tracked (0 when never).
    EventCount(Box<str>),
    /// `customer.loyalty.<program id>.tier`.
    LoyaltyTier(Box<str>),
    /// `customer.loyalty.<program id>.points`.
    LoyaltyPoints(Box<str>),
    /// `context.now`: the evaluation instant.
    Now,
    /// `context.date`: today in the campaign's time zone.
    Today,
    /// `context.day_of_week`: ISO weekday 1..7 in the campaign's time zone.
    DayOfWeek,
    /// `context.hour`: 0..23 in the campaign's time zone.
    Hour,
    /// `items.quantity`: units over the lines matching the filter (all lines without one).
    ItemsQuantity(Option<Box<ItemRule>>),
    /// `items.amount`: running amount of the lines matching the filter.
    ItemsAmount(Option<Box<ItemRule>>),
    /// `items.count`: number of lines matching the filter.
    ItemsLines(Option<Box<ItemRule>>),
    /// `counters.<field>`.
    Counter(CounterField),
}

const ORDER_SUBJECTS: &str = "order.amount, order.initial_amount, order.items_count, \
    order.total_quantity, order.shipping_amount, order.currency, order.channel, order.store_id, \
    order.id, order.metadata.<path>, customer.id, customer.attributes.<path>, customer.segments, \
    customer.aggregates.orders_count|total_spent|spent_last_365_days|last_order_at|\
    campaign_redemptions.<id>|events.<name>, \
    customer.loyalty.<program>.tier|points, context.now, context.date, context.day_of_week, \
    context.hour, items.quantity, items.amount, items.count, counters.<field>";

const ITEM_SUBJECTS: &str = "item.sku, item.product_id, item.categories, item.unit_price, \
    item.quantity, item.amount, item.metadata.<path>";

fn non_empty(text: &str) -> Actual<'_> {
    if text.is_empty() {
        Actual::Absent
    } else {
        Actual::String(text)
    }
}

fn parse_path(name: &str, prefix: &str, subject_path: &str) -> Result<JsonPath, CompileError> {
    let dotted = &name[prefix.len()..];
    JsonPath::parse(dotted).ok_or_else(|| {
        CompileError::new(
            subject_path,
            format!("\"{name}\" has an empty path segment"),
        )
    })
}

impl OrderSubject {
    /// The item filter of an aggregate subject.
    pub fn filter(&self) -> Option<&ItemRule> {
        match self {
            OrderSubject::ItemsQuantity(filter)
            | OrderSubject::ItemsAmount(filter)
            | OrderSubject::ItemsLines(filter) => filter.as_deref(),
            _ => None,
        }
    }

    fn is_aggregate(name: &str) -> bool {
        matches!(name, "items.quantity" | "items.amount" | "items.count")
    }

    /// Sums `value(line)` over the request lines matching the filter. Saturating: request
    /// validation already bounds the sums over all lines.
    fn sum_matching(
        filter: Option<&ItemRule>,
        facts: &OrderFacts<'_>,
        value: impl Fn(&ItemFacts<'_>) -> i64,
    ) -> i64 {
        if let (Some(simple), Some(index)) =
            (filter.and_then(|f| f.simple.as_ref()), facts.line_index)
        {
            return index
                .lines(simple)
                .iter()
                .filter_map(|&line| facts.item_facts(line))
                .fold(0i64, |sum, item| sum.saturating_add(value(&item)));
        }
        (0..facts.order.items.len())
            .filter_map(|index| facts.item_facts(index))
            .filter(|item| filter.is_none_or(|rule| rule.matches(item)))
            .fold(0i64, |sum, item| sum.saturating_add(value(&item)))
    }

    fn compile_named(name: &str, subject_path: &str) -> Result<OrderSubject, CompileError> {
        let unknown = || {
            CompileError::new(
                subject_path,
                format!("unknown subject \"{name}\"; expected one of {ORDER_SUBJECTS}"),
            )
        };
        if name.starts_with("customer.attributes.") {
            return Ok(OrderSubject::CustomerAttribute(parse_path(
                name,
                "customer.attributes.",
                subject_path,
            )?));
        }
        if name.starts_with("order.metadata.") {
            return Ok(OrderSubject::OrderMetadata(parse_path(
                name,
                "order.metadata.",
                subject_path,
            )?));
        }
        if let Some(id) = name.strip_prefix("customer.aggregates.campaign_redemptions.") {
            if id.is_empty() {
                return Err(unknown());
            }
            return Ok(OrderSubject::CampaignRedemptions(id.into()));
        }
        if let Some(event) = name.strip_prefix("customer.aggregates.events.") {
            if event.is_empty() {
                return Err(unknown());
            }
            return Ok(OrderSubject::EventCount(event.into()));
        }
        if let Some(rest) = name.strip_prefix("customer.loyalty.") {
            if let Some(program) = rest.strip_suffix(".tier").filter(|p| !p.is_empty()) {
                return Ok(OrderSubject::LoyaltyTier(program.into()));
            }
            if let Some(program) = rest.strip_suffix(".points").filter(|p| !p.is_empty()) {
                return Ok(OrderSubject::LoyaltyPoints(program.into()));
            }
            return Err(CompileError::new(
                subject_path,
                format!("\"{name}\": expected customer.loyalty.<program id>.tier or .points"),
            ));
        }
        if let Some(field) = name.strip_prefix("counters.") {
            return CounterField::ALL
                .iter()
                .find(|(known, _)| *known == field)
                .map(|(_, field)| OrderSubject::Counter(*field))
                .ok_or_else(|| {
                    let names: Vec<&str> = CounterField::ALL.iter().map(|(n, _)| *n).collect();
                    CompileError::new(
                        subject_path,
                        format!(
                            "unknown counter \"{field}\"; expected one of {}",
                            names.join(", ")
                        ),
                    )
                });
        }
        Ok(match name {
            "order.amount" => OrderSubject::Amount,
            "order.initial_amount" => OrderSubject::InitialAmount,
            "order.items_count" => OrderSubject::ItemsCount,
            "order.total_quantity" => OrderSubject::TotalQuantity,
            "order.shipping_amount" => OrderSubject::ShippingAmount,
            "order.currency" => OrderSubject::Currency,
            "order.channel" => OrderSubject::Channel,
            "order.store_id" => OrderSubject::StoreId,
            "order.id" => OrderSubject::OrderId,
            "customer.id" => OrderSubject::CustomerId,
            "customer.segments" => OrderSubject::CustomerSegments,
            "customer.aggregates.orders_count" => OrderSubject::OrdersCount,
            "customer.aggregates.total_spent" => OrderSubject::TotalSpent,
            "customer.aggregates.spent_last_365_days" => OrderSubject::SpentLast365Days,
            "customer.aggregates.last_order_at" => OrderSubject::LastOrderAt,
            "context.now" => OrderSubject::Now,
            "context.date" => OrderSubject::Today,
            "context.day_of_week" => OrderSubject::DayOfWeek,
            "context.hour" => OrderSubject::Hour,
            "customer.attributes" | "order.metadata" => {
                return Err(CompileError::new(
                    subject_path,
                    format!("{name} needs a path, e.g. {name}.country"),
                ))
            }
            _ if name.starts_with("item.") => {
                return Err(CompileError::new(
                    subject_path,
                    format!(
                        "{name} is only valid inside the filter of items.quantity, items.amount \
                         or items.count"
                    ),
                ))
            }
            _ => return Err(unknown()),
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
        if filter.is_some() && !OrderSubject::is_aggregate(name) {
            return Err(CompileError::new(
                format!("{leaf_path}.filter"),
                "filter is only allowed on items.quantity, items.amount and items.count",
            ));
        }
        let compile_filter = || -> Result<Option<Box<ItemRule>>, CompileError> {
            filter
                .map(|json| {
                    ItemRule::from_json(json, format!("{leaf_path}.filter"), depth + 1)
                        .map(Box::new)
                })
                .transpose()
        };
        Ok(match name {
            "items.quantity" => OrderSubject::ItemsQuantity(compile_filter()?),
            "items.amount" => OrderSubject::ItemsAmount(compile_filter()?),
            "items.count" => OrderSubject::ItemsLines(compile_filter()?),
            _ => OrderSubject::compile_named(name, &format!("{leaf_path}.subject"))?,
        })
    }

    fn value_type(&self) -> ValueType {
        match self {
            OrderSubject::Amount
            | OrderSubject::InitialAmount
            | OrderSubject::ItemsCount
            | OrderSubject::TotalQuantity
            | OrderSubject::ShippingAmount
            | OrderSubject::OrdersCount
            | OrderSubject::TotalSpent
            | OrderSubject::SpentLast365Days
            | OrderSubject::CampaignRedemptions(_)
            | OrderSubject::EventCount(_)
            | OrderSubject::LoyaltyPoints(_)
            | OrderSubject::DayOfWeek
            | OrderSubject::Hour
            | OrderSubject::ItemsQuantity(_)
            | OrderSubject::ItemsAmount(_)
            | OrderSubject::ItemsLines(_)
            | OrderSubject::Counter(_) => ValueType::Integer,
            OrderSubject::Currency
            | OrderSubject::Channel
            | OrderSubject::StoreId
            | OrderSubject::OrderId
            | OrderSubject::CustomerId
            | OrderSubject::LoyaltyTier(_) => ValueType::String,
            OrderSubject::CustomerSegments => ValueType::StringList,
            OrderSubject::LastOrderAt | OrderSubject::Now => ValueType::Instant,
            OrderSubject::Today => ValueType::Date,
            OrderSubject::CustomerAttribute(_) | OrderSubject::OrderMetadata(_) => {
                ValueType::Dynamic
            }
        }
    }

    fn measure(&self) -> Measure {
        match self {
            OrderSubject::Amount | OrderSubject::InitialAmount | OrderSubject::ItemsAmount(_) => {
                Measure::Amount
            }
            OrderSubject::ItemsCount
            | OrderSubject::TotalQuantity
            | OrderSubject::ItemsQuantity(_)
            | OrderSubject::ItemsLines(_) => Measure::Quantity,
            OrderSubject::ShippingAmount
            | OrderSubject::TotalSpent
            | OrderSubject::SpentLast365Days
            | OrderSubject::Counter(CounterField::DiscountGiven | CounterField::OrderValue) => {
                Measure::Money
            }
            _ => Measure::Plain,
        }
    }

    fn label(&self) -> String {
        let with_filter = |base: &str, filter: Option<&ItemRule>| match filter {
            Some(rule) => format!("{base} where {}", rule.describe()),
            None => base.to_owned(),
        };
        match self {
            OrderSubject::Amount => "order amount".to_owned(),
            OrderSubject::InitialAmount => "order amount before discounts".to_owned(),
            OrderSubject::ItemsCount => "number of different items".to_owned(),
            OrderSubject::TotalQuantity => "number of items".to_owned(),
            OrderSubject::ShippingAmount => "shipping amount".to_owned(),
            OrderSubject::Currency => "order currency".to_owned(),
            OrderSubject::Channel => "order channel".to_owned(),
            OrderSubject::StoreId => "store".to_owned(),
            OrderSubject::OrderId => "order id".to_owned(),
            OrderSubject::OrderMetadata(path) => format!("order metadata {}", path.dotted()),
            OrderSubject::CustomerId => "customer id".to_owned(),
            OrderSubject::CustomerAttribute(path) => {
                format!("customer attribute {}", path.dotted())
            }
            OrderSubject::CustomerSegments => "customer segments".to_owned(),
            OrderSubject::OrdersCount => "customer's number of orders".to_owned(),
            OrderSubject::TotalSpent => "customer's total spent".to_owned(),
            OrderSubject::SpentLast365Days => "customer's spend over the last 365 days".to_owned(),
            OrderSubject::LastOrderAt => "customer's last order".to_owned(),
            OrderSubject::CampaignRedemptions(id) => {
                format!("customer's redemptions of {id}")
            }
            OrderSubject::EventCount(event) => format!("customer's {event} events"),
            OrderSubject::LoyaltyTier(program) => format!("loyalty tier in {program}"),
            OrderSubject::LoyaltyPoints(program) => format!("loyalty points in {program}"),
            OrderSubject::Now => "the current time".to_owned(),
            OrderSubject::Today => "today's date".to_owned(),
            OrderSubject::DayOfWeek => "day of the week".to_owned(),
            OrderSubject::Hour => "hour of the day".to_owned(),
            OrderSubject::ItemsQuantity(filter) => {
                with_filter("number of items", filter.as_deref())
            }
            OrderSubject::ItemsAmount(filter) => with_filter("amount of items", filter.as_deref()),
            OrderSubject::ItemsLines(filter) => with_filter("number of lines", filter.as_deref()),
            OrderSubject::Counter(field) => {
                let name = CounterField::ALL
                    .iter()
                    .find(|(_, known)| known == field)
                    .map_or("counter", |(name, _)| name);
                format!("counter {name}")
            }
        }
    }

    fn resolve<'a>(&self, facts: &Self::Facts<'a>) -> Actual<'a> {
        let env = facts.env;
        let aggregates = facts
            .profile
            .and_then(|profile| profile.aggregates.as_ref());
        match self {
            OrderSubject::Amount => Actual::Integer(facts.running_amount),
            OrderSubject::InitialAmount => Actual::Integer(facts.initial_amount),
            OrderSubject::ItemsCount => {
                Actual::Integer(i64::try_from(facts.order.items.len()).unwrap_or(i64::MAX))
            }
            OrderSubject::TotalQuantity => Actual::Integer(facts.total_quantity),
            OrderSubject::ShippingAmount => Actual::Integer(facts.order.shipping_amount),
            OrderSubject::Currency => non_empty(&facts.order.currency),
            OrderSubject::Channel => non_empty(&facts.order.channel),
            OrderSubject::StoreId => non_empty(&facts.order.store_id),
            OrderSubject::OrderId => non_empty(&facts.order.id),
            OrderSubject::OrderMetadata(path) => path.resolve(facts.order_metadata),
            OrderSubject::CustomerId => facts.customer_id.map_or(Actual::Absent, non_empty),
            OrderSubject::CustomerAttribute(path) => path.resolve(facts.customer_attributes),
            OrderSubject::CustomerSegments => facts.profile.map_or(Actual::Absent, |profile| {
                Actual::StringList(&profile.segments)
            }),
            OrderSubject::OrdersCount => {
                aggregates.map_or(Actual::Absent, |a| Actual::Integer(a.orders_count))
            }
            OrderSubject::TotalSpent => {
                aggregates.map_or(Actual::Absent, |a| Actual::Integer(a.total_spent))
            }
            OrderSubject::SpentLast365Days => {
                aggregates.map_or(Actual::Absent, |a| Actual::Integer(a.spent_last_365_days))
            }
            OrderSubject::LastOrderAt => aggregates
                .and_then(|a| a.last_order_at.as_ref())
                .and_then(timestamp_to_unix_ms)
                .map_or(Actual::Absent, |ms| Actual::Temporal(Temporal::Instant(ms))),
            OrderSubject::CampaignRedemptions(id) => aggregates.map_or(Actual::Absent, |a| {
                Actual::Integer(a.campaign_redemptions.get(&**id).copied().unwrap_or(0))
            }),
            OrderSubject::EventCount(event) => aggregates.map_or(Actual::Absent, |a| {
                Actual::Integer(a.event_counts.get(&**event).copied().unwrap_or(0))
            }),
            OrderSubject::LoyaltyTier(program) => facts
                .profile
                .and_then(|profile| profile.loyalty.get(&**program))
                .map_or(Actual::Absent, |card| non_empty(&card.tier_id)),
            OrderSubject::LoyaltyPoints(program) => facts
                .profile
                .and_then(|profile| profile.loyalty.get(&**program))
                .map_or(Actual::Absent, |card| Actual::Integer(card.points)),
            OrderSubject::Now => Actual::Temporal(Temporal::Instant(env.now_ms)),
            OrderSubject::Today => local_date(env.now_ms, env.time_zone)
                .map_or(Actual::Absent, |days| {
                    Actual::Temporal(Temporal::Date(days))
                }),
            OrderSubject::DayOfWeek => local_weekday(env.now_ms, env.time_zone)
                .map_or(Actual::Absent, |day| Actual::Integer(i64::from(day))),
            OrderSubject::Hour => local_hour(env.now_ms, env.time_zone)
                .map_or(Actual::Absent, |hour| Actual::Integer(i64::from(hour))),
            OrderSubject::ItemsQuantity(filter) => Actual::Integer(OrderSubject::sum_matching(
                filter.as_deref(),
                facts,
                |item| item.item.quantity,
            )),
            OrderSubject::ItemsAmount(filter) => Actual::Integer(OrderSubject::sum_matching(
                filter.as_deref(),
                facts,
                |item| item.running_amount,
            )),
            OrderSubject::ItemsLines(filter) => {
                Actual::Integer(OrderSubject::sum_matching(filter.as_deref(), facts, |_| 1))
            }
            OrderSubject::Counter(field) => Actual::Integer(field.read(facts.counters)),
        }
    }

    fn env(facts: &Self::Facts<'_>) -> TestEnv {
        facts.env
    }
}

/// Subjects of item filters.
#[derive(Debug, Clone)]
pub enum ItemSubject {
    Sku,
    /// Empty product id reads as absent.
    ProductId,
    Categories,
    /// Catalogue unit price (before discounts), minor units.
    UnitPrice,
    Quantity,
    /// The line's running amount (after earlier discounts of the request), minor units.
    Amount,
    /// `item.metadata.<path>`, typed at evaluation.
    Metadata(JsonPath),
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
        let subject_path = format!("{leaf_path}.subject");
        if name.starts_with("item.metadata.") {
            return Ok(ItemSubject::Metadata(parse_path(
                name,
                "item.metadata.",
                &subject_path,
            )?));
        }
        match name {
            "item.sku" => Ok(ItemSubject::Sku),
            "item.product_id" => Ok(ItemSubject::ProductId),
            "item.categories" => Ok(ItemSubject::Categories),
            "item.unit_price" => Ok(ItemSubject::UnitPrice),
            "item.quantity" => Ok(ItemSubject::Quantity),
            "item.amount" => Ok(ItemSubject::Amount),
            _ => Err(CompileError::new(
                subject_path,
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
            ItemSubject::UnitPrice | ItemSubject::Quantity | ItemSubject::Amount => {
                ValueType::Integer
            }
            ItemSubject::Metadata(_) => ValueType::Dynamic,
        }
    }

    fn measure(&self) -> Measure {
        match self {
            ItemSubject::UnitPrice | ItemSubject::Amount => Measure::Money,
            ItemSubject::Quantity => Measure::Quantity,
            _ => Measure::Plain,
        }
    }

    fn label(&self) -> String {
        match self {
            ItemSubject::Sku => "sku".to_owned(),
            ItemSubject::ProductId => "product id".to_owned(),
            ItemSubject::Categories => "categories".to_owned(),
            ItemSubject::UnitPrice => "unit price".to_owned(),
            ItemSubject::Quantity => "quantity".to_owned(),
            ItemSubject::Amount => "line amount".to_owned(),
            ItemSubject::Metadata(path) => format!("item metadata {}", path.dotted()),
        }
    }

    fn resolve<'a>(&self, facts: &Self::Facts<'a>) -> Actual<'a> {
        let item = facts.item;
        match self {
            ItemSubject::Sku => Actual::String(&item.sku),
            ItemSubject::ProductId => non_empty(&item.product_id),
            ItemSubject::Categories => Actual::StringList(&item.categories),
            ItemSubject::UnitPrice => Actual::Integer(item.unit_price),
            ItemSubject::Quantity => Actual::Integer(item.quantity),
            ItemSubject::Amount => Actual::Integer(facts.running_amount),
            ItemSubject::Metadata(path) => path.resolve(facts.metadata),
        }
    }

    fn env(facts: &Self::Facts<'_>) -> TestEnv {
        facts.env
    }
}

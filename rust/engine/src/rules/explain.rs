//! Why an order-level rule failed: the first failing leaf (or `not` node), with expected and
//! actual values, a human message and, for thresholds on amounts or quantities, the near miss.

use super::describe::{compact, condition, format_actual, leaf_sentence, Mood};
use super::node::{Leaf, Node, NodeKind};
use super::operator::{Comparison, Outcome, Test};
use super::subject::{Measure, OrderFacts, OrderSubject, Subject};
use super::value::Actual;
use crate::money::format_amount;
use crate::pb::v1::{Explanation, NearMiss};

/// What an explanation needs besides the rule and the facts.
#[derive(Debug, Clone, Copy)]
pub struct ExplainContext<'a> {
    /// Currency of amounts in messages (the campaign's, equal to the order's).
    pub currency: &'a str,
    /// The campaign's message for a failed rule, used when the failing leaf has none.
    pub rules_message: Option<&'a str>,
    /// What the campaign gives, e.g. "10% off", for near-miss messages.
    pub reward: Option<&'a str>,
}

/// The node an explanation is about.
#[derive(Clone, Copy)]
enum Failure<'r, 'a> {
    Leaf {
        node: &'r Node<OrderSubject>,
        leaf: &'r Leaf<OrderSubject>,
        actual: Actual<'a>,
        outcome: Outcome,
        /// Distance to the threshold, for gt/gte on amounts and quantities.
        missing: Option<i64>,
    },
    Not {
        node: &'r Node<OrderSubject>,
        inner: &'r Node<OrderSubject>,
    },
}

impl Failure<'_, '_> {
    fn missing(&self) -> Option<i64> {
        match self {
            Failure::Leaf { missing, .. } => *missing,
            Failure::Not { .. } => None,
        }
    }
}

/// Explains why `root` does not hold; None when it holds.
pub(crate) fn explain(
    root: &Node<OrderSubject>,
    facts: &OrderFacts<'_>,
    context: &ExplainContext<'_>,
) -> Option<Explanation> {
    locate(root, facts).map(|failure| render(&failure, context))
}

/// Finds the failing node: for `all` the first failing child without a near miss (a condition
/// the customer cannot reach by adding to the cart), else the first failing child; for `any` the
/// failing child with the smallest near miss, else the first; for `not` the `not` node itself.
fn locate<'r, 'a>(node: &'r Node<OrderSubject>, facts: &OrderFacts<'a>) -> Option<Failure<'r, 'a>> {
    match &node.kind {
        NodeKind::Leaf(leaf) => {
            let actual = leaf.subject.resolve(facts);
            let outcome = leaf.test.apply(&actual, &facts.env);
            if outcome.holds() {
                return None;
            }
            Some(Failure::Leaf {
                node,
                leaf,
                actual,
                outcome,
                missing: distance_to_threshold(leaf, &actual),
            })
        }
        NodeKind::All(children) => {
            let mut first: Option<Failure<'r, 'a>> = None;
            for child in children {
                if let Some(failure) = locate(child, facts) {
                    if failure.missing().is_none() {
                        return Some(failure);
                    }
                    first.get_or_insert(failure);
                }
            }
            first
        }
        NodeKind::Any(children) => {
            let mut first: Option<Failure<'r, 'a>> = None;
            let mut closest: Option<Failure<'r, 'a>> = None;
            for child in children {
                // One holding child makes the whole `any` hold.
                let failure = locate(child, facts)?;
                first.get_or_insert(failure);
                if let Some(missing) = failure.missing() {
                    let best = closest.and_then(|closest| closest.missing());
                    if best.is_none_or(|best| missing < best) {
                        closest = Some(failure);
                    }
                }
            }
            closest.or(first)
        }
        NodeKind::Not(inner) => inner
            .evaluate(facts)
            .then_some(Failure::Not { node, inner }),
    }
}

/// How much is missing to reach a gt/gte threshold (or the low bound of between) on an amount
/// or quantity of the cart.
fn distance_to_threshold(leaf: &Leaf<OrderSubject>, actual: &Actual<'_>) -> Option<i64> {
    if !matches!(leaf.subject.measure(), Measure::Amount | Measure::Quantity) {
        return None;
    }
    let Actual::Integer(value) = actual else {
        return None;
    };
    let (threshold, step) = match &leaf.test {
        Test::Compare(Comparison::Gte, literal) => (literal.as_i64()?, 0),
        Test::Compare(Comparison::Gt, literal) => (literal.as_i64()?, 1),
        Test::Between(low, _) => (low.as_i64()?, 0),
        _ => return None,
    };
    let missing = i128::from(threshold) - i128::from(*value) + step;
    i64::try_from(missing).ok().filter(|&missing| missing > 0)
}

/// The near-miss distance of a failing rule, without rendering anything (Qualify's fast path).
pub(crate) fn missing(root: &Node<OrderSubject>, facts: &OrderFacts<'_>) -> Option<i64> {
    locate(root, facts).and_then(|failure| failure.missing())
}

fn render(failure: &Failure<'_, '_>, context: &ExplainContext<'_>) -> Explanation {
    match failure {
        Failure::Leaf {
            node,
            leaf,
            actual,
            outcome,
            missing,
        } => {
            let message = leaf
                .message
                .as_deref()
                .or(context.rules_message)
                .map_or_else(
                    || leaf_message(leaf, actual, *outcome, context),
                    str::to_owned,
                );
            Explanation {
                path: node.path.to_string(),
                subject: leaf.subject_name.to_string(),
                operator: leaf.test.operator().name().to_owned(),
                expected_json: leaf.expected_json.to_string(),
                actual_json: actual.to_json_string(),
                message,
                near_miss: missing.map(|missing| near_miss(leaf, missing, context)),
            }
        }
        Failure::Not { node, inner } => {
            let subject = match &inner.kind {
                NodeKind::Leaf(leaf) => leaf.subject_name.to_string(),
                _ => String::new(),
            };
            let message = context.rules_message.map_or_else(
                || {
                    format!(
                        "this offer is not available when {}",
                        condition(inner, context.currency)
                    )
                },
                str::to_owned,
            );
            Explanation {
                path: node.path.to_string(),
                subject,
                operator: "not".to_owned(),
                expected_json: "false".to_owned(),
                actual_json: "true".to_owned(),
                message,
                near_miss: None,
            }
        }
    }
}

/// "order amount must be at least 50.00 EUR (it is 38.00 EUR)".
fn leaf_message(
    leaf: &Leaf<OrderSubject>,
    actual: &Actual<'_>,
    outcome: Outcome,
    context: &ExplainContext<'_>,
) -> String {
    let requirement = leaf_sentence(leaf, Mood::Must, context.currency);
    let shown = format_actual(actual, leaf.subject.measure(), context.currency);
    if outcome == Outcome::TypeMismatch {
        let expected = leaf.test.expected_type();
        format!(
            "{requirement} (it is {shown}, {}, not {expected})",
            actual.describe_type()
        )
    } else {
        format!("{requirement} (it is {shown})")
    }
}

fn near_miss(leaf: &Leaf<OrderSubject>, missing: i64, context: &ExplainContext<'_>) -> NearMiss {
    let is_amount = leaf.subject.measure() == Measure::Amount;
    let filter = leaf.subject.filter().map(|rule| compact(&rule.root));
    let subject = match &filter {
        Some(description) if is_amount => format!("items[{description}].amount"),
        Some(description) if matches!(leaf.subject, OrderSubject::ItemsLines(_)) => {
            format!("items[{description}].count")
        }
        Some(description) => format!("items[{description}].quantity"),
        None => leaf.subject_name.to_string(),
    };
    let goal = context.reward.map_or_else(
        || "to qualify".to_owned(),
        |reward| format!("to get {reward}"),
    );
    let matching = filter
        .as_ref()
        .map(|description| format!(" where {description}"))
        .unwrap_or_default();
    let plural = if missing == 1 { "" } else { "s" };
    let message = if is_amount {
        let money = format_amount(missing, context.currency);
        if filter.is_some() {
            format!("Add {money} of items{matching} {goal}")
        } else {
            format!("Add {money} {goal}")
        }
    } else if matches!(
        leaf.subject,
        OrderSubject::ItemsCount | OrderSubject::ItemsLines(_)
    ) {
        format!("Add {missing} more different item{plural}{matching} {goal}")
    } else {
        format!("Add {missing} more item{plural}{matching} {goal}")
    };
    NearMiss {
        subject,
        missing,
        unit: if is_amount { "amount" } else { "quantity" }.to_owned(),
        currency: if is_amount {
            context.currency.to_owned()
        } else {
            String::new()
        },
        message,
    }
}

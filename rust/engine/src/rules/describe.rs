//! Human phrasing of rules: compact descriptions of filters ("categories contains \"coffee\"")
//! and the sentences of generated messages ("order amount must be at least 50.00 EUR").

use super::node::{Leaf, Node, NodeKind};
use super::operator::{Comparison, Operator, Test};
use super::subject::{Measure, Subject};
use super::value::{Actual, Literal};
use crate::money::format_amount;

/// Compact description of a (filter) node: `categories contains "coffee" and unit_price gte 500`.
pub fn compact<S: Subject>(node: &Node<S>) -> String {
    match &node.kind {
        NodeKind::Leaf(leaf) => {
            let name = leaf
                .subject_name
                .strip_prefix("item.")
                .unwrap_or(&leaf.subject_name);
            format!(
                "{name} {} {}",
                leaf.test.operator().name(),
                leaf.expected_json
            )
        }
        NodeKind::All(children) => join_compact(children, " and "),
        NodeKind::Any(children) => join_compact(children, " or "),
        NodeKind::Not(child) => format!("not {}", compact_operand(child)),
    }
}

fn join_compact<S: Subject>(children: &[Node<S>], separator: &str) -> String {
    children
        .iter()
        .map(compact_operand)
        .collect::<Vec<_>>()
        .join(separator)
}

/// A compound child is parenthesised so that "a and (b or c)" reads right.
fn compact_operand<S: Subject>(node: &Node<S>) -> String {
    match node.kind {
        NodeKind::Leaf(_) => compact(node),
        _ => format!("({})", compact(node)),
    }
}

/// Whether a sentence states a requirement ("must be") or a fact ("is").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mood {
    Must,
    Is,
}

fn verb(operator: Operator, expected_present: bool, mood: Mood) -> &'static str {
    let must = mood == Mood::Must;
    let pick =
        |must_form: &'static str, is_form: &'static str| if must { must_form } else { is_form };
    match operator {
        Operator::Compare(Comparison::Eq) => pick("must be", "is"),
        Operator::Compare(Comparison::Ne) => pick("must not be", "is not"),
        Operator::Compare(Comparison::Lt) => pick("must be less than", "is less than"),
        Operator::Compare(Comparison::Lte) => pick("must be at most", "is at most"),
        Operator::Compare(Comparison::Gt) => pick("must be more than", "is more than"),
        Operator::Compare(Comparison::Gte) => pick("must be at least", "is at least"),
        Operator::In => pick("must be one of", "is one of"),
        Operator::NotIn => pick("must not be one of", "is not one of"),
        Operator::Contains => pick("must contain", "contains"),
        Operator::ContainsAny => pick("must contain one of", "contains one of"),
        Operator::ContainsAll => pick("must contain all of", "contains all of"),
        Operator::StartsWith => pick("must start with", "starts with"),
        Operator::EndsWith => pick("must end with", "ends with"),
        Operator::Exists if expected_present => pick("must be set", "is set"),
        Operator::Exists => pick("must not be set", "is not set"),
        Operator::Between => pick("must be between", "is between"),
        Operator::Before => pick("must be before", "is before"),
        Operator::After => pick("must be after", "is after"),
        Operator::WithinLast => pick("must be within the last", "is within the last"),
        Operator::MoreThanAgo => pick("must be more than", "is more than"),
        Operator::DayOfWeek => pick("must fall on", "falls on"),
        Operator::TimeOfDay => pick("must be between", "is between"),
    }
}

/// A literal for humans: amounts as money, strings quoted, dates as text.
pub fn format_literal(literal: &Literal, measure: Measure, currency: &str) -> String {
    match literal {
        Literal::Number(value) => match value.as_i64() {
            Some(integer) if matches!(measure, Measure::Amount | Measure::Money) => {
                format_amount(integer, currency)
            }
            _ => value.to_string(),
        },
        Literal::String(text) => serde_json::Value::from(&**text).to_string(),
        Literal::Boolean(flag) => flag.to_string(),
        Literal::Temporal(value) => value.render(),
    }
}

/// The value of a subject for humans; "not set" when absent.
pub fn format_actual(actual: &Actual<'_>, measure: Measure, currency: &str) -> String {
    match actual {
        Actual::Absent => "not set".to_owned(),
        Actual::Integer(value) if matches!(measure, Measure::Amount | Measure::Money) => {
            format_amount(*value, currency)
        }
        Actual::Temporal(value) => value.render(),
        other => other.to_json_string(),
    }
}

fn format_clock(minute: u32) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

fn duration_text(milliseconds: i64) -> String {
    const UNITS: [(i64, &str); 5] = [
        (7 * 86_400_000, "week"),
        (86_400_000, "day"),
        (3_600_000, "hour"),
        (60_000, "minute"),
        (1000, "second"),
    ];
    let (size, unit) = UNITS
        .iter()
        .copied()
        .find(|(size, _)| milliseconds % size == 0)
        .unwrap_or((1000, "second"));
    let count = milliseconds / size;
    let plural = if count == 1 { "" } else { "s" };
    format!("{count} {unit}{plural}")
}

/// "<subject> must be at least 50.00 EUR" (Must) or "<subject> is at least 50.00 EUR" (Is).
pub fn leaf_sentence<S: Subject>(leaf: &Leaf<S>, mood: Mood, currency: &str) -> String {
    let measure = leaf.subject.measure();
    let list = |values: &[Literal]| {
        values
            .iter()
            .map(|value| format_literal(value, measure, currency))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let operand = match &leaf.test {
        Test::Compare(_, literal) | Test::Contains(literal) => {
            format!(" {}", format_literal(literal, measure, currency))
        }
        Test::Membership { values, .. } | Test::ContainsAny(values) | Test::ContainsAll(values) => {
            format!(" {}", list(values))
        }
        Test::StartsWith(text) | Test::EndsWith(text) => {
            format!(" {}", serde_json::Value::from(&**text))
        }
        Test::Exists(_) => String::new(),
        Test::Between(low, high) => format!(
            " {} and {}",
            format_literal(low, measure, currency),
            format_literal(high, measure, currency)
        ),
        Test::Before(limit) | Test::After(limit) => format!(" {}", limit.render()),
        Test::WithinLast(duration) => format!(" {}", duration_text(*duration)),
        Test::MoreThanAgo(duration) => format!(" {} ago", duration_text(*duration)),
        Test::DayOfWeek(days) => {
            const NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
            let named: Vec<&str> = (1..=7)
                .filter(|day| days & (1 << day) != 0)
                .map(|day| NAMES[day - 1])
                .collect();
            format!(" {}", named.join(", "))
        }
        Test::TimeOfDay { start, end } => {
            format!(" {} and {}", format_clock(*start), format_clock(*end))
        }
    };
    let expected_present = matches!(leaf.test, Test::Exists(true));
    format!(
        "{} {}{operand}",
        leaf.subject.label(),
        verb(leaf.test.operator(), expected_present, mood)
    )
}

/// A node as a condition that holds: `order channel is "pos" and customer id is set`.
pub fn condition<S: Subject>(node: &Node<S>, currency: &str) -> String {
    let operand = |child: &Node<S>| match child.kind {
        NodeKind::Leaf(_) => condition(child, currency),
        _ => format!("({})", condition(child, currency)),
    };
    match &node.kind {
        NodeKind::Leaf(leaf) => leaf_sentence(leaf, Mood::Is, currency),
        NodeKind::All(children) => children
            .iter()
            .map(operand)
            .collect::<Vec<_>>()
            .join(" and "),
        NodeKind::Any(children) => children
            .iter()
            .map(operand)
            .collect::<Vec<_>>()
            .join(" or "),
        NodeKind::Not(child) => format!("not {}", operand(child)),
    }
}

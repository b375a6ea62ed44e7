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
    match (operator, mood) {
        (Operator::Compare(Comparison::Eq), Mood::Must) => "must be",
        (Operator::Compare(Comparison::Eq), Mood::Is) => "is",
        (Operator::Compare(Comparison::Ne), Mood::Must) => "must not be",
        (Operator::Compare(Comparison::Ne), Mood::Is) => "is not",
        (Operator::Compare(Comparison::Lt), Mood::Must) => "must be less than",
        (Operator::Compare(Comparison::Lt), Mood::Is) => "is less than",
        (Operator::Compare(Comparison::Lte), Mood::Must) => "must be at most",
        (Operator::Compare(Comparison::Lte), Mood::Is) => "is at most",
        (Operator::Compare(Comparison::Gt), Mood::Must) => "must be more than",
        (Operator::Compare(Comparison::Gt), Mood::Is) => "is more than",
        (Operator::Compare(Comparison::Gte), Mood::Must) => "must be at least",
        (Operator::Compare(Comparison::Gte), Mood::Is) => "is at least",
        (Operator::In, Mood::Must) => "must be one of",
        (Operator::In, Mood::Is) => "is one of",
        (Operator::NotIn, Mood::Must) => "must not be one of",
        (Operator::NotIn, Mood::Is) => "is not one of",
        (Operator::Contains, Mood::Must) => "must contain",
        (Operator::Contains, Mood::Is) => "contains",
        (Operator::Exists, Mood::Must) if expected_present => "must be set",
        (Operator::Exists, Mood::Must) => "must not be set",
        (Operator::Exists, Mood::Is) if expected_present => "is set",
        (Operator::Exists, Mood::Is) => "is not set",
    }
}

/// A literal for humans: amounts as money, strings quoted.
pub fn format_literal(literal: &Literal, measure: Measure, currency: &str) -> String {
    match literal {
        Literal::Integer(value) if measure == Measure::Amount => format_amount(*value, currency),
        Literal::Integer(value) => value.to_string(),
        Literal::Float(value) => value.to_string(),
        Literal::String(text) => serde_json::Value::from(&**text).to_string(),
        Literal::Boolean(flag) => flag.to_string(),
    }
}

/// The value of a subject for humans; "not set" when absent.
pub fn format_actual(actual: &Actual<'_>, measure: Measure, currency: &str) -> String {
    match actual {
        Actual::Absent => "not set".to_owned(),
        Actual::Integer(value) if measure == Measure::Amount => format_amount(*value, currency),
        other => other.to_json_string(),
    }
}

/// "<subject> must be at least 50.00 EUR" (Must) or "<subject> is at least 50.00 EUR" (Is).
pub fn leaf_sentence<S: Subject>(leaf: &Leaf<S>, mood: Mood, currency: &str) -> String {
    let measure = leaf.subject.measure();
    let operand = match &leaf.test {
        Test::Compare(_, literal) | Test::Contains(literal) => {
            format!(" {}", format_literal(literal, measure, currency))
        }
        Test::Membership { values, .. } => {
            let listed: Vec<String> = values
                .iter()
                .map(|value| format_literal(value, measure, currency))
                .collect();
            format!(" {}", listed.join(", "))
        }
        Test::Exists(_) => String::new(),
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

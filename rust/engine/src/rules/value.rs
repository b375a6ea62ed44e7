//! Values in rules: the static type of a subject, the typed literals a rule compares against,
//! and the values subjects take during one evaluation (borrowed from the request).

use std::cmp::Ordering;

use chrono_tz::Tz;
use serde_json::Value as Json;

use crate::decimal::Decimal;
use crate::temporal::{parse_temporal, Temporal};

/// The static type of a subject, known when the rule is compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    Integer,
    String,
    StringList,
    /// A point in time (context.now, customer.aggregates.last_order_at).
    Instant,
    /// A calendar day (context.date).
    Date,
    /// Known only at evaluation (attributes, metadata): type mismatches are false, never errors.
    Dynamic,
}

impl ValueType {
    /// Phrase for compile error reasons, e.g. "an integer".
    pub fn describe(self) -> &'static str {
        match self {
            ValueType::Integer => "an integer",
            ValueType::String => "a string",
            ValueType::StringList => "a list of strings",
            ValueType::Instant => "a date and time",
            ValueType::Date => "a date",
            ValueType::Dynamic => "a dynamic value",
        }
    }
}

/// Kinds of scalar values; values of different kinds never compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarKind {
    Number,
    String,
    Boolean,
    Temporal,
}

impl ScalarKind {
    pub fn describe(self) -> &'static str {
        match self {
            ScalarKind::Number => "a number",
            ScalarKind::String => "a string",
            ScalarKind::Boolean => "a boolean",
            ScalarKind::Temporal => "a date or time",
        }
    }
}

/// A scalar literal of a rule, typed when the rule is compiled.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// Integers and exact decimals.
    Number(Decimal),
    String(Box<str>),
    Boolean(bool),
    Temporal(Temporal),
}

impl Literal {
    pub fn kind(&self) -> ScalarKind {
        self.as_scalar().kind()
    }

    pub fn as_scalar(&self) -> Scalar<'_> {
        match self {
            Literal::Number(value) => Scalar::Number(*value),
            Literal::String(value) => Scalar::String(value),
            Literal::Boolean(value) => Scalar::Boolean(*value),
            Literal::Temporal(value) => Scalar::Temporal(*value),
        }
    }

    /// The integer value, for thresholds.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Literal::Number(value) => value.as_i64(),
            _ => None,
        }
    }
}

/// A scalar seen during evaluation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scalar<'a> {
    Number(Decimal),
    String(&'a str),
    Boolean(bool),
    Temporal(Temporal),
}

impl Scalar<'_> {
    pub fn kind(&self) -> ScalarKind {
        match self {
            Scalar::Number(_) => ScalarKind::Number,
            Scalar::String(_) => ScalarKind::String,
            Scalar::Boolean(_) => ScalarKind::Boolean,
            Scalar::Temporal(_) => ScalarKind::Temporal,
        }
    }

    /// Orders two scalars of the same kind; None across kinds.
    pub fn compare(&self, other: &Scalar<'_>, time_zone: Tz) -> Option<Ordering> {
        match (*self, *other) {
            (Scalar::Number(a), Scalar::Number(b)) => Some(a.cmp(&b)),
            (Scalar::String(a), Scalar::String(b)) => Some(a.cmp(b)),
            (Scalar::Boolean(a), Scalar::Boolean(b)) => Some(a.cmp(&b)),
            (Scalar::Temporal(a), Scalar::Temporal(b)) => a.compare(b, time_zone),
            _ => None,
        }
    }

    /// Reads a JSON scalar; None for lists, objects, null and numbers that are not exact
    /// decimals.
    pub fn from_json(value: &Json) -> Option<Scalar<'_>> {
        match value {
            Json::Number(number) => Decimal::parse_json_number(number.as_str()).map(Scalar::Number),
            Json::String(text) => Some(Scalar::String(text)),
            Json::Bool(flag) => Some(Scalar::Boolean(*flag)),
            Json::Null | Json::Array(_) | Json::Object(_) => None,
        }
    }
}

/// The value of a subject in one evaluation, borrowed from the request.
#[derive(Debug, Clone, Copy)]
pub enum Actual<'a> {
    /// The subject has no value (missing attribute, anonymous customer, empty channel ...).
    Absent,
    Integer(i64),
    String(&'a str),
    StringList(&'a [String]),
    Temporal(Temporal),
    /// An attribute or metadata value: any JSON value except null (null reads as absent).
    Json(&'a Json),
}

impl Actual<'_> {
    pub fn is_absent(&self) -> bool {
        matches!(self, Actual::Absent)
    }

    /// The value as a scalar; None when absent or not a scalar.
    pub fn as_scalar(&self) -> Option<Scalar<'_>> {
        match self {
            Actual::Integer(value) => Some(Scalar::Number(Decimal::from_i64(*value))),
            Actual::String(value) => Some(Scalar::String(value)),
            Actual::Temporal(value) => Some(Scalar::Temporal(*value)),
            Actual::Json(value) => Scalar::from_json(value),
            Actual::Absent | Actual::StringList(_) => None,
        }
    }

    /// The value as a date or time: typed temporal subjects, or a JSON string in one of the
    /// temporal formats.
    pub fn as_temporal(&self) -> Option<Temporal> {
        match self {
            Actual::Temporal(value) => Some(*value),
            Actual::Json(Json::String(text)) => parse_temporal(text),
            _ => None,
        }
    }

    /// Phrase for explanations of type mismatches, e.g. "a string".
    pub fn describe_type(&self) -> &'static str {
        match self {
            Actual::Absent => "absent",
            Actual::Integer(_) => "a number",
            Actual::String(_) => "a string",
            Actual::StringList(_) => "a list",
            Actual::Temporal(_) => "a date or time",
            Actual::Json(value) => json_type_name(value),
        }
    }

    /// The value rendered as JSON; "null" when absent.
    pub fn to_json_string(self) -> String {
        match self {
            Actual::Absent => "null".to_owned(),
            Actual::Integer(value) => value.to_string(),
            Actual::String(value) => Json::from(value).to_string(),
            Actual::StringList(values) => Json::from(values).to_string(),
            Actual::Temporal(value) => Json::from(value.render()).to_string(),
            Actual::Json(value) => value.to_string(),
        }
    }
}

/// Phrase for a JSON value's type, e.g. "an integer", "a list".
pub fn json_type_name(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(number) if number.as_i64().is_none() && number.as_u64().is_none() => {
            "a number with a fraction"
        }
        Json::Number(_) => "an integer",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_compare_exactly_across_integer_and_decimal() {
        let one = json!(1);
        let one_and_half: Json = serde_json::from_str("1.5").unwrap();
        let a = Scalar::from_json(&one).expect("scalar");
        let b = Scalar::from_json(&one_and_half).expect("scalar");
        assert_eq!(a.compare(&b, Tz::UTC), Some(Ordering::Less));
        let tenth: Json = serde_json::from_str("0.1").unwrap();
        let tenth_again: Json = serde_json::from_str("0.10").unwrap();
        assert_eq!(
            Scalar::from_json(&tenth)
                .unwrap()
                .compare(&Scalar::from_json(&tenth_again).unwrap(), Tz::UTC),
            Some(Ordering::Equal)
        );
    }

    #[test]
    fn kinds_do_not_compare() {
        let one = Scalar::Number(Decimal::from_i64(1));
        assert_eq!(Scalar::String("1").compare(&one, Tz::UTC), None);
        assert_eq!(Scalar::Boolean(true).compare(&one, Tz::UTC), None);
    }

    #[test]
    fn renders_actual_values_as_json() {
        assert_eq!(Actual::Absent.to_json_string(), "null");
        assert_eq!(Actual::String("a\"b").to_json_string(), "\"a\\\"b\"");
        let categories = vec!["coffee".to_owned()];
        assert_eq!(
            Actual::StringList(&categories).to_json_string(),
            "[\"coffee\"]"
        );
        assert_eq!(
            Actual::Temporal(Temporal::Date(0)).to_json_string(),
            "\"1970-01-01\""
        );
    }
}

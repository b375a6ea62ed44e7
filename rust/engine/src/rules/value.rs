//! Values in rules: the static type of a subject, the typed literals a rule compares against,
//! and the values subjects take during one evaluation (borrowed from the request).

use std::cmp::Ordering;

use serde_json::Value as Json;

/// The static type of a subject, known when the rule is compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    Integer,
    String,
    StringList,
    /// Known only at evaluation (customer attributes): type mismatches are false, never errors.
    Dynamic,
}

impl ValueType {
    /// Phrase for compile error reasons, e.g. "an integer".
    pub fn describe(self) -> &'static str {
        match self {
            ValueType::Integer => "an integer",
            ValueType::String => "a string",
            ValueType::StringList => "a list of strings",
            ValueType::Dynamic => "a dynamic value",
        }
    }

    /// Plural phrase, for the elements of list subjects, e.g. "strings".
    pub fn describe_plural(self) -> &'static str {
        match self {
            ValueType::Integer => "integers",
            ValueType::String => "strings",
            ValueType::StringList => "lists of strings",
            ValueType::Dynamic => "values of any type",
        }
    }
}

/// Kinds of scalar values; values of different kinds never compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarKind {
    Number,
    String,
    Boolean,
}

impl ScalarKind {
    pub fn describe(self) -> &'static str {
        match self {
            ScalarKind::Number => "a number",
            ScalarKind::String => "a string",
            ScalarKind::Boolean => "a boolean",
        }
    }
}

/// A scalar literal of a rule, typed when the rule is compiled.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Integer(i64),
    /// Only in comparisons with dynamic subjects.
    Float(f64),
    String(Box<str>),
    Boolean(bool),
}

impl Literal {
    pub fn kind(&self) -> ScalarKind {
        self.as_scalar().kind()
    }

    pub fn as_scalar(&self) -> Scalar<'_> {
        match self {
            Literal::Integer(value) => Scalar::Integer(i128::from(*value)),
            Literal::Float(value) => Scalar::Float(*value),
            Literal::String(value) => Scalar::String(value),
            Literal::Boolean(value) => Scalar::Boolean(*value),
        }
    }
}

/// A scalar seen during evaluation; integers are widened so that u64 JSON numbers compare
/// exactly too.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scalar<'a> {
    Integer(i128),
    Float(f64),
    String(&'a str),
    Boolean(bool),
}

impl Scalar<'_> {
    pub fn kind(&self) -> ScalarKind {
        match self {
            Scalar::Integer(_) | Scalar::Float(_) => ScalarKind::Number,
            Scalar::String(_) => ScalarKind::String,
            Scalar::Boolean(_) => ScalarKind::Boolean,
        }
    }

    /// Orders two scalars of the same kind; None across kinds. Mixed integer/float numbers
    /// compare as floats (only dynamic attributes can hold floats).
    pub fn compare(&self, other: &Scalar<'_>) -> Option<Ordering> {
        match (*self, *other) {
            (Scalar::Integer(a), Scalar::Integer(b)) => Some(a.cmp(&b)),
            (Scalar::Integer(a), Scalar::Float(b)) => (a as f64).partial_cmp(&b),
            (Scalar::Float(a), Scalar::Integer(b)) => a.partial_cmp(&(b as f64)),
            (Scalar::Float(a), Scalar::Float(b)) => a.partial_cmp(&b),
            (Scalar::String(a), Scalar::String(b)) => Some(a.cmp(b)),
            (Scalar::Boolean(a), Scalar::Boolean(b)) => Some(a.cmp(&b)),
            _ => None,
        }
    }

    /// Reads a JSON scalar; None for lists, objects and null.
    pub fn from_json(value: &Json) -> Option<Scalar<'_>> {
        match value {
            Json::Number(number) => Some(if let Some(integer) = number.as_i64() {
                Scalar::Integer(i128::from(integer))
            } else if let Some(integer) = number.as_u64() {
                Scalar::Integer(i128::from(integer))
            } else {
                Scalar::Float(number.as_f64()?)
            }),
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
    /// A customer attribute: any JSON value except null (null reads as absent).
    Json(&'a Json),
}

impl Actual<'_> {
    pub fn is_absent(&self) -> bool {
        matches!(self, Actual::Absent)
    }

    /// The value as a scalar; None when absent or not a scalar.
    pub fn as_scalar(&self) -> Option<Scalar<'_>> {
        match self {
            Actual::Integer(value) => Some(Scalar::Integer(i128::from(*value))),
            Actual::String(value) => Some(Scalar::String(value)),
            Actual::Json(value) => Scalar::from_json(value),
            Actual::Absent | Actual::StringList(_) => None,
        }
    }

    /// Phrase for explanations of type mismatches, e.g. "a string".
    pub fn describe_type(&self) -> &'static str {
        match self {
            Actual::Absent => "absent",
            Actual::Integer(_) => "a number",
            Actual::String(_) => "a string",
            Actual::StringList(_) => "a list",
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
            Actual::Json(value) => value.to_string(),
        }
    }
}

/// Phrase for a JSON value's type, e.g. "an integer", "a list".
pub fn json_type_name(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(number) if number.is_f64() => "a number with a fraction",
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
    fn numbers_compare_across_integer_and_float() {
        let one = json!(1);
        let one_and_half = json!(1.5);
        let big = json!(u64::MAX);
        let a = Scalar::from_json(&one).expect("scalar");
        let b = Scalar::from_json(&one_and_half).expect("scalar");
        let c = Scalar::from_json(&big).expect("scalar");
        assert_eq!(a.compare(&b), Some(Ordering::Less));
        assert_eq!(
            c.compare(&Scalar::Integer(i128::from(i64::MAX))),
            Some(Ordering::Greater)
        );
        assert_eq!(a.compare(&Scalar::Float(1.0)), Some(Ordering::Equal));
    }

    #[test]
    fn kinds_do_not_compare() {
        assert_eq!(Scalar::String("1").compare(&Scalar::Integer(1)), None);
        assert_eq!(Scalar::Boolean(true).compare(&Scalar::Integer(1)), None);
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
    }
}

//! Operators and the compiled test a leaf applies to its subject's value.

use std::cmp::Ordering;

use chrono_tz::Tz;

use super::value::{Actual, Literal, Scalar, ScalarKind};
use crate::temporal::{local_minute, Temporal};

/// An operator as written in the rule JSON (`"op"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// eq, ne, lt, lte, gt, gte.
    Compare(Comparison),
    In,
    NotIn,
    Contains,
    ContainsAny,
    ContainsAll,
    StartsWith,
    EndsWith,
    Exists,
    Between,
    Before,
    After,
    WithinLast,
    MoreThanAgo,
    DayOfWeek,
    TimeOfDay,
}

impl Operator {
    pub const ALL: [Operator; 21] = [
        Operator::Compare(Comparison::Eq),
        Operator::Compare(Comparison::Ne),
        Operator::Compare(Comparison::Lt),
        Operator::Compare(Comparison::Lte),
        Operator::Compare(Comparison::Gt),
        Operator::Compare(Comparison::Gte),
        Operator::In,
        Operator::NotIn,
        Operator::Contains,
        Operator::ContainsAny,
        Operator::ContainsAll,
        Operator::StartsWith,
        Operator::EndsWith,
        Operator::Exists,
        Operator::Between,
        Operator::Before,
        Operator::After,
        Operator::WithinLast,
        Operator::MoreThanAgo,
        Operator::DayOfWeek,
        Operator::TimeOfDay,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Operator::Compare(Comparison::Eq) => "eq",
            Operator::Compare(Comparison::Ne) => "ne",
            Operator::Compare(Comparison::Lt) => "lt",
            Operator::Compare(Comparison::Lte) => "lte",
            Operator::Compare(Comparison::Gt) => "gt",
            Operator::Compare(Comparison::Gte) => "gte",
            Operator::In => "in",
            Operator::NotIn => "not_in",
            Operator::Contains => "contains",
            Operator::ContainsAny => "contains_any",
            Operator::ContainsAll => "contains_all",
            Operator::StartsWith => "starts_with",
            Operator::EndsWith => "ends_with",
            Operator::Exists => "exists",
            Operator::Between => "between",
            Operator::Before => "before",
            Operator::After => "after",
            Operator::WithinLast => "within_last",
            Operator::MoreThanAgo => "more_than_ago",
            Operator::DayOfWeek => "day_of_week",
            Operator::TimeOfDay => "time_of_day",
        }
    }

    pub fn parse(name: &str) -> Option<Operator> {
        Operator::ALL.into_iter().find(|op| op.name() == name)
    }

    /// The operator names, comma separated, for error messages.
    pub fn names() -> String {
        Operator::ALL.map(Operator::name).join(", ")
    }
}

/// eq, ne and the orderings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Eq,
    Ne,
    Lt,
    Lte,
    Gt,
    Gte,
}

impl Comparison {
    /// Whether `actual <op> expected` holds given `actual.cmp(expected)`.
    pub fn accepts(self, ordering: Ordering) -> bool {
        match self {
            Comparison::Eq => ordering == Ordering::Equal,
            Comparison::Ne => ordering != Ordering::Equal,
            Comparison::Lt => ordering == Ordering::Less,
            Comparison::Lte => ordering != Ordering::Greater,
            Comparison::Gt => ordering == Ordering::Greater,
            Comparison::Gte => ordering != Ordering::Less,
        }
    }

    pub fn is_ordering(self) -> bool {
        !matches!(self, Comparison::Eq | Comparison::Ne)
    }
}

/// What a leaf checks, with its typed operand.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    Compare(Comparison, Literal),
    /// `in` (negated = false) or `not_in` (negated = true); a non-empty list of one kind.
    Membership {
        values: Vec<Literal>,
        negated: bool,
    },
    /// The subject is a list holding the value.
    Contains(Literal),
    /// The subject is a list holding at least one of the values.
    ContainsAny(Vec<Literal>),
    /// The subject is a list holding every value.
    ContainsAll(Vec<Literal>),
    StartsWith(Box<str>),
    EndsWith(Box<str>),
    /// The subject is present (true) or absent (false).
    Exists(bool),
    /// low <= subject <= high, numbers or dates/times.
    Between(Literal, Literal),
    Before(Temporal),
    After(Temporal),
    /// The subject lies between `now - duration` and now (milliseconds).
    WithinLast(i64),
    /// The subject lies before `now - duration`.
    MoreThanAgo(i64),
    /// Bit `d` set = ISO weekday `d` allowed.
    DayOfWeek(u8),
    /// Local minutes of the day, start inclusive, end exclusive; start > end wraps midnight.
    TimeOfDay {
        start: u32,
        end: u32,
    },
}

/// What a test needs besides the subject's value.
#[derive(Debug, Clone, Copy)]
pub struct TestEnv {
    pub time_zone: Tz,
    pub now_ms: i64,
}

/// The result of a test: a type mismatch (only possible for dynamic subjects) is false, but kept
/// apart so that the explanation can say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Holds,
    Fails,
    TypeMismatch,
}

impl Outcome {
    pub fn holds(self) -> bool {
        self == Outcome::Holds
    }

    fn from_bool(holds: bool) -> Outcome {
        if holds {
            Outcome::Holds
        } else {
            Outcome::Fails
        }
    }
}

fn equal(a: &Scalar<'_>, b: &Scalar<'_>, time_zone: Tz) -> bool {
    a.compare(b, time_zone) == Some(Ordering::Equal)
}

impl Test {
    pub fn operator(&self) -> Operator {
        match self {
            Test::Compare(comparison, _) => Operator::Compare(*comparison),
            Test::Membership { negated: false, .. } => Operator::In,
            Test::Membership { negated: true, .. } => Operator::NotIn,
            Test::Contains(_) => Operator::Contains,
            Test::ContainsAny(_) => Operator::ContainsAny,
            Test::ContainsAll(_) => Operator::ContainsAll,
            Test::StartsWith(_) => Operator::StartsWith,
            Test::EndsWith(_) => Operator::EndsWith,
            Test::Exists(_) => Operator::Exists,
            Test::Between(..) => Operator::Between,
            Test::Before(_) => Operator::Before,
            Test::After(_) => Operator::After,
            Test::WithinLast(_) => Operator::WithinLast,
            Test::MoreThanAgo(_) => Operator::MoreThanAgo,
            Test::DayOfWeek(_) => Operator::DayOfWeek,
            Test::TimeOfDay { .. } => Operator::TimeOfDay,
        }
    }

    /// What the test expects of its subject, for explanations of type mismatches.
    pub fn expected_type(&self) -> &'static str {
        match self {
            Test::Compare(_, literal) | Test::Between(literal, _) => literal.kind().describe(),
            Test::Membership { values, .. } => values
                .first()
                .map_or("another type", |value| value.kind().describe()),
            Test::Contains(_) | Test::ContainsAny(_) | Test::ContainsAll(_) => "a list",
            Test::StartsWith(_) | Test::EndsWith(_) => ScalarKind::String.describe(),
            Test::Exists(_) => "any value",
            Test::Before(_)
            | Test::After(_)
            | Test::WithinLast(_)
            | Test::MoreThanAgo(_)
            | Test::DayOfWeek(_) => ScalarKind::Temporal.describe(),
            Test::TimeOfDay { .. } => "a date and time",
        }
    }

    /// Applies the test. An absent subject fails every test except `exists: false`.
    pub fn apply(&self, actual: &Actual<'_>, env: &TestEnv) -> Outcome {
        if let Test::Exists(expected_present) = self {
            return Outcome::from_bool(actual.is_absent() != *expected_present);
        }
        if actual.is_absent() {
            return Outcome::Fails;
        }
        let time_zone = env.time_zone;
        match self {
            Test::Compare(comparison, literal) => {
                let Some(value) = actual.as_scalar() else {
                    return Outcome::TypeMismatch;
                };
                match value.compare(&literal.as_scalar(), time_zone) {
                    Some(ordering) => Outcome::from_bool(comparison.accepts(ordering)),
                    None => Outcome::TypeMismatch,
                }
            }
            Test::Membership { values, negated } => {
                let Some(value) = actual.as_scalar() else {
                    return Outcome::TypeMismatch;
                };
                if values.first().map(Literal::kind) != Some(value.kind()) {
                    return Outcome::TypeMismatch;
                }
                let found = values
                    .iter()
                    .any(|literal| equal(&value, &literal.as_scalar(), time_zone));
                Outcome::from_bool(found != *negated)
            }
            Test::Contains(literal) => {
                Test::list_test(actual, std::slice::from_ref(literal), false, time_zone)
            }
            Test::ContainsAny(literals) => Test::list_test(actual, literals, false, time_zone),
            Test::ContainsAll(literals) => Test::list_test(actual, literals, true, time_zone),
            Test::StartsWith(prefix) | Test::EndsWith(prefix) => {
                let text = match actual {
                    Actual::String(text) => *text,
                    Actual::Json(serde_json::Value::String(text)) => text.as_str(),
                    _ => return Outcome::TypeMismatch,
                };
                Outcome::from_bool(if matches!(self, Test::StartsWith(_)) {
                    text.starts_with(&**prefix)
                } else {
                    text.ends_with(&**prefix)
                })
            }
            Test::Between(low, high) => {
                let value = if low.kind() == ScalarKind::Temporal {
                    actual.as_temporal().map(Scalar::Temporal)
                } else {
                    actual.as_scalar()
                };
                let Some(value) = value else {
                    return Outcome::TypeMismatch;
                };
                match (
                    value.compare(&low.as_scalar(), time_zone),
                    value.compare(&high.as_scalar(), time_zone),
                ) {
                    (Some(from_low), Some(from_high)) => Outcome::from_bool(
                        from_low != Ordering::Less && from_high != Ordering::Greater,
                    ),
                    _ => Outcome::TypeMismatch,
                }
            }
            Test::Before(limit) | Test::After(limit) => {
                let Some(value) = actual.as_temporal() else {
                    return Outcome::TypeMismatch;
                };
                let wanted = if matches!(self, Test::Before(_)) {
                    Ordering::Less
                } else {
                    Ordering::Greater
                };
                match value.compare(*limit, time_zone) {
                    Some(ordering) => Outcome::from_bool(ordering == wanted),
                    None => Outcome::TypeMismatch,
                }
            }
            Test::WithinLast(duration) | Test::MoreThanAgo(duration) => {
                let Some(age) = actual
                    .as_temporal()
                    .and_then(|value| value.age_ms(env.now_ms, time_zone))
                else {
                    return Outcome::TypeMismatch;
                };
                Outcome::from_bool(if matches!(self, Test::WithinLast(_)) {
                    (0..=*duration).contains(&age)
                } else {
                    age > *duration
                })
            }
            Test::DayOfWeek(days) => {
                match actual.as_temporal().and_then(|v| v.weekday(time_zone)) {
                    Some(day) => Outcome::from_bool(days & (1 << day) != 0),
                    None => Outcome::TypeMismatch,
                }
            }
            Test::TimeOfDay { start, end } => {
                let minute = match actual.as_temporal() {
                    Some(Temporal::Instant(ms)) => local_minute(ms, time_zone),
                    _ => None,
                };
                let Some(minute) = minute else {
                    return Outcome::TypeMismatch;
                };
                Outcome::from_bool(if start < end {
                    *start <= minute && minute < *end
                } else {
                    minute >= *start || minute < *end
                })
            }
            Test::Exists(_) => Outcome::Fails,
        }
    }

    /// contains (one literal), contains_any (`all` false), contains_all (`all` true).
    fn list_test(actual: &Actual<'_>, literals: &[Literal], all: bool, time_zone: Tz) -> Outcome {
        // Walks the list in place: this runs once per line and campaign in Qualify.
        let held = |literal: &Literal| {
            let wanted = literal.as_scalar();
            match actual {
                Actual::StringList(values) => match wanted {
                    Scalar::String(text) => values.iter().any(|value| value == text),
                    _ => false,
                },
                Actual::Json(serde_json::Value::Array(values)) => values.iter().any(|value| {
                    Scalar::from_json(value)
                        .is_some_and(|element| equal(&element, &wanted, time_zone))
                }),
                _ => false,
            }
        };
        if !matches!(
            actual,
            Actual::StringList(_) | Actual::Json(serde_json::Value::Array(_))
        ) {
            return Outcome::TypeMismatch;
        }
        Outcome::from_bool(if all {
            literals.iter().all(held)
        } else {
            literals.iter().any(held)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decimal::Decimal;
    use serde_json::json;

    const ENV: TestEnv = TestEnv {
        time_zone: Tz::UTC,
        now_ms: 0,
    };

    fn string(value: &str) -> Literal {
        Literal::String(value.into())
    }

    fn int(value: i64) -> Literal {
        Literal::Number(Decimal::from_i64(value))
    }

    #[test]
    fn parses_every_operator_name() {
        for op in Operator::ALL {
            assert_eq!(Operator::parse(op.name()), Some(op));
        }
        assert_eq!(Operator::parse("greater"), None);
    }

    #[test]
    fn comparisons_on_integers() {
        let cases = [
            (Comparison::Eq, 5, 5, true),
            (Comparison::Eq, 4, 5, false),
            (Comparison::Ne, 4, 5, true),
            (Comparison::Lt, 5, 5, false),
            (Comparison::Lte, 5, 5, true),
            (Comparison::Gt, 6, 5, true),
            (Comparison::Gte, 4, 5, false),
        ];
        for (comparison, actual, expected, holds) in cases {
            let test = Test::Compare(comparison, int(expected));
            assert_eq!(test.apply(&Actual::Integer(actual), &ENV).holds(), holds);
        }
    }

    #[test]
    fn lists() {
        let categories = vec!["coffee".to_owned(), "beans".to_owned()];
        let actual = Actual::StringList(&categories);
        assert!(Test::Contains(string("coffee"))
            .apply(&actual, &ENV)
            .holds());
        assert!(Test::ContainsAny(vec![string("tea"), string("beans")])
            .apply(&actual, &ENV)
            .holds());
        assert!(!Test::ContainsAll(vec![string("tea"), string("beans")])
            .apply(&actual, &ENV)
            .holds());
        let tags = json!(["vip", 3]);
        assert!(Test::Contains(int(3))
            .apply(&Actual::Json(&tags), &ENV)
            .holds());
        let not_a_list = json!("vip");
        assert_eq!(
            Test::Contains(string("vip")).apply(&Actual::Json(&not_a_list), &ENV),
            Outcome::TypeMismatch
        );
    }

    #[test]
    fn absent_fails_every_test_but_exists_false() {
        assert!(Test::Exists(false).apply(&Actual::Absent, &ENV).holds());
        assert_eq!(
            Test::Compare(Comparison::Ne, string("FR")).apply(&Actual::Absent, &ENV),
            Outcome::Fails
        );
        assert_eq!(
            Test::WithinLast(1).apply(&Actual::Absent, &ENV),
            Outcome::Fails
        );
    }

    #[test]
    fn temporal_tests() {
        let signup = json!("1970-01-01T00:00:00Z");
        let env = TestEnv {
            time_zone: Tz::UTC,
            now_ms: 10 * 86_400_000,
        };
        assert!(Test::WithinLast(10 * 86_400_000)
            .apply(&Actual::Json(&signup), &env)
            .holds());
        assert!(!Test::MoreThanAgo(10 * 86_400_000)
            .apply(&Actual::Json(&signup), &env)
            .holds());
        // 1970-01-01 was a Thursday.
        assert!(Test::DayOfWeek(1 << 4)
            .apply(&Actual::Json(&signup), &env)
            .holds());
        assert!(Test::TimeOfDay {
            start: 23 * 60,
            end: 60
        }
        .apply(&Actual::Json(&signup), &env)
        .holds());
        let text = json!("soon");
        assert_eq!(
            Test::Before(Temporal::Date(0)).apply(&Actual::Json(&text), &env),
            Outcome::TypeMismatch
        );
    }
}

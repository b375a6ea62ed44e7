//! Operators and the compiled test a leaf applies to its subject's value.

use std::cmp::Ordering;

use super::value::{Actual, Literal, Scalar, ScalarKind};

/// An operator as written in the rule JSON (`"op"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// eq, ne, lt, lte, gt, gte.
    Compare(Comparison),
    In,
    NotIn,
    Contains,
    Exists,
}

impl Operator {
    pub const ALL: [Operator; 10] = [
        Operator::Compare(Comparison::Eq),
        Operator::Compare(Comparison::Ne),
        Operator::Compare(Comparison::Lt),
        Operator::Compare(Comparison::Lte),
        Operator::Compare(Comparison::Gt),
        Operator::Compare(Comparison::Gte),
        Operator::In,
        Operator::NotIn,
        Operator::Contains,
        Operator::Exists,
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
            Operator::Exists => "exists",
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
    /// The subject is present (true) or absent (false).
    Exists(bool),
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

impl Test {
    pub fn operator(&self) -> Operator {
        match self {
            Test::Compare(comparison, _) => Operator::Compare(*comparison),
            Test::Membership { negated: false, .. } => Operator::In,
            Test::Membership { negated: true, .. } => Operator::NotIn,
            Test::Contains(_) => Operator::Contains,
            Test::Exists(_) => Operator::Exists,
        }
    }

    /// The kind of scalar the test expects of its subject (or of the subject's elements), for
    /// explanations of type mismatches. None for `exists`.
    pub fn expected_kind(&self) -> Option<ScalarKind> {
        match self {
            Test::Compare(_, literal) | Test::Contains(literal) => Some(literal.kind()),
            Test::Membership { values, .. } => values.first().map(Literal::kind),
            Test::Exists(_) => None,
        }
    }

    /// Applies the test. An absent subject fails every test except `exists: false`.
    pub fn apply(&self, actual: &Actual<'_>) -> Outcome {
        if let Test::Exists(expected_present) = self {
            return Outcome::from_bool(actual.is_absent() != *expected_present);
        }
        if actual.is_absent() {
            return Outcome::Fails;
        }
        match self {
            Test::Compare(comparison, literal) => {
                let Some(value) = actual.as_scalar() else {
                    return Outcome::TypeMismatch;
                };
                match value.compare(&literal.as_scalar()) {
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
                    .any(|literal| value.compare(&literal.as_scalar()) == Some(Ordering::Equal));
                Outcome::from_bool(found != *negated)
            }
            Test::Contains(literal) => {
                let wanted = literal.as_scalar();
                let is_wanted = |scalar: Option<Scalar<'_>>| {
                    scalar.and_then(|s| s.compare(&wanted)) == Some(Ordering::Equal)
                };
                match actual {
                    Actual::StringList(values) => Outcome::from_bool(
                        values
                            .iter()
                            .any(|value| is_wanted(Some(Scalar::String(value)))),
                    ),
                    Actual::Json(serde_json::Value::Array(values)) => Outcome::from_bool(
                        values
                            .iter()
                            .any(|value| is_wanted(Scalar::from_json(value))),
                    ),
                    _ => Outcome::TypeMismatch,
                }
            }
            Test::Exists(_) => Outcome::Fails,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn string(value: &str) -> Literal {
        Literal::String(value.into())
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
            (Comparison::Ne, 5, 5, false),
            (Comparison::Lt, 4, 5, true),
            (Comparison::Lt, 5, 5, false),
            (Comparison::Lte, 5, 5, true),
            (Comparison::Lte, 6, 5, false),
            (Comparison::Gt, 6, 5, true),
            (Comparison::Gt, 5, 5, false),
            (Comparison::Gte, 5, 5, true),
            (Comparison::Gte, 4, 5, false),
        ];
        for (comparison, actual, expected, holds) in cases {
            let test = Test::Compare(comparison, Literal::Integer(expected));
            assert_eq!(
                test.apply(&Actual::Integer(actual)).holds(),
                holds,
                "{comparison:?} {actual} {expected}"
            );
        }
    }

    #[test]
    fn membership() {
        let test = Test::Membership {
            values: vec![string("FR"), string("DE")],
            negated: false,
        };
        assert!(test.apply(&Actual::String("FR")).holds());
        assert!(!test.apply(&Actual::String("US")).holds());
        let negated = Test::Membership {
            values: vec![string("FR"), string("DE")],
            negated: true,
        };
        assert!(negated.apply(&Actual::String("US")).holds());
        assert!(!negated.apply(&Actual::String("FR")).holds());
    }

    #[test]
    fn contains_on_string_lists_and_json_arrays() {
        let categories = vec!["coffee".to_owned(), "beans".to_owned()];
        let test = Test::Contains(string("coffee"));
        assert!(test.apply(&Actual::StringList(&categories)).holds());
        assert!(!Test::Contains(string("tea"))
            .apply(&Actual::StringList(&categories))
            .holds());
        let tags = json!(["vip", 3]);
        assert!(!test.apply(&Actual::Json(&tags)).holds());
        assert!(Test::Contains(string("vip"))
            .apply(&Actual::Json(&tags))
            .holds());
        assert!(Test::Contains(Literal::Integer(3))
            .apply(&Actual::Json(&tags))
            .holds());
        let not_a_list = json!("vip");
        assert_eq!(
            Test::Contains(string("vip")).apply(&Actual::Json(&not_a_list)),
            Outcome::TypeMismatch
        );
    }

    #[test]
    fn exists() {
        assert!(Test::Exists(true).apply(&Actual::String("x")).holds());
        assert!(!Test::Exists(true).apply(&Actual::Absent).holds());
        assert!(Test::Exists(false).apply(&Actual::Absent).holds());
        assert!(!Test::Exists(false).apply(&Actual::Integer(0)).holds());
    }

    #[test]
    fn absent_fails_every_other_test() {
        let tests = [
            Test::Compare(Comparison::Eq, string("FR")),
            Test::Compare(Comparison::Ne, string("FR")),
            Test::Compare(Comparison::Lt, Literal::Integer(3)),
            Test::Membership {
                values: vec![string("FR")],
                negated: false,
            },
            Test::Membership {
                values: vec![string("FR")],
                negated: true,
            },
            Test::Contains(string("FR")),
        ];
        for test in tests {
            assert_eq!(test.apply(&Actual::Absent), Outcome::Fails, "{test:?}");
        }
    }

    #[test]
    fn dynamic_type_mismatches_are_false() {
        let text = json!("18");
        let number = json!(18);
        let gte = Test::Compare(Comparison::Gte, Literal::Integer(18));
        assert_eq!(gte.apply(&Actual::Json(&text)), Outcome::TypeMismatch);
        assert_eq!(gte.apply(&Actual::Json(&number)), Outcome::Holds);
        let ne = Test::Compare(Comparison::Ne, Literal::Integer(18));
        assert_eq!(ne.apply(&Actual::Json(&text)), Outcome::TypeMismatch);
        let membership = Test::Membership {
            values: vec![Literal::Integer(1)],
            negated: true,
        };
        assert_eq!(
            membership.apply(&Actual::Json(&text)),
            Outcome::TypeMismatch
        );
        let object = json!({"a": 1});
        assert_eq!(
            Test::Compare(Comparison::Eq, Literal::Integer(1)).apply(&Actual::Json(&object)),
            Outcome::TypeMismatch
        );
        let float = json!(17.5);
        assert_eq!(gte.apply(&Actual::Json(&float)), Outcome::Fails);
    }
}

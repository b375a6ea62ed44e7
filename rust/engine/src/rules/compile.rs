//! Rule JSON -> compiled tree. Every error names the JSON path of the offending node or field,
//! e.g. `rules.all[2].any[0].op`.

use serde_json::{Map, Value as Json};

use super::node::{Leaf, Node, NodeKind};
use super::operator::{Comparison, Operator, Test};
use super::subject::Subject;
use super::value::{json_type_name, Literal, ScalarKind, ValueType};
use crate::decimal::Decimal;
use crate::error::CompileError;
use crate::temporal::{parse_clock, parse_duration, parse_temporal, Temporal};

/// Deepest allowed nesting of rule nodes (the root is at depth 1; a filter's root is one level
/// below its leaf).
pub const MAX_DEPTH: usize = 32;

/// Most nodes (boolean nodes, leaves and the nodes of their filters) one rule may have.
pub const MAX_NODES: usize = 1000;
/// Longest rule JSON text, in bytes.
pub const MAX_RULE_BYTES: usize = 64 * 1024;

const BOOLEAN_KEYS: [&str; 3] = ["all", "any", "not"];

/// Counts the nodes of a rule before compiling it; the error names the first node past
/// MAX_NODES. (Parsed JSON is at most 128 levels deep, so the recursion is bounded.)
pub(crate) fn check_size(json: &Json, path: &str, count: &mut usize) -> Result<(), CompileError> {
    *count += 1;
    if *count > MAX_NODES {
        return Err(CompileError::new(
            path,
            format!("a rule has at most {MAX_NODES} nodes"),
        ));
    }
    let Json::Object(object) = json else {
        return Ok(());
    };
    for key in ["all", "any"] {
        if let Some(Json::Array(items)) = object.get(key) {
            for (index, item) in items.iter().enumerate() {
                check_size(item, &format!("{path}.{key}[{index}]"), count)?;
            }
        }
    }
    for key in ["not", "filter"] {
        if let Some(child) = object.get(key) {
            check_size(child, &format!("{path}.{key}"), count)?;
        }
    }
    Ok(())
}
const LEAF_KEYS: [&str; 5] = ["subject", "op", "value", "message", "filter"];

/// Compiles one node at `path`, `depth` levels deep.
pub(crate) fn compile_node<S: Subject>(
    json: &Json,
    path: String,
    depth: usize,
) -> Result<Node<S>, CompileError> {
    if depth > MAX_DEPTH {
        return Err(CompileError::new(
            path,
            format!("rules are nested more than {MAX_DEPTH} levels deep"),
        ));
    }
    let Json::Object(object) = json else {
        return Err(CompileError::new(
            path,
            format!(
                "expected an object with \"all\", \"any\", \"not\" or \"subject\"; got {}",
                json_type_name(json)
            ),
        ));
    };
    let boolean_keys: Vec<&str> = BOOLEAN_KEYS
        .into_iter()
        .filter(|key| object.contains_key(*key))
        .collect();
    match boolean_keys.as_slice() {
        [] if object.is_empty() => Err(CompileError::new(
            path,
            "empty rule; expected \"all\", \"any\", \"not\" or a leaf with \"subject\", \"op\" \
             and \"value\"",
        )),
        [] => compile_leaf(object, path, depth),
        [key] => {
            if let Some(other) = object.keys().find(|other| other.as_str() != *key) {
                return Err(CompileError::new(
                    format!("{path}.{other}"),
                    format!("unknown key \"{other}\" in an \"{key}\" node; it takes no other key"),
                ));
            }
            let child = &object[*key];
            let kind = match *key {
                "not" => NodeKind::Not(Box::new(compile_node(
                    child,
                    format!("{path}.not"),
                    depth + 1,
                )?)),
                list_key => {
                    let children = compile_children(child, &path, list_key, depth)?;
                    if list_key == "all" {
                        NodeKind::All(children)
                    } else {
                        NodeKind::Any(children)
                    }
                }
            };
            Ok(Node {
                path: path.into(),
                kind,
            })
        }
        _ => Err(CompileError::new(
            path,
            format!(
                "a node has exactly one of \"all\", \"any\" and \"not\"; got {}",
                boolean_keys.join(" and ")
            ),
        )),
    }
}

fn compile_children<S: Subject>(
    json: &Json,
    path: &str,
    key: &str,
    depth: usize,
) -> Result<Vec<Node<S>>, CompileError> {
    let list_path = format!("{path}.{key}");
    let Json::Array(items) = json else {
        return Err(CompileError::new(
            list_path,
            format!(
                "\"{key}\" needs a list of rules; got {}",
                json_type_name(json)
            ),
        ));
    };
    if items.is_empty() {
        return Err(CompileError::new(
            list_path,
            format!("\"{key}\" needs at least one rule"),
        ));
    }
    items
        .iter()
        .enumerate()
        .map(|(index, item)| compile_node(item, format!("{list_path}[{index}]"), depth + 1))
        .collect()
}

fn compile_leaf<S: Subject>(
    object: &Map<String, Json>,
    path: String,
    depth: usize,
) -> Result<Node<S>, CompileError> {
    if let Some(unknown) = object.keys().find(|key| !LEAF_KEYS.contains(&key.as_str())) {
        return Err(CompileError::new(
            format!("{path}.{unknown}"),
            format!(
                "unknown key \"{unknown}\"; a leaf has subject, op, value, message and filter, \
                 a boolean node has all, any or not"
            ),
        ));
    }
    let subject_name = required_string(object, &path, "subject")?;
    let subject = S::compile(subject_name, object.get("filter"), &path, depth)?;
    let op_name = required_string(object, &path, "op")?;
    let operator = Operator::parse(op_name).ok_or_else(|| {
        CompileError::new(
            format!("{path}.op"),
            format!(
                "unknown operator \"{op_name}\"; expected one of {}",
                Operator::names()
            ),
        )
    })?;
    let value = object
        .get("value")
        .ok_or_else(|| CompileError::new(format!("{path}.value"), "\"value\" is required"))?;
    let test = compile_test(operator, subject.value_type(), subject_name, value, &path)?;
    let message = match object.get("message") {
        None => None,
        Some(Json::String(text)) if text.is_empty() => None,
        Some(Json::String(text)) => Some(text.as_str().into()),
        Some(other) => {
            return Err(CompileError::new(
                format!("{path}.message"),
                format!(
                    "\"message\" must be a string; got {}",
                    json_type_name(other)
                ),
            ))
        }
    };
    Ok(Node {
        kind: NodeKind::Leaf(Leaf {
            subject,
            subject_name: subject_name.into(),
            test,
            expected_json: value.to_string().into(),
            message,
        }),
        path: path.into(),
    })
}

fn required_string<'j>(
    object: &'j Map<String, Json>,
    path: &str,
    key: &str,
) -> Result<&'j str, CompileError> {
    match object.get(key) {
        Some(Json::String(text)) if !text.is_empty() => Ok(text),
        Some(Json::String(_)) => Err(CompileError::new(
            format!("{path}.{key}"),
            format!("\"{key}\" must not be empty"),
        )),
        Some(other) => Err(CompileError::new(
            format!("{path}.{key}"),
            format!("\"{key}\" must be a string; got {}", json_type_name(other)),
        )),
        None => Err(CompileError::new(
            format!("{path}.{key}"),
            format!("\"{key}\" is required"),
        )),
    }
}

/// Where a leaf's operand errors point, and how to phrase the subject in them.
struct Operand<'a> {
    op_name: &'static str,
    op_path: String,
    value_path: String,
    value_type: ValueType,
    /// e.g. "order.amount is an integer".
    subject_is: String,
    value: &'a Json,
}

impl Operand<'_> {
    fn op_error(&self, reason: impl Into<String>) -> CompileError {
        CompileError::new(&self.op_path, reason)
    }

    fn value_error(&self, reason: impl Into<String>) -> CompileError {
        CompileError::new(&self.value_path, reason)
    }

    /// Rejects the operator unless the subject has one of `types`.
    fn require(&self, types: &[ValueType], needs: &str) -> Result<(), CompileError> {
        if types.contains(&self.value_type) {
            Ok(())
        } else {
            Err(self.op_error(format!(
                "{} needs {needs}; {}",
                self.op_name, self.subject_is
            )))
        }
    }

    /// A non-empty JSON list value.
    fn list(&self, what: &str) -> Result<&Vec<Json>, CompileError> {
        match self.value {
            Json::Array(items) if !items.is_empty() => Ok(items),
            Json::Array(_) => {
                Err(self.value_error(format!("{} needs at least one {what}", self.op_name)))
            }
            other => Err(self.value_error(format!(
                "{} needs a list of {what}s; got {}",
                self.op_name,
                json_type_name(other)
            ))),
        }
    }

    fn string(&self) -> Result<&str, CompileError> {
        match self.value {
            Json::String(text) => Ok(text),
            other => Err(self.value_error(format!(
                "{} needs a string; got {}",
                self.op_name,
                json_type_name(other)
            ))),
        }
    }
}

/// Checks the operator against the subject's type and types the operand.
fn compile_test(
    operator: Operator,
    value_type: ValueType,
    subject_name: &str,
    value: &Json,
    leaf_path: &str,
) -> Result<Test, CompileError> {
    let operand = Operand {
        op_name: operator.name(),
        op_path: format!("{leaf_path}.op"),
        value_path: format!("{leaf_path}.value"),
        value_type,
        subject_is: format!("{subject_name} is {}", value_type.describe()),
        value,
    };
    let temporal_types = [ValueType::Instant, ValueType::Date, ValueType::Dynamic];
    let list_types = [ValueType::StringList, ValueType::Dynamic];
    match operator {
        Operator::Compare(comparison) => compile_comparison(&operand, comparison),
        Operator::In | Operator::NotIn => {
            if value_type == ValueType::StringList {
                return Err(operand.op_error(format!(
                    "{} cannot test a list; {}; use contains_any",
                    operand.op_name, operand.subject_is
                )));
            }
            let values = literal_list(&operand, |item, path| scalar_literal(&operand, item, path))?;
            Ok(Test::Membership {
                values,
                negated: operator == Operator::NotIn,
            })
        }
        Operator::Contains => {
            operand.require(&list_types, "a list subject")?;
            Ok(Test::Contains(element_literal(
                &operand,
                value,
                &operand.value_path,
            )?))
        }
        Operator::ContainsAny | Operator::ContainsAll => {
            operand.require(&list_types, "a list subject")?;
            let values =
                literal_list(&operand, |item, path| element_literal(&operand, item, path))?;
            Ok(if operator == Operator::ContainsAny {
                Test::ContainsAny(values)
            } else {
                Test::ContainsAll(values)
            })
        }
        Operator::StartsWith | Operator::EndsWith => {
            operand.require(&[ValueType::String, ValueType::Dynamic], "a string subject")?;
            let text: Box<str> = operand.string()?.into();
            Ok(if operator == Operator::StartsWith {
                Test::StartsWith(text)
            } else {
                Test::EndsWith(text)
            })
        }
        Operator::Exists => match value {
            Json::Bool(expected_present) => Ok(Test::Exists(*expected_present)),
            other => Err(operand.value_error(format!(
                "exists needs true or false; got {}",
                json_type_name(other)
            ))),
        },
        Operator::Between => compile_between(&operand),
        Operator::Before | Operator::After => {
            operand.require(&temporal_types, "a date or time subject")?;
            Ok(
                match temporal_literal(&operand, value, &operand.value_path)? {
                    limit if operator == Operator::Before => Test::Before(limit),
                    limit => Test::After(limit),
                },
            )
        }
        Operator::WithinLast | Operator::MoreThanAgo => {
            operand.require(&temporal_types, "a date or time subject")?;
            let text = operand.string()?;
            let duration = parse_duration(text).ok_or_else(|| {
                operand.value_error(format!(
                    "expected a duration like \"30d\" (units w, d, h, m, s); got \"{text}\""
                ))
            })?;
            Ok(if operator == Operator::WithinLast {
                Test::WithinLast(duration)
            } else {
                Test::MoreThanAgo(duration)
            })
        }
        Operator::DayOfWeek => compile_day_of_week(&operand),
        Operator::TimeOfDay => compile_time_of_day(&operand),
    }
}

/// `eq`, `ne`, `lt`, `lte`, `gt`, `gte`: one scalar; ordering needs a number or a date.
fn compile_comparison(operand: &Operand<'_>, comparison: Comparison) -> Result<Test, CompileError> {
    if operand.value_type == ValueType::StringList {
        return Err(operand.op_error(format!(
            "{} cannot compare a list; {}; use contains",
            operand.op_name, operand.subject_is
        )));
    }
    if comparison.is_ordering() {
        operand.require(
            &[
                ValueType::Integer,
                ValueType::Instant,
                ValueType::Date,
                ValueType::Dynamic,
            ],
            "a number or a date to order by",
        )?;
    }
    let literal = scalar_literal(operand, operand.value, &operand.value_path)?;
    if comparison.is_ordering()
        && operand.value_type == ValueType::Dynamic
        && literal.kind() != ScalarKind::Number
    {
        return Err(operand.value_error(format!(
            "{} needs a number; got {}; use before/after for dates",
            operand.op_name,
            json_type_name(operand.value)
        )));
    }
    Ok(Test::Compare(comparison, literal))
}

/// `between`: [low, high], numbers or dates of one type, in order.
fn compile_between(operand: &Operand<'_>) -> Result<Test, CompileError> {
    operand.require(
        &[
            ValueType::Integer,
            ValueType::Instant,
            ValueType::Date,
            ValueType::Dynamic,
        ],
        "a number or a date subject",
    )?;
    let bounds = match operand.value {
        Json::Array(items) if items.len() == 2 => items,
        other => {
            return Err(operand.value_error(format!(
                "between needs a list [low, high]; got {}",
                if other.is_array() {
                    "a list of another length"
                } else {
                    json_type_name(other)
                }
            )))
        }
    };
    let bound = |index: usize| -> Result<Literal, CompileError> {
        let path = format!("{}[{index}]", operand.value_path);
        // A dynamic subject's bounds are numbers, or strings read as dates.
        let literal = match (&bounds[index], operand.value_type) {
            (Json::String(_), ValueType::Dynamic) => {
                Literal::Temporal(temporal_literal(operand, &bounds[index], &path)?)
            }
            (bound, _) => scalar_literal(operand, bound, &path)?,
        };
        if !matches!(literal.kind(), ScalarKind::Number | ScalarKind::Temporal) {
            return Err(CompileError::new(
                path,
                format!(
                    "between needs numbers or dates; got {}",
                    json_type_name(&bounds[index])
                ),
            ));
        }
        Ok(literal)
    };
    let (low, high) = (bound(0)?, bound(1)?);
    let in_order = match (&low, &high) {
        (Literal::Number(a), Literal::Number(b)) => Some(a <= b),
        (Literal::Temporal(Temporal::Instant(a)), Literal::Temporal(Temporal::Instant(b))) => {
            Some(a <= b)
        }
        (Literal::Temporal(Temporal::Date(a)), Literal::Temporal(Temporal::Date(b))) => {
            Some(a <= b)
        }
        _ => None,
    };
    match in_order {
        Some(true) => Ok(Test::Between(low, high)),
        Some(false) => Err(CompileError::new(
            format!("{}[1]", operand.value_path),
            "the high bound of between must not be below the low bound",
        )),
        None => Err(CompileError::new(
            format!("{}[1]", operand.value_path),
            "both bounds of between must be of one type (numbers, dates, or dates and \
             times)",
        )),
    }
}

/// `day_of_week`: days 1 (Monday) .. 7 or their names, as a bit set.
fn compile_day_of_week(operand: &Operand<'_>) -> Result<Test, CompileError> {
    operand.require(
        &[ValueType::Instant, ValueType::Date, ValueType::Dynamic],
        "a date or time subject",
    )?;
    let items = operand.list("day")?;
    let mut days = 0u8;
    for (index, item) in items.iter().enumerate() {
        let day = match item {
            Json::Number(number) => number.as_u64().filter(|d| (1..=7).contains(d)),
            Json::String(name) => DAY_NAMES
                .iter()
                .position(|known| known.eq_ignore_ascii_case(name))
                .map(|position| position as u64 + 1),
            _ => None,
        };
        let day = day.ok_or_else(|| {
            CompileError::new(
                format!("{}[{index}]", operand.value_path),
                format!("a day of week is 1 (Monday) .. 7 (Sunday) or mon .. sun; got {item}"),
            )
        })?;
        days |= 1 << day;
    }
    Ok(Test::DayOfWeek(days))
}

/// `time_of_day`: ["HH:MM", "HH:MM"], an end different from the start.
fn compile_time_of_day(operand: &Operand<'_>) -> Result<Test, CompileError> {
    operand.require(
        &[ValueType::Instant, ValueType::Dynamic],
        "a date and time subject",
    )?;
    let bounds = match operand.value {
        Json::Array(items) if items.len() == 2 => items,
        other => {
            return Err(operand.value_error(format!(
                "time_of_day needs a list [\"HH:MM\", \"HH:MM\"]; got {}",
                json_type_name(other)
            )))
        }
    };
    let clock = |index: usize| {
        bounds[index]
            .as_str()
            .and_then(|text| parse_clock(text, index == 1))
            .ok_or_else(|| {
                CompileError::new(
                    format!("{}[{index}]", operand.value_path),
                    format!(
                        "expected a time \"HH:MM\" (00:00 .. 23:59, or 24:00 as an end); \
                         got {}",
                        bounds[index]
                    ),
                )
            })
    };
    let (start, end) = (clock(0)?, clock(1)?);
    if start == end {
        return Err(CompileError::new(
            format!("{}[1]", operand.value_path),
            "time_of_day needs an end different from its start",
        ));
    }
    Ok(Test::TimeOfDay { start, end })
}

const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Compiles a non-empty list operand whose elements share one kind.
fn literal_list(
    operand: &Operand<'_>,
    element: impl Fn(&Json, &str) -> Result<Literal, CompileError>,
) -> Result<Vec<Literal>, CompileError> {
    let items = operand.list("value")?;
    let mut values: Vec<Literal> = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let item_path = format!("{}[{index}]", operand.value_path);
        let literal = element(item, &item_path)?;
        if let Some(first) = values.first().map(Literal::kind) {
            if literal.kind() != first {
                return Err(CompileError::new(
                    item_path,
                    format!(
                        "the values of {} must all be of one type; got {} after {}",
                        operand.op_name,
                        literal.kind().describe(),
                        first.describe()
                    ),
                ));
            }
        }
        values.push(literal);
    }
    Ok(values)
}

/// A literal of the subject's own type (for a dynamic subject: a string, number or boolean).
fn scalar_literal(
    operand: &Operand<'_>,
    value: &Json,
    path: &str,
) -> Result<Literal, CompileError> {
    let mismatch = || {
        CompileError::new(
            path,
            format!("{}; got {}", operand.subject_is, json_type_name(value)),
        )
    };
    match operand.value_type {
        ValueType::Integer => match value {
            Json::Number(number) => match number.as_i64() {
                Some(integer) => Ok(Literal::Number(Decimal::from_i64(integer))),
                None if number.as_u64().is_some() => Err(CompileError::new(
                    path,
                    "integer out of range (at most 2^63 - 1)",
                )),
                None => Err(mismatch()),
            },
            _ => Err(mismatch()),
        },
        ValueType::String => match value {
            Json::String(text) => Ok(Literal::String(text.as_str().into())),
            _ => Err(mismatch()),
        },
        ValueType::Instant | ValueType::Date => {
            temporal_literal(operand, value, path).map(Literal::Temporal)
        }
        ValueType::StringList => Err(mismatch()),
        ValueType::Dynamic => dynamic_literal(value, path),
    }
}

/// An element of a list subject: a string for string lists, any scalar for dynamic lists.
fn element_literal(
    operand: &Operand<'_>,
    value: &Json,
    path: &str,
) -> Result<Literal, CompileError> {
    match operand.value_type {
        ValueType::StringList => match value {
            Json::String(text) => Ok(Literal::String(text.as_str().into())),
            _ => Err(CompileError::new(
                path,
                format!(
                    "{} holds strings; got {}",
                    operand.subject_is.split(" is ").next().unwrap_or_default(),
                    json_type_name(value)
                ),
            )),
        },
        _ => dynamic_literal(value, path),
    }
}

/// A date (`YYYY-MM-DD`) or an RFC 3339 instant.
fn temporal_literal(
    operand: &Operand<'_>,
    value: &Json,
    path: &str,
) -> Result<Temporal, CompileError> {
    match value {
        Json::String(text) => parse_temporal(text).ok_or_else(|| {
            CompileError::new(
                path,
                format!(
                    "expected a date \"YYYY-MM-DD\" or a date and time \
                     \"YYYY-MM-DDTHH:MM:SSZ\"; got \"{text}\""
                ),
            )
        }),
        other => Err(CompileError::new(
            path,
            format!(
                "{} needs a date or time as a string; got {}",
                operand.op_name,
                json_type_name(other)
            ),
        )),
    }
}

/// A literal compared with a dynamic value: strings stay strings (equality on dynamic values is
/// textual, dates included); numbers must be exact decimals.
fn dynamic_literal(value: &Json, path: &str) -> Result<Literal, CompileError> {
    match value {
        Json::Number(number) => Decimal::parse_json_number(number.as_str())
            .map(Literal::Number)
            .ok_or_else(|| {
                CompileError::new(
                    path,
                    "number out of range (at most 20 significant digits and 18 decimals)",
                )
            }),
        Json::String(text) => Ok(Literal::String(text.as_str().into())),
        Json::Bool(flag) => Ok(Literal::Boolean(*flag)),
        Json::Null => Err(CompileError::new(
            path,
            "null is not a value; use {\"op\": \"exists\", \"value\": false}",
        )),
        Json::Array(_) | Json::Object(_) => Err(CompileError::new(
            path,
            format!(
                "expected a string, number or boolean; got {}",
                json_type_name(value)
            ),
        )),
    }
}

//! Rule JSON -> compiled tree. Every error names the JSON path of the offending node or field,
//! e.g. `rules.all[2].any[0].op`.

use serde_json::{Map, Value as Json};

use super::node::{Leaf, Node, NodeKind};
use super::operator::{Operator, Test};
use super::subject::Subject;
use super::value::{json_type_name, Literal, ScalarKind, ValueType};
use crate::error::CompileError;

/// Deepest allowed nesting of rule nodes (the root is at depth 1; a filter's root is one level
/// below its leaf).
pub const MAX_DEPTH: usize = 32;

const BOOLEAN_KEYS: [&str; 3] = ["all", "any", "not"];
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

/// Checks the operator against the subject's type and types the operand.
fn compile_test(
    operator: Operator,
    value_type: ValueType,
    subject_name: &str,
    value: &Json,
    leaf_path: &str,
) -> Result<Test, CompileError> {
    let op_path = format!("{leaf_path}.op");
    let value_path = format!("{leaf_path}.value");
    let op_name = operator.name();
    let subject_is = format!("{subject_name} is {}", value_type.describe());

    match operator {
        Operator::Compare(comparison) => {
            if value_type == ValueType::StringList {
                return Err(CompileError::new(
                    op_path,
                    format!("{op_name} cannot compare a list; {subject_is}; use contains"),
                ));
            }
            if comparison.is_ordering()
                && !matches!(value_type, ValueType::Integer | ValueType::Dynamic)
            {
                return Err(CompileError::new(
                    op_path,
                    format!("{op_name} needs a number to order by; {subject_is}"),
                ));
            }
            let literal = compile_scalar(value, value_type, &subject_is, &value_path)?;
            if comparison.is_ordering() && literal.kind() != ScalarKind::Number {
                return Err(CompileError::new(
                    value_path,
                    format!("{op_name} needs a number; got {}", json_type_name(value)),
                ));
            }
            Ok(Test::Compare(comparison, literal))
        }
        Operator::In | Operator::NotIn => {
            if value_type == ValueType::StringList {
                return Err(CompileError::new(
                    op_path,
                    format!("{op_name} cannot test a list; {subject_is}; use contains"),
                ));
            }
            let Json::Array(items) = value else {
                return Err(CompileError::new(
                    value_path,
                    format!(
                        "{op_name} needs a list of values; got {}",
                        json_type_name(value)
                    ),
                ));
            };
            if items.is_empty() {
                return Err(CompileError::new(
                    value_path,
                    format!("{op_name} needs at least one value"),
                ));
            }
            let mut values: Vec<Literal> = Vec::with_capacity(items.len());
            for (index, item) in items.iter().enumerate() {
                let item_path = format!("{value_path}[{index}]");
                let literal = compile_scalar(item, value_type, &subject_is, &item_path)?;
                if let Some(first) = values.first().map(Literal::kind) {
                    if literal.kind() != first {
                        return Err(CompileError::new(
                            item_path,
                            format!(
                                "the values of {op_name} must all be of one type; got {} after {}",
                                literal.kind().describe(),
                                first.describe()
                            ),
                        ));
                    }
                }
                values.push(literal);
            }
            Ok(Test::Membership {
                values,
                negated: operator == Operator::NotIn,
            })
        }
        Operator::Contains => {
            let element_type = match value_type {
                ValueType::StringList => ValueType::String,
                ValueType::Dynamic => ValueType::Dynamic,
                ValueType::Integer | ValueType::String => {
                    return Err(CompileError::new(
                        op_path,
                        format!("contains needs a list subject; {subject_is}"),
                    ))
                }
            };
            let element_is = format!("{subject_name} holds {}", element_type.describe_plural());
            let literal = compile_scalar(value, element_type, &element_is, &value_path)?;
            Ok(Test::Contains(literal))
        }
        Operator::Exists => match value {
            Json::Bool(expected_present) => Ok(Test::Exists(*expected_present)),
            other => Err(CompileError::new(
                value_path,
                format!("exists needs true or false; got {}", json_type_name(other)),
            )),
        },
    }
}

/// Types one scalar literal of `value_type` (for a list subject: of its element type).
/// `subject_is` starts the reason of a type error, e.g. "order.amount is an integer".
fn compile_scalar(
    value: &Json,
    value_type: ValueType,
    subject_is: &str,
    path: &str,
) -> Result<Literal, CompileError> {
    let mismatch =
        || CompileError::new(path, format!("{subject_is}; got {}", json_type_name(value)));
    match value_type {
        ValueType::Integer => match value {
            Json::Number(number) => number.as_i64().map(Literal::Integer).ok_or_else(|| {
                if number.is_f64() {
                    mismatch()
                } else {
                    CompileError::new(path, "integer out of range (at most 2^63 - 1)")
                }
            }),
            _ => Err(mismatch()),
        },
        ValueType::String => match value {
            Json::String(text) => Ok(Literal::String(text.as_str().into())),
            _ => Err(mismatch()),
        },
        ValueType::StringList => Err(mismatch()),
        ValueType::Dynamic => match value {
            Json::Number(number) => {
                if let Some(integer) = number.as_i64() {
                    Ok(Literal::Integer(integer))
                } else if let Some(float) = number.as_f64() {
                    Ok(Literal::Float(float))
                } else {
                    Err(CompileError::new(path, "number out of range"))
                }
            }
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
        },
    }
}

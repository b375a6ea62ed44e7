//! Errors of the engine: a campaign that does not compile, a caller request that is invalid, and
//! an evaluation context that the server built wrongly.

use std::fmt;

/// A campaign (or one of its rules) that cannot be compiled. `path` names the offending field in
/// Campaign field names, e.g. `rules.all[2].any[0].op` or `effect.percent_off_order.percent_bp`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    pub path: String,
    pub reason: String,
}

impl CompileError {
    pub fn new(path: impl Into<String>, reason: impl Into<String>) -> Self {
        CompileError {
            path: path.into(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.reason)
    }
}

impl std::error::Error for CompileError {}

/// Invalid caller input; `field` is the path in the request, e.g. `order.items[2].quantity`.
/// The server answers INVALID_ARGUMENT with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestError {
    pub field: String,
    pub reason: String,
}

impl RequestError {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        RequestError {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

impl std::error::Error for RequestError {}

/// A malformed EvaluationContext: the server, not the caller, is at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextError {
    pub reason: String,
}

impl ContextError {
    pub fn new(reason: impl Into<String>) -> Self {
        ContextError {
            reason: reason.into(),
        }
    }
}

impl fmt::Display for ContextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "malformed evaluation context: {}", self.reason)
    }
}

impl std::error::Error for ContextError {}

/// Why a checkout could not be evaluated at all (as opposed to a redeemable being inapplicable,
/// which is a normal answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckoutError {
    Request(RequestError),
    Context(ContextError),
}

impl fmt::Display for CheckoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckoutError::Request(error) => error.fmt(f),
            CheckoutError::Context(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for CheckoutError {}

impl From<RequestError> for CheckoutError {
    fn from(error: RequestError) -> Self {
        CheckoutError::Request(error)
    }
}

impl From<ContextError> for CheckoutError {
    fn from(error: ContextError) -> Self {
        CheckoutError::Context(error)
    }
}

//! The compiled rule tree, generic over the subjects of its scope (order-level rules use
//! `OrderSubject`, item filters use `ItemSubject`), and its evaluation.

use super::operator::Test;
use super::subject::Subject;

/// A node of a compiled rule, with the path it had in the rule JSON (e.g. `rules.all[2]`).
#[derive(Debug, Clone)]
pub struct Node<S> {
    pub(crate) path: Box<str>,
    pub(crate) kind: NodeKind<S>,
}

#[derive(Debug, Clone)]
pub(crate) enum NodeKind<S> {
    All(Vec<Node<S>>),
    Any(Vec<Node<S>>),
    Not(Box<Node<S>>),
    Leaf(Leaf<S>),
}

/// A leaf: `{"subject": ..., "op": ..., "value": ..., "message": ...}`.
#[derive(Debug, Clone)]
pub(crate) struct Leaf<S> {
    pub(crate) subject: S,
    /// The subject as written, e.g. "customer.attributes.country".
    pub(crate) subject_name: Box<str>,
    pub(crate) test: Test,
    /// The leaf's `value` rendered back to JSON, for explanations.
    pub(crate) expected_json: Box<str>,
    /// The leaf's own human message, shown when it fails.
    pub(crate) message: Option<Box<str>>,
}

impl<S: Subject> Node<S> {
    /// Whether the node holds for these facts. Never panics; short-circuits.
    pub fn evaluate(&self, facts: &S::Facts<'_>) -> bool {
        match &self.kind {
            NodeKind::All(children) => children.iter().all(|child| child.evaluate(facts)),
            NodeKind::Any(children) => children.iter().any(|child| child.evaluate(facts)),
            NodeKind::Not(child) => !child.evaluate(facts),
            NodeKind::Leaf(leaf) => leaf
                .test
                .apply(&leaf.subject.resolve(facts), &S::env(facts))
                .holds(),
        }
    }
}

//! Eligibility rules: the rule JSON of docs/rules.md compiled once into a typed tree, evaluated
//! against a cart many times, and explained when it fails.

mod compile;
mod describe;
mod explain;
mod line_index;
mod node;
mod operator;
mod subject;
mod value;

use serde_json::Value as Json;

use crate::error::CompileError;
use crate::pb::v1::Explanation;

pub use compile::{MAX_DEPTH, MAX_NODES, MAX_RULE_BYTES};
pub use explain::ExplainContext;
pub use line_index::LineIndex;
pub(crate) use line_index::SimpleFilter;
pub use operator::TestEnv;
pub use subject::{ItemFacts, ItemRule, OrderFacts};

pub(crate) use node::{Node, NodeKind};
pub(crate) use operator::{Comparison, Test};
pub(crate) use subject::{ItemSubject, OrderSubject};
pub(crate) use value::Literal;

/// Root path of a campaign's rule in compile errors and explanations.
pub const RULES_ROOT: &str = "rules";

/// A campaign's rule JSON in words (`Rule::describe`); an empty rule is "every cart". A rule
/// that does not compile is its compile error (paths under `rules`).
pub fn describe_rules(rules_json: &str, currency: &str) -> Result<String, CompileError> {
    if rules_json.trim().is_empty() {
        return Ok(EVERY_CART.to_owned());
    }
    Rule::compile(rules_json).map(|rule| rule.describe(currency))
}

/// How an empty rule reads.
pub const EVERY_CART: &str = "every cart";

/// A compiled order-level rule (a campaign's `rules_json`).
#[derive(Debug, Clone)]
pub struct Rule {
    root: node::Node<subject::OrderSubject>,
}

impl Rule {
    /// Compiles rule JSON text; paths in errors start at `rules`.
    pub fn compile(rules_json: &str) -> Result<Rule, CompileError> {
        if rules_json.len() > MAX_RULE_BYTES {
            return Err(CompileError::new(
                RULES_ROOT,
                format!(
                    "rule JSON has at most {MAX_RULE_BYTES} bytes; got {}",
                    rules_json.len()
                ),
            ));
        }
        let json: Json = serde_json::from_str(rules_json)
            .map_err(|error| CompileError::new(RULES_ROOT, format!("invalid JSON: {error}")))?;
        Rule::from_json(&json, RULES_ROOT)
    }

    /// Compiles an already parsed rule; paths in errors start at `root_path`.
    pub fn from_json(json: &Json, root_path: &str) -> Result<Rule, CompileError> {
        compile::check_size(json, root_path, &mut 0)?;
        compile::compile_node(json, root_path.to_owned(), 1).map(|root| Rule { root })
    }

    /// Whether the rule holds for these facts. Never panics.
    pub fn evaluate(&self, facts: &OrderFacts<'_>) -> bool {
        self.root.evaluate(facts)
    }

    /// The near-miss distance of a failing rule (None when it holds or has no near miss).
    pub fn missing(&self, facts: &OrderFacts<'_>) -> Option<i64> {
        explain::missing(&self.root, facts)
    }

    /// The rule in words, as a condition that holds: `order amount is at least 50.00 EUR and
    /// number of items where categories contains "coffee" is at least 1` (amounts in
    /// `currency`). The console shows it beside its rule builder.
    pub fn describe(&self, currency: &str) -> String {
        describe::condition(&self.root, currency)
    }

    /// Whether a leaf reads a usage counter (`counters.*`): the store must supply them.
    pub fn reads_counters(&self) -> bool {
        fn reads(node: &Node<OrderSubject>) -> bool {
            match &node.kind {
                NodeKind::All(children) | NodeKind::Any(children) => children.iter().any(reads),
                NodeKind::Not(child) => reads(child),
                NodeKind::Leaf(leaf) => matches!(leaf.subject, OrderSubject::Counter(_)),
            }
        }
        reads(&self.root)
    }

    pub(crate) fn root(&self) -> &Node<OrderSubject> {
        &self.root
    }

    /// Why the rule does not hold (the first failing leaf); None when it holds.
    pub fn explain(
        &self,
        facts: &OrderFacts<'_>,
        context: &ExplainContext<'_>,
    ) -> Option<Explanation> {
        explain::explain(&self.root, facts, context)
    }
}

#[cfg(test)]
mod tests;

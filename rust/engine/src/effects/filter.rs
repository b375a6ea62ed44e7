//! The line filter of item effects (`ItemFilter.rule_json`): an item rule, empty = every line.

use serde_json::Value as Json;

use crate::error::CompileError;
use crate::pb::v1::ItemFilter;
use crate::rules::{ItemRule, OrderFacts};

/// Which request lines an item effect applies to.
#[derive(Debug, Clone)]
pub struct LineFilter {
    rule: Option<ItemRule>,
}

impl LineFilter {
    /// Compiles the filter at `path` (e.g. `effect.percent_off_items.filter`); rule paths
    /// continue below it.
    pub fn compile(filter: Option<&ItemFilter>, path: &str) -> Result<LineFilter, CompileError> {
        let text = filter.map_or("", |filter| filter.rule_json.as_str());
        if text.trim().is_empty() {
            return Ok(LineFilter { rule: None });
        }
        let json: Json = serde_json::from_str(text)
            .map_err(|error| CompileError::new(path, format!("invalid JSON: {error}")))?;
        ItemRule::from_json(&json, path.to_owned(), 1).map(|rule| LineFilter { rule: Some(rule) })
    }

    /// Indexes of the request lines the filter matches.
    pub fn matching(&self, facts: &OrderFacts<'_>) -> Vec<usize> {
        match &self.rule {
            Some(rule) => rule.matching_lines(facts),
            None => (0..facts.order.items.len()).collect(),
        }
    }

    /// "items where categories contains \"coffee\"", or "items".
    pub fn describe(&self) -> String {
        match &self.rule {
            Some(rule) => format!("items where {}", rule.describe()),
            None => "items".to_owned(),
        }
    }

    pub fn rule(&self) -> Option<&ItemRule> {
        self.rule.as_ref()
    }
}

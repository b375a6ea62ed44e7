//! Dynamic segments: a segment is a rule (docs/rules.md) over the customer alone. It is compiled
//! with the campaign rule compiler and evaluated against the stored profile with an empty cart,
//! so `customer.*` and `context.*` subjects read as they do at checkout and `order.*` subjects see
//! no items (a segment that tests the cart is never entered).

use chrono_tz::Tz;
use prost::Message;
use serde_json::{Map, Value as Json};

use crate::customer::merged_attributes;
use crate::error::{CompileError, ContextError};
use crate::pb::internal::{Counters, CustomerProfile};
use crate::pb::v1::Order;
use crate::rules::{OrderFacts, Rule, TestEnv};

/// A compiled segment rule; immutable and shareable between threads.
#[derive(Debug, Clone)]
pub struct SegmentRule {
    rule: Rule,
}

impl SegmentRule {
    /// Compiles the segment's rule JSON; error paths start at `rules`.
    pub fn compile(rules_json: &str) -> Result<SegmentRule, CompileError> {
        Rule::compile(rules_json).map(|rule| SegmentRule { rule })
    }

    /// Whether the customer with this profile is a member at `now_ms` (UTC day boundaries).
    pub fn matches(
        &self,
        customer_id: &str,
        profile: &CustomerProfile,
        now_ms: i64,
    ) -> Result<bool, ContextError> {
        let attributes = merged_attributes(Some(profile), None::<&Map<String, Json>>)?;
        let order = Order::default();
        let counters = Counters::default();
        let facts = OrderFacts {
            order: &order,
            customer_id: Some(customer_id),
            customer_attributes: attributes.as_deref(),
            profile: Some(profile),
            order_metadata: None,
            item_metadata: &[],
            running_line_amounts: &[],
            initial_amount: 0,
            running_amount: 0,
            total_quantity: 0,
            counters: &counters,
            env: TestEnv {
                time_zone: Tz::UTC,
                now_ms,
            },
            line_index: None,
        };
        Ok(self.rule.evaluate(&facts))
    }

    /// `matches` over a serialized promocore.v1.internal.CustomerProfile.
    pub fn matches_bytes(
        &self,
        customer_id: &str,
        profile_bytes: &[u8],
        now_ms: i64,
    ) -> Result<bool, ContextError> {
        let profile = CustomerProfile::decode(profile_bytes)
            .map_err(|error| ContextError::new(format!("customer profile: {error}")))?;
        self.matches(customer_id, &profile, now_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pb::v1::CustomerAggregates;

    fn profile(total_spent: i64, segments: &[&str]) -> CustomerProfile {
        CustomerProfile {
            segments: segments.iter().map(|s| s.to_string()).collect(),
            aggregates: Some(CustomerAggregates {
                total_spent,
                ..Default::default()
            }),
            attributes_json: r#"{"country": "FR"}"#.to_owned(),
            ..Default::default()
        }
    }

    #[test]
    fn aggregates_and_attributes_decide_membership() {
        let rule = SegmentRule::compile(
            r#"{"all": [{"subject": "customer.aggregates.total_spent", "op": "gte", "value": 100000},
                        {"subject": "customer.attributes.country", "op": "eq", "value": "FR"}]}"#,
        )
        .unwrap();
        assert!(rule.matches("c1", &profile(100_000, &[]), 0).unwrap());
        assert!(!rule.matches("c1", &profile(99_999, &[]), 0).unwrap());
    }

    #[test]
    fn a_rule_that_does_not_compile_names_the_field() {
        let error = SegmentRule::compile(r#"{"subject": "customer.nope", "op": "eq", "value": 1}"#)
            .unwrap_err();
        assert!(error.path.starts_with("rules"), "{error:?}");
    }
}

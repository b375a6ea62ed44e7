//! Rule compilation, evaluation and explanation tests.

use serde_json::{json, Map, Value as Json};

use super::{ExplainContext, OrderFacts, Rule, TestEnv, MAX_DEPTH, MAX_NODES, MAX_RULE_BYTES};
use crate::limits::NO_COUNTERS;
use crate::pb::v1::{Explanation, Item, Order};

fn item(sku: &str, categories: &[&str], unit_price: i64, quantity: i64) -> Item {
    Item {
        sku: sku.to_owned(),
        product_id: format!("product-{sku}"),
        categories: categories.iter().map(|c| (*c).to_owned()).collect(),
        unit_price,
        quantity,
        metadata_json: String::new(),
    }
}

/// A cart of 38.00 EUR: 2 coffee bags at 12.00 and one mug at 14.00, sold on the web.
fn order() -> Order {
    Order {
        currency: "EUR".to_owned(),
        channel: "web".to_owned(),
        items: vec![
            item("BEANS", &["coffee", "beans"], 1200, 2),
            item("MUG", &["kitchen"], 1400, 1),
        ],
        ..Default::default()
    }
}

struct Fixture {
    order: Order,
    line_amounts: Vec<i64>,
    attributes: Option<Map<String, Json>>,
    customer_id: Option<String>,
}

impl Fixture {
    fn new() -> Fixture {
        let order = order();
        let line_amounts = order
            .items
            .iter()
            .map(|item| item.unit_price * item.quantity)
            .collect();
        Fixture {
            order,
            line_amounts,
            attributes: None,
            customer_id: Some("c1".to_owned()),
        }
    }

    fn with_attributes(attributes: Json) -> Fixture {
        let mut fixture = Fixture::new();
        fixture.attributes = attributes.as_object().cloned();
        fixture
    }

    fn facts(&self) -> OrderFacts<'_> {
        let amount = self.line_amounts.iter().sum();
        OrderFacts {
            order: &self.order,
            customer_id: self.customer_id.as_deref(),
            customer_attributes: self.attributes.as_ref(),
            running_line_amounts: &self.line_amounts,
            initial_amount: self
                .order
                .items
                .iter()
                .map(|i| i.unit_price * i.quantity)
                .sum(),
            running_amount: amount,
            total_quantity: self.order.items.iter().map(|i| i.quantity).sum(),
            profile: None,
            order_metadata: None,
            item_metadata: &[],
            counters: &NO_COUNTERS,
            env: TestEnv {
                time_zone: chrono_tz::Tz::UTC,
                // 2025-01-15T12:00:00Z, a Wednesday.
                now_ms: 1_736_942_400_000,
            },
            line_index: None,
        }
    }

    fn holds(&self, rule: Json) -> bool {
        compile(rule).evaluate(&self.facts())
    }

    fn explain(&self, rule: Json) -> Explanation {
        self.explain_with(rule, None)
    }

    fn explain_with(&self, rule: Json, rules_message: Option<&str>) -> Explanation {
        let context = ExplainContext {
            currency: "EUR",
            rules_message,
            reward: Some("10% off"),
        };
        compile(rule)
            .explain(&self.facts(), &context)
            .expect("the rule fails")
    }
}

fn compile(rule: Json) -> Rule {
    Rule::compile(&rule.to_string()).expect("the rule compiles")
}

fn leaf(subject: &str, op: &str, value: Json) -> Json {
    json!({"subject": subject, "op": op, "value": value})
}

fn compile_error(rule: Json) -> (String, String) {
    let error = Rule::compile(&rule.to_string()).expect_err("the rule does not compile");
    (error.path, error.reason)
}

// ---- compile errors ----

#[test]
fn compile_errors_name_the_path() {
    let cases = [
        (json!({"all": []}), "rules.all"),
        (json!({"any": []}), "rules.any"),
        (json!({"all": {}}), "rules.all"),
        (json!({}), "rules"),
        (json!([1]), "rules"),
        (
            json!({"all": [{"any": [leaf("order.amount", "gt", json!(1)), {"nope": 1}]}]}),
            "rules.all[0].any[1].nope",
        ),
        (
            json!({"all": [leaf("order.amount", "gte", json!(1)), {"any": [leaf("order.amount", "bigger", json!(1))]}]}),
            "rules.all[1].any[0].op",
        ),
        (
            json!({"not": leaf("order.amont", "gte", json!(1))}),
            "rules.not.subject",
        ),
        (
            json!({"all": [leaf("order.amount", "gte", json!(1))], "any": [leaf("order.amount", "gte", json!(1))]}),
            "rules",
        ),
        (
            json!({"all": [leaf("order.amount", "gte", json!(1))], "message": "x"}),
            "rules.message",
        ),
        (
            json!({"subject": "order.amount", "op": "gte"}),
            "rules.value",
        ),
        (json!({"op": "gte", "value": 1}), "rules.subject"),
        (json!({"subject": "order.amount", "value": 1}), "rules.op"),
        (
            json!({"subject": 5, "op": "gte", "value": 1}),
            "rules.subject",
        ),
        (
            json!({"subject": "order.amount", "op": "gte", "value": 1, "message": 3}),
            "rules.message",
        ),
        (
            json!({"subject": "order.amount", "op": "gte", "value": 1, "filter": leaf("item.sku", "eq", json!("A"))}),
            "rules.filter",
        ),
        (
            json!({"subject": "items.quantity", "op": "gte", "value": 1, "filter": leaf("order.amount", "gte", json!(1))}),
            "rules.filter.subject",
        ),
        (
            json!({"subject": "items.quantity", "op": "gte", "value": 1, "filter": {"all": [leaf("item.categories", "contains", json!(5))]}}),
            "rules.filter.all[0].value",
        ),
        (
            json!({"subject": "items.quantity", "op": "gte", "value": 1, "filter": {"subject": "items.quantity", "op": "gte", "value": 1, "filter": leaf("item.sku", "eq", json!("A"))}}),
            "rules.filter.filter",
        ),
        (leaf("item.sku", "eq", json!("A")), "rules.subject"),
        (
            leaf("customer.attributes", "eq", json!("A")),
            "rules.subject",
        ),
        (
            leaf("customer.attributes.a..b", "eq", json!("A")),
            "rules.subject",
        ),
    ];
    for (rule, path) in cases {
        let (actual_path, reason) = compile_error(rule.clone());
        assert_eq!(actual_path, path, "{rule} -> {reason}");
    }
}

#[test]
fn typed_subjects_are_checked_at_compile_time() {
    let (path, reason) = compile_error(leaf("order.amount", "gte", json!("50")));
    assert_eq!(path, "rules.value");
    assert_eq!(reason, "order.amount is an integer; got a string");

    let (path, reason) = compile_error(leaf("order.amount", "eq", json!(1.5)));
    assert_eq!(path, "rules.value");
    assert!(reason.contains("got a number with a fraction"), "{reason}");

    let (path, _) = compile_error(leaf("order.amount", "eq", json!(u64::MAX)));
    assert_eq!(path, "rules.value");

    let (path, reason) = compile_error(leaf("order.currency", "gt", json!("EUR")));
    assert_eq!(path, "rules.op");
    assert!(reason.contains("order.currency is a string"), "{reason}");

    let (path, reason) = compile_error(leaf("order.amount", "in", json!(5)));
    assert_eq!(path, "rules.value");
    assert!(reason.contains("list"), "{reason}");

    let (path, reason) = compile_error(leaf("order.amount", "in", json!([5, "6"])));
    assert_eq!(path, "rules.value[1]");
    assert_eq!(reason, "order.amount is an integer; got a string");

    let (path, _) = compile_error(leaf("order.channel", "not_in", json!([])));
    assert_eq!(path, "rules.value");

    let (path, _) = compile_error(leaf("order.channel", "contains", json!("web")));
    assert_eq!(path, "rules.op");

    let (path, _) = compile_error(leaf("order.channel", "exists", json!("yes")));
    assert_eq!(path, "rules.value");

    let filter =
        |rule: Json| json!({"subject": "items.quantity", "op": "gte", "value": 1, "filter": rule});
    let (path, _) = compile_error(filter(leaf("item.categories", "eq", json!("coffee"))));
    assert_eq!(path, "rules.filter.op");
    let (path, _) = compile_error(filter(leaf("item.categories", "in", json!(["coffee"]))));
    assert_eq!(path, "rules.filter.op");
    let (path, _) = compile_error(filter(leaf("item.sku", "lt", json!("B"))));
    assert_eq!(path, "rules.filter.op");
    let (path, _) = compile_error(filter(leaf("item.unit_price", "lt", json!("B"))));
    assert_eq!(path, "rules.filter.value");
}

#[test]
fn dynamic_subjects_accept_any_scalar_but_not_null_or_mixed_lists() {
    for value in [json!(1), json!(1.5), json!("FR"), json!(true)] {
        compile(leaf("customer.attributes.x", "eq", value));
    }
    let (path, _) = compile_error(leaf("customer.attributes.x", "eq", json!(null)));
    assert_eq!(path, "rules.value");
    let (path, _) = compile_error(leaf("customer.attributes.x", "eq", json!([1])));
    assert_eq!(path, "rules.value");
    let (path, _) = compile_error(leaf("customer.attributes.x", "in", json!([1, "a"])));
    assert_eq!(path, "rules.value[1]");
    let (path, _) = compile_error(leaf("customer.attributes.x", "gte", json!("a")));
    assert_eq!(path, "rules.value");
}

#[test]
fn depth_is_limited() {
    let mut rule = leaf("order.amount", "gte", json!(1));
    for _ in 0..MAX_DEPTH - 1 {
        rule = json!({ "not": rule });
    }
    // 31 `not`s around a leaf: 32 levels.
    compile(rule.clone());
    let too_deep = json!({ "not": rule });
    let (path, reason) = compile_error(too_deep);
    assert_eq!(path, format!("rules{}", ".not".repeat(MAX_DEPTH)));
    assert!(reason.contains("32"), "{reason}");
}

#[test]
fn node_count_is_limited() {
    let leaves = |n: usize| -> Vec<Json> {
        (0..n)
            .map(|_| leaf("order.amount", "gte", json!(1)))
            .collect()
    };
    // The `all` node plus MAX_NODES - 1 leaves: exactly the limit.
    compile(json!({ "all": leaves(MAX_NODES - 1) }));
    let (path, reason) = compile_error(json!({ "all": leaves(MAX_NODES) }));
    assert_eq!(path, format!("rules.all[{}]", MAX_NODES - 1));
    assert!(reason.contains(&MAX_NODES.to_string()), "{reason}");
}

#[test]
fn rule_text_size_is_limited() {
    let padded = format!(
        "{{\"subject\": \"order.amount\", \"op\": \"gte\", \"value\": 1{}}}",
        " ".repeat(MAX_RULE_BYTES)
    );
    let error = Rule::compile(&padded).expect_err("too long");
    assert_eq!(error.path, "rules");
    assert!(
        error.reason.contains(&MAX_RULE_BYTES.to_string()),
        "{}",
        error.reason
    );
}

#[test]
fn invalid_json_is_a_compile_error() {
    let error = Rule::compile("{\"all\": [").expect_err("invalid JSON");
    assert_eq!(error.path, "rules");
    assert!(error.reason.starts_with("invalid JSON"), "{}", error.reason);
}

// ---- operators on typed subjects ----

#[test]
fn every_operator_on_typed_subjects() {
    let fixture = Fixture::new();
    let cases = [
        (leaf("order.amount", "eq", json!(3800)), true),
        (leaf("order.amount", "ne", json!(3800)), false),
        (leaf("order.amount", "lt", json!(3800)), false),
        (leaf("order.amount", "lte", json!(3800)), true),
        (leaf("order.amount", "gt", json!(3799)), true),
        (leaf("order.amount", "gte", json!(3801)), false),
        (leaf("order.amount", "in", json!([1, 3800])), true),
        (leaf("order.amount", "not_in", json!([1, 3800])), false),
        (leaf("order.amount", "exists", json!(true)), true),
        (leaf("order.initial_amount", "eq", json!(3800)), true),
        (leaf("order.items_count", "eq", json!(2)), true),
        (leaf("order.total_quantity", "eq", json!(3)), true),
        (leaf("order.currency", "eq", json!("EUR")), true),
        (leaf("order.channel", "in", json!(["web", "app"])), true),
        (leaf("order.channel", "not_in", json!(["pos"])), true),
        (leaf("order.store_id", "exists", json!(false)), true),
        (leaf("order.store_id", "ne", json!("S1")), false),
        (leaf("customer.id", "eq", json!("c1")), true),
        (leaf("items.quantity", "eq", json!(3)), true),
        (leaf("items.amount", "eq", json!(3800)), true),
    ];
    for (rule, expected) in cases {
        assert_eq!(fixture.holds(rule.clone()), expected, "{rule}");
    }
}

#[test]
fn item_aggregates_sum_the_matching_lines() {
    let fixture = Fixture::new();
    let coffee = leaf("item.categories", "contains", json!("coffee"));
    let aggregate = |subject: &str, value: i64, filter: Json| json!({"subject": subject, "op": "eq", "value": value, "filter": filter});
    assert!(fixture.holds(aggregate("items.quantity", 2, coffee.clone())));
    assert!(fixture.holds(aggregate("items.amount", 2400, coffee.clone())));
    assert!(fixture.holds(aggregate(
        "items.quantity",
        1,
        json!({"not": coffee.clone()})
    )));
    assert!(fixture.holds(aggregate(
        "items.quantity",
        3,
        json!({"any": [coffee, leaf("item.sku", "eq", json!("MUG"))]})
    )));
    assert!(fixture.holds(aggregate(
        "items.quantity",
        1,
        leaf("item.unit_price", "gt", json!(1200))
    )));
    assert!(fixture.holds(aggregate(
        "items.quantity",
        2,
        leaf("item.quantity", "gte", json!(2))
    )));
    assert!(fixture.holds(aggregate(
        "items.quantity",
        3,
        leaf("item.product_id", "exists", json!(true))
    )));
    assert!(fixture.holds(aggregate(
        "items.quantity",
        0,
        leaf("item.categories", "contains", json!("tea"))
    )));
}

#[test]
fn order_amount_is_the_running_amount() {
    let mut fixture = Fixture::new();
    fixture.line_amounts = vec![2000, 1400];
    assert!(fixture.holds(leaf("order.amount", "eq", json!(3400))));
    assert!(fixture.holds(leaf("order.initial_amount", "eq", json!(3800))));
    assert!(fixture.holds(json!({
        "subject": "items.amount", "op": "eq", "value": 2000,
        "filter": leaf("item.sku", "eq", json!("BEANS"))
    })));
}

#[test]
fn boolean_nodes() {
    let fixture = Fixture::new();
    let yes = leaf("order.currency", "eq", json!("EUR"));
    let no = leaf("order.currency", "eq", json!("USD"));
    assert!(fixture.holds(json!({"all": [yes.clone(), yes.clone()]})));
    assert!(!fixture.holds(json!({"all": [yes.clone(), no.clone()]})));
    assert!(fixture.holds(json!({"any": [no.clone(), yes.clone()]})));
    assert!(!fixture.holds(json!({"any": [no.clone(), no.clone()]})));
    assert!(fixture.holds(json!({"not": no.clone()})));
    assert!(!fixture.holds(json!({"not": yes.clone()})));
    assert!(fixture.holds(json!({"all": [{"not": no}, {"any": [yes]}]})));
}

// ---- dynamic attributes ----

#[test]
fn customer_attributes_by_path() {
    let fixture = Fixture::with_attributes(json!({
        "country": "FR",
        "age": 34,
        "score": 7.5,
        "vip": true,
        "tags": ["newsletter", "early"],
        "address": {"city": "Lyon"},
        "nothing": null
    }));
    let cases = [
        (leaf("customer.attributes.country", "eq", json!("FR")), true),
        (
            leaf("customer.attributes.country", "in", json!(["DE", "FR"])),
            true,
        ),
        (
            leaf("customer.attributes.country", "not_in", json!(["DE", "FR"])),
            false,
        ),
        (leaf("customer.attributes.age", "gte", json!(18)), true),
        (leaf("customer.attributes.age", "lt", json!(34.5)), true),
        (leaf("customer.attributes.score", "gt", json!(7)), true),
        (leaf("customer.attributes.score", "eq", json!(7.5)), true),
        (leaf("customer.attributes.vip", "eq", json!(true)), true),
        (
            leaf("customer.attributes.tags", "contains", json!("early")),
            true,
        ),
        (
            leaf("customer.attributes.tags", "contains", json!("vip")),
            false,
        ),
        (
            leaf("customer.attributes.address.city", "eq", json!("Lyon")),
            true,
        ),
        (
            leaf("customer.attributes.nothing", "exists", json!(false)),
            true,
        ),
        (
            leaf("customer.attributes.nothing", "exists", json!(true)),
            false,
        ),
    ];
    for (rule, expected) in cases {
        assert_eq!(fixture.holds(rule.clone()), expected, "{rule}");
    }
}

#[test]
fn absent_attributes_are_false_except_exists_false() {
    for fixture in [
        Fixture::with_attributes(json!({"country": "FR"})),
        Fixture::new(),
    ] {
        let subject = "customer.attributes.birthday";
        for (op, value) in [
            ("eq", json!("x")),
            ("ne", json!("x")),
            ("lt", json!(1)),
            ("gte", json!(1)),
            ("in", json!(["x"])),
            ("not_in", json!(["x"])),
            ("contains", json!("x")),
            ("exists", json!(true)),
        ] {
            assert!(
                !fixture.holds(leaf(subject, op, value.clone())),
                "{op} {value}"
            );
        }
        assert!(fixture.holds(leaf(subject, "exists", json!(false))));
        assert!(fixture.holds(json!({"not": leaf(subject, "eq", json!("x"))})));
    }
    let mut anonymous = Fixture::new();
    anonymous.customer_id = None;
    assert!(anonymous.holds(leaf("customer.id", "exists", json!(false))));
    assert!(!anonymous.holds(leaf("customer.id", "ne", json!("c1"))));
}

#[test]
fn type_mismatches_are_false_and_explained() {
    let fixture = Fixture::with_attributes(json!({"age": "34", "tags": "vip"}));
    assert!(!fixture.holds(leaf("customer.attributes.age", "gte", json!(18))));
    assert!(!fixture.holds(leaf("customer.attributes.age", "ne", json!(18))));
    assert!(!fixture.holds(leaf("customer.attributes.age", "not_in", json!([18]))));
    assert!(!fixture.holds(leaf("customer.attributes.tags", "contains", json!("vip"))));

    let explanation = fixture.explain(leaf("customer.attributes.age", "gte", json!(18)));
    assert_eq!(explanation.actual_json, "\"34\"");
    assert_eq!(
        explanation.message,
        "customer attribute age must be at least 18 (it is \"34\", a string, not a number)"
    );
    assert!(explanation.near_miss.is_none());
    let explanation = fixture.explain(leaf("customer.attributes.tags", "contains", json!("vip")));
    assert_eq!(
        explanation.message,
        "customer attribute tags must contain \"vip\" (it is \"vip\", a string, not a list)"
    );
}

// ---- explanations ----

#[test]
fn explains_the_first_failing_leaf_of_all() {
    let fixture = Fixture::with_attributes(json!({"country": "DE"}));
    let explanation = fixture.explain(json!({"all": [
        leaf("order.currency", "eq", json!("EUR")),
        leaf("customer.attributes.country", "in", json!(["FR", "BE"])),
        leaf("order.amount", "gte", json!(5000)),
    ]}));
    assert_eq!(explanation.path, "rules.all[1]");
    assert_eq!(explanation.subject, "customer.attributes.country");
    assert_eq!(explanation.operator, "in");
    assert_eq!(explanation.expected_json, "[\"FR\",\"BE\"]");
    assert_eq!(explanation.actual_json, "\"DE\"");
    assert_eq!(
        explanation.message,
        "customer attribute country must be one of \"FR\", \"BE\" (it is \"DE\")"
    );
}

#[test]
fn explains_absent_values_as_null() {
    let fixture = Fixture::with_attributes(json!({}));
    let explanation = fixture.explain(leaf("customer.attributes.country", "eq", json!("FR")));
    assert_eq!(explanation.actual_json, "null");
    assert_eq!(
        explanation.message,
        "customer attribute country must be \"FR\" (it is not set)"
    );
}

#[test]
fn amount_near_miss() {
    let fixture = Fixture::new();
    let explanation = fixture.explain(leaf("order.amount", "gte", json!(5000)));
    assert_eq!(explanation.path, "rules");
    assert_eq!(explanation.expected_json, "5000");
    assert_eq!(explanation.actual_json, "3800");
    assert_eq!(
        explanation.message,
        "order amount must be at least 50.00 EUR (it is 38.00 EUR)"
    );
    let near_miss = explanation.near_miss.expect("near miss");
    assert_eq!(near_miss.subject, "order.amount");
    assert_eq!(near_miss.missing, 1200);
    assert_eq!(near_miss.unit, "amount");
    assert_eq!(near_miss.currency, "EUR");
    assert_eq!(near_miss.message, "Add 12.00 EUR to get 10% off");

    // gt needs one more minor unit.
    let explanation = fixture.explain(leaf("order.amount", "gt", json!(5000)));
    assert_eq!(explanation.near_miss.expect("near miss").missing, 1201);
}

#[test]
fn quantity_near_miss_with_a_filter() {
    let fixture = Fixture::new();
    let explanation = fixture.explain(json!({
        "subject": "items.quantity", "op": "gte", "value": 4,
        "filter": leaf("item.categories", "contains", json!("coffee"))
    }));
    assert_eq!(explanation.subject, "items.quantity");
    assert_eq!(explanation.actual_json, "2");
    assert_eq!(
        explanation.message,
        "number of items where categories contains \"coffee\" must be at least 4 (it is 2)"
    );
    let near_miss = explanation.near_miss.expect("near miss");
    assert_eq!(
        near_miss.subject,
        "items[categories contains \"coffee\"].quantity"
    );
    assert_eq!(near_miss.missing, 2);
    assert_eq!(near_miss.unit, "quantity");
    assert_eq!(near_miss.currency, "");
    assert_eq!(
        near_miss.message,
        "Add 2 more items where categories contains \"coffee\" to get 10% off"
    );

    let explanation = fixture.explain(leaf("order.total_quantity", "gte", json!(4)));
    let near_miss = explanation.near_miss.expect("near miss");
    assert_eq!(near_miss.missing, 1);
    assert_eq!(near_miss.message, "Add 1 more item to get 10% off");

    let explanation = fixture.explain(leaf("order.items_count", "gt", json!(2)));
    assert_eq!(explanation.near_miss.expect("near miss").missing, 1);
}

#[test]
fn no_near_miss_for_other_operators_or_subjects() {
    let fixture = Fixture::with_attributes(json!({"age": 10}));
    assert!(fixture
        .explain(leaf("order.amount", "lte", json!(100)))
        .near_miss
        .is_none());
    assert!(fixture
        .explain(leaf("order.amount", "eq", json!(5000)))
        .near_miss
        .is_none());
    assert!(fixture
        .explain(leaf("customer.attributes.age", "gte", json!(18)))
        .near_miss
        .is_none());
}

#[test]
fn any_prefers_the_smallest_near_miss() {
    let fixture = Fixture::with_attributes(json!({"vip": false}));
    let explanation = fixture.explain(json!({"any": [
        leaf("customer.attributes.vip", "eq", json!(true)),
        leaf("order.amount", "gte", json!(10000)),
        leaf("order.amount", "gte", json!(4000)),
        leaf("order.total_quantity", "gte", json!(1000)),
    ]}));
    assert_eq!(explanation.path, "rules.any[2]");
    assert_eq!(explanation.near_miss.expect("near miss").missing, 200);

    let explanation = fixture.explain(json!({"any": [
        leaf("customer.attributes.vip", "eq", json!(true)),
        leaf("order.channel", "eq", json!("pos")),
    ]}));
    assert_eq!(explanation.path, "rules.any[0]");

    // A near miss deep inside a failing `all` child counts too.
    let explanation = fixture.explain(json!({"any": [
        leaf("order.channel", "eq", json!("pos")),
        {"all": [leaf("order.currency", "eq", json!("EUR")), leaf("order.amount", "gte", json!(4000))]},
    ]}));
    assert_eq!(explanation.path, "rules.any[1].all[1]");
}

#[test]
fn not_is_explained_by_the_not_node() {
    let fixture = Fixture::new();
    let explanation = fixture.explain(json!({"all": [
        {"not": leaf("order.channel", "eq", json!("web"))}
    ]}));
    assert_eq!(explanation.path, "rules.all[0]");
    assert_eq!(explanation.operator, "not");
    assert_eq!(explanation.subject, "order.channel");
    assert_eq!(explanation.expected_json, "false");
    assert_eq!(explanation.actual_json, "true");
    assert_eq!(
        explanation.message,
        "this offer is not available when order channel is \"web\""
    );
}

#[test]
fn leaf_message_then_campaign_message_then_generated() {
    let fixture = Fixture::new();
    let with_message = json!({
        "subject": "order.amount", "op": "gte", "value": 5000,
        "message": "Spend 50 EUR or more"
    });
    assert_eq!(
        fixture
            .explain_with(with_message, Some("campaign says no"))
            .message,
        "Spend 50 EUR or more"
    );
    let explanation = fixture.explain_with(
        leaf("order.amount", "gte", json!(5000)),
        Some("campaign says no"),
    );
    assert_eq!(explanation.message, "campaign says no");
    // The near miss message stays generated.
    assert_eq!(
        explanation.near_miss.expect("near miss").message,
        "Add 12.00 EUR to get 10% off"
    );
}

#[test]
fn holding_rules_have_no_explanation() {
    let fixture = Fixture::new();
    let rule = compile(leaf("order.amount", "gte", json!(100)));
    let context = ExplainContext {
        currency: "EUR",
        rules_message: None,
        reward: None,
    };
    assert!(rule.explain(&fixture.facts(), &context).is_none());
}

#[test]
fn near_miss_without_an_effect_says_qualify() {
    let fixture = Fixture::new();
    let rule = compile(leaf("order.amount", "gte", json!(5000)));
    let context = ExplainContext {
        currency: "JPY",
        rules_message: None,
        reward: None,
    };
    let explanation = rule.explain(&fixture.facts(), &context).expect("fails");
    assert_eq!(
        explanation.near_miss.expect("near miss").message,
        "Add 1200 JPY to qualify"
    );
}

// ---- the worked examples of docs/rules.md ----

#[test]
fn docs_example_3_country_channel_not_pos() {
    let rule = json!({"all": [
        leaf("customer.attributes.country", "in", json!(["FR", "BE"])),
        leaf("order.channel", "eq", json!("web")),
        {"not": leaf("order.store_id", "exists", json!(true))}
    ]});
    let german = Fixture::with_attributes(json!({"country": "DE"}));
    let explanation = german.explain(rule.clone());
    assert_eq!(explanation.path, "rules.all[0]");
    assert_eq!(explanation.expected_json, "[\"FR\",\"BE\"]");
    assert_eq!(explanation.actual_json, "\"DE\"");
    let unknown = Fixture::with_attributes(json!({}));
    assert_eq!(
        unknown.explain(rule.clone()).message,
        "customer attribute country must be one of \"FR\", \"BE\" (it is not set)"
    );
    assert!(Fixture::with_attributes(json!({"country": "BE"})).holds(rule));
}

#[test]
fn docs_example_4_closest_near_miss_with_leaf_message() {
    let fixture = Fixture::with_attributes(json!({"vip": false}));
    let explanation = fixture.explain(json!({"any": [
        leaf("customer.attributes.vip", "eq", json!(true)),
        leaf("order.amount", "gte", json!(10000)),
        {"subject": "items.amount", "op": "gte", "value": 3000,
         "filter": leaf("item.categories", "contains", json!("coffee")),
         "message": "Buy 30 EUR of coffee to unlock this offer"}
    ]}));
    assert_eq!(explanation.path, "rules.any[2]");
    assert_eq!(
        explanation.message,
        "Buy 30 EUR of coffee to unlock this offer"
    );
    let near_miss = explanation.near_miss.expect("near miss");
    assert_eq!(near_miss.missing, 600);
    assert_eq!(
        near_miss.message,
        "Add 6.00 EUR of items where categories contains \"coffee\" to get 10% off"
    );
}

#[test]
fn docs_example_5_first_order_only() {
    let rule = leaf("customer.attributes.orders_count", "exists", json!(false));
    assert!(Fixture::with_attributes(json!({})).holds(rule.clone()));
    assert!(Fixture::with_attributes(json!({"orders_count": null})).holds(rule.clone()));
    let explanation = Fixture::with_attributes(json!({"orders_count": 3})).explain(rule);
    assert_eq!(
        explanation.message,
        "customer attribute orders_count must not be set (it is 3)"
    );
}

#[test]
fn docs_compile_error_messages() {
    let (_, reason) = compile_error(json!({"all": []}));
    assert_eq!(reason, "\"all\" needs at least one rule");
    let (_, reason) = compile_error(leaf("customer.attributes.x", "in", json!([1, "a"])));
    assert_eq!(
        reason,
        "the values of in must all be of one type; got a string after a number"
    );
    let (_, reason) = compile_error(leaf("order.channel", "gt", json!("a")));
    assert_eq!(
        reason,
        "gt needs a number or a date to order by; order.channel is a string"
    );
    let (_, reason) = compile_error(json!({"subject": "items.quantity", "op": "gte", "value": 1,
        "filter": leaf("item.categories", "eq", json!("coffee"))}));
    assert_eq!(
        reason,
        "eq cannot compare a list; item.categories is a list of strings; use contains"
    );
}

#[test]
fn a_rule_reads_in_words_with_amounts_in_the_currency() {
    let rule = r#"{"all": [
        {"subject": "order.amount", "op": "gte", "value": 5000},
        {"subject": "items.quantity", "op": "gte", "value": 1,
         "filter": {"subject": "item.categories", "op": "contains", "value": "coffee"}},
        {"any": [{"subject": "context.day_of_week", "op": "in", "value": [6, 7]},
                 {"not": {"subject": "customer.segments", "op": "contains", "value": "staff"}}]}]}"#;
    assert_eq!(
        super::describe_rules(rule, "EUR").unwrap(),
        "order amount is at least 50.00 EUR and number of items where categories contains \
         \"coffee\" is at least 1 and (day of the week is one of 6, 7 or (not customer \
         segments contains \"staff\"))"
    );
    let threshold = r#"{"subject": "order.amount", "op": "gte", "value": 5000}"#;
    assert_eq!(
        super::describe_rules(threshold, "KWD").unwrap(),
        "order amount is at least 5.000 KWD"
    );
    assert_eq!(
        super::describe_rules(threshold, "JPY").unwrap(),
        "order amount is at least 5000 JPY"
    );
    assert_eq!(
        super::describe_rules("  ", "EUR").unwrap(),
        super::EVERY_CART
    );
    let error = super::describe_rules(
        r#"{"all": [{"subject": "order.amount", "op": "nearly", "value": 1}]}"#,
        "EUR",
    )
    .unwrap_err();
    assert_eq!(error.path, "rules.all[0].op");
}

//! Runs the shared data-driven fixtures of tests/fixtures/engine (format in its README.md).
//! Every case runs; failures are collected and reported together.

mod support;

use std::fs;
use std::path::PathBuf;

use serde_json::{json, Value as Json};

use promocore_engine::pb::internal::{CheckoutInput, EvaluationContext};
use promocore_engine::pb::v1::{RedeemableResult, RedeemableStatus, ValidateResponse};
use promocore_engine::{evaluate_checkout, CheckoutError, CompiledCampaign};

const DEFAULT_NOW: &str = "2025-01-15T12:00:00Z";
const COMPILE_ERRORS_FILE: &str = "compile_errors.json";

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/engine")
}

fn fixture_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(fixtures_dir())
        .expect("tests/fixtures/engine exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    files
}

fn load_cases(path: &PathBuf) -> Vec<Json> {
    let text = fs::read_to_string(path).expect("readable fixture");
    let json: Json = serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("{}: invalid JSON: {error}", path.display()));
    json.as_array()
        .unwrap_or_else(|| panic!("{}: a fixture file holds a list of cases", path.display()))
        .clone()
}

/// The campaign a compile error case with only `rules`/`rules_json` is compiled with.
fn base_campaign() -> Json {
    json!({
        "id": "base",
        "name": "Base",
        "type": "DISCOUNT_COUPONS",
        "currency": "EUR",
        "effect": {"amount_off_order": {"amount": 100}}
    })
}

#[test]
fn compile_error_fixtures() {
    let path = fixtures_dir().join(COMPILE_ERRORS_FILE);
    let cases = load_cases(&path);
    assert!(!cases.is_empty());
    let mut failures = Vec::new();
    for case in &cases {
        let description = case["description"].as_str().expect("description");
        let mut campaign_json = case.get("campaign").cloned().unwrap_or_else(base_campaign);
        for key in ["rules", "rules_json"] {
            if let Some(rules) = case.get(key) {
                campaign_json[key] = rules.clone();
            }
        }
        let campaign = support::campaign(&campaign_json);
        let expected_path = case["expected_path"].as_str().expect("expected_path");
        let expected_reason = case["expected_reason_contains"]
            .as_str()
            .expect("expected_reason_contains");
        match CompiledCampaign::compile(&campaign) {
            Ok(_) => failures.push(format!("{description}: compiled, expected an error")),
            Err(error) => {
                if error.path != expected_path || !error.reason.contains(expected_reason) {
                    failures.push(format!(
                        "{description}: got {error}, expected {expected_path}: ...{expected_reason}..."
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    println!("{} compile error cases passed", cases.len());
}

#[test]
fn checkout_fixtures() {
    let mut failures = Vec::new();
    let mut count = 0;
    for path in fixture_files() {
        if path
            .file_name()
            .is_some_and(|name| name == COMPILE_ERRORS_FILE)
        {
            continue;
        }
        let file = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        for case in load_cases(&path) {
            count += 1;
            let description = case["description"].as_str().expect("description");
            if let Err(problems) = run_checkout_case(&case) {
                for problem in problems {
                    failures.push(format!("{file}: {description}: {problem}"));
                }
            }
        }
    }
    assert!(count > 0, "no checkout fixtures found");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    println!("{count} checkout cases passed");
}

/// Expands the single-redeemable shorthand (`campaign` + `code` + `counters`) into the general
/// form (`campaigns` + `redeemables`).
fn normalize(case: &Json) -> (Vec<Json>, Vec<Json>) {
    let campaigns = match (case.get("campaign"), case.get("campaigns")) {
        (Some(campaign), None) => vec![campaign.clone()],
        (None, Some(campaigns)) => campaigns.as_array().expect("campaigns list").clone(),
        (None, None) => Vec::new(),
        (Some(_), Some(_)) => panic!("a case has campaign or campaigns, not both"),
    };
    let redeemables = match (case.get("code"), case.get("redeemables")) {
        (Some(code), None) => {
            let mut redeemable = json!({
                "code": code["code"].clone(),
                "campaign": 0,
                "code_record": code.clone(),
            });
            for key in ["counters", "held_by_other_session"] {
                if let Some(value) = case.get(key) {
                    redeemable[key] = value.clone();
                }
            }
            vec![redeemable]
        }
        (None, Some(redeemables)) => redeemables.as_array().expect("redeemables list").clone(),
        (None, None) => Vec::new(),
        (Some(_), Some(_)) => panic!("a case has code or redeemables, not both"),
    };
    (campaigns, redeemables)
}

fn run_checkout_case(case: &Json) -> Result<(), Vec<String>> {
    let (campaign_jsons, redeemable_jsons) = normalize(case);
    let compiled: Vec<CompiledCampaign> = campaign_jsons
        .iter()
        .map(|json| {
            CompiledCampaign::compile(&support::campaign(json))
                .map_err(|error| vec![format!("campaign does not compile: {error}")])
        })
        .collect::<Result<_, _>>()?;
    let campaigns: Vec<&CompiledCampaign> = compiled.iter().collect();

    let mut input = CheckoutInput {
        order: case.get("order").map(support::order),
        customer: case.get("customer").map(support::customer),
        options: case.get("options").map(support::options),
        ..Default::default()
    };
    let now = case
        .get("now")
        .map_or(DEFAULT_NOW, |now| now.as_str().expect("now is a string"));
    let mut context = EvaluationContext {
        now_unix_ms: support::unix_ms(now),
        ..Default::default()
    };
    for json in &redeemable_jsons {
        let (redeemable, resolved) = support::redeemable(json);
        input.redeemables.push(redeemable);
        context.redeemables.push(resolved);
    }
    if let Some(rules) = case.get("stacking_rules") {
        context.stacking_rules = Some(support::stacking_rules(rules));
    }
    if let Some(profile) = case.get("profile") {
        context.customer = Some(support::profile(profile));
    }
    if let Some(promotions) = case.get("promotions") {
        context.promotions = promotions
            .as_array()
            .expect("promotions list")
            .iter()
            .map(support::promotion)
            .collect();
    }

    let expected = &case["expected"];
    let outcome = evaluate_checkout(&input, &context, &campaigns);
    if let Some(request_error) = expected.get("request_error") {
        return match outcome {
            Err(CheckoutError::Request(error)) => {
                let mut problems = Vec::new();
                check_eq(
                    &mut problems,
                    "request_error.field",
                    &request_error["field"],
                    &json!(error.field),
                );
                if let Some(part) = request_error.get("reason_contains").and_then(Json::as_str) {
                    if !error.reason.contains(part) {
                        problems.push(format!("reason {:?} lacks {part:?}", error.reason));
                    }
                }
                if problems.is_empty() {
                    Ok(())
                } else {
                    Err(problems)
                }
            }
            Err(other) => Err(vec![format!("expected a request error, got {other}")]),
            Ok(_) => Err(vec!["expected a request error, got a response".to_owned()]),
        };
    }
    let response = outcome.map_err(|error| vec![format!("evaluation failed: {error}")])?;
    let problems = compare_response(&response, expected, &input);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

const RESULT_KEYS: [&str; 18] = [
    "skipped_by",
    "shipping_discount",
    "gift_amount",
    "points",
    "points_amount",
    "added_items",
    "status",
    "reason",
    "message",
    "message_contains",
    "items_discount",
    "allocations",
    "explanation",
    "campaign_id",
    "category",
    "redeemable",
    "campaign_version",
    "variant",
];

fn compare_response(
    response: &ValidateResponse,
    expected: &Json,
    input: &CheckoutInput,
) -> Vec<String> {
    let mut problems = Vec::new();
    let expected_object = support::object(expected, "expected");
    let mut expected_results: Vec<Json> = Vec::new();
    if let Some(results) = expected.get("results") {
        expected_results = results.as_array().expect("results list").clone();
        if expected_results.len() != response.redeemables.len() {
            problems.push(format!(
                "expected {} results, got {}",
                expected_results.len(),
                response.redeemables.len()
            ));
        }
    }
    // Shorthand: result keys at the top of `expected` describe the first result.
    let shorthand: serde_json::Map<String, Json> = expected_object
        .iter()
        .filter(|(key, _)| RESULT_KEYS.contains(&key.as_str()))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    if !shorthand.is_empty() {
        expected_results.insert(0, Json::Object(shorthand));
    }
    for key in expected_object.keys() {
        if !RESULT_KEYS.contains(&key.as_str())
            && ![
                "valid",
                "results",
                "totals",
                "response_added_items",
                "combinations",
            ]
            .contains(&key.as_str())
        {
            problems.push(format!("unknown expected key {key:?}"));
        }
    }

    if let Some(valid) = expected.get("valid") {
        check_eq(&mut problems, "valid", valid, &json!(response.valid));
    }
    let line_count = input.order.as_ref().map_or(0, |order| order.items.len());
    for (index, expected_result) in expected_results.iter().enumerate() {
        match response.redeemables.get(index) {
            Some(result) => {
                compare_result(&mut problems, index, result, expected_result, line_count)
            }
            None => problems.push(format!("results[{index}] missing")),
        }
    }
    if let Some(added) = expected.get("response_added_items") {
        check_eq(
            &mut problems,
            "added_items",
            added,
            &added_items_json(&response.added_items),
        );
    }
    if let Some(combinations) = expected.get("combinations") {
        let actual: Vec<Json> = response
            .combinations
            .iter()
            .map(|combination| {
                json!({
                    "applied": combination.applied.iter().map(redeemable_json).collect::<Vec<_>>(),
                    "total_discount": combination.total_discount,
                    "chosen": combination.chosen,
                    "application_order": combination.application_order,
                })
            })
            .collect();
        check_eq(&mut problems, "combinations", combinations, &json!(actual));
    }
    if let Some(expected_totals) = expected.get("totals") {
        let totals = response.totals.clone().unwrap_or_default();
        let actual = json!({
            "currency": totals.currency,
            "items_amount": totals.items_amount,
            "shipping_amount": totals.shipping_amount,
            "amount": totals.amount,
            "items_discount": totals.items_discount,
            "shipping_discount": totals.shipping_discount,
            "total_discount": totals.total_discount,
            "amount_after_discounts": totals.amount_after_discounts,
            "gift_card_amount": totals.gift_card_amount,
            "points_amount": totals.points_amount,
            "total_to_pay": totals.total_to_pay,
        });
        for (key, value) in support::object(expected_totals, "totals") {
            match actual.get(key) {
                Some(actual_value) => {
                    check_eq(&mut problems, &format!("totals.{key}"), value, actual_value)
                }
                None => problems.push(format!("unknown totals key {key:?}")),
            }
        }
    }
    problems
}

fn status_name(status: i32) -> String {
    RedeemableStatus::try_from(status)
        .map(|status| status.as_str_name().to_owned())
        .unwrap_or_else(|_| format!("unknown status {status}"))
}

fn compare_result(
    problems: &mut Vec<String>,
    index: usize,
    result: &RedeemableResult,
    expected: &Json,
    line_count: usize,
) {
    let at = |key: &str| format!("results[{index}].{key}");
    for (key, value) in support::object(expected, "result") {
        match key.as_str() {
            "status" => check_eq(
                problems,
                &at(key),
                value,
                &json!(status_name(result.status)),
            ),
            "reason" => check_eq(problems, &at(key), value, &json!(result.reason)),
            "message" => check_eq(problems, &at(key), value, &json!(result.message)),
            "message_contains" => {
                let part = value.as_str().expect("message_contains is a string");
                if !result.message.contains(part) {
                    problems.push(format!("{}: {:?} lacks {part:?}", at(key), result.message));
                }
            }
            "items_discount" => check_eq(problems, &at(key), value, &json!(result.items_discount)),
            "shipping_discount" => {
                check_eq(problems, &at(key), value, &json!(result.shipping_discount))
            }
            "gift_amount" => check_eq(problems, &at(key), value, &json!(result.gift_amount)),
            "points" => check_eq(problems, &at(key), value, &json!(result.points)),
            "points_amount" => check_eq(problems, &at(key), value, &json!(result.points_amount)),
            "added_items" => check_eq(
                problems,
                &at(key),
                value,
                &added_items_json(&result.added_items),
            ),
            "campaign_id" => check_eq(problems, &at(key), value, &json!(result.campaign_id)),
            "campaign_version" => {
                check_eq(problems, &at(key), value, &json!(result.campaign_version))
            }
            "category" => check_eq(problems, &at(key), value, &json!(result.category)),
            "variant" => check_eq(problems, &at(key), value, &json!(result.variant)),
            "allocations" => {
                let added = result.added_items.len();
                let mut per_line = vec![0i64; line_count + added];
                for allocation in &result.allocations {
                    match usize::try_from(allocation.item_index)
                        .ok()
                        .and_then(|i| per_line.get_mut(i))
                    {
                        Some(slot) => *slot += allocation.discount,
                        None => problems.push(format!(
                            "{}: bad item_index {}",
                            at(key),
                            allocation.item_index
                        )),
                    }
                }
                check_eq(problems, &at(key), value, &json!(per_line));
            }
            "redeemable" => {
                let redeemable = result.redeemable.clone().unwrap_or_default();
                check_eq(problems, &at(key), value, &redeemable_json(&redeemable));
            }
            "skipped_by" => {
                let actual = result
                    .skipped_by
                    .as_ref()
                    .map_or(Json::Null, redeemable_json);
                check_eq(problems, &at(key), value, &actual);
            }
            "explanation" => compare_explanation(problems, &at(key), result, value),
            _ => problems.push(format!("{}: unknown expected key", at(key))),
        }
    }
}

fn compare_explanation(
    problems: &mut Vec<String>,
    at: &str,
    result: &RedeemableResult,
    expected: &Json,
) {
    let Some(explanation) = &result.explanation else {
        if !expected.is_null() {
            problems.push(format!("{at}: missing"));
        }
        return;
    };
    if expected.is_null() {
        problems.push(format!("{at}: expected none, got {explanation:?}"));
        return;
    }
    let near_miss = explanation
        .near_miss
        .as_ref()
        .map_or(Json::Null, |near_miss| {
            json!({
                "subject": near_miss.subject,
                "missing": near_miss.missing,
                "unit": near_miss.unit,
                "currency": near_miss.currency,
                "message": near_miss.message,
            })
        });
    let actual = json!({
        "path": explanation.path,
        "subject": explanation.subject,
        "operator": explanation.operator,
        "expected_json": explanation.expected_json,
        "actual_json": explanation.actual_json,
        "message": explanation.message,
        "near_miss": near_miss,
    });
    for (key, value) in support::object(expected, "explanation") {
        let what = format!("{at}.{key}");
        match (key.as_str(), actual.get(key)) {
            ("near_miss", Some(actual_near_miss))
                if value.is_object() && actual_near_miss.is_object() =>
            {
                for (field, expected_value) in support::object(value, "near_miss") {
                    match actual_near_miss.get(field) {
                        Some(actual_value) => check_eq(
                            problems,
                            &format!("{what}.{field}"),
                            expected_value,
                            actual_value,
                        ),
                        None => problems.push(format!("{what}.{field}: unknown key")),
                    }
                }
            }
            (_, Some(actual_value)) => check_eq(problems, &what, value, actual_value),
            (_, None) => problems.push(format!("{what}: unknown key")),
        }
    }
}

/// Added items as `[{"item_index", "sku", "quantity", "unit_price"}]`.
/// `{"code": "X"}` or `{"promotion_id": "P"}`.
fn redeemable_json(redeemable: &promocore_engine::pb::v1::Redeemable) -> Json {
    match &redeemable.target {
        Some(promocore_engine::pb::v1::redeemable::Target::Code(code)) => json!({"code": code}),
        Some(promocore_engine::pb::v1::redeemable::Target::PromotionId(id)) => {
            json!({"promotion_id": id})
        }
        None => json!({}),
    }
}

fn added_items_json(added: &[promocore_engine::pb::v1::AddedItem]) -> Json {
    Json::Array(
        added
            .iter()
            .map(|added| {
                let item = added.item.clone().unwrap_or_default();
                json!({"item_index": added.item_index, "sku": item.sku,
                       "quantity": item.quantity, "unit_price": item.unit_price})
            })
            .collect(),
    )
}

fn check_eq(problems: &mut Vec<String>, what: &str, expected: &Json, actual: &Json) {
    if expected != actual {
        problems.push(format!("{what}: expected {expected}, got {actual}"));
    }
}

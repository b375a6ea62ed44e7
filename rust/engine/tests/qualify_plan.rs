//! Qualify through the checkout plan, as the server runs it: which counters the plan asks the
//! store for (the engine decides, as for a checkout), and answers identical to the index's with
//! the same counters given in a QualifyContext.

mod support;

use std::collections::HashMap;
use std::sync::Arc;

use prost::Message;
use serde_json::json;

use promocore_engine::pb::internal::{Counters, QualifyContext, WalletCode};
use promocore_engine::pb::v1::{Code, CodeKind, QualifyRequest, QualifyResponse};
use promocore_engine::{CheckoutError, CheckoutPlan, CompiledCampaign};

const NOW: &str = "2025-01-15T12:00:00Z";

fn compiled(json: serde_json::Value) -> Arc<CompiledCampaign> {
    Arc::new(CompiledCampaign::compile(&support::campaign(&json)).expect("compiles"))
}

fn code(code: &str, campaign_id: &str) -> Code {
    Code {
        code: code.to_owned(),
        campaign_id: campaign_id.to_owned(),
        kind: CodeKind::Discount as i32,
        ..Default::default()
    }
}

/// Promotions with and without limits (one in another currency, one reading a counter in its
/// rule, one a draft), a coupon campaign with a public code and limits, a coupon campaign whose
/// codes are assigned.
fn campaigns() -> Vec<Arc<CompiledCampaign>> {
    vec![
        compiled(json!({
            "id": "limited-promo", "name": "Limited", "type": "PROMOTION", "currency": "EUR",
            "effect": {"amount_off_order": {"amount": 500}},
            "limits": {"total_redemptions": 10}
        })),
        compiled(json!({
            "id": "open-promo", "name": "Open", "type": "PROMOTION", "currency": "EUR",
            "effect": {"percent_off_order": {"percent_bp": 1000}},
            "rules": {"subject": "order.amount", "op": "gte", "value": 10000}
        })),
        compiled(json!({
            "id": "usd-promo", "name": "Dollars", "type": "PROMOTION", "currency": "USD",
            "effect": {"amount_off_order": {"amount": 500}},
            "limits": {"per_customer": 1}
        })),
        compiled(json!({
            "id": "counting-promo", "name": "First hundred", "type": "PROMOTION",
            "currency": "EUR", "effect": {"amount_off_order": {"amount": 300}},
            "rules": {"subject": "counters.campaign_redemptions", "op": "lt", "value": 100}
        })),
        compiled(json!({
            "id": "draft-promo", "name": "Draft", "type": "PROMOTION", "currency": "EUR",
            "draft": true, "effect": {"amount_off_order": {"amount": 900}},
            "limits": {"total_redemptions": 1}
        })),
        compiled(json!({
            "id": "public-coupon", "name": "Public", "type": "DISCOUNT_COUPONS",
            "currency": "EUR", "effect": {"amount_off_order": {"amount": 700}},
            "limits": {"per_customer": 1}
        })),
        compiled(json!({
            "id": "assigned-coupon", "name": "Assigned", "type": "DISCOUNT_COUPONS",
            "currency": "EUR", "effect": {"amount_off_order": {"amount": 400}},
            "code_redemption_quantity": 1
        })),
    ]
}

fn plan() -> Arc<CheckoutPlan> {
    Arc::new(CheckoutPlan::new(
        campaigns(),
        None,
        vec![code("PUBLIC7", "public-coupon")],
    ))
}

fn request(near_misses: bool) -> QualifyRequest {
    QualifyRequest {
        order: Some(support::order(&json!({
            "currency": "EUR",
            "items": [{"sku": "BEANS", "unit_price": 12000, "quantity": 1}]
        }))),
        customer: Some(support::customer(&json!({"id": "c-1"}))),
        include_near_misses: near_misses,
        ..Default::default()
    }
}

fn keys_as_text(keys: &[Vec<u8>]) -> Vec<String> {
    keys.iter()
        .map(|key| String::from_utf8(key.clone()).expect("UTF-8"))
        .collect()
}

#[test]
fn compiled_campaigns_say_whether_they_read_counters() {
    let reads: HashMap<String, bool> = campaigns()
        .iter()
        .map(|campaign| (campaign.id().to_owned(), campaign.reads_counters()))
        .collect();
    assert!(reads["limited-promo"]);
    assert!(!reads["open-promo"]);
    assert!(reads["counting-promo"], "a rule on counters.* reads them");
    assert!(reads["assigned-coupon"], "a code quantity is counted");
}

#[test]
fn the_plan_asks_for_the_counters_of_the_candidates_that_read_them() {
    let assigned = code("MINE4", "assigned-coupon").encode_to_vec();
    let prepared = plan()
        .prepare_qualify(
            &request(false).encode_to_vec(),
            support::unix_ms(NOW),
            None,
            &[&assigned],
        )
        .expect("prepares");
    let keys = keys_as_text(prepared.counter_keys());
    let campaign_keys = |campaign: &str| {
        vec![
            format!("campaign/{campaign}/redemptions"),
            format!("per-customer/c-1/{campaign}/all"),
            format!("per-customer/c-1/{campaign}/day/2025-01-15"),
            format!("per-customer/c-1/{campaign}/week/2025-W03"),
            format!("per-customer/c-1/{campaign}/month/2025-01"),
            format!("campaign/{campaign}/day/2025-01-15"),
            format!("campaign/{campaign}/discount"),
            format!("campaign/{campaign}/order_value"),
        ]
    };
    let mut expected = campaign_keys("limited-promo");
    expected.extend(campaign_keys("counting-promo"));
    expected.push("code/PUBLIC7".to_owned());
    expected.extend(campaign_keys("public-coupon"));
    expected.push("code/MINE4".to_owned());
    expected.extend(campaign_keys("assigned-coupon"));
    // Not the open promotion (nothing to count), the dollar one (another currency) nor the draft.
    assert_eq!(keys, expected);
}

fn answer_through_plan(
    request: &QualifyRequest,
    value_of: impl Fn(&str) -> i64,
) -> Result<QualifyResponse, CheckoutError> {
    let assigned = code("MINE4", "assigned-coupon").encode_to_vec();
    let prepared = plan().prepare_qualify(
        &request.encode_to_vec(),
        support::unix_ms(NOW),
        None,
        &[&assigned],
    )?;
    let values: Vec<i64> = keys_as_text(prepared.counter_keys())
        .iter()
        .map(|key| value_of(key))
        .collect();
    prepared.qualify(&values)
}

/// The same counters as a QualifyContext: by campaign id, the assigned code's with it.
fn answer_through_index(
    request: &QualifyRequest,
    counters: HashMap<String, Counters>,
    assigned_counters: Counters,
) -> QualifyResponse {
    let plan = plan();
    let context = QualifyContext {
        now_unix_ms: support::unix_ms(NOW),
        counters,
        public_codes: [("public-coupon".to_owned(), code("PUBLIC7", "public-coupon"))].into(),
        assigned_codes: vec![WalletCode {
            code: Some(code("MINE4", "assigned-coupon")),
            counters: Some(assigned_counters),
        }],
        ..Default::default()
    };
    plan.qualify_index()
        .qualify(request, &context)
        .expect("answers")
}

#[test]
fn answers_through_the_plan_are_the_indexs_with_the_same_counters() {
    for near_misses in [false, true] {
        let request = request(near_misses);
        // Nothing counted yet: every offer is proposed.
        let fresh = answer_through_plan(&request, |_| 0).expect("answers");
        assert_eq!(
            fresh,
            answer_through_index(&request, HashMap::new(), Counters::default())
        );
        let ids: Vec<&str> = fresh
            .entries
            .iter()
            .map(|entry| entry.result.as_ref().unwrap().campaign_id.as_str())
            .collect();
        assert_eq!(
            ids,
            [
                "open-promo",
                "public-coupon",
                "limited-promo",
                "assigned-coupon",
                "counting-promo"
            ]
        );
        // The limits used up, the counted rule no longer met, the code used.
        let used = |key: &str| match key {
            "campaign/limited-promo/redemptions" => 10,
            "campaign/counting-promo/redemptions" => 100,
            "per-customer/c-1/public-coupon/all" => 1,
            "code/MINE4" => 1,
            _ => 0,
        };
        let spent = answer_through_plan(&request, used).expect("answers");
        let counted = |redemptions: i64, customer: i64| Counters {
            campaign_redemptions: redemptions,
            customer_redemptions: customer,
            ..Default::default()
        };
        let by_id = HashMap::from([
            ("limited-promo".to_owned(), counted(10, 0)),
            ("counting-promo".to_owned(), counted(100, 0)),
            ("public-coupon".to_owned(), counted(0, 1)),
        ]);
        let code_used = Counters {
            code_redeemed: 1,
            ..Default::default()
        };
        assert_eq!(spent, answer_through_index(&request, by_id, code_used));
        let ids: Vec<&str> = spent
            .entries
            .iter()
            .map(|entry| entry.result.as_ref().unwrap().campaign_id.as_str())
            .collect();
        assert_eq!(ids, ["open-promo"]);
    }
}

#[test]
fn values_that_do_not_match_the_keys_are_refused() {
    let prepared = plan()
        .prepare_qualify(
            &request(false).encode_to_vec(),
            support::unix_ms(NOW),
            None,
            &[],
        )
        .expect("prepares");
    let error = prepared.qualify(&[1, 2]).expect_err("refused");
    assert!(
        matches!(error, CheckoutError::Context(_)),
        "a context error: {error:?}"
    );
}

#[test]
fn a_request_that_does_not_decode_names_the_request() {
    let error = plan()
        .prepare_qualify(b"\xff\xff", support::unix_ms(NOW), None, &[])
        .expect_err("refused");
    match error {
        CheckoutError::Request(error) => assert_eq!(error.field, "request"),
        other => panic!("a request error: {other:?}"),
    }
}

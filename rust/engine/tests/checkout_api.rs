//! The checkout API beyond the fixtures: bytes in and out, malformed contexts, and invariants
//! over many generated carts.

mod support;

use prost::Message;
use serde_json::json;

use promocore_engine::pb::internal::{CheckoutInput, EvaluationContext, ResolvedRedeemable};
use promocore_engine::pb::v1::redeemable::Target;
use promocore_engine::pb::v1::{
    Campaign, Item, Order, Redeemable, RedeemableStatus, ValidateRequest, ValidateResponse,
};
use promocore_engine::{
    evaluate_checkout, evaluate_checkout_bytes, CheckoutError, CompiledCampaign,
};

fn campaign(effect: serde_json::Value, rules: Option<serde_json::Value>) -> CompiledCampaign {
    let mut json = json!({
        "id": "c", "name": "C", "type": "DISCOUNT_COUPONS", "currency": "EUR", "effect": effect
    });
    if let Some(rules) = rules {
        json["rules"] = rules;
    }
    CompiledCampaign::compile(&support::campaign(&json)).expect("compiles")
}

fn order(items: Vec<(i64, i64)>) -> Order {
    Order {
        currency: "EUR".to_owned(),
        items: items
            .into_iter()
            .enumerate()
            .map(|(index, (unit_price, quantity))| Item {
                sku: format!("SKU-{index}"),
                unit_price,
                quantity,
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

fn code(code: &str) -> Redeemable {
    Redeemable {
        target: Some(Target::Code(code.to_owned())),
        ..Default::default()
    }
}

fn slot(campaign_slot: i32) -> ResolvedRedeemable {
    ResolvedRedeemable {
        campaign_slot,
        ..Default::default()
    }
}

const NOW: i64 = 1_736_942_400_000; // 2025-01-15T12:00:00Z

#[test]
fn evaluates_validate_request_bytes() {
    let compiled = campaign(json!({"amount_off_order": {"amount": 500}}), None);
    let request = ValidateRequest {
        order: Some(order(vec![(2000, 1)])),
        redeemables: vec![code("FIVE")],
        reservation: Some(Default::default()),
        ..Default::default()
    };
    let context = EvaluationContext {
        now_unix_ms: NOW,
        redeemables: vec![slot(0)],
        ..Default::default()
    };
    let bytes = evaluate_checkout_bytes(
        &request.encode_to_vec(),
        &context.encode_to_vec(),
        &[&compiled],
    )
    .expect("evaluates");
    let response = ValidateResponse::decode(bytes.as_slice()).expect("a ValidateResponse");
    assert!(response.valid);
    assert_eq!(response.redeemables[0].items_discount, 500);
}

#[test]
fn compiles_campaign_bytes() {
    let campaign = support::campaign(&json!({
        "id": "c", "name": "C", "type": "PROMOTION", "currency": "EUR", "version": 7,
        "effect": {"percent_off_order": {"percent_bp": 1000}}
    }));
    let compiled = CompiledCampaign::from_bytes(&campaign.encode_to_vec()).expect("compiles");
    assert_eq!(compiled.id(), "c");
    assert_eq!(compiled.version(), 7);
    assert_eq!(compiled.reward(), Some("10% off"));
    let error = CompiledCampaign::from_bytes(&[0xff, 0xff]).expect_err("garbage");
    assert_eq!(error.path, "campaign");
    // A campaign without anything set fails on its first field.
    let error = CompiledCampaign::compile(&Campaign::default()).expect_err("empty");
    assert_eq!(error.path, "id");
}

#[test]
fn malformed_bytes_are_reported_by_side() {
    let context = EvaluationContext::default().encode_to_vec();
    match evaluate_checkout_bytes(&[0xff, 0xff], &context, &[]) {
        Err(CheckoutError::Request(error)) => assert_eq!(error.field, "request"),
        other => panic!("expected a request error, got {other:?}"),
    }
    let request = ValidateRequest {
        order: Some(order(vec![(100, 1)])),
        ..Default::default()
    }
    .encode_to_vec();
    assert!(matches!(
        evaluate_checkout_bytes(&request, &[0xff, 0xff], &[]),
        Err(CheckoutError::Context(_))
    ));
}

#[test]
fn malformed_contexts_are_context_errors() {
    let compiled = campaign(json!({"amount_off_order": {"amount": 500}}), None);
    let input = CheckoutInput {
        order: Some(order(vec![(2000, 1)])),
        redeemables: vec![code("A")],
        ..Default::default()
    };
    let contexts = [
        EvaluationContext {
            now_unix_ms: NOW,
            ..Default::default()
        },
        EvaluationContext {
            now_unix_ms: NOW,
            redeemables: vec![slot(1)],
            ..Default::default()
        },
        EvaluationContext {
            now_unix_ms: NOW,
            redeemables: vec![slot(-2)],
            ..Default::default()
        },
        EvaluationContext {
            now_unix_ms: NOW,
            redeemables: vec![slot(0)],
            promotions: vec![slot(-1)],
            ..Default::default()
        },
        EvaluationContext {
            now_unix_ms: i64::MAX,
            redeemables: vec![slot(0)],
            ..Default::default()
        },
    ];
    for context in contexts {
        let outcome = evaluate_checkout(&input, &context, &[&compiled]);
        assert!(
            matches!(outcome, Err(CheckoutError::Context(_))),
            "{context:?} -> {outcome:?}"
        );
    }
}

#[test]
fn request_errors_come_before_context_errors() {
    let input = CheckoutInput::default();
    let context = EvaluationContext {
        redeemables: vec![slot(9)],
        ..Default::default()
    };
    match evaluate_checkout(&input, &context, &[]) {
        Err(CheckoutError::Request(error)) => assert_eq!(error.field, "order"),
        other => panic!("expected a request error, got {other:?}"),
    }
}

/// A small deterministic generator so the property test needs no extra dependency.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % bound
    }
}

#[test]
fn property_allocations_and_totals_are_consistent() {
    let campaigns = [
        campaign(json!({"amount_off_order": {"amount": 777}}), None),
        campaign(json!({"percent_off_order": {"percent_bp": 3333}}), None),
        campaign(
            json!({"percent_off_order": {"percent_bp": 1500, "cap": 2000}}),
            Some(json!({"subject": "order.amount", "op": "gte", "value": 1000})),
        ),
        campaign(json!({"amount_off_order": {"amount": 1_000_000}}), None),
        campaign(json!({"percent_off_order": {"percent_bp": 10000}}), None),
    ];
    let compiled: Vec<&CompiledCampaign> = campaigns.iter().collect();
    let mut random = Lcg(7);
    for _ in 0..2_000 {
        let lines = 1 + random.below(8) as usize;
        let items: Vec<(i64, i64)> = (0..lines)
            .map(|_| (random.below(5_000) as i64, 1 + random.below(4) as i64))
            .collect();
        let redeemable_count = random.below(7) as usize;
        let redeemables: Vec<Redeemable> = (0..redeemable_count)
            .map(|index| code(&format!("CODE{index}")))
            .collect();
        let resolved: Vec<ResolvedRedeemable> = (0..redeemable_count)
            .map(|_| slot(random.below(compiled.len() as u64) as i32))
            .collect();
        let input = CheckoutInput {
            order: Some(order(items.clone())),
            redeemables,
            ..Default::default()
        };
        let context = EvaluationContext {
            now_unix_ms: NOW,
            redeemables: resolved,
            ..Default::default()
        };
        let response = evaluate_checkout(&input, &context, &compiled).expect("evaluates");
        let totals = response.totals.expect("totals");
        let mut discounted = vec![0i64; lines];
        let mut sum_of_results = 0;
        for result in &response.redeemables {
            let allocated: i64 = result.allocations.iter().map(|a| a.discount).sum();
            assert_eq!(allocated, result.items_discount);
            if result.status != RedeemableStatus::Applicable as i32 {
                assert_eq!(result.items_discount, 0);
            }
            for allocation in &result.allocations {
                assert!(allocation.discount > 0);
                discounted[allocation.item_index as usize] += allocation.discount;
            }
            sum_of_results += result.items_discount;
        }
        for (line, (unit_price, quantity)) in items.iter().enumerate() {
            assert!(
                discounted[line] <= unit_price * quantity,
                "line {line} went negative"
            );
        }
        assert_eq!(totals.items_discount, sum_of_results);
        assert_eq!(totals.total_discount, totals.items_discount);
        assert_eq!(
            totals.amount_after_discounts,
            totals.amount - totals.total_discount
        );
        assert!(totals.amount_after_discounts >= 0);
        assert_eq!(totals.total_to_pay, totals.amount_after_discounts);
        let applied = response
            .redeemables
            .iter()
            .filter(|r| r.status == RedeemableStatus::Applicable as i32)
            .count();
        assert!(applied <= 5);
    }
}
